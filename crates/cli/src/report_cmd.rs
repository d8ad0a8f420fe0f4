//! `hooklab report results/<name>/summary.json`: redraw a run without running it.
//!
//! A saved `summary.json` holds everything the reports are made of, so this
//! command reads it and writes `summary.md`, `summary.csv` and the SVG charts
//! again (into the summary's folder, or `--out`), in the language asked for.
//! Teachers use it to get a Portuguese copy of a committed run, or to refresh
//! the charts after hooklab's renderers improve, without re-measuring.

use crate::text::{Phrase, phrase};
use anyhow::Context as _;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use std::path::{Path, PathBuf};

/// `hooklab report`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A `summary.json` written by `hooklab run`, or the folder that holds
    /// one (`results/checkout/`).
    pub summary: PathBuf,

    /// Where to write the reports [default: the folder of the summary, but a
    /// committed reference run in results/ only when named here].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Also print the summary on standard output, as `hooklab run` does:
    /// an aligned table, the JSON summary, the Markdown report, or the
    /// compact slide (80 columns).
    #[arg(long, value_enum)]
    pub format: Option<crate::FormatArg>,

    /// Write no files (with `--format`, only print).
    #[arg(long)]
    pub no_write: bool,
}

/// Why `hooklab report` failed, sorted as `main` needs: the user's input
/// (exit 2) or writing the files (exit 1).
pub enum ReportError {
    /// The summary cannot be read or parsed.
    Input(anyhow::Error),
    /// The reports cannot be written.
    Output(anyhow::Error),
}

/// Reads the summary and writes its reports; returns the folder written
/// (none with `--no-write`).
pub fn report(args: &ReportArgs, lang: Lang) -> Result<Option<PathBuf>, ReportError> {
    // A folder stands for the summary.json inside it, as `live --replay` takes.
    let file = if args.summary.is_dir() {
        args.summary.join("summary.json")
    } else {
        args.summary.clone()
    };
    let shown = file.display().to_string();
    // `results/NAME/` outside the project's folder: where results/ is.
    if let Some(hint) = crate::text::results_not_here(lang, &args.summary) {
        return Err(ReportError::Input(anyhow::anyhow!(hint)));
    }
    // A folder with no run in it: how to make one, not "file not found".
    if args.summary.is_dir() && !file.exists() {
        return Err(ReportError::Input(anyhow::anyhow!(
            crate::text::no_summary_in(lang, &args.summary.display().to_string())
        )));
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| phrase(lang, Phrase::Reading, &shown))
        .map_err(ReportError::Input)?;
    let summary: Summary = match serde_json::from_str(&text) {
        Ok(summary) => summary,
        // A scenario given for its results (`report aluno/minha-loja.toml`):
        // the way to its results, not a JSON parser's complaint.
        Err(_) if is_scenario(&file, &text) => {
            return Err(ReportError::Input(anyhow::anyhow!(
                crate::text::scenario_not_summary(lang, &shown)
            )));
        }
        Err(e) => {
            return Err(ReportError::Input(anyhow::Error::new(e).context(phrase(
                lang,
                Phrase::NotSummary,
                &shown,
            ))));
        }
    };
    if let Some(wrong) = inconsistency(&summary, lang) {
        // One sentence in the language (not a cause, which Portuguese
        // output would label as an English detail).
        return Err(ReportError::Input(anyhow::anyhow!(
            "{}: {wrong}",
            phrase(lang, Phrase::NotSummary, &shown)
        )));
    }
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => file.parent().map(PathBuf::from).unwrap_or_default(),
    };
    // The committed reference runs change only when asked by name, as with
    // `hooklab run`: `--lang pt-BR report results/checkout/` would otherwise
    // turn the English reference the README quotes into Portuguese.
    if args.out.is_none() && !args.no_write && is_reference_run(&dir) {
        return Err(ReportError::Input(anyhow::anyhow!(
            crate::text::reference_in_place(lang, &dir)
        )));
    }
    // An empty parent means the summary is in the current folder.
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    if let Some(format) = args.format {
        let format = crate::render_format(format);
        let mut shown = hooklab_report::render::render(&summary, format, lang);
        if args.no_write && format == hooklab_report::Format::Markdown {
            shown = crate::without_charts(&shown);
        }
        crate::out::print(shown)
            .context(phrase(lang, Phrase::Writing, "stdout"))
            .map_err(ReportError::Output)?;
    }
    if args.no_write {
        return Ok(None);
    }
    hooklab_report::write_results(&summary, &dir, lang)
        .with_context(|| phrase(lang, Phrase::Writing, &dir.display().to_string()))
        .map_err(ReportError::Output)?;
    Ok(Some(dir))
}

