//! Webhook endpoints: registration with a fresh signing secret, rotation
//! with a grace period (the old secret still signs, so a receiver can switch
//! without losing a delivery), deletion, and disabling an endpoint that
//! answered 410 or kept failing (see [`DisablePolicy`]), and enabling it
//! again when its owner asks for its events back (`recover`).
//!
//! A registration for a URL the merchant already has replaces that endpoint
//! (a new id and secret) rather than adding a second one: a shop that
//! restarts registers again, and without this every restart added an
//! endpoint whose old secret the shop no longer knew, so each event went out
//! once more and was refused with 401 for days.
//!
//! Every change of the endpoints (a registration, a deletion, a rotation,
//! a disabling) moves their [`Version`], which the dispatcher reads without
//! the ledger's lock: while it has not moved, the endpoints the dispatcher
//! read under the lock are still the ledger's, so a delivery needs the lock
//! only to record its attempt.

use super::Ledger;
use crate::DisablePolicy;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EndpointId, MerchantId};
use hooklab_core::signature::WebhookSecret;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of changes made to the ledger's endpoints so far, shared with
/// the dispatcher. Moved under the ledger's lock, before the change is
/// made; read without it, a value equal to one read under the lock says
/// nothing changed since.
#[derive(Clone, Debug, Default)]
pub(crate) struct Version(Arc<AtomicU64>);

impl Version {
    /// The number of changes so far.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    fn moved(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// How many previous secrets an endpoint keeps signing with during
/// rotations: with the current one, a delivery carries at most three
/// signatures (Standard Webhooks receivers check each one against their
/// secrets; a rotation is meant to overlap one or two, not thousands).
pub(crate) const MAX_RETIRING: usize = 2;

/// A registered webhook endpoint.
#[derive(Clone, Debug)]
pub(crate) struct EndpointRecord {
    pub(crate) id: EndpointId,
    pub(crate) merchant: MerchantId,
    pub(crate) url: String,
    pub(crate) uri: http::Uri,
    /// The current secret.
    pub(crate) secret: WebhookSecret,
    /// Secrets replaced by a rotation, still signed with until their instant,
    /// so receivers can switch without losing a delivery.
    pub(crate) retiring: Vec<(WebhookSecret, Micros)>,
    /// Set when the endpoint answered 410 Gone or failed too many attempts
    /// in a row: no more deliveries.
    pub(crate) disabled: bool,
    /// Failed attempts since the endpoint last accepted one.
    pub(crate) consecutive_failures: u32,
    /// When the first of those failed (kept in memory only: a restarted
    /// platform starts the run again, which can only delay a disabling).
    pub(crate) failing_since: Option<Micros>,
}

impl EndpointRecord {
    /// Every secret to sign with at `now`: the current one first.
    pub(crate) fn signing_secrets(&self, now: Micros) -> impl Iterator<Item = &WebhookSecret> {
        std::iter::once(&self.secret).chain(
            self.retiring
                .iter()
                .filter(move |(_, until)| *until > now)
                .map(|(s, _)| s),
        )
    }
}

impl Ledger {
    /// Registers an endpoint with a fresh secret: `whsec_` and 24 random bytes
    /// in base64, as the Standard Webhooks spec shapes them.
    ///
    /// Replaces (removes) the merchant's endpoints with the same URL, and
    /// answers their ids beside the new record.
    pub(crate) fn add_endpoint(
        &mut self,
        merchant: &MerchantId,
        url: String,
        uri: http::Uri,
    ) -> (EndpointRecord, Vec<EndpointId>) {
        self.endpoints_version.moved();
        let mut replaced = Vec::new();
        self.endpoints.retain(|e| {
            let same = &e.merchant == merchant && e.url == url;
            if same {
                replaced.push(e.id.clone());
            }
            !same
        });
        self.next_endpoint += 1;
        let record = EndpointRecord {
            id: EndpointId::numbered_in(&self.epoch, self.next_endpoint),
            merchant: merchant.clone(),
            url,
            uri,
            secret: WebhookSecret::generate(&mut self.rng),
            retiring: Vec::new(),
            disabled: false,
            consecutive_failures: 0,
            failing_since: None,
        };
        self.endpoints.push(record.clone());
        (record, replaced)
    }

    /// Deletes `merchant`'s endpoint `id`; deliveries queued for it are
    /// dropped when their turn comes. Answers whether there was one.
    pub(crate) fn remove_endpoint(&mut self, merchant: &MerchantId, id: &EndpointId) -> bool {
        self.endpoints_version.moved();
        let before = self.endpoints.len();
        self.endpoints
            .retain(|e| !(&e.id == id && &e.merchant == merchant));
        self.endpoints.len() < before
    }

