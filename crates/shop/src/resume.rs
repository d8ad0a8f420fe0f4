//! What a restarted shop needs from its inbox beyond the dedup set: the
//! webhook endpoint it registered (id, URL, signing secret), so that it
//! reuses it rather than register a new one that none of the old events
//! go to, and the orders that ended without a payment (or whose payment
//! the platform no longer knows), so that they are not resumed and waited
//! on forever.
//!
//! The endpoint is kept in its own table, `endpoint`, made on first use
//! (an inbox written before it existed gains it then). Its secret is kept
//! in clear, as the platform's own file keeps it: both files are the lab's,
//! on this machine.

use crate::inbox::{Inbox, InboxError};
use hooklab_core::clock::Micros;
use hooklab_core::ids::{EndpointId, OrderId};
use rusqlite::{OptionalExtension, params};

/// The table of the endpoint a shop registered, one row per URL.
const ENDPOINT_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS endpoint (
    url              TEXT PRIMARY KEY,
    id               TEXT NOT NULL,
    secret           TEXT NOT NULL,
    registered_at_us INTEGER NOT NULL
)";

/// The status an order's row takes when it ended without a payment; its
/// `via` column says why ([`Missed`]).
pub const MISSED: &str = "missed";

/// Why an order ended without an outcome, as its row's `via` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    /// The platform never created its payment: every try of its creation
    /// failed, or was refused, within the shop's retry budget.
    CreationFailed,
    /// The platform no longer knows its payment (`404` or `410` to a read:
    /// it was started afresh, or forgot the payment after its retention
    /// window, its event unread), so its outcome can never be learned.
    PaymentGone,
}

impl Missed {
    /// The reason as stored: `creation_failed`, `payment_gone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Missed::CreationFailed => "creation_failed",
            Missed::PaymentGone => "payment_gone",
        }
    }
}

/// A webhook endpoint the shop registered, as its inbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedEndpoint {
    /// The platform's id for it.
    pub id: EndpointId,
    /// The signing secret the platform handed back (`whsec_…`).
    pub secret: String,
    /// When it was registered, in unix microseconds: a recovery asks for
    /// the events since then.
    pub registered_at_us: i64,
}

impl Inbox {
    /// The endpoint this shop registered for `url`, if it kept one.
    pub fn saved_endpoint(&self, url: &str) -> Result<Option<SavedEndpoint>, InboxError> {
        self.write(|tx| {
            tx.execute_batch(ENDPOINT_SCHEMA)?;
            tx.query_row(
                "SELECT id, secret, registered_at_us FROM endpoint WHERE url = ?1",
                params![url],
                |r| {
                    Ok(SavedEndpoint {
                        id: EndpointId(r.get(0)?),
                        secret: r.get(1)?,
                        registered_at_us: r.get(2)?,
                    })
                },
            )
            .optional()
        })
    }

    /// The endpoint this shop registered last for a URL other than `url`,
    /// with that URL: a shop restarted with another `--listen` finds here
    /// the endpoint whose deliveries still go to its old address.
    pub fn endpoint_elsewhere(
        &self,
        url: &str,
    ) -> Result<Option<(String, SavedEndpoint)>, InboxError> {
        self.write(|tx| {
            tx.execute_batch(ENDPOINT_SCHEMA)?;
            tx.query_row(
                "SELECT url, id, secret, registered_at_us FROM endpoint WHERE url <> ?1 \
                 ORDER BY registered_at_us DESC LIMIT 1",
                params![url],
                |r| {
                    Ok((
                        r.get(0)?,
                        SavedEndpoint {
                            id: EndpointId(r.get(1)?),
                            secret: r.get(2)?,
                            registered_at_us: r.get(3)?,
                        },
                    ))
                },
            )
            .optional()
        })
    }

    /// Forgets the endpoint kept for `url` (it was replaced by one for
    /// another URL, and removed from the platform).
    pub fn forget_endpoint(&self, url: &str) -> Result<(), InboxError> {
        self.write(|tx| {
            tx.execute_batch(ENDPOINT_SCHEMA)?;
            tx.execute("DELETE FROM endpoint WHERE url = ?1", params![url])?;
            Ok(())
        })
    }

