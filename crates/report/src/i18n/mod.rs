//! Every word a report shows people, in each language hooklab speaks.
//!
//! Renderers never write a label inline: they name a [`Msg`] and ask for its
//! text in a [`Lang`](hooklab_core::lang::Lang). Each message is one `match` arm per language, so adding
//! a message without its Portuguese is a compile error, not English leaking
//! into a pt-BR slide. The vocabulary follows the seed presentation
//! (`consulta`, `requisições`, `notificação`, `atraso`, `pedidos`).
//!
//! Machine-readable output (`summary.json`, `summary.csv` column names) stays
//! in one language on purpose: scripts and spreadsheets key on it.
//!
//! Its parts: [`msg`] holds the fixed labels ([`Msg`]), [`sentences`] the
//! sentences with numbers in them (headline, footnote, readings). The
//! language itself is [`hooklab_core::lang::Lang`], shared with the live page
//! and the GitHub receiver.

pub mod msg;
pub mod sentences;

pub use msg::Msg;
pub use sentences::{
    PollReading, cdf_legend, combined_error_note, draws_note, dup_wasted_note, footnote, headline,
    health_message, hybrid_reading, interval_note, missed_clause, missed_note, outside_note,
    per_day_note, placement_lag_mild, polls_below_model, quiet_tail, sample_note, spectrum_how,
    spectrum_reading, stream_reading, webhook_reading,
};
