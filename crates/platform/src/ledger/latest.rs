//! Where a merchant's event log ends now: the cursor an event stream opened
//! without `Last-Event-ID` starts from (it sends what happens from then on).

use super::Ledger;
use hooklab_core::ids::{EventId, MerchantId};

impl Ledger {
    /// The id of `merchant`'s latest event, if it has any (a forgotten one
    /// is still where the log ends).
    pub(crate) fn latest_event(&self, merchant: &MerchantId) -> Option<EventId> {
        let &last = self.events_by_merchant.get(merchant)?.back()?;
        Some(EventId::numbered_in(&self.epoch, last))
    }
}
