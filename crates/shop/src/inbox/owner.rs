//! Whom an inbox belongs to ([`InboxOwner`]): the platform its orders were
//! placed with and the merchant that placed them, kept in a table of one
//! row, `owner`, from the inbox's first open on.
//!
//! The merchant is kept as a fingerprint of its API key (the first 64
//! bits of its SHA-256), never the key: the inbox is a file a student may
//! copy or show, and telling two keys apart needs no more.

use super::InboxError;
use hooklab_core::clock::Clock;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// Whom an inbox belongs to: one row, made on the first open (an inbox
/// written before it existed gains it at its next open).
const OWNER_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS owner (
    only           INTEGER PRIMARY KEY CHECK (only = 1),
    platform       TEXT NOT NULL,
    merchant       TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL
)";

/// Whom an inbox's orders belong to: the platform they were placed with and
/// the merchant that placed them. Two owners are the same when both parts
/// are equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxOwner {
    /// The platform's address, normalised ([`InboxOwner::new`]).
    pub platform: String,
    /// The merchant, as a fingerprint of its API key: `sha256:` and the
    /// first 16 hex digits of the key's SHA-256. Enough to tell two keys
    /// apart; the key itself is never written.
    pub merchant: String,
}

impl InboxOwner {
    /// The owner for a shop talking to `platform` with `api_key`.
    ///
    /// The address is normalised so that two spellings of one address are
    /// one owner: surrounding spaces and trailing slashes dropped, scheme
    /// and host in lower case, the scheme's default port dropped
    /// (`HTTP://127.0.0.1:80/` is `http://127.0.0.1`). Two names of one
    /// machine (`localhost`, `127.0.0.1`) stay two addresses: nothing here
    /// can tell they reach the same platform.
    pub fn new(platform: &str, api_key: &str) -> Self {
        InboxOwner {
            platform: normalised_url(platform),
            merchant: key_fingerprint(api_key),
        }
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
/// Checks that the inbox on `conn` belongs to `owner`, or records
/// `owner` if it names none yet; `true` when it recorded it.
pub(super) fn claim(
    conn: &Connection,
    path: &Path,
    owner: &InboxOwner,
    clock: Clock,
) -> Result<bool, Claim> {
    conn.execute_batch(OWNER_SCHEMA)?;
    let kept = conn
        .query_row(
            "SELECT platform, merchant FROM owner WHERE only = 1",
            [],
            |r| {
                Ok(InboxOwner {
                    platform: r.get(0)?,
                    merchant: r.get(1)?,
                })
            },
        )
        .optional()?;
    match kept {
        Some(kept) if &kept == owner => Ok(false),
        Some(kept) => Err(Claim::Other(Box::new(InboxError::OtherOwner {
            path: path.to_path_buf(),
            kept,
            given: owner.clone(),
        }))),
        None => {
            conn.execute(
                "INSERT INTO owner (only, platform, merchant, recorded_at_us) VALUES (1, ?1, ?2, ?3)",
                params![
                    owner.platform,
                    owner.merchant,
                    clock.unix_us(clock.now())
                ],
            )?;
            Ok(true)
        }
    }
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
            assert_eq!((kept, said), (&owner(), &given));
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
