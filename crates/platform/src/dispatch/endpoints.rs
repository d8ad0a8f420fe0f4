//! The dispatcher's copy of the endpoints it delivers to.
//!
//! Every event the dispatcher takes off its queue goes to its merchant's
//! enabled endpoints (or to the endpoints of its outbox rows). Reading them
//! took the ledger's lock once an event and copied each endpoint (its URL,
//! its secrets) once a delivery, while settlement holds that lock for
//! batches of 64 payments: in a burst the dispatcher waited on it behind
//! every batch. This copy is read under the lock once and then kept, shared
//! (`Arc`) by every delivery made from it, for as long as the ledger's
//! [`EndpointsVersion`] has not moved: any registration, deletion, rotation
//! or disabling moves it, and the next event reads the endpoints again. So
//! an event goes where it went before, with the same secrets, and the lock
//! is taken only when something changed.
//!
//! Only the dispatcher's task uses it (no lock of its own); the version it
//! hands out with each endpoint lets a delivery's attempt skip the
//! "is it still enabled?" look-up while nothing changed either.

use crate::Shared;
use crate::ledger::{EndpointRecord, EndpointsVersion, FastMap};
use hooklab_core::ids::{EndpointId, MerchantId};
use std::sync::Arc;

/// Endpoints as the ledger had them at [`EndpointCache::seen`].
pub(crate) struct EndpointCache {
    version: EndpointsVersion,
    /// The version the entries were read at.
    seen: u64,
    /// Each merchant's enabled endpoints, in the ledger's order.
    of_merchant: FastMap<MerchantId, Arc<[Arc<EndpointRecord>]>>,
    /// Endpoints by id (outbox rows name theirs); `None`: deleted or disabled.
    by_id: FastMap<EndpointId, Option<Arc<EndpointRecord>>>,
}

impl EndpointCache {
    /// An empty cache of `shared`'s endpoints.
    pub(crate) fn new(shared: &Shared) -> Self {
        let version = shared.ledger().endpoints_version();
        EndpointCache {
            seen: version.get(),
            version,
            of_merchant: FastMap::default(),
            by_id: FastMap::default(),
        }
    }

    /// The version the ledger's endpoints are at now (read without its lock).
    pub(crate) fn current(&self) -> u64 {
        self.version.get()
    }

    /// Forgets every entry if the endpoints changed since they were read;
    /// called with the ledger locked, so `seen` is then exact.
    fn sync_locked(&mut self) {
        let now = self.version.get();
        if now != self.seen {
            self.of_merchant.clear();
            self.by_id.clear();
            self.seen = now;
        }
    }

    /// `merchant`'s enabled endpoints and the version they are valid at.
    pub(crate) fn of_merchant(
        &mut self,
        shared: &Shared,
        merchant: &MerchantId,
    ) -> (Arc<[Arc<EndpointRecord>]>, u64) {
        if self.current() == self.seen
            && let Some(list) = self.of_merchant.get(merchant)
        {
            return (list.clone(), self.seen);
        }
        let ledger = shared.ledger();
        self.sync_locked();
        let list: Arc<[Arc<EndpointRecord>]> = ledger
            .endpoints_of(merchant, None)
            .into_iter()
            .map(Arc::new)
            .collect();
        drop(ledger);
        self.of_merchant.insert(merchant.clone(), list.clone());
        (list, self.seen)
    }

    /// Each of `ids`' endpoint, if it is still enabled, and the version
    /// that holds at: one lock at most, none when all were read since the
    /// last change.
    pub(crate) fn by_ids<'a>(
        &mut self,
        shared: &Shared,
        ids: impl Iterator<Item = &'a EndpointId> + Clone,
    ) -> (Vec<Option<Arc<EndpointRecord>>>, u64) {
        let known =
            self.current() == self.seen && ids.clone().all(|id| self.by_id.contains_key(id));
        if !known {
            let ledger = shared.ledger();
            self.sync_locked();
            for id in ids.clone() {
                if !self.by_id.contains_key(id) {
                    let record = ledger
                        .endpoint_by_id(id)
                        .filter(|e| !e.disabled)
                        .map(|e| Arc::new(e.clone()));
                    self.by_id.insert(id.clone(), record);
                }
            }
        }
        let found = ids
            .map(|id| self.by_id.get(id).cloned().flatten())
            .collect();
        (found, self.seen)
    }
}