    /// Keeps `endpoint`, registered for `url`, replacing what was kept for
    /// that URL. Call before the shop places an order, so that a restart
    /// finds it.
    pub fn save_endpoint(&self, url: &str, endpoint: &SavedEndpoint) -> Result<(), InboxError> {
        self.write(|tx| {
            tx.execute_batch(ENDPOINT_SCHEMA)?;
            tx.execute(
                "INSERT OR REPLACE INTO endpoint (url, id, secret, registered_at_us) VALUES (?1, ?2, ?3, ?4)",
                params![
                    url,
                    endpoint.id.as_str(),
                    endpoint.secret,
                    endpoint.registered_at_us
                ],
            )?;
            Ok(())
        })
    }

    /// Records that `order` ended without an outcome, and why: its row
    /// says `missed` and the reason, and a restarted shop does not resume
    /// it. An order whose outcome is already known keeps it.
    pub fn missed(&self, order: &OrderId, why: Missed, at: Micros) -> Result<(), InboxError> {
        let at_us = self.unix_us(at);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO orders (order_id, status, placed_at_us, via) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, via = excluded.via \
                 WHERE known_at_us IS NULL",
                params![order.as_str(), MISSED, at_us, why.as_str()],
            )?;
            Ok(())
        })
    }

    /// Records as missed ([`Missed::PaymentGone`]) every order `book` ended
    /// unknown ([`crate::orders::OrderBook::abandoned`]: the platform no
    /// longer knows its payment), so that a restarted shop does not wait
    /// for it for ever; answers how many. An order whose outcome the inbox
    /// knows keeps it.
    pub fn missed_gone(
        &self,
        book: &crate::orders::OrderBook,
        at: Micros,
    ) -> Result<usize, InboxError> {
        let gone = book.abandoned_orders();
        for (order, _) in &gone {
            self.missed(order, Missed::PaymentGone, at)?;
        }
        Ok(gone.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hooklab_core::clock::Clock;
    use hooklab_core::events::{Happening, RunEvent};

    fn clock() -> Clock {
        Clock::starting_now(1_767_225_600_000_000)
    }

    fn owner() -> crate::inbox::InboxOwner {
        crate::inbox::InboxOwner::new("http://127.0.0.1:4242", "sk_test_inbox_owner")
    }

    /// An order whose creation failed is kept as missed, with its reason,
    /// and a reopened inbox does not list it as waiting; the endpoint kept
    /// for a URL is found again after a reopen, and only for that URL.
    #[tokio::test(start_paused = true)]
    async fn missed_orders_are_not_resumed_and_the_endpoint_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        let url = "http://127.0.0.1:4343/webhooks/payments";
        let saved = SavedEndpoint {
            id: EndpointId("we_0a1b2c3d_000001".to_owned()),
            secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0".to_owned(),
            registered_at_us: 1_767_225_600_000_000,
        };
        {
            let (inbox, _) = Inbox::open(&path, clock(), &owner()).unwrap();
            assert_eq!(inbox.saved_endpoint(url).unwrap(), None);
            inbox.save_endpoint(url, &saved).unwrap();
            for n in 1..=2 {
                inbox.note(&RunEvent {
                    at: Micros(n),
                    what: Happening::OrderPlaced {
                        order: OrderId::numbered(n),
                    },
                });
            }
            inbox
                .missed(&OrderId::numbered(2), Missed::CreationFailed, Micros(3))
                .unwrap();
            // A kill -9: the connection dropped with nothing else done.
        }
        let (inbox, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert_eq!(contents.pending, vec![OrderId::numbered(1)]);
        assert_eq!(contents.missed, 1);
        assert_eq!(inbox.saved_endpoint(url).unwrap(), Some(saved.clone()));
        let other = "http://127.0.0.1:4344/webhooks/payments";
        assert_eq!(inbox.saved_endpoint(other).unwrap(), None);
        // Asked from another address, the kept one is found with its URL;
        // from its own, there is none elsewhere; once forgotten, none.
        assert_eq!(
            inbox.endpoint_elsewhere(other).unwrap(),
            Some((url.to_owned(), saved.clone()))
        );
        assert_eq!(inbox.endpoint_elsewhere(url).unwrap(), None);
        inbox.forget_endpoint(url).unwrap();
        assert_eq!(inbox.endpoint_elsewhere(other).unwrap(), None);
        assert_eq!(inbox.saved_endpoint(url).unwrap(), None);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let row: (String, String) = conn
            .query_row(
                "SELECT status, via FROM orders WHERE order_id = ?1",
                params![OrderId::numbered(2).as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(row, ("missed".to_owned(), "creation_failed".to_owned()));
    }
}
