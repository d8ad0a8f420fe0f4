//! Printers of a [`Scorecard`]: a terminal table, Markdown for a slide, JSON.
//!
//! They only read the scorecard; every sentence comes from [`crate::text`] in
//! the chosen language. The table colours the verdicts only when the caller
//! says so (the CLI does on a terminal, and never with `NO_COLOR`). The JSON
//! is documented field by field in `docs/check.md`; its `version` changes if
//! a field changes meaning.

use crate::case::{CaseResult, Verdict};
use crate::scorecard::Scorecard;
use crate::text;
use hooklab_core::lang::Lang;
use serde::Serialize;

/// The version of the JSON format.
pub const JSON_VERSION: u32 = 1;

/// How wide the table's wrapped lines may be.
const WIDTH: usize = 100;

/// The terminal scorecard. `color` adds ANSI colours to the verdicts.
pub fn table(card: &Scorecard, lang: Lang, color: bool) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "hooklab check · {} · {}\n\n",
        card.url,
        card.scheme.name()
    ));
    let word_width = card
        .results
        .iter()
        .map(|r| text::verdict(r.verdict, lang).chars().count())
        .max()
        .unwrap_or(4);
    let title_width = card
        .results
        .iter()
        .map(|r| text::title(r.case, lang).chars().count())
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(word_width + 2);
    let (sent_label, why_label) = match lang {
        Lang::En => ("sent: ", "why:  "),
        Lang::PtBr => ("envio: ", "motivo:"),
    };
    // A note repeated on the next skipped case is said once, then referred to.
    let mut previous_note: Option<&crate::case::Note> = None;
    for result in &card.results {
        let word = text::verdict(result.verdict, lang);
        let padded = format!("{word:<word_width$}");
        out.push_str(&paint(&padded, result.verdict, color));
        out.push_str("  ");
        out.push_str(&format!(
            "{:<title_width$}  {}\n",
            text::title(result.case, lang),
            text::got(result, lang)
        ));
        // A pass needs no explaining, and a skip sent nothing: for those,
        // only the note (a hint's caveat, why it was skipped).
        let detailed = matches!(result.verdict, Verdict::Fail | Verdict::Warn);
        let lines = [
            detailed.then(|| format!("{sent_label} {}", text::sent_for(result, card, lang))),
            result.note.as_ref().map(|n| {
                let repeated = result.verdict == Verdict::Skip && previous_note == Some(n);
                if repeated {
                    text::same_note(lang).to_owned()
                } else {
                    text::note(n, lang)
                }
            }),
            detailed.then(|| format!("{why_label} {}", text::why(result.case, lang))),
        ];
        for line in lines.into_iter().flatten() {
            for wrapped in wrap(&line, WIDTH.saturating_sub(indent.len())) {
                out.push_str(&indent);
                out.push_str(&wrapped);
                out.push('\n');
            }
        }
        previous_note = result.note.as_ref();
        // The HTTP library's own words under the translated cause, one
        // unwrapped line each, so its label starts every line it is on.
        if detailed {
            for words in text::details(result) {
                out.push_str(&format!(
                    "{indent}{}: {}\n",
                    text::detail_label(lang),
                    hooklab_core::printable::escape_controls(words)
                ));
            }
        }
    }
    out.push('\n');
    // How fast the receiver answers and what the battery cut for it, when
    // either is worth a line (a slow receiver, a battery sized down).
    if let Some(line) = card.pace.as_ref().and_then(|p| text::pace(p, lang)) {
        for wrapped in wrap(&line, WIDTH) {
            out.push_str(&wrapped);
            out.push('\n');
        }
    }
    out.push_str(&summary_line(card, lang));
    out.push('\n');
    out
}

/// The summary and what the exit code will be.
fn summary_line(card: &Scorecard, lang: Lang) -> String {
    let code = card.exit_code();
    let exit = match lang {
        Lang::En => format!("exit code {code}"),
        Lang::PtBr => format!("código de saída {code}"),
    };
    format!("{} ({exit})", text::summary(&card.counts(), lang))
}

fn paint(text: &str, verdict: Verdict, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    let code = match verdict {
        Verdict::Pass => "32",
        Verdict::Fail => "1;31",
        Verdict::Warn => "33",
        Verdict::Skip => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Splits `line` into lines of at most `width` characters, at spaces.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if !current.is_empty() && needed > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// A Markdown table, one row per case, for a slide or a pull request.
pub fn markdown(card: &Scorecard, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "**hooklab check** `{}` · {}\n\n",
        card.url,
        card.scheme.name()
    ));
    let header = match lang {
        Lang::En => "| | case | sent | answer | why it matters |",
        Lang::PtBr => "| | caso | envio | resposta | por que importa |",
    };
    out.push_str(header);
    out.push_str("\n|---|---|---|---|---|\n");
    for result in &card.results {
        let mark = match result.verdict {
            Verdict::Pass => "✅",
            Verdict::Fail => "❌",
            Verdict::Warn => "⚠️",
            Verdict::Skip => "➖",
        };
        let mut why = text::why(result.case, lang).to_owned();
        if let Some(note) = &result.note {
            why = format!("*{}* {why}", text::note(note, lang));
        }
        out.push_str(&format!(
            "| {mark} {} | {} | {} | {} | {} |\n",
            text::verdict(result.verdict, lang),
            cell(text::title(result.case, lang)),
            cell(&text::sent_for(result, card, lang)),
            cell(&text::got(result, lang)),
            cell(&why),
        ));
    }
    if let Some(line) = card.pace.as_ref().and_then(|p| text::pace(p, lang)) {
        out.push_str(&format!("\n{}\n", cell(&line)));
    }
    out.push_str(&format!("\n**{}**\n", summary_line(card, lang)));
    out
}

