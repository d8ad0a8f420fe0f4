//! Whom an inbox belongs to ([`InboxOwner`]): the platform its orders were
//! placed with and the merchant that placed them, kept in a table of one
//! row, `owner`, from the inbox's first open on.
//!
//! The merchant is kept as a fingerprint of its API key (the first 64
//! bits of its SHA-256), never the key: the inbox is a file a student may
//! copy or show, and telling two keys apart needs no more.
//!
//! The platform is kept as its address and, when the shop could ask it
//! (`GET /v1/platform`), its id: the epoch its ids carry, which its data
//! file keeps across restarts. The address alone refused the same platform
//! restarted on another port (`hooklab platform --listen 127.0.0.1:0` picks
//! a new one each start); the id recognises it, and the inbox then follows
//! it to its new address. Without an id on both sides (an inbox from
//! before, a platform that could not be asked) the address decides, as it
//! did. The same address is the same owner whatever the id: a platform
//! started afresh there (`--data :memory:`) is taken as the inbox's own,
//! and the orders it does not know are created again (see `crate::resume`).

use super::InboxError;
use hooklab_core::clock::Clock;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// Whom an inbox belongs to: one row, made on the first open (an inbox
/// written before it existed gains it at its next open). `platform_id` was
/// added later: [`claim`] adds the column to an older inbox's table.
const OWNER_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS owner (
    only           INTEGER PRIMARY KEY CHECK (only = 1),
    platform       TEXT NOT NULL,
    merchant       TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    platform_id    TEXT
)";

/// Whom an inbox's orders belong to: the platform they were placed with and
/// the merchant that placed them (see [`InboxOwner::owns`] for when two
/// are the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxOwner {
    /// The platform's address, normalised ([`InboxOwner::new`]).
    pub platform: String,
    /// The merchant, as a fingerprint of its API key: `sha256:` and the
    /// first 16 hex digits of the key's SHA-256. Enough to tell two keys
    /// apart; the key itself is never written.
    pub merchant: String,
    /// The platform's id (`GET /v1/platform`), if it was known: the same
    /// for every start on one data file, whatever its address.
    pub platform_id: Option<String>,
}

impl InboxOwner {
    /// The owner for a shop talking to `platform` with `api_key`.
    ///
    /// The address is normalised so that two spellings of one address are
    /// one owner: surrounding spaces and trailing slashes dropped, scheme
    /// and host in lower case, the scheme's default port dropped
    /// (`HTTP://127.0.0.1:80/` is `http://127.0.0.1`). Two names of one
    /// machine (`localhost`, `127.0.0.1`) stay two addresses, unless the
    /// platform's id says they reach the same platform
    /// ([`InboxOwner::with_platform_id`]).
    pub fn new(platform: &str, api_key: &str) -> Self {
        InboxOwner {
            platform: normalised_url(platform),
            merchant: key_fingerprint(api_key),
            platform_id: None,
        }
    }

    /// The same owner, its platform known by `id` (what `GET /v1/platform`
    /// answered; `None` if it could not be asked).
    pub fn with_platform_id(mut self, id: Option<String>) -> Self {
        self.platform_id = id.filter(|id| !id.is_empty());
        self
    }

    /// Whether an inbox kept for `self` may be opened by `given`: the same
    /// merchant, and the same platform: the same address, or the same id
    /// at another address.
    pub fn owns(&self, given: &InboxOwner) -> bool {
        let same_id = matches!(
            (&self.platform_id, &given.platform_id),
            (Some(kept), Some(given)) if kept == given
        );
        self.merchant == given.merchant && (self.platform == given.platform || same_id)
    }
}

/// `url` as [`InboxOwner::new`] keeps it.
fn normalised_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let Ok(uri) = url.parse::<http::Uri>() else {
        return url.to_owned();
    };
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return url.to_owned();
    };
    let scheme = scheme.to_ascii_lowercase();
    let host = authority.host().to_ascii_lowercase();
    let port = match (scheme.as_str(), authority.port_u16()) {
        ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
        (_, Some(port)) => format!(":{port}"),
    };
    let path = uri
        .path_and_query()
        .map_or("", |p| p.as_str())
        .trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
}

