//! Numbers in the prose, quoted from the committed results: the lessons
//! (`docs/aula/`, `docs/lessons/`), the READMEs and the model's worked examples cite
//! measured numbers, and every regenerated `results/` made them stale by
//! hand. Here each quoted number is a reference, written inline so the
//! Markdown still reads on GitHub (an HTML comment is invisible there):
//!
//! ```text
//! <!--n:checkout/poll-200ms/latency_ms.mean as ms-->104 ms<!--/n-->
//! ```
//!
//! [`render`] rewrites the text between the two comments from the
//! reference, in the document's language, with the same [`crate::units`]
//! functions the tables use, so a doc and a table print a number the same
//! way. A test (`doc_numbers::committed_docs_quote_the_committed_results` in
//! this crate's tests) fails when a committed doc differs from its
//! rendering; `HOOKLAB_UPDATE_DOCS=1` on that test writes the rendering.
//!
//! A reference is an expression, evaluated left to right (no precedence),
//! of operands separated by ` + `, ` - `, ` * `, ` / ` (with spaces):
//!
//! - `SCENARIO/STRATEGY/PATH`: a field of the strategy named STRATEGY in
//!   `results/SCENARIO/summary.json`, PATH dotted (`latency_ms.ci95.0`).
//! - `SCENARIO/*/PATH`: a field from the file's root (`scenario.orders`).
//! - `check:NAME/PATH`: a field of `docs/check-runs/NAME.json`, a committed
//!   `hooklab check --format json` scorecard (`counts.passed`).
//! - a number literal (`1000`), for a unit or a ratio.
//!
//! A field the file does not have is an error, never 0: a lesson once
//! quoted `missed_by_reason.not_polled_yet` as "0" from a run whose second
//! reason was `not_settled` (an absent key read as 0 hid the real one), so
//! a doc quotes only the reasons the run recorded. A count of a list is
//! `PATH#len`. The format after ` as ` is one of: `ms` ([`units::dur`]), `num`
//! ([`units::num`]), `int` ([`units::count`]), `pct` ([`units::pct`]),
//! `share` ([`units::share_digits`]), `dN` (N fixed decimals, thousands
//! grouped) or `rN` (N fixed decimals, not grouped: a number inside a
//! formula), all in the document's language.

use crate::units;
use hooklab_core::lang::Lang;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The opening of a reference: `<!--n:` + expression + ` as ` + format +
/// `-->`. Not a `|`: a pipe splits a Markdown table's cell even inside a
/// comment, and the wrap-up tables quote numbers. No `--` either (it ends a
/// comment for CommonMark), so subtraction is a lone `-`.
const OPEN: &str = "<!--n:";
/// The end of the opening comment.
const OPEN_END: &str = "-->";
/// The comment that closes the quoted number.
const CLOSE: &str = "<!--/n-->";

/// Why a document's numbers cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// A file could not be read or written.
    #[error("cannot read or write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A summary or scorecard is not JSON.
    #[error("{path} is not JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A marker is not closed, or has no format.
    #[error("line {line}: {what}")]
    Marker {
        /// The line of the marker, from 1.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A reference names no number.
    #[error("line {line}: {reference}: {what}")]
    Reference {
        /// The line of the marker, from 1.
        line: usize,
        /// The reference as written.
        reference: String,
        /// What is wrong.
        what: String,
    },
}

/// The files references read, each parsed once.
pub struct Sources {
    root: PathBuf,
    cache: RefCell<HashMap<PathBuf, Value>>,
}

