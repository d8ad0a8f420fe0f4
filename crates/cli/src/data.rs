//! `hooklab platform --data` and `hooklab shop --data`: where the demo's
//! two sides keep what must survive a restart, and what a restart on the
//! same file picks up.
//!
//! The platform's store ([`hooklab_platform::store`]) holds the clock's
//! origin, the id epoch and the merchant's key of the first start, so a
//! platform started again on the same file reads its instants, ids and key
//! as before: the shop that still holds `pay_…` ids and a key goes on as if
//! nothing had happened, and learns every outcome.

use crate::text;
use anyhow::Context as _;
use hooklab_core::clock::Clock;
use hooklab_core::events::EventSink;
use hooklab_core::ids::IdEpoch;
use hooklab_core::ids::OrderId;
use hooklab_core::lang::Lang;
use hooklab_platform::Merchant;
use hooklab_platform::store::{self, Opened, StoreError};
use hooklab_shop::inbox::{Inbox, InboxError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default `--data`: a file in the current folder.
pub const DEFAULT_DATA: &str = "hooklab-platform.sqlite";

/// A store opened for `hooklab platform`, and what the start takes from it.
pub struct PlatformData {
    pub opened: Opened,
    /// Resumed from the store's origin when it held something.
    pub clock: Clock,
    /// The store's epoch, or a fresh one.
    pub epoch: IdEpoch,
    /// The merchant the store knows (used when no `--api-key` is given).
    pub merchant: Option<Merchant>,
    /// One line for people: where the data is, and what was resumed.
    pub line: String,
}

/// Opens `path` (emptied first when `reset`).
pub fn open(path: &Path, reset: bool, lang: Lang) -> anyhow::Result<PlatformData> {
    let opened = store::open(path, reset)
        .with_context(|| text::phrase(lang, text::Phrase::OpenData, &path.display().to_string()))?;
    let now = Clock::system_unix_us();
    let clock = match opened.origin_unix_us() {
        Some(origin) => Clock::resumed(origin, now),
        None => Clock::starting_now(now),
    }
    .precise();
    // A new epoch for a new file (ids never repeat across files); the
    // file's own when it has one.
    let epoch = opened
        .id_epoch()
        .unwrap_or_else(|| IdEpoch::from_seed(now as u64));
    let merchant = opened.merchants().first().cloned();
    let shown = display_path(path);
    let line = match (&opened.snapshot, opened.store.is_durable()) {
        (_, false) => text::pick(
            lang,
            "data: in memory only (--data :memory:): nothing survives a restart".to_owned(),
            "dados: só na memória (--data :memory:): nada sobrevive a um reinício".to_owned(),
        ),
        (None, true) => match lang {
            Lang::En => format!("data: {shown} (new; kill me and start me again: nothing is lost)"),
            Lang::PtBr => {
                format!("dados: {shown} (novo; mate o processo e inicie de novo: nada se perde)")
            }
        },
        (Some(snapshot), true) => {
            let (payments, deliveries) = snapshot.pending();
            match lang {
                Lang::En => format!(
                    "data: {shown} (resumed: {payments} payments pending, {deliveries} webhook deliveries to resume)"
                ),
                Lang::PtBr => format!(
                    "dados: {shown} (retomado: {payments} pagamentos pendentes, {deliveries} entregas de webhook a retomar)"
                ),
            }
        }
    };
    Ok(PlatformData {
        opened,
        clock,
        epoch,
        merchant,
        line,
    })
}

/// The path as people should read it: absolute, so a student knows which
/// folder's file `sqlite3` must open.
fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

/// Whether `error` is a data file that is not a usable hooklab store (bad
/// input: exit code 2) rather than a machine that failed (exit code 1).
pub fn is_bad_file(error: &anyhow::Error) -> bool {
    error.chain().any(|link| {
        link.downcast_ref::<StoreError>()
            .is_some_and(StoreError::is_bad_file)
            || link
                .downcast_ref::<InboxError>()
                .is_some_and(InboxError::is_bad_file)
    })
}

/// The shop's inbox, opened, and what it held.
pub struct ShopData {
    pub inbox: Arc<Inbox>,
    /// Delivery ids already processed.
    pub processed: HashSet<String>,
    /// Orders still waiting for their outcome.
    pub pending: Vec<OrderId>,
    /// One line for people.
    pub line: String,
}

/// Opens the shop's inbox at `path`.
pub fn open_inbox(path: &Path, clock: Clock, lang: Lang) -> anyhow::Result<ShopData> {
    let (inbox, contents) = Inbox::open(path, clock)
        .with_context(|| text::phrase(lang, text::Phrase::OpenData, &path.display().to_string()))?;
    let shown = display_path(path);
    let (ids, known, waiting) = (
        contents.processed.len(),
        contents.known,
        contents.pending.len(),
    );
    let line = match lang {
        Lang::En => format!(
            "inbox: {shown} ({ids} delivery ids processed, {known} orders known, {waiting} waiting for their outcome)"
        ),
        Lang::PtBr => format!(
            "caixa de entrada: {shown} ({ids} ids de entrega processados, {known} pedidos conhecidos, {waiting} esperando o resultado)"
        ),
    };
    Ok(ShopData {
        inbox: Arc::new(inbox),
        processed: contents.processed,
        pending: contents.pending,
        line,
    })
}

/// `printing`, with every event also noted in `inbox` first (orders placed,
/// outcomes learned by polling).
pub fn journalled(printing: EventSink, inbox: Arc<Inbox>) -> EventSink {
    EventSink::to(move |event| {
        inbox.note(&event);
        printing.emit(event.at, || event.what);
    })
}
