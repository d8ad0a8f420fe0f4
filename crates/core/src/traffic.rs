//! What a strategy costs beyond its requests: bytes on the wire, connections
//! opened and held, and the platform's CPU time, as plain data for
//! `summary.json` (the harness measures them, the report crate renders them).
//!
//! Requests are one cost; a 304 and a 5 KB event page are both "one
//! request", and a long poll or an event stream is one request that holds a
//! connection for minutes. So the harness counts what hyper actually writes
//! and reads on each connection, headers included, at both ends of it: the
//! client's end (the shop's for API traffic, the platform's for webhook
//! deliveries) and the server's end. Both ends of one connection see the
//! same bytes, so in virtual time the two counts must agree exactly
//! ([`Link::ends_agree`]); a gap would mean the transport lost or invented
//! bytes.
//!
//! Its parts: [`Traffic`] (one strategy's costs), [`Link`] (one direction:
//! the shop calling the platform's API, or the platform delivering webhooks
//! to the shop) and [`WireCount`] (what one end of a link saw).

use serde::{Deserialize, Serialize};

/// One strategy's costs beyond its requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    /// The shop calling the platform's API (creations, polls, event pages,
    /// long polls, streams, endpoint registration).
    pub api: Link,
    /// The platform delivering webhooks to the shop's receiver.
    pub webhooks: Link,
    /// CPU time the platform's runtime threads spent over the strategy's run
    /// (ms), read from each thread's CPU clock (real mode only: in virtual
    /// time one thread runs the platform and the shop together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_cpu_ms: Option<f64>,
    /// `platform_cpu_ms` over the orders the shop learned (real mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_cpu_ms_per_order: Option<f64>,
    /// How many shops, each with its own connection pool, the strategy ran
    /// as, when more than one: a large virtual run of a separable strategy
    /// is split into that many independent worlds (the harness's shards,
    /// chosen from the scenario alone), and every `connections_opened`,
    /// `held_mean` and `held_max` above is then the sum of their pools'.
    /// Every other number is one shop's. Absent: one shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shops: Option<u64>,
}

/// One direction of traffic, as each end of its connections saw it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The sending side's count (the shop for the API, the platform for
    /// webhooks). `None` where that end cannot be measured: real mode's
    /// reqwest keeps its connections to itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<WireCount>,
    /// The serving side's count (the platform for the API, the shop's
    /// receiver for webhooks).
    pub server: WireCount,
}

impl Link {
    /// Whether the client's and the server's ends counted the same bytes and
    /// connections (`true` when only the server's end was measured).
    pub fn ends_agree(&self) -> bool {
        self.client.as_ref().is_none_or(|c| {
            c.request_bytes == self.server.request_bytes
                && c.response_bytes == self.server.response_bytes
                && c.connections_opened == self.server.connections_opened
        })
    }

    /// Bytes both ways, as the server's end counted them.
    pub fn bytes(&self) -> u64 {
        self.server.request_bytes + self.server.response_bytes
    }
}

/// What one end of a link's connections saw over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WireCount {
    /// Bytes of requests (heads and bodies), as written or read on the
    /// connection.
    pub request_bytes: u64,
    /// Bytes of responses (heads and bodies).
    pub response_bytes: u64,
    /// Connections opened.
    pub connections_opened: u64,
    /// Connections open at once, averaged over the run's time (a connection
    /// open for half the run counts one half).
    pub held_mean: f64,
    /// The most connections open at once.
    pub held_max: u64,
}

impl Traffic {
    /// Bytes both ways in both directions, as the servers counted them.
    pub fn bytes(&self) -> u64 {
        self.api.bytes() + self.webhooks.bytes()
    }

    /// Whether every link's two ends agree.
    pub fn ends_agree(&self) -> bool {
        self.api.ends_agree() && self.webhooks.ends_agree()
    }

    /// The most connections held at once, both directions added (a bound:
    /// the two peaks may not fall at the same instant).
    pub fn held_max(&self) -> u64 {
        self.api.server.held_max + self.webhooks.server.held_max
    }

    /// Connections held on average, both directions.
    pub fn held_mean(&self) -> f64 {
        self.api.server.held_mean + self.webhooks.server.held_mean
    }

    /// Connections opened, both directions.
    pub fn connections_opened(&self) -> u64 {
        self.api.server.connections_opened + self.webhooks.server.connections_opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(req: u64, resp: u64, conns: u64) -> WireCount {
        WireCount {
            request_bytes: req,
            response_bytes: resp,
            connections_opened: conns,
            held_mean: 0.5,
            held_max: 1,
        }
    }

    #[test]
    fn ends_agree_only_on_equal_counts() {
        let mut link = Link {
            client: Some(count(10, 20, 1)),
            server: count(10, 20, 1),
        };
        assert!(link.ends_agree());
        assert_eq!(link.bytes(), 30);
        link.client = Some(count(10, 21, 1));
        assert!(!link.ends_agree());
        link.client = Some(count(10, 20, 2));
        assert!(!link.ends_agree());
        link.client = None;
        assert!(link.ends_agree(), "one end measured: nothing to disagree");
    }
}