/// Text safe inside a Markdown table cell: `|` would end the cell, and
/// `<the right digest>` would be read as an HTML tag and vanish.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// The JSON document (see `docs/check.md`).
#[derive(Serialize)]
struct JsonCard<'a> {
    version: u32,
    url: &'a str,
    scheme: crate::delivery::Scheme,
    state_url: Option<&'a str>,
    lang: String,
    summary: crate::scorecard::Counts,
    exit_code: u8,
    /// The receiver's pace and the battery's sizes ([`crate::pace::Pace`]).
    pace: Option<crate::pace::Pace>,
    /// The pace line's sentence, when there is one.
    pace_note: Option<String>,
    cases: Vec<JsonCase<'a>>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    id: &'static str,
    title: &'static str,
    verdict: Verdict,
    sent: String,
    got: String,
    why: &'static str,
    note: Option<String>,
    replies: &'a [crate::target::Reply],
    state: Option<crate::case::StateChange>,
    timing: Option<crate::case::TimingStats>,
}

fn json_case<'a>(card: &Scorecard, result: &'a CaseResult, lang: Lang) -> JsonCase<'a> {
    JsonCase {
        id: result.case.id(),
        title: text::title(result.case, lang),
        verdict: result.verdict,
        sent: text::sent_for(result, card, lang),
        got: text::got(result, lang),
        why: text::why(result.case, lang),
        note: result.note.as_ref().map(|n| text::note(n, lang)),
        replies: &result.replies,
        state: result.state,
        timing: result.timing,
    }
}

/// The scorecard as pretty-printed JSON, ending with a newline.
pub fn json(card: &Scorecard, lang: Lang) -> String {
    let doc = JsonCard {
        version: JSON_VERSION,
        url: &card.url,
        scheme: card.scheme,
        state_url: card.state_url.as_deref(),
        lang: lang.to_string(),
        summary: card.counts(),
        exit_code: card.exit_code(),
        pace: card.pace,
        pace_note: card.pace.as_ref().and_then(|p| text::pace(p, lang)),
        cases: card
            .results
            .iter()
            .map(|r| json_case(card, r, lang))
            .collect(),
    };
    // Serializing plain structs of strings and numbers cannot fail; a NaN
    // would become `null`.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Case, Note};
    use crate::delivery::Scheme;
    use crate::target::Reply;

    fn card() -> Scorecard {
        let answered = |status| Reply::Answered {
            status,
            elapsed_us: 420,
        };
        Scorecard {
            url: "http://127.0.0.1:8080/webhook".into(),
            scheme: Scheme::Github,
            state_url: None,
            oversized_bytes: 26_214_401,
            timing_samples: 200,
            pace: None,
            results: vec![
                CaseResult::new(Case::Genuine, vec![answered(200)], Verdict::Pass, None),
                CaseResult::new(
                    Case::ForgedSignature,
                    vec![answered(200)],
                    Verdict::Fail,
                    Some(Note::Accepted),
                ),
                CaseResult::skipped(Case::StaleTimestamp, Note::GithubHasNoTimestamp),
            ],
        }
    }

    #[test]
    fn the_table_has_no_colour_unless_asked_and_says_the_exit_code() {
        let plain = table(&card(), Lang::En, false);
        assert!(!plain.contains('\x1b'), "{plain}");
        assert!(
            plain.contains("fail  refuses a forged signature"),
            "{plain}"
        );
        assert!(plain.contains("200 in 0.42 ms"), "{plain}");
        assert!(plain.contains("1 of 3 passed, 1 failed, 0 warned, 1 skipped (exit code 1)"));
        let coloured = table(&card(), Lang::En, true);
        assert!(coloured.contains("\x1b[1;31mfail\x1b[0m"), "{coloured}");
        let pt = table(&card(), Lang::PtBr, false);
        assert!(pt.contains("recusa uma assinatura forjada"), "{pt}");
        assert!(pt.contains("código de saída 1"), "{pt}");
    }

    #[test]
    fn wrapped_lines_fit() {
        let long = "word ".repeat(50);
        for line in wrap(long.trim(), 30) {
            assert!(line.chars().count() <= 30, "{line}");
        }
    }

    #[test]
    fn markdown_is_one_row_per_case() {
        let md = markdown(&card(), Lang::En);
        assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), 4);
        assert!(
            md.contains("| ❌ fail | refuses a forged signature |"),
            "{md}"
        );
    }

    #[test]
    fn json_names_every_case_by_id() {
        let value: serde_json::Value = serde_json::from_str(&json(&card(), Lang::En)).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["scheme"], "github");
        assert_eq!(value["exit_code"], 1);
        assert_eq!(value["summary"]["failed"], 1);
        assert_eq!(value["cases"][1]["id"], "forged-signature");
        assert_eq!(value["cases"][1]["verdict"], "fail");
        assert_eq!(value["cases"][1]["replies"][0]["status"], 200);
        assert_eq!(value["cases"][1]["replies"][0]["kind"], "answered");
        assert_eq!(value["cases"][2]["verdict"], "skip");
    }
}