/// What makes a summary that parsed impossible for a run to have written
/// (edited by hand, or cut): the field, and what it must be. A report drawn
/// from it would show numbers no run measured.
fn inconsistency(summary: &Summary, lang: Lang) -> Option<String> {
    let say = |field: String, en: String, pt: String| {
        Some(match lang {
            Lang::En => format!("`{field}` {en}"),
            Lang::PtBr => format!("`{field}` {pt}"),
        })
    };
    if summary.strategies.is_empty() {
        return say(
            "strategies".to_owned(),
            "is empty: a run writes one entry per strategy".to_owned(),
            "está vazio: uma execução escreve uma entrada por estratégia".to_owned(),
        );
    }
    for (i, s) in summary.strategies.iter().enumerate() {
        let field = |name: &str| format!("strategies[{i}].{name}");
        if s.orders == 0 {
            return say(
                field("orders"),
                "is 0: every run places at least one order".to_owned(),
                "é 0: toda execução faz pelo menos um pedido".to_owned(),
            );
        }
        for (name, count) in [("notified", s.notified), ("missed", s.missed)] {
            if count > s.orders {
                return say(
                    field(name),
                    format!("is {count}, more than the {} orders placed", s.orders),
                    format!("é {count}, mais que os {} pedidos feitos", s.orders),
                );
            }
        }
        let l = &s.latency_ms;
        for (name, value) in [
            ("latency_ms.mean", l.mean),
            ("latency_ms.p50", l.p50),
            ("latency_ms.p90", l.p90),
            ("latency_ms.p99", l.p99),
            ("latency_ms.p999", l.p999),
            ("latency_ms.max", l.max),
            ("requests_per_order", s.requests_per_order),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return say(
                    field(name),
                    format!("is {value}: a delay or a count is never negative"),
                    format!("é {value}: um atraso ou uma contagem nunca é negativo"),
                );
            }
        }
        if !(0.0..=1.0).contains(&s.polls_wasted_share) {
            return say(
                field("polls_wasted_share"),
                format!("is {}: a share is between 0 and 1", s.polls_wasted_share),
                format!("é {}: uma fração fica entre 0 e 1", s.polls_wasted_share),
            );
        }
    }
    crate::summary_check::implausible(summary, lang)
}

/// Whether a folder is one of the committed reference runs: a folder of a
/// `results/` folder.
fn is_reference_run(dir: &std::path::Path) -> bool {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    dir.parent()
        .and_then(|p| p.file_name())
        .is_some_and(|name| name == "results")
}