impl Sources {
    /// References resolved under the repository's `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The parsed JSON of `rel`, from the cache or the disk.
    fn file(&self, rel: &Path) -> Result<Value, String> {
        if let Some(v) = self.cache.borrow().get(rel) {
            return Ok(v.clone());
        }
        let path = self.root.join(rel);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", rel.display()))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", rel.display()))?;
        self.cache
            .borrow_mut()
            .insert(rel.to_path_buf(), value.clone());
        Ok(value)
    }

    /// The number one operand names.
    fn operand(&self, token: &str) -> Result<f64, String> {
        if let Ok(x) = token.parse::<f64>() {
            return Ok(x);
        }
        let (doc, path) = if let Some(rest) = token.strip_prefix("check:") {
            let (name, path) = rest
                .split_once('/')
                .ok_or("a check reference is check:NAME/PATH")?;
            let file = PathBuf::from("docs/check-runs").join(format!("{name}.json"));
            (self.file(&file)?, path)
        } else {
            let mut parts = token.splitn(3, '/');
            let (Some(scenario), Some(strategy), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err("a reference is SCENARIO/STRATEGY/PATH".to_owned());
            };
            let file = PathBuf::from("results").join(scenario).join("summary.json");
            let summary = self.file(&file)?;
            let doc = if strategy == "*" {
                summary
            } else {
                summary
                    .get("strategies")
                    .and_then(Value::as_array)
                    .and_then(|all| {
                        all.iter()
                            .find(|s| s.get("name").and_then(Value::as_str) == Some(strategy))
                    })
                    .cloned()
                    .ok_or_else(|| format!("{} has no strategy {strategy}", file.display()))?
            };
            (doc, path)
        };
        field(&doc, path)
    }

    /// The value of a whole expression.
    fn eval(&self, expr: &str) -> Result<f64, String> {
        let mut tokens = expr.split_whitespace();
        let first = tokens.next().ok_or("an empty reference")?;
        let mut value = self.operand(first)?;
        while let Some(op) = tokens.next() {
            let rhs = self.operand(tokens.next().ok_or_else(|| format!("nothing after {op}"))?)?;
            value = match op {
                "+" => value + rhs,
                "-" => value - rhs,
                "*" => value * rhs,
                "/" if rhs != 0.0 => value / rhs,
                "/" => return Err("a division by zero".to_owned()),
                other => return Err(format!("{other} is not + - * /")),
            };
        }
        if value.is_finite() {
            Ok(value)
        } else {
            Err("not a finite number".to_owned())
        }
    }
}

/// The number at a dotted `path` of `doc` (see the module's docs).
fn field(doc: &Value, path: &str) -> Result<f64, String> {
    if path.ends_with('?') {
        return Err(format!(
            "{path}: a field the summary lacks is an error, not 0 (quote the keys the run recorded)"
        ));
    }
    let (path, len) = match path.strip_suffix("#len") {
        Some(p) => (p, true),
        None => (path, false),
    };
    let mut at = doc;
    for key in path.split('.') {
        let next = match at {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            other => other.get(key),
        };
        match next {
            Some(v) => at = v,
            None => return Err(format!("no field {key} (of {path})")),
        }
    }
    if len {
        return match at {
            Value::Array(items) => Ok(items.len() as f64),
            Value::Object(map) => Ok(map.len() as f64),
            _ => Err("#len of something that is not a list".to_owned()),
        };
    }
    at.as_f64().ok_or_else(|| format!("{path} is not a number"))
}

/// `value` written in `format`, in `lang`'s convention.
pub fn format_number(value: f64, format: &str, lang: Lang) -> Result<String, String> {
    Ok(match format {
        "ms" => units::decimal(lang, units::dur(value)),
        "num" => units::decimal(lang, units::num(value)),
        "int" => units::count(lang, value),
        "pct" => units::pct(lang, value),
        "share" => units::decimal(lang, units::share_digits(value)),
        f if f.starts_with('r') => {
            // Raw: fixed decimals and the language's decimal mark, but no
            // thousands grouping, for numbers inside a formula.
            let digits = f[1..]
                .parse::<usize>()
                .ok()
                .filter(|d| *d <= 6)
                .ok_or_else(|| format!("unknown format {f}"))?;
            let text = format!("{value:.digits$}");
            match lang {
                Lang::En => text,
                Lang::PtBr => text.replace('.', ","),
            }
        }
        f => {
            let digits = f
                .strip_prefix('d')
                .and_then(|d| d.parse::<usize>().ok())
                .filter(|d| *d <= 6)
                .ok_or_else(|| format!("unknown format {f}"))?;
            units::decimal(lang, format!("{value:.digits$}"))
        }
    })
}

