//! `hooklab new NAME` and `hooklab validate FILE...`: a student's editor loop.
//!
//! `new` writes a scenario file to start from (the built-in checkout, or any
//! file of scenarios/), renamed, with a header that says where every field is
//! described and how to run it; `validate` checks files without running them,
//! one line per file, so a mistake shows in a second rather than after a run.
//! The committed scenarios' comments are bilingual (a `# pt-BR:` part after
//! each English one); `new` writes them in the chosen language only
//! (`comments`); keys and values stay as they are.

mod comments;

use crate::text;
use anyhow::Context as _;
use hooklab_core::lang::Lang;
use hooklab_core::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Options of `hooklab new`.
#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The new scenario's name; the file is NAME.toml (NAME may be a path).
    pub name: PathBuf,

    /// What to start from: `checkout` (built in), a name in scenarios/
    /// (`lost-webhooks`) or a path to a .toml file.
    #[arg(long, default_value = "checkout", value_name = "SCENARIO")]
    pub from: String,

    /// Overwrite NAME.toml if it already exists (its edits are lost).
    #[arg(long)]
    pub force: bool,
}

/// Options of `hooklab validate`.
#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The scenarios to check: files (TOML), or names in scenarios/
    /// (`checkout` is scenarios/checkout.toml; in a folder without it, the
    /// copy built into hooklab).
    #[arg(required = true, value_name = "SCENARIO")]
    pub files: Vec<PathBuf>,
}

/// The committed scenarios, compiled in (see [`crate::scenario_arg::BUILT_IN`]).
use crate::scenario_arg::BUILT_IN as COMMITTED;

/// The text `--from` names, and where it came from: a path to a file; else
/// a name in `./scenarios/` (a class's edited copy wins); else a committed
/// scenario compiled in.
fn source_text(from: &str) -> anyhow::Result<(String, String)> {
    let path = Path::new(from);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        return Ok((text, path.display().to_string()));
    }
    let named = PathBuf::from("scenarios").join(format!("{from}.toml"));
    if named.exists() {
        let text = std::fs::read_to_string(&named).with_context(|| named.display().to_string())?;
        return Ok((text, named.display().to_string()));
    }
    match COMMITTED.iter().find(|(name, _)| *name == from) {
        Some((name, text)) => Ok(((*text).to_owned(), format!("scenarios/{name}.toml"))),
        None => Err(UnknownName {
            names: COMMITTED
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", "),
            meant: closest_scenario(from),
        }
        .into()),
    }
}

/// The committed scenario `from` most likely meant (`lost-webhook` for
/// `lost-webhooks`): at most two letters off, `_` read as `-`.
fn closest_scenario(from: &str) -> Option<&'static str> {
    let written = from.to_lowercase().replace(['_', ' '], "-");
    COMMITTED
        .iter()
        .map(|(name, _)| (crate::clap_error::edits(&written, name), *name))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// `--from` names no file and no scenario: the names it could be, which are
/// part of the sentence (not an English detail under it).
#[derive(Debug)]
struct UnknownName {
    /// The committed names, joined by commas.
    names: String,
    /// The one it most likely meant, if one is close.
    meant: Option<&'static str>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.names)
    }
}

impl std::error::Error for UnknownName {}