/// `sha256:` and the first 16 hex digits of the SHA-256 of `api_key`.
fn key_fingerprint(api_key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(api_key.trim().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// How [`claim`] failed: SQLite's error (classified by the caller),
/// or another owner.
pub(super) enum Claim {
    Sqlite(rusqlite::Error),
    Other(Box<InboxError>),
}

impl From<rusqlite::Error> for Claim {
    fn from(e: rusqlite::Error) -> Self {
        Claim::Sqlite(e)
    }
}
/// What [`claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Claimed {
    /// The inbox named no owner: `owner` is recorded.
    Recorded,
    /// It is `owner`'s (its platform's id, if newly known, recorded).
    Same,
    /// It is `owner`'s platform (the same id) at another address, the one
    /// it held: the row now names the new address.
    Moved {
        /// The address the inbox knew.
        from: String,
    },
}

/// Checks that the inbox on `conn` belongs to `owner` ([`InboxOwner::owns`]),
/// or records `owner` if it names none yet. The row then says where the
/// platform is now and, if known, its id (a platform started afresh at the
/// same address has a new one).
pub(super) fn claim(
    conn: &Connection,
    path: &Path,
    owner: &InboxOwner,
    clock: Clock,
) -> Result<Claimed, Claim> {
    conn.execute_batch(OWNER_SCHEMA)?;
    // An owner table from before platform ids.
    let has_id: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('owner') WHERE name = 'platform_id'",
        [],
        |r| r.get(0),
    )?;
    if !has_id {
        conn.execute_batch("ALTER TABLE owner ADD COLUMN platform_id TEXT")?;
    }
    let kept = conn
        .query_row(
            "SELECT platform, merchant, platform_id FROM owner WHERE only = 1",
            [],
            |r| {
                Ok(InboxOwner {
                    platform: r.get(0)?,
                    merchant: r.get(1)?,
                    platform_id: r.get(2)?,
                })
            },
        )
        .optional()?;
    let Some(kept) = kept else {
        conn.execute(
            "INSERT INTO owner (only, platform, merchant, recorded_at_us, platform_id) \
             VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                owner.platform,
                owner.merchant,
                clock.unix_us(clock.now()),
                owner.platform_id
            ],
        )?;
        return Ok(Claimed::Recorded);
    };
    if !kept.owns(owner) {
        return Err(Claim::Other(Box::new(InboxError::OtherOwner {
            path: path.to_path_buf(),
            kept: Box::new(kept),
            given: Box::new(owner.clone()),
        })));
    }
    // An id not learned this time (the platform could not be asked) keeps
    // the one the inbox knew.
    let id = owner.platform_id.clone().or(kept.platform_id.clone());
    if kept.platform != owner.platform || kept.platform_id != id {
        conn.execute(
            "UPDATE owner SET platform = ?1, platform_id = ?2 WHERE only = 1",
            params![owner.platform, id],
        )?;
    }
    Ok(if kept.platform == owner.platform {
        Claimed::Same
    } else {
        Claimed::Moved {
            from: kept.platform,
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::inbox::{APPLICATION_ID, Inbox, SCHEMA};
    use hooklab_core::clock::Micros;
    use hooklab_core::events::{Happening, RunEvent};
    use hooklab_core::ids::OrderId;

    fn clock() -> Clock {
        Clock::starting_now(1_767_225_600_000_000)
    }

    fn owner() -> InboxOwner {
        InboxOwner::new("http://127.0.0.1:4242", "sk_test_inbox_owner")
    }

    #[test]
    fn an_owner_is_a_normalised_address_and_a_fingerprint_never_the_key() {
        let owner = InboxOwner::new(" HTTP://127.0.0.1:4242/ ", "sk_test_secret_key");
        assert_eq!(
            owner,
            InboxOwner::new("http://127.0.0.1:4242", "sk_test_secret_key")
        );
        assert_eq!(owner.platform, "http://127.0.0.1:4242");
        assert_eq!(
            InboxOwner::new("http://LocalHost:80", "k").platform,
            "http://localhost"
        );
        assert_ne!(
            owner.platform,
            InboxOwner::new("http://127.0.0.1:4243", "k").platform
        );
        assert!(owner.merchant.starts_with("sha256:") && owner.merchant.len() == 23);
        assert!(!owner.merchant.contains("secret"), "{}", owner.merchant);
        assert_ne!(
            owner.merchant,
            InboxOwner::new("http://127.0.0.1:4242", "sk_test_other").merchant
        );
    }

    /// The tester's finding: an inbox reused with another platform or
    /// another key made the shop ask the wrong platform about its orders.
    /// Now the inbox is refused, saying whom it belongs to and what was
    /// given, and nothing in it changes; its own owner opens it again.
    #[test]
    fn an_inbox_is_refused_to_another_platform_or_merchant() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        let (inbox, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert!(contents.owner_recorded);
        inbox.note(&RunEvent {
            at: Micros(1),
            what: Happening::OrderPlaced {
                order: OrderId::numbered(1),
            },
        });
        drop(inbox);
        let key = "sk_test_inbox_owner";
        for given in [
            InboxOwner::new("http://127.0.0.1:4343", key),
            InboxOwner::new("http://127.0.0.1:4242", "sk_test_another_merchant"),
        ] {
            let err = Inbox::open(&path, clock(), &given).unwrap_err();
            assert!(err.is_bad_file(), "{err:?}");
            let InboxError::OtherOwner {
                kept, given: said, ..
            } = &err
            else {
                panic!("{err:?}");
            };
            assert_eq!((&**kept, &**said), (&owner(), &given));
            let text = err.to_string();
            for part in [
                &path.display().to_string(),
                &owner().platform,
                &given.platform,
            ] {
                assert!(text.contains(part.as_str()), "{part}: {text}");
            }
            assert!(
                !text.contains(key) && !text.contains("sk_test_another"),
                "{text}"
            );
        }
        let (_, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert!(!contents.owner_recorded);
        assert_eq!(contents.pending, vec![OrderId::numbered(1)]);
    }

    /// A student's finding: `hooklab platform --listen 127.0.0.1:0` picks a
    /// new port at each start, and the inbox refused the same platform
    /// (the same data file) restarted on it. Its id (the epoch its data
    /// file keeps) recognises it: the inbox opens, says where the platform
    /// was, and names the new address from then on (so the next open
    /// there needs no id). Another platform (another id) at another
    /// address is still refused, both ids said.
    #[test]
    fn the_same_platform_on_another_address_is_known_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        let key = "sk_test_inbox_owner";
        let at = |url: &str, id: Option<&str>| {
            InboxOwner::new(url, key).with_platform_id(id.map(str::to_owned))
        };
        let first = at("http://127.0.0.1:4242", Some("1a2b3c4d"));
        let (inbox, contents) = Inbox::open(&path, clock(), &first).unwrap();
        assert!(contents.owner_recorded);
        inbox.note(&RunEvent {
            at: Micros(1),
            what: Happening::OrderPlaced {
                order: OrderId::numbered(1),
            },
        });
        drop(inbox);
        let moved = at("http://127.0.0.1:5353", Some("1a2b3c4d"));
        let (_, contents) = Inbox::open(&path, clock(), &moved).unwrap();
        assert_eq!(
            contents.moved_from.as_deref(),
            Some("http://127.0.0.1:4242")
        );
        assert_eq!(contents.pending, vec![OrderId::numbered(1)]);
        // The new address is the inbox's now, even unasked.
        let (_, contents) =
            Inbox::open(&path, clock(), &at("http://127.0.0.1:5353", None)).unwrap();
        assert_eq!(contents.moved_from, None);
        // The old address without an id is no longer its platform's.
        let err = Inbox::open(&path, clock(), &at("http://127.0.0.1:4242", None)).unwrap_err();
        assert!(matches!(err, InboxError::OtherOwner { .. }), "{err:?}");
        // Another platform elsewhere: refused, both ids said.
        let other = at("http://127.0.0.1:6464", Some("99999999"));
        let err = Inbox::open(&path, clock(), &other).unwrap_err();
        assert!(err.is_bad_file(), "{err:?}");
        let text = err.to_string();
        for part in [
            "platform id 1a2b3c4d",
            "platform id 99999999",
            ":6464",
            ":5353",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // A platform started afresh at the inbox's address (a new id) is
        // taken as its own, as before ids: its id is recorded.
        let afresh = at("http://127.0.0.1:5353", Some("0badcafe"));
        Inbox::open(&path, clock(), &afresh).unwrap();
        let moved_again = at("http://127.0.0.1:7575", Some("0badcafe"));
        let (_, contents) = Inbox::open(&path, clock(), &moved_again).unwrap();
        assert_eq!(
            contents.moved_from.as_deref(),
            Some("http://127.0.0.1:5353")
        );
        // Another key is refused whatever the id.
        let thief = InboxOwner::new("http://127.0.0.1:7575", "sk_test_other")
            .with_platform_id(Some("0badcafe".to_owned()));
        assert!(Inbox::open(&path, clock(), &thief).is_err());
    }

    /// An inbox whose owner row is from before platform ids gains the
    /// column at its next open; until its platform's id is recorded (at an
    /// open on its own address) the address decides.
    #[test]
    fn an_owner_row_from_before_platform_ids_falls_back_to_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("older.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.execute_batch(
                "CREATE TABLE owner (only INTEGER PRIMARY KEY CHECK (only = 1), \
                 platform TEXT NOT NULL, merchant TEXT NOT NULL, recorded_at_us INTEGER NOT NULL)",
            )
            .unwrap();
            let old = owner();
            conn.execute(
                "INSERT INTO owner VALUES (1, ?1, ?2, 1)",
                params![old.platform, old.merchant],
            )
            .unwrap();
        }
        let id = Some("1a2b3c4d".to_owned());
        let elsewhere = InboxOwner::new("http://127.0.0.1:5353", "sk_test_inbox_owner")
            .with_platform_id(id.clone());
        let err = Inbox::open(&path, clock(), &elsewhere).unwrap_err();
        assert!(matches!(err, InboxError::OtherOwner { .. }), "{err:?}");
        let (_, contents) =
            Inbox::open(&path, clock(), &owner().with_platform_id(id.clone())).unwrap();
        assert!(!contents.owner_recorded);
        let (_, contents) = Inbox::open(&path, clock(), &elsewhere).unwrap();
        assert_eq!(
            contents.moved_from.as_deref(),
            Some("http://127.0.0.1:4242")
        );
    }

    /// An inbox written before inboxes kept their owner is not refused: it
    /// takes the owner of its first open, and is refused to others after.
    #[test]
    fn an_inbox_without_an_owner_takes_its_first_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.execute(
                "INSERT INTO orders (order_id, status, placed_at_us) VALUES ('ord_000001', 'pending', 1)",
                [],
            )
            .unwrap();
        }
        let (_, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert!(contents.owner_recorded);
        assert_eq!(contents.pending, vec![OrderId::numbered(1)]);
        let other = InboxOwner::new("http://127.0.0.1:9999", "sk_test_inbox_owner");
        let err = Inbox::open(&path, clock(), &other).unwrap_err();
        assert!(matches!(err, InboxError::OtherOwner { .. }), "{err:?}");
    }
}