/// `text` with every quoted number rewritten from its reference.
pub fn render(text: &str, lang: Lang, sources: &Sources) -> Result<String, DocError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let line_of = |rest: &str| text[..text.len() - rest.len()].lines().count().max(1);
    while let Some(start) = rest.find(OPEN) {
        let line = line_of(&rest[start..]);
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let spec_end = after.find(OPEN_END).ok_or_else(|| DocError::Marker {
            line,
            what: "a reference that never closes its comment".to_owned(),
        })?;
        let spec = &after[..spec_end];
        let body = &after[spec_end + OPEN_END.len()..];
        let body_end = body.find(CLOSE).ok_or_else(|| DocError::Marker {
            line,
            what: format!("no {CLOSE} after the reference {spec}"),
        })?;
        if body[..body_end].contains(OPEN) {
            return Err(DocError::Marker {
                line,
                what: format!("a reference inside the number of {spec}"),
            });
        }
        let (expr, format) = spec.rsplit_once(" as ").ok_or_else(|| DocError::Marker {
            line,
            what: format!("{spec} has no ` as FORMAT`"),
        })?;
        let rendered = sources
            .eval(expr)
            .and_then(|v| format_number(v, format.trim(), lang))
            .map_err(|what| DocError::Reference {
                line,
                reference: spec.to_owned(),
                what,
            })?;
        out.push_str(&rest[start..start + OPEN.len() + spec_end + OPEN_END.len()]);
        out.push_str(&rendered);
        out.push_str(CLOSE);
        rest = &body[body_end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The documents whose numbers are references, relative to the root: the
/// lessons in both languages, the READMEs' prose (their tables come from
/// `scripts/readme-table.sh`), the model's worked examples, and the check
/// docs.
pub fn documents(root: &Path) -> Result<Vec<PathBuf>, DocError> {
    let mut out = Vec::new();
    for folder in ["docs/aula", "docs/lessons"] {
        let dir = root.join(folder);
        let entries = std::fs::read_dir(&dir).map_err(|source| DocError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| DocError::Io {
                    path: dir.clone(),
                    source,
                })?
                .path();
            if path.extension().is_some_and(|e| e == "md") {
                out.push(PathBuf::from(folder).join(path.file_name().unwrap_or_default()));
            }
        }
    }
    for doc in [
        "README.md",
        "LEIAME.md",
        "docs/model.md",
        "docs/modelo.pt-BR.md",
        "docs/check.md",
        "docs/check.pt-BR.md",
        "results/LEIAME.md",
    ] {
        out.push(PathBuf::from(doc));
    }
    out.sort();
    Ok(out)
}

/// The language a document is written in: the Portuguese lessons, the
/// `LEIAME.md` files and the `.pt-BR` / `modelo` files are Portuguese.
pub fn lang_of(rel: &Path) -> Lang {
    let text = rel.to_string_lossy();
    if text.starts_with("docs/aula")
        || text.contains(".pt-BR.")
        || text.contains("modelo")
        || text.ends_with("LEIAME.md")
    {
        Lang::PtBr
    } else {
        Lang::En
    }
}

/// A document whose committed text differs from its rendering.
#[derive(Debug)]
pub struct Stale {
    /// The document, relative to the root.
    pub path: PathBuf,
    /// The committed line and the rendered one, for the first difference.
    pub first_difference: (String, String),
}

/// Renders every document under `root`; with `write`, rewrites the stale
/// ones in place. Returns the documents that were (or are) stale.
pub fn refresh(root: &Path, write: bool) -> Result<Vec<Stale>, DocError> {
    let sources = Sources::new(root);
    let mut stale = Vec::new();
    for rel in documents(root)? {
        let path = root.join(&rel);
        let text = std::fs::read_to_string(&path).map_err(|source| DocError::Io {
            path: path.clone(),
            source,
        })?;
        let rendered = render(&text, lang_of(&rel), &sources).map_err(|e| match e {
            DocError::Marker { line, what } => DocError::Marker {
                line,
                what: format!("{}: {what}", rel.display()),
            },
            DocError::Reference {
                line,
                reference,
                what,
            } => DocError::Reference {
                line,
                reference: format!("{}: {reference}", rel.display()),
                what,
            },
            other => other,
        })?;
        if rendered != text {
            let first_difference = text
                .lines()
                .zip(rendered.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .unwrap_or_default();
            if write {
                std::fs::write(&path, &rendered).map_err(|source| DocError::Io {
                    path: path.clone(),
                    source,
                })?;
            }
            stale.push(Stale {
                path: rel,
                first_difference,
            });
        }
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A root with one summary and one scorecard.
    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let results = dir.path().join("results/demo");
        std::fs::create_dir_all(&results).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            results.join("summary.json"),
            r#"{"scenario":{"orders":3000},"strategies":[
                {"name":"poll-50ms","latency_ms":{"mean":21.62,"ci95":[20.5,22.75]},"polls_wasted_share":0.9843,"missed_by_reason":{"a":1},"missed_orders":[1,2,3]},
                {"name":"webhook","latency_ms":{"mean":0.5}}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let runs = dir.path().join("docs/check-runs");
        std::fs::create_dir_all(&runs).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(runs.join("seed.json"), r#"{"counts":{"passed":5}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    fn show(text: &str, lang: Lang) -> Result<String, DocError> {
        let dir = fixture();
        render(text, lang, &Sources::new(dir.path()))
    }

    #[test]
    fn a_reference_is_rewritten_in_the_documents_language() {
        let text = "mean <!--n:demo/poll-50ms/latency_ms.mean as ms-->old<!--/n--> ok";
        assert_eq!(
            show(text, Lang::PtBr).ok(),
            Some("mean <!--n:demo/poll-50ms/latency_ms.mean as ms-->21,6 ms<!--/n--> ok".into())
        );
        let ratio = "<!--n:demo/poll-50ms/latency_ms.mean / demo/webhook/latency_ms.mean as d0-->x<!--/n-->×";
        assert!(show(ratio, Lang::En).is_ok_and(|t| t.contains("-->43<!--/n-->×")));
        let rows = "<!--n:demo/*/scenario.orders as int-->x<!--/n--> <!--n:demo/poll-50ms/latency_ms.ci95.1 as d2-->x<!--/n--> <!--n:demo/poll-50ms/polls_wasted_share as pct-->x<!--/n--> <!--n:check:seed/counts.passed as int-->x<!--/n--> <!--n:demo/poll-50ms/missed_orders#len as int-->x<!--/n--> <!--n:demo/poll-50ms/missed_by_reason.a as int-->x<!--/n-->";
        let out = show(rows, Lang::PtBr).unwrap_or_else(|e| panic!("{e}"));
        let numbers: Vec<&str> = out
            .split(CLOSE)
            .filter_map(|s| s.rsplit("-->").next())
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(numbers, ["3.000", "22,75", "98,4%", "5", "3", "1"]);
    }

    #[test]
    fn a_wrong_reference_names_its_line_and_what_is_missing() {
        let text = "a\nb <!--n:demo/poll-50ms/latency_ms.median as ms-->1<!--/n-->";
        match show(text, Lang::En) {
            Err(DocError::Reference { line, what, .. }) => {
                assert_eq!(line, 2);
                assert!(what.contains("median"), "{what}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            show(
                "<!--n:demo/nope/latency_ms.mean as ms-->1<!--/n-->",
                Lang::En
            ),
            Err(DocError::Reference { .. })
        ));
        assert!(matches!(
            show("<!--n:demo/webhook/latency_ms.mean as ms-->1", Lang::En),
            Err(DocError::Marker { .. })
        ));
        assert!(matches!(
            show("<!--n:demo/webhook/latency_ms.mean-->1<!--/n-->", Lang::En),
            Err(DocError::Marker { .. })
        ));
        assert!(matches!(
            show(
                "<!--n:demo/webhook/latency_ms.mean as zz-->1<!--/n-->",
                Lang::En
            ),
            Err(DocError::Reference { .. })
        ));
    }

    #[test]
    fn a_missing_reason_fails_instead_of_reading_zero() {
        // The lesson's old marker: a reason the run did not record, once
        // rendered as "0" beside the 2 orders of a reason it did.
        for spec in [
            "missed_by_reason.b",
            "missed_by_reason.b?",
            "missed_by_reason.a?",
        ] {
            let text = format!("<!--n:demo/poll-50ms/{spec} as int-->0<!--/n-->");
            match show(&text, Lang::En) {
                Err(DocError::Reference { what, .. }) => {
                    assert!(
                        what.contains("not 0") || what.contains("no field b"),
                        "{what}"
                    )
                }
                other => panic!("{spec}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_readmes_are_documents_each_in_its_language() {
        assert_eq!(lang_of(Path::new("README.md")), Lang::En);
        assert_eq!(lang_of(Path::new("LEIAME.md")), Lang::PtBr);
        assert_eq!(lang_of(Path::new("docs/aula/LEIAME.md")), Lang::PtBr);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let listed = documents(&root).unwrap_or_else(|e| panic!("{e}"));
        for readme in ["README.md", "LEIAME.md"] {
            assert!(listed.contains(&PathBuf::from(readme)), "{listed:?}");
        }
    }

    #[test]
    fn formats_follow_the_report_tables() {
        assert_eq!(
            format_number(104.062, "ms", Lang::PtBr).ok(),
            Some("104 ms".into())
        );
        assert_eq!(
            format_number(0.373, "ms", Lang::PtBr).ok(),
            Some("0,373 ms".into())
        );
        assert_eq!(
            format_number(1810.0, "int", Lang::PtBr).ok(),
            Some("1.810".into())
        );
        assert_eq!(
            format_number(1810.0, "int", Lang::En).ok(),
            Some("1,810".into())
        );
        assert_eq!(
            format_number(6033.333, "d2", Lang::PtBr).ok(),
            Some("6.033,33".into())
        );
        assert_eq!(
            format_number(0.99983, "share", Lang::En).ok(),
            Some("99.98%".into())
        );
        assert_eq!(
            format_number(1.5, "num", Lang::En).ok(),
            Some("1.50".into())
        );
        assert_eq!(
            format_number(1801.176, "r3", Lang::PtBr).ok(),
            Some("1801,176".into())
        );
        assert_eq!(
            format_number(1801.176, "r1", Lang::En).ok(),
            Some("1801.2".into())
        );
    }
}