/// A scenario name a results folder can carry, from a file name a student
/// typed: Portuguese accents and the cedilla dropped (`ção` becomes `cao`),
/// anything else outside `a-z A-Z 0-9 - _ .` turned into `-`.
fn folder_safe(stem: &str) -> String {
    let mapped: String = stem
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'O',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ç' => 'c',
            'Ç' => 'C',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' => c,
            _ => '-',
        })
        .collect();
    let trimmed = mapped.trim_start_matches('.');
    if trimmed.is_empty() {
        "my-scenario".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Writes the new file; returns its path. Refuses to replace a file (unless
/// `--force`; a folder never), and to start from a scenario that is itself
/// invalid (it says why).
pub fn new(args: &NewArgs, lang: Lang, built_in: &str) -> Result<PathBuf, crate::Failure> {
    let mut file = args.name.clone();
    if file.extension().is_none_or(|e| e != "toml") {
        file.set_extension("toml");
    }
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = folder_safe(&stem);
    let (source, origin) = if args.from == "checkout"
        && !Path::new("scenarios/checkout.toml").exists()
    {
        (built_in.to_owned(), "scenarios/checkout.toml".to_owned())
    } else {
        source_text(&args.from).map_err(|e| {
            let meant = e.downcast_ref::<UnknownName>().and_then(|u| u.meant);
            let sentence = match (lang, meant) {
                (Lang::En, Some(meant)) => format!(
                    "no scenario `{}` to start from (did you mean `{meant}`?); a path to a .toml file, or one of these names",
                    args.from
                ),
                (Lang::PtBr, Some(meant)) => format!(
                    "não há cenário `{}` para começar (quis dizer `{meant}`?); dê o caminho de um arquivo .toml, ou um destes nomes",
                    args.from
                ),
                (Lang::En, None) => format!(
                    "no scenario `{}` to start from (a path to a .toml file, or one of these names)",
                    args.from
                ),
                (Lang::PtBr, None) => format!(
                    "não há cenário `{}` para começar (dê o caminho de um arquivo .toml, ou um destes nomes)",
                    args.from
                ),
            };
            crate::Failure::Usage(match e.downcast_ref::<UnknownName>() {
                Some(names) => anyhow::anyhow!("{sentence}: {names}"),
                None => e.context(sentence),
            })
        })?
    };
    if let Err(e) = Scenario::parse(&source, &origin) {
        return Err(crate::Failure::Usage(anyhow::anyhow!(
            "{}\n{}",
            match lang {
                Lang::En => format!(
                    "`{}` is not a valid scenario to start from; fix it first:",
                    args.from
                ),
                Lang::PtBr => format!(
                    "`{}` não é um cenário válido para começar; corrija-o antes:",
                    args.from
                ),
            },
            e.render(lang)
        )));
    }
    // A folder is never replaced, even with --force.
    if file.exists() && (!args.force || file.is_dir()) {
        return Err(crate::Failure::Usage(anyhow::anyhow!(
            match (lang, file.is_dir()) {
                (Lang::En, false) => format!(
                    "{} already exists; choose another name, or add --force to overwrite it (its edits are lost)",
                    file.display()
                ),
                (Lang::PtBr, false) => format!(
                    "{} já existe; escolha outro nome, ou acrescente --force para sobrescrevê-lo (as edições nele se perdem)",
                    file.display()
                ),
                (Lang::En, true) => format!(
                    "{} already exists and is a folder; choose another name",
                    file.display()
                ),
                (Lang::PtBr, true) => format!(
                    "{} já existe e é uma pasta; escolha outro nome",
                    file.display()
                ),
            }
        )));
    }
    // `hooklab new sub/dir/x` where sub/dir does not exist: the student's
    // path to fix (exit 2), not a write failure of hooklab's.
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && !folder.is_dir()
    {
        return Err(crate::Failure::Usage(anyhow::anyhow!(
            text::missing_folder(lang, folder)
        )));
    }
    // Keys and values are the file format; the comments are prose for the
    // student, so they come in the student's language.
    let source = comments::in_lang(&source, lang);
    // Checkout's own words about itself ("the scenario `hooklab run` runs
    // when given no file") are not true of the student's copy.
    let source = without_default_note(&source);
    // The scenario's name follows the file's, as its results folder does.
    let mut renamed = false;
    let renamed_lines = source.lines().map(|line| {
        if !renamed && line.trim_start().starts_with("name =") {
            renamed = true;
            format!("name = \"{name}\"")
        } else {
            line.to_owned()
        }
    });
    let body = placeholder_descriptions(renamed_lines, lang);
    let folder = crate::default_results_dir(Some(&file));
    let header = match lang {
        Lang::En => format!(
            "# {name}: made by `hooklab new` from `{from}`.\n\
             # Every field is described in scenarios/README.md; edit, then check it with\n\
             #   hooklab validate {file}\n\
             # and run it with\n\
             #   hooklab run {file}        (results go to {folder}/)\n\n",
            from = args.from,
            file = file.display(),
            folder = folder.display()
        ),
        Lang::PtBr => format!(
            "# {name}: criado por `hooklab new` a partir de `{from}`.\n\
             # Cada campo está descrito em scenarios/LEIAME.md; edite e verifique com\n\
             #   hooklab validate {file}\n\
             # e execute com\n\
             #   hooklab run {file}        (resultados em {folder}/)\n\n",
            from = args.from,
            file = file.display(),
            folder = folder.display()
        ),
    };
    let text = format!("{header}{}\n", body.join("\n"));
    std::fs::write(&file, text)
        .with_context(|| text::phrase(lang, text::Phrase::Writing, &file.display().to_string()))
        .map_err(crate::Failure::Runtime)?;
    Ok(file)
}

/// The sentence of checkout's opening comment that says it is the
/// scenario `hooklab run` runs without a file, in each language as
/// [`comments::in_lang`] leaves it: the rest of the comment still tells the
/// story the copy starts from.
const DEFAULT_NOTES: &[&str] = &[
    " This is the\n# scenario `hooklab run` runs when given no file.",
    " Este é o cenário que `hooklab run` roda quando não\n# recebe arquivo.",
];

/// `source` without [`DEFAULT_NOTES`].
fn without_default_note(source: &str) -> String {
    DEFAULT_NOTES
        .iter()
        .fold(source.to_owned(), |text, note| text.replace(note, ""))
}

/// The lines of a new scenario with its descriptions replaced by ones that
/// ask the student to write their own: the copied ones describe the
/// scenario it came from ("300 customers check out…"), which the student's
/// reports would print as theirs. A comment above says so, in `lang`; both
/// descriptions are in their own language, as every file has them.
fn placeholder_descriptions(lines: impl Iterator<Item = String>, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    // The delimiter of a multi-line description being skipped.
    let mut skipping: Option<&str> = None;
    let mut said = false;
    for line in lines {
        if let Some(delimiter) = skipping {
            if line.contains(delimiter) {
                skipping = None;
            }
            continue;
        }
        let key = line.trim_start();
        let field = if key.starts_with("description_pt_br") {
            Some(("description_pt_br", PLACEHOLDER_PT_BR))
        } else if key.starts_with("description") {
            Some(("description", PLACEHOLDER_EN))
        } else {
            None
        };
        let Some((field, words)) = field.filter(|_| key.contains('=')) else {
            out.push(line);
            continue;
        };
        let value = key.split_once('=').map_or("", |(_, v)| v.trim());
        for delimiter in ["\"\"\"", "'''"] {
            if value.starts_with(delimiter) && value.matches(delimiter).count() == 1 {
                skipping = Some(delimiter);
            }
        }
        if !said {
            said = true;
            out.push(
                match lang {
                    Lang::En => "# Describe YOUR scenario here: the reports print this at the top.",
                    Lang::PtBr => {
                        "# Descreva aqui o SEU cenário: os relatórios imprimem isto no topo."
                    }
                }
                .to_owned(),
            );
        }
        out.push(format!("{field} = \"{words}\""));
    }
    out
}

/// The description a new scenario starts with, in English.
const PLACEHOLDER_EN: &str =
    "Describe your scenario: what it runs (orders, settlement, strategies) and what it shows.";

/// The same in Portuguese.
const PLACEHOLDER_PT_BR: &str =
    "Descreva o seu cenário: o que ele roda (pedidos, liquidação, estratégias) e o que ele mostra.";

/// Checks each file as `hooklab run` would before running it (parsing,
/// validation, the sweep, and the cost estimate, so a file `run` would refuse
/// is not called ok); prints one line per valid file and the whole located
/// message, in `lang`, for each invalid one. Err (exit 2) if any is invalid.
pub fn validate(args: &ValidateArgs, lang: Lang) -> Result<(), crate::Failure> {
    let mut bad = 0;
    // Of the bad ones, those that are not there at all: "invalid" would
    // send a student looking for a mistake in a file that does not exist.
    let mut missing = 0;
    let mut shown = String::new();
    // What is wrong goes to standard error, beside the error line that
    // ends the command; what is fine, to standard output.
    let mut wrong = String::new();
    for file in &args.files {
        // The threads `hooklab run FILE` uses (no --jobs): a virtual run on
        // several holds its strategies at once, and the estimate quoted here
        // must be the one `run` refuses with.
        let workers = hooklab_harness::RunOptions::default().workers();
        // `hooklab validate checkout`: the bare name is scenarios/checkout.toml,
        // or, where there is none, the copy built into hooklab (said so).
        let source = match crate::scenario_arg::resolve_source(file, "validate") {
            Ok(source) => source,
            Err(unknown) => {
                bad += 1;
                missing += 1;
                wrong.push_str(&unknown.render(lang));
                wrong.push_str("\n\n");
                continue;
            }
        };
        let (file, name) = match &source {
            crate::scenario_arg::Source::File(file) => (file.clone(), file.display().to_string()),
            crate::scenario_arg::Source::BuiltIn(name) => {
                shown.push_str(&crate::scenario_arg::Source::built_in_note(name, lang));
                shown.push('\n');
                (PathBuf::from(name), (*name).to_owned())
            }
        };
        let built_in = matches!(source, crate::scenario_arg::Source::BuiltIn(_));
        match crate::checked_source(&source, lang, false, None, false, workers) {
            Ok(scenario) => shown.push_str(&format!(
                "{}: ok ({} {}, {} {})\n",
                name,
                scenario.strategies.len(),
                match (lang, scenario.strategies.len()) {
                    (Lang::En, 1) => "strategy",
                    (Lang::En, _) => "strategies",
                    (Lang::PtBr, 1) => "estratégia",
                    (Lang::PtBr, _) => "estratégias",
                },
                hooklab_report::units::count(lang, f64::from(scenario.workload.orders)),
                match (lang, scenario.workload.orders) {
                    (Lang::En, 1) => "order",
                    (Lang::En, _) => "orders",
                    (Lang::PtBr, 1) => "pedido",
                    (Lang::PtBr, _) => "pedidos",
                },
            )),
            Err(crate::Failure::Usage(e) | crate::Failure::Runtime(e)) => {
                bad += 1;
                if !built_in && !file.exists() {
                    missing += 1;
                }
                let message = crate::error_text(&e, lang);
                // A cost refusal says nothing of the file: name it.
                let located = message.starts_with(&name);
                if !located {
                    wrong.push_str(&format!("{name}: "));
                }
                wrong.push_str(&message);
                wrong.push_str("\n\n");
            }
        }
    }
    crate::out::print(shown)
        .context(text::phrase(lang, text::Phrase::Writing, "stdout"))
        .map_err(crate::Failure::Runtime)?;
    // One file that did not pass: its explanation is the error, said once
    // after "error:", as `run` says it (a tester's finding: the
    // explanation came bare, then "error: the file does not exist").
    if args.files.len() == 1 && bad == 1 {
        return Err(crate::Failure::Usage(anyhow::anyhow!(
            "{}",
            wrong.trim_end()
        )));
    }
    if !wrong.is_empty() {
        crate::out::say!("{}", wrong.trim_end());
    }
    if bad == 0 {
        Ok(())
    } else {
        let files = args.files.len();
        let invalid = bad - missing;
        Err(crate::Failure::Usage(anyhow::anyhow!(
            // Two files or more (one is said above).
            match (lang, files) {
                (Lang::En, _) if missing > 0 => format!(
                    "{bad} of {files} files did not pass: {invalid} invalid, {missing} not found"
                ),
                (Lang::PtBr, _) if missing > 0 => format!(
                    "{bad} de {files} arquivos não passaram: {invalid} {}, {missing} {}",
                    if invalid == 1 {
                        "inválido"
                    } else {
                        "inválidos"
                    },
                    if missing == 1 {
                        "não existe"
                    } else {
                        "não existem"
                    }
                ),
                (Lang::En, _) => format!("{bad} of {files} files are invalid"),
                (Lang::PtBr, _) if bad == 1 => format!("1 de {files} arquivos é inválido"),
                (Lang::PtBr, _) => format!("{bad} de {files} arquivos são inválidos"),
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every file of scenarios/ is compiled in, and nothing else is.
    #[test]
    fn the_compiled_in_scenarios_are_the_committed_ones() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = COMMITTED.iter().map(|(n, _)| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
        for (name, text) in COMMITTED {
            assert!(Scenario::parse(text, name).is_ok(), "{name} does not parse");
        }
    }

    /// A tester's finding: `hooklab new` copied checkout's "this is the
    /// scenario `hooklab run` runs when given no file" into the student's
    /// file, where it is not true.
    #[test]
    fn a_copy_of_checkout_does_not_call_itself_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let built_in = COMMITTED[0].1;
        for (lang, file) in [(Lang::En, "mine"), (Lang::PtBr, "minha")] {
            let args = NewArgs {
                name: dir.path().join(file),
                from: "checkout".to_owned(),
                force: false,
            };
            let Ok(written) = new(&args, lang, built_in) else {
                panic!("{file} not written");
            };
            let text = std::fs::read_to_string(&written).unwrap();
            for said in ["runs when given", "roda quando", "recebe arquivo"] {
                assert!(!text.contains(said), "{said}:\n{text}");
            }
            let story = match lang {
                Lang::En => "# external platform, and must learn how each payment ended.\n",
                Lang::PtBr => "# cada pagamento terminou.\n",
            };
            assert!(text.contains(story), "{text}");
            assert!(Scenario::parse(&text, file).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_portuguese_file_name_gives_a_valid_scenario_name() {
        assert_eq!(folder_safe("ção"), "cao");
        assert_eq!(folder_safe("minha loja"), "minha-loja");
        assert_eq!(folder_safe(".x"), "x");
        assert_eq!(folder_safe("..."), "my-scenario");
        assert_eq!(folder_safe("Pagamento_Único.v2"), "Pagamento_Unico.v2");
    }

    /// `hooklab --lang pt-BR new` (or HOOKLAB_LANG=pt-BR) writes the
    /// scenario's comments in Portuguese, header and body, and a file that
    /// parses; in English they stay as committed.
    #[test]
    fn a_portuguese_reader_gets_the_comments_in_portuguese() {
        let dir = tempfile::tempdir().unwrap();
        for (lang, file, said) in [
            (
                Lang::PtBr,
                "aula",
                "# Perda silenciosa: o receptor confirma 10% das entregas",
            ),
            (
                Lang::En,
                "class",
                "# Silent loss: the receiver acknowledges 10% of deliveries",
            ),
        ] {
            let args = NewArgs {
                name: dir.path().join(file),
                from: "lost-webhooks".to_owned(),
                force: false,
            };
            let Ok(written) = new(&args, lang, "") else {
                panic!("{file} not written");
            };
            let text = std::fs::read_to_string(&written).unwrap();
            let scenario = Scenario::parse(&text, &written.display().to_string()).unwrap();
            assert_eq!(scenario.name, file);
            assert!(text.contains(said), "{text}");
            let comments: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
            assert!(comments.len() > 10, "{text}");
            if lang == Lang::PtBr {
                let words: Vec<&str> = comments
                    .iter()
                    .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric()))
                    .collect();
                for english in ["the", "and", "orders", "hybrid", "model", "seed"] {
                    assert!(!words.contains(&english), "English left: {english}\n{text}");
                }
            }
        }
    }
}
