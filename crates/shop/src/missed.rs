//! Why the shop ended an order missed, for programs and for people.
//!
//! An order ends missed in the shop when its payment could not be created
//! ([`OrderBook::creation_failed`]) or when the platform no longer answers
//! for its payment ([`OrderBook::abandoned`]): it lost it, forgot it, or is
//! another platform. Each end carries a [`MissedReason`]: a stable
//! [`MissedCode`] (`payment_gone`, …) that programs and tests match, and
//! the sentence for people in English and in Brazilian Portuguese
//! ([`Said`]), which `hooklab shop` prints in the language it was given.
//!
//! The English sentence is, word for word, the text the book kept before
//! it had a code: the harness folds it into `summary.json`
//! (`missed_orders[].reason`), so committed results read the same.
//!
//! [`OrderBook::creation_failed`]: crate::orders::OrderBook::creation_failed
//! [`OrderBook::abandoned`]: crate::orders::OrderBook::abandoned

use crate::client::ClientError;
use hooklab_core::lang::{Lang, Said};

/// Why an order ended missed, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MissedCode {
    /// Every try to create its payment failed or was refused.
    CreationFailed,
    /// A poll of its payment was answered `404` (no such payment) or `410`
    /// (forgotten), or named another order's payment.
    PaymentGone,
    /// A reader of the event log learned that events were forgotten
    /// unread (`Events-Forgotten-Through`), and the platform no longer
    /// answers for the payment.
    EventForgotten,
    /// A reader's cursor was answered `410 cursor_expired`, and the
    /// platform no longer answers for the payment.
    CursorExpired,
    /// The platform answering is not the one that made the payment (it was
    /// started again without its data), and it does not know the payment.
    PlatformReplaced,
}

impl MissedCode {
    /// Every code, for tests and tables.
    pub const ALL: [MissedCode; 5] = [
        MissedCode::CreationFailed,
        MissedCode::PaymentGone,
        MissedCode::EventForgotten,
        MissedCode::CursorExpired,
        MissedCode::PlatformReplaced,
    ];

    /// The code as programs read it: `creation_failed`, `payment_gone`,
    /// `event_forgotten`, `cursor_expired`, `platform_replaced`.
    pub fn as_str(self) -> &'static str {
        match self {
            MissedCode::CreationFailed => "creation_failed",
            MissedCode::PaymentGone => "payment_gone",
            MissedCode::EventForgotten => "event_forgotten",
            MissedCode::CursorExpired => "cursor_expired",
            MissedCode::PlatformReplaced => "platform_replaced",
        }
    }
}

impl std::fmt::Display for MissedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an order ended missed: its code and its sentence in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissedReason {
    code: MissedCode,
    said: Said,
}

impl MissedReason {
    /// A reason of `code`, said `said`.
    pub fn new(code: MissedCode, said: Said) -> MissedReason {
        MissedReason { code, said }
    }

    /// Its payment could not be created: `error` is what the last try got.
    pub fn creation_failed(error: &ClientError) -> MissedReason {
        MissedReason::from_error(MissedCode::CreationFailed, error)
    }

    /// A poll of its payment got `error` (a `404`, a `410`, another
    /// order's payment): the platform no longer answers for it.
    pub fn payment_gone(error: &ClientError) -> MissedReason {
        MissedReason::from_error(MissedCode::PaymentGone, error)
    }

    /// The client's error alone, as the book recorded it before.
    fn from_error(code: MissedCode, error: &ClientError) -> MissedReason {
        MissedReason::new(
            code,
            Said::new(error.chain_in(Lang::En), error.chain_in(Lang::PtBr)),
        )
    }

    /// The stable code.
    pub fn code(&self) -> MissedCode {
        self.code
    }

    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        self.said.get(lang)
    }

    /// The sentence in English: what `summary.json` keeps.
    pub fn english(&self) -> &str {
        &self.said.en
    }
}

impl std::fmt::Display for MissedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::duration::Dur;

    #[test]
    fn codes_are_distinct_and_the_english_is_the_errors_own_chain() {
        let codes: std::collections::HashSet<&str> =
            MissedCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes.len(), MissedCode::ALL.len());
        let gone = ClientError::Refused {
            status: 410,
            retry_after: None,
            code: "forgotten".to_owned(),
            message: "payment `pay_1` is finished and was forgotten".to_owned(),
        };
        let reason = MissedReason::payment_gone(&gone);
        assert_eq!(reason.code(), MissedCode::PaymentGone);
        // What summary.json read before the reason had a code.
        assert_eq!(reason.english(), gone.chain());
        assert_eq!(
            reason.text(Lang::PtBr),
            "a plataforma respondeu 410: forgotten: payment `pay_1` is finished and was forgotten"
        );
        let slow = MissedReason::creation_failed(&ClientError::TimedOut(Dur::from_secs(10)));
        assert_eq!(slow.code().as_str(), "creation_failed");
        assert!(
            slow.text(Lang::PtBr).contains("não respondeu em 10s"),
            "{slow:?}"
        );
    }
}