/// Whether `file` is a scenario: named `.toml`, or read as one.
fn is_scenario(file: &Path, text: &str) -> bool {
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        || hooklab_core::scenario::Scenario::parse(text, &file.display().to_string()).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// `hooklab report` on a committed run writes back the same bytes.
    #[test]
    fn the_committed_sweep_is_reproduced_from_its_summary() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../results/poll-interval-sweep");
        let out = tempfile::tempdir().unwrap();
        let args = ReportArgs {
            summary: results.join("summary.json"),
            out: Some(out.path().to_owned()),
            format: None,
            no_write: false,
        };
        assert!(report(&args, Lang::En).is_ok());
        for entry in std::fs::read_dir(out.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            assert!(
                std::fs::read(&path).unwrap() == std::fs::read(results.join(name)).unwrap(),
                "{} differs",
                name.to_string_lossy()
            );
        }
    }

    /// A summary edited into one no run could write is refused, naming
    /// the field, and nothing is written.
    #[test]
    fn a_tampered_summary_is_refused_naming_its_field() {
        let committed = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../results/checkout/summary.json"),
        )
        .unwrap();
        type Tamper = fn(&mut serde_json::Value);
        let cases: [(&str, Tamper); 11] = [
            // Found by a tester: this point made `report` spin forever.
            ("strategies[0].latency_cdf_ms[1]", |v| {
                v["strategies"][0]["latency_cdf_ms"] = serde_json::json!([[1.0, 0.0], [1e308, 1.0]])
            }),
            ("strategies[0].latency_cdf_ms[1]", |v| {
                v["strategies"][0]["latency_cdf_ms"] = serde_json::json!([[1.0, 0.5], [2.0, 0.25]])
            }),
            ("strategies[0].latency_cdf_ms[0]", |v| {
                v["strategies"][0]["latency_cdf_ms"] = serde_json::json!([[1.0, 1.5]])
            }),
            ("strategies[0].timeline.bucket_ms", |v| {
                v["strategies"][0]["timeline"]["bucket_ms"] = 0.0.into()
            }),
            ("strategies[1].timeline.bucket_ms", |v| {
                v["strategies"][1]["timeline"]["bucket_ms"] = (-20.0).into()
            }),
            ("strategies[0].timeline.bucket_ms", |v| {
                v["strategies"][0]["timeline"]["bucket_ms"] = 1e-300.into()
            }),
            ("strategies[0].run_ms", |v| {
                v["strategies"][0]["run_ms"] = 1e18.into()
            }),
            ("strategies[0].notified", |v| {
                v["strategies"][0]["notified"] = 1_000_000.into()
            }),
            ("strategies[1].orders", |v| {
                v["strategies"][1]["orders"] = 0.into()
            }),
            ("strategies[0].latency_ms.mean", |v| {
                v["strategies"][0]["latency_ms"]["mean"] = (-5.0).into()
            }),
            ("`strategies`", |v| {
                v["strategies"] = serde_json::Value::Array(Vec::new())
            }),
        ];
        for (field, tamper) in cases {
            let dir = tempfile::tempdir().unwrap();
            let mut value: serde_json::Value = serde_json::from_str(&committed).unwrap();
            tamper(&mut value);
            let file = dir.path().join("summary.json");
            std::fs::write(&file, value.to_string()).unwrap();
            let args = ReportArgs {
                summary: file,
                out: Some(dir.path().join("out")),
                format: None,
                no_write: false,
            };
            match report(&args, Lang::PtBr) {
                Err(ReportError::Input(e)) => {
                    let text = crate::error_text(&e, Lang::PtBr);
                    assert!(text.contains(field), "{field}: {text}");
                }
                _ => panic!("{field}: accepted"),
            }
            assert!(!dir.path().join("out").exists(), "{field}");
        }
    }

    /// A CDF point at 1e308 ms, drawn anyway (as a summary that slipped
    /// past the checks would be): the chart's axis stops at 10¹⁵ ms instead
    /// of walking decades towards infinity, so the drawing ends.
    #[test]
    fn a_huge_cdf_point_does_not_stall_the_charts() {
        let committed = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../results/checkout/summary.json"),
        )
        .unwrap();
        let mut summary: Summary = serde_json::from_str(&committed).unwrap();
        summary.strategies[0].latency_cdf_ms = vec![[1.0, 0.0], [1e308, 1.0]];
        let out = tempfile::tempdir().unwrap();
        hooklab_report::write_results(&summary, out.path(), Lang::En).unwrap();
        assert!(out.path().join("latency-cdf.svg").exists());
    }

    /// A folder is read as the summary.json inside it (it failed with
    /// "Is a directory" before).
    #[test]
    fn a_results_folder_is_accepted() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../results/poll-interval-sweep");
        let out = tempfile::tempdir().unwrap();
        let args = ReportArgs {
            summary: results.clone(),
            out: Some(out.path().to_owned()),
            format: None,
            no_write: false,
        };
        assert!(report(&args, Lang::En).is_ok());
        assert_eq!(
            std::fs::read(out.path().join("summary.md")).unwrap(),
            std::fs::read(results.join("summary.md")).unwrap()
        );
    }

    #[test]
    fn a_reference_run_is_not_redrawn_in_place() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../results/poll-interval-sweep");
        let before = std::fs::read(results.join("summary.md")).unwrap();
        let args = ReportArgs {
            summary: results.clone(),
            out: None,
            format: None,
            no_write: false,
        };
        match report(&args, Lang::PtBr) {
            Err(ReportError::Input(e)) => assert!(e.to_string().contains("--out"), "{e}"),
            _ => panic!("a reference run was redrawn in place"),
        }
        assert_eq!(std::fs::read(results.join("summary.md")).unwrap(), before);
        // Named on purpose, it is refreshed (into a copy here, as a test must
        // not write into the repository).
        let copy = tempfile::tempdir().unwrap();
        let named = copy.path().join("results").join("poll-interval-sweep");
        std::fs::create_dir_all(&named).unwrap();
        std::fs::copy(results.join("summary.json"), named.join("summary.json")).unwrap();
        let in_place = ReportArgs {
            summary: named.clone(),
            out: None,
            format: None,
            no_write: false,
        };
        assert!(matches!(
            report(&in_place, Lang::En),
            Err(ReportError::Input(_))
        ));
        let by_name = ReportArgs {
            out: Some(named.clone()),
            ..in_place
        };
        assert!(report(&by_name, Lang::En).is_ok());
        assert!(named.join("summary.md").exists());
    }

    #[test]
    fn a_missing_summary_is_an_input_error() {
        let args = ReportArgs {
            summary: PathBuf::from("/nonexistent/summary.json"),
            out: None,
            format: None,
            no_write: false,
        };
        assert!(matches!(
            report(&args, Lang::En),
            Err(ReportError::Input(_))
        ));
    }
}