    /// Counts an attempt's outcome (at `now`) against `id`'s run of
    /// failures, and disables the endpoint when `policy` says the run is
    /// long enough (see [`DisablePolicy`]). Answers the run's length when
    /// this attempt disabled it.
    pub(crate) fn note_endpoint_result(
        &mut self,
        id: &EndpointId,
        ok: bool,
        policy: Option<DisablePolicy>,
        now: Micros,
    ) -> Option<u32> {
        let e = self.endpoints.iter_mut().find(|e| &e.id == id)?;
        if ok {
            e.consecutive_failures = 0;
            e.failing_since = None;
            return None;
        }
        e.consecutive_failures = e.consecutive_failures.saturating_add(1);
        let since = *e.failing_since.get_or_insert(now);
        let policy = policy?;
        let disable = !e.disabled && policy.disables(e.consecutive_failures, since, now);
        if !disable {
            return None;
        }
        self.endpoints_version.moved();
        e.disabled = true;
        Some(e.consecutive_failures)
    }

    /// Enables `merchant`'s endpoint `id` again, with a fresh run of
    /// failures: its owner asked for its events back (`recover`), so it
    /// says the receiver is back. Answers the record when it was disabled.
    pub(crate) fn enable_endpoint(
        &mut self,
        merchant: &MerchantId,
        id: &EndpointId,
    ) -> Option<EndpointRecord> {
        let e = self
            .endpoints
            .iter_mut()
            .find(|e| &e.id == id && &e.merchant == merchant && e.disabled)?;
        // The dispatcher's copy of the endpoints still says disabled: it
        // reads them again once the version moves.
        self.endpoints_version.moved();
        e.disabled = false;
        e.consecutive_failures = 0;
        e.failing_since = None;
        Some(e.clone())
    }

    /// Gives `merchant`'s endpoint `id` a new secret; the old one still signs
    /// until `now + grace`. At most [`MAX_RETIRING`] old secrets are kept
    /// signing, the oldest dropped first: every delivery carries one
    /// signature per live secret, and 2,000 rotations in a row made a
    /// 96 KB signature header.
    pub(crate) fn rotate_secret(
        &mut self,
        merchant: &MerchantId,
        id: &EndpointId,
        now: Micros,
        grace: Dur,
    ) -> Option<EndpointRecord> {
        let fresh = WebhookSecret::generate(&mut self.rng);
        self.endpoints_version.moved();
        let e = self
            .endpoints
            .iter_mut()
            .find(|e| &e.id == id && &e.merchant == merchant)?;
        let old = std::mem::replace(&mut e.secret, fresh);
        e.retiring.retain(|(_, until)| *until > now);
        e.retiring.push((old, now.plus(grace)));
        if e.retiring.len() > MAX_RETIRING {
            let extra = e.retiring.len() - MAX_RETIRING;
            e.retiring.drain(..extra);
        }
        Some(e.clone())
    }

    /// `merchant`'s endpoint `id`, enabled or not.
    pub(crate) fn endpoint(
        &self,
        merchant: &MerchantId,
        id: &EndpointId,
    ) -> Option<&EndpointRecord> {
        self.endpoints
            .iter()
            .find(|e| &e.id == id && &e.merchant == merchant)
    }

    /// `merchant`'s enabled endpoints (all of them, or only `only`).
    pub(crate) fn endpoints_of(
        &self,
        merchant: &MerchantId,
        only: Option<&EndpointId>,
    ) -> Vec<EndpointRecord> {
        self.endpoints
            .iter()
            .filter(|e| &e.merchant == merchant && !e.disabled && only.is_none_or(|o| o == &e.id))
            .cloned()
            .collect()
    }

    /// Endpoint `id`, of any merchant, enabled or not.
    pub(crate) fn endpoint_by_id(&self, id: &EndpointId) -> Option<&EndpointRecord> {
        self.endpoints.iter().find(|e| &e.id == id)
    }

    /// The enabled endpoint that replaced `old` (same merchant, same URL,
    /// registered since), if `old` was replaced.
    pub(crate) fn successor_of(&self, old: &EndpointRecord) -> Option<&EndpointRecord> {
        self.endpoints.iter().find(|e| {
            e.id != old.id && e.merchant == old.merchant && e.url == old.url && !e.disabled
        })
    }

    /// The endpoints' [`Version`], for the dispatcher to keep.
    pub(crate) fn endpoints_version(&self) -> Version {
        self.endpoints_version.clone()
    }

    /// How many endpoints were ever registered: the last one's number.
    pub(crate) fn endpoints_registered(&self) -> u64 {
        self.next_endpoint
    }

    /// Whether `id` is still enabled.
    pub(crate) fn endpoint_enabled(&self, id: &EndpointId) -> bool {
        self.endpoints.iter().any(|e| &e.id == id && !e.disabled)
    }

    /// Disables `id` (it answered 410 Gone).
    pub(crate) fn disable_endpoint(&mut self, id: &EndpointId) {
        self.endpoints_version.moved();
        for e in self.endpoints.iter_mut().filter(|e| &e.id == id) {
            e.disabled = true;
        }
    }
}
