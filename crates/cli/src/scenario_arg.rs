//! The scenario a student names on the command line: a path, or a bare name.
//!
//! `hooklab run checkout`, `hooklab validate checkout.toml` and `hooklab live
//! checkout` all mean scenarios/checkout.toml: a class types the name it
//! reads in the lesson, not the path. The rule, in this order:
//!
//! 1. A file that exists is used as written (`my-shop.toml`), and so is a
//!    path with a folder in it (`../x.toml`, `./checkout`), so its error
//!    stays the "cannot read" it always was.
//! 2. A bare name (one path component, no folder) is first `<name>.toml`
//!    here (`hooklab new meu-cenario` writes meu-cenario.toml, and `hooklab
//!    run meu-cenario` runs it), then looked up in `scenarios/`: `checkout`
//!    as scenarios/checkout.toml, `checkout.toml` as the same file.
//! 3. A bare name that is a folder here, and no scenario, is used as
//!    written (it then fails to read, as before).
//! 4. For `run`, `validate` and `live` ([`resolve_source`]), a bare name that is
//!    none of these but is one of the committed scenarios is the copy
//!    compiled into hooklab ([`BUILT_IN`]): `hooklab run checkout` works
//!    from any folder, as `hooklab run` and `hooklab new --from` do.
//! 5. For the same commands, a path that does not exist and is a lesson's
//!    `scenarios/NAME.toml` ([`lesson_path`]), NAME one of the committed
//!    scenarios, is the built-in copy too: the lessons write
//!    `hooklab run scenarios/checkout.toml`, and a class that runs it
//!    outside the project's folder gets what `hooklab run checkout` gives
//!    there, said so, not "cannot read".
//!
//! A bare name that matches nothing is refused ([`NotFound`]) with the names
//! `scenarios/` holds and how to pass a path instead, in the user's
//! language.

use hooklab_core::lang::Lang;
use std::path::{Component, Path, PathBuf};

/// The folder bare names are looked up in, relative to where hooklab runs.
pub const SCENARIOS_DIR: &str = "scenarios";

/// The committed scenarios, compiled in, so that `hooklab run checkout` and
/// `hooklab new --from lost-webhooks` work from any folder, not only from a
/// clone's root. A test keeps this list equal to the files of scenarios/.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("checkout", include_str!("../../../scenarios/checkout.toml")),
    (
        "crash-lab",
        include_str!("../../../scenarios/crash-lab.toml"),
    ),
    (
        "flaky-receiver",
        include_str!("../../../scenarios/flaky-receiver.toml"),
    ),
    (
        "flaky-receiver-no-retries",
        include_str!("../../../scenarios/flaky-receiver-no-retries.toml"),
    ),
    (
        "hook0-day",
        include_str!("../../../scenarios/hook0-day.toml"),
    ),
    (
        "lost-webhooks",
        include_str!("../../../scenarios/lost-webhooks.toml"),
    ),
    (
        "poll-interval-sweep",
        include_str!("../../../scenarios/poll-interval-sweep.toml"),
    ),
    (
        "provider-outage",
        include_str!("../../../scenarios/provider-outage.toml"),
    ),
    (
        "rate-limited-polling",
        include_str!("../../../scenarios/rate-limited-polling.toml"),
    ),
    (
        "retry-for-days",
        include_str!("../../../scenarios/retry-for-days.toml"),
    ),
    ("spectrum", include_str!("../../../scenarios/spectrum.toml")),
    (
        "spectrum-real",
        include_str!("../../../scenarios/spectrum-real.toml"),
    ),
    (
        "zapier-15min",
        include_str!("../../../scenarios/zapier-15min.toml"),
    ),
];

/// Where a scenario's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, as resolved (it may not exist: reading it says so).
    File(PathBuf),
    /// A committed scenario compiled into hooklab, by its name (`checkout`).
    BuiltIn(&'static str),
}

impl Source {
    /// The built-in checkout, what `hooklab run` runs without a file.
    pub const DEFAULT: Source = Source::BuiltIn("checkout");

    /// What the summary records as its file: the path, or `built-in NAME`.
    pub fn label(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::BuiltIn(name) => format!("built-in {name}"),
        }
    }

    /// The path its default results folder is named after (its stem).
    pub fn stem_path(&self) -> PathBuf {
        match self {
            Source::File(path) => path.clone(),
            Source::BuiltIn(name) => PathBuf::from(name),
        }
    }

    /// The built-in's text (`None` for a file).
    pub fn built_in_text(&self) -> Option<&'static str> {
        match self {
            Source::File(_) => None,
            Source::BuiltIn(name) => BUILT_IN
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, text)| *text),
        }
    }

    /// The line a run or a validation prints when a name was found nowhere
    /// but among the built-in scenarios: where the scenario came from.
    pub fn built_in_note(name: &str, lang: Lang) -> String {
        match lang {
            Lang::En => format!(
                "{name}: no {name}.toml here nor {SCENARIOS_DIR}/{name}.toml: using the copy of \
                 {SCENARIOS_DIR}/{name}.toml built into hooklab"
            ),
            Lang::PtBr => format!(
                "{name}: não há {name}.toml aqui nem {SCENARIOS_DIR}/{name}.toml: usando a cópia de \
                 {SCENARIOS_DIR}/{name}.toml embutida no hooklab"
            ),
        }
    }
}

/// The scenario `given` names for `command`: as `resolve_in`, then a
/// committed scenario of that name compiled in (`checkout` from any folder).
pub fn resolve_source(given: &Path, command: &'static str) -> Result<Source, NotFound> {
    resolve_source_in(given, Path::new(SCENARIOS_DIR), command)
}

/// [`resolve_source`] with the scenarios folder given.
fn resolve_source_in(given: &Path, dir: &Path, command: &'static str) -> Result<Source, NotFound> {
    match resolve_in(given, dir, command) {
        Ok(path) => match lesson_path(&path) {
            Some(name) if !path.exists() => Ok(Source::BuiltIn(name)),
            _ => Ok(Source::File(path)),
        },
        Err(not_found) => {
            let typed = given.to_string_lossy();
            let name = typed.strip_suffix(".toml").unwrap_or(&typed);
            match BUILT_IN.iter().find(|(n, _)| *n == name) {
                Some((name, _)) => Ok(Source::BuiltIn(name)),
                None => Err(NotFound {
                    built_in: true,
                    ..not_found
                }),
            }
        }
    }
}

/// The committed scenario `path` names as the lessons write it,
/// `scenarios/NAME.toml` (or `./scenarios/NAME`): NAME, when it is one of
/// [`BUILT_IN`].
fn lesson_path(path: &Path) -> Option<&'static str> {
    let mut parts = path.components().filter(|c| *c != Component::CurDir);
    let (Some(Component::Normal(folder)), Some(Component::Normal(file)), None) =
        (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if folder != SCENARIOS_DIR {
        return None;
    }
    let file = file.to_str()?;
    let name = file.strip_suffix(".toml").unwrap_or(file);
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(n, _)| *n)
}

/// A bare scenario name that is neither a file nor a scenario of
/// `scenarios/`.
#[derive(Debug)]
pub struct NotFound {
    /// What the user typed.
    given: String,
    /// The names `scenarios/` holds (file stems, sorted); `None` when there
    /// is no `scenarios/` folder here at all.
    available: Option<Vec<String>>,
    /// The command that was given it (`run`, `validate`, `live`), for the
    /// example of what to type.
    command: &'static str,
    /// Whether the command falls back to [`BUILT_IN`] (`run`, `validate`,
    /// `live`; not in `resolve_in`'s own refusal): then, with no
    /// `scenarios/` here, those are the names to offer.
    built_in: bool,
}

/// The file `given` names for `command`: itself when it exists or has a
/// folder in it, else `./<given>.toml`, else `scenarios/<given>.toml` (or
/// `scenarios/<given>` when it already ends in `.toml`) when that exists;
/// [`resolve_source`] tries the built-in scenarios after it. `dir` is the
/// scenarios folder (tests use a temporary one).
fn resolve_in(given: &Path, dir: &Path, command: &'static str) -> Result<PathBuf, NotFound> {
    if given.is_file() || !is_bare_name(given) {
        return Ok(given.to_path_buf());
    }
    let file_name = if given.extension().is_some_and(|e| e == "toml") {
        given.as_os_str().to_owned()
    } else {
        let mut name = given.as_os_str().to_owned();
        name.push(".toml");
        name
    };
    // `hooklab new meu-cenario` wrote ./meu-cenario.toml: `hooklab run
    // meu-cenario` means that file, the one the student just made.
    let here = PathBuf::from(&file_name);
    if here.is_file() {
        return Ok(here);
    }
    let candidate = dir.join(file_name);
    if candidate.is_file() {
        // Shown as `scenarios/checkout.toml`: the path a student can type.
        return Ok(candidate);
    }
    // A folder of that name, and no scenario: its "cannot read" as before.
    if given.exists() {
        return Ok(given.to_path_buf());
    }
    Err(NotFound {
        given: given.display().to_string(),
        available: names_in(dir),
        command,
        built_in: false,
    })
}

/// Whether `path` is one plain name: no folder, no `.` or `..`, no root.
fn is_bare_name(path: &Path) -> bool {
    let mut components = path.components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    )
}

/// The scenario names `dir` holds: the stems of its `.toml` files, sorted.
fn names_in(dir: &Path) -> Option<Vec<String>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Some(names)
}

impl NotFound {
    /// The name it most likely meant (`checkout` for `chekout`): at most two
    /// letters off, `_` and spaces read as `-`, `.toml` left out.
    fn meant(&self) -> Option<&str> {
        let typed = self.given.strip_suffix(".toml").unwrap_or(&self.given);
        let typed = typed.to_lowercase().replace(['_', ' '], "-");
        // With no scenarios/ here, the names built in are the ones to match.
        let names: Vec<&str> = match self.available.as_deref() {
            Some(names) => names.iter().map(String::as_str).collect(),
            None if self.built_in => BUILT_IN.iter().map(|(name, _)| *name).collect(),
            None => Vec::new(),
        };
        names
            .into_iter()
            .map(|name| (crate::clap_error::edits(&typed, name), name))
            .filter(|(d, _)| *d <= 2)
            .min_by_key(|(d, _)| *d)
            .map(|(_, name)| name)
    }

    /// The whole refusal in `lang`: what was looked for, the names there
    /// are, and how to pass a path. Starts with the name as typed, so
    /// `validate` (which names each file) does not name it twice.
    pub fn render(&self, lang: Lang) -> String {
        let given = hooklab_core::printable::escape_controls(&self.given);
        let command = self.command;
        let looked = Path::new(SCENARIOS_DIR).join(if given.ends_with(".toml") {
            given.clone()
        } else {
            format!("{given}.toml")
        });
        let looked = looked.display();
        let meant = self.meant();
        let mut out = match (lang, meant) {
            (Lang::En, Some(m)) => {
                format!("{given}: no such file, and no {looked} (did you mean `{m}`?)")
            }
            (Lang::En, None) => format!("{given}: no such file, and no {looked}"),
            (Lang::PtBr, Some(m)) => {
                format!("{given}: esse arquivo não existe, nem {looked} (quis dizer `{m}`?)")
            }
            (Lang::PtBr, None) => format!("{given}: esse arquivo não existe, nem {looked}"),
        };
        match self.available.as_deref() {
            Some(names) if !names.is_empty() => {
                let example = meant.unwrap_or(&names[0]);
                out.push_str(&match lang {
                    Lang::En => format!(
                        "\n  scenarios in {SCENARIOS_DIR}/: {}\n  give one of these names (`hooklab {command} {example}`) \
                         or the path to a .toml file (`hooklab {command} ./my-shop.toml`)",
                        names.join(", ")
                    ),
                    Lang::PtBr => format!(
                        "\n  cenários em {SCENARIOS_DIR}/: {}\n  dê um destes nomes (`hooklab {command} {example}`) \
                         ou o caminho de um arquivo .toml (`hooklab {command} ./minha-loja.toml`)",
                        names.join(", ")
                    ),
                });
            }
            Some(_) => out.push_str(&match lang {
                Lang::En => format!(
                    "\n  {SCENARIOS_DIR}/ holds no .toml file; give the path to a .toml file \
                     (`hooklab {command} ./my-shop.toml`), or write one with `hooklab new my-shop`"
                ),
                Lang::PtBr => format!(
                    "\n  {SCENARIOS_DIR}/ não tem nenhum arquivo .toml; dê o caminho de um arquivo .toml \
                     (`hooklab {command} ./minha-loja.toml`), ou crie um com `hooklab new minha-loja`"
                ),
            }),
            None if !self.built_in => out.push_str(&match lang {
                Lang::En => format!(
                    "\n  there is no {SCENARIOS_DIR}/ folder here: run hooklab from the folder that holds it \
                     (the project's), give the path to a .toml file (`hooklab {command} ./my-shop.toml`), \
                     or write one with `hooklab new my-shop`"
                ),
                Lang::PtBr => format!(
                    "\n  não há uma pasta {SCENARIOS_DIR}/ aqui: execute o hooklab na pasta que a contém \
                     (a do projeto), dê o caminho de um arquivo .toml (`hooklab {command} ./minha-loja.toml`) \
                     ou crie um com `hooklab new minha-loja`"
                ),
            }),
            None => {
                let built_in: Vec<&str> = BUILT_IN.iter().map(|(name, _)| *name).collect();
                let built_in = built_in.join(", ");
                let example = meant.unwrap_or("checkout");
                out.push_str(&match lang {
                    Lang::En => format!(
                        "\n  there is no {SCENARIOS_DIR}/ folder here; the scenarios built into hooklab: {built_in}\n  \
                         give one of these names (`hooklab {command} {example}`), the path to a .toml file \
                         (`hooklab {command} ./my-shop.toml`), or write one with `hooklab new my-shop`"
                    ),
                    Lang::PtBr => format!(
                        "\n  não há uma pasta {SCENARIOS_DIR}/ aqui; os cenários embutidos no hooklab: {built_in}\n  \
                         dê um destes nomes (`hooklab {command} {example}`), o caminho de um arquivo .toml \
                         (`hooklab {command} ./minha-loja.toml`) ou crie um com `hooklab new minha-loja`"
                    ),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn folder() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("scenarios");
        std::fs::create_dir(&dir).unwrap();
        for name in ["checkout", "lost-webhooks"] {
            std::fs::write(dir.join(format!("{name}.toml")), "").unwrap();
        }
        std::fs::write(dir.join("README.md"), "").unwrap();
        (tmp, dir)
    }

    #[test]
    fn a_bare_name_with_or_without_toml_is_the_file_of_scenarios() {
        let (_tmp, dir) = folder();
        for given in ["checkout", "checkout.toml"] {
            let found = resolve_in(Path::new(given), &dir, "run").unwrap();
            assert_eq!(found, dir.join("checkout.toml"), "{given}");
        }
    }

    #[test]
    fn a_path_is_kept_as_written_whether_or_not_it_exists() {
        let (tmp, dir) = folder();
        let own = tmp.path().join("mine.toml");
        std::fs::write(&own, "").unwrap();
        assert_eq!(resolve_in(&own, &dir, "run").unwrap(), own);
        for path in ["/nonexistent/x.toml", "./checkout", "sub/checkout"] {
            assert_eq!(
                resolve_in(Path::new(path), &dir, "run").unwrap(),
                PathBuf::from(path)
            );
        }
    }

    #[test]
    fn an_unknown_name_lists_the_names_and_how_to_pass_a_path() {
        let (_tmp, dir) = folder();
        let e = resolve_in(Path::new("chekout"), &dir, "validate").unwrap_err();
        let en = e.render(Lang::En);
        assert!(en.starts_with("chekout: no such file"), "{en}");
        assert!(en.contains("did you mean `checkout`?"), "{en}");
        assert!(en.contains("checkout, lost-webhooks\n"), "{en}");
        assert!(!en.contains("README"), "{en}");
        assert!(en.contains("`hooklab validate ./my-shop.toml`"), "{en}");
        let pt = e.render(Lang::PtBr);
        assert!(
            pt.contains("cenários em scenarios/: checkout, lost-webhooks"),
            "{pt}"
        );
        assert!(pt.contains("quis dizer `checkout`?"), "{pt}");
        assert!(pt.contains("ou o caminho de um arquivo .toml"), "{pt}");
        let far = resolve_in(Path::new("zzz"), &dir, "run").unwrap_err();
        assert!(!far.render(Lang::En).contains("did you mean"));
    }

    /// A tester's finding: `hooklab run checkout` from another folder said
    /// "no such file, nor scenarios/checkout.toml", though checkout is
    /// built in. A file here or in scenarios/ still comes first.
    #[test]
    fn a_committed_name_found_nowhere_is_the_built_in_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let none = tmp.path().join("scenarios");
        for given in ["checkout", "checkout.toml", "lost-webhooks"] {
            let found = resolve_source_in(Path::new(given), &none, "run").unwrap();
            let name = given.trim_end_matches(".toml");
            assert_eq!(found.label(), format!("built-in {name}"), "{given}");
            assert!(found.built_in_text().unwrap().contains("[[strategy]]"));
        }
        let (_tmp, dir) = folder();
        assert_eq!(
            resolve_source_in(Path::new("checkout"), &dir, "run").unwrap(),
            Source::File(dir.join("checkout.toml"))
        );
        let typo = resolve_source_in(Path::new("chekout"), &none, "run").unwrap_err();
        let said = typo.render(Lang::PtBr);
        assert!(said.contains("quis dizer `checkout`?"), "{said}");
        assert!(
            said.contains("os cenários embutidos no hooklab: checkout, crash-lab"),
            "{said}"
        );
        // `live` does not fall back: it does not offer the built-in names.
        let live = resolve_in(Path::new("chekout"), &none, "live").unwrap_err();
        assert!(
            !live.render(Lang::En).contains("built into"),
            "{}",
            live.render(Lang::En)
        );
        // A path with a folder is never replaced by a built-in.
        assert_eq!(
            resolve_source_in(Path::new("x/checkout.toml"), &none, "run").unwrap(),
            Source::File(PathBuf::from("x/checkout.toml"))
        );
    }

    /// A tester's finding: `hooklab run scenarios/checkout.toml`, as the
    /// lessons write it, outside the project's folder said only "cannot
    /// read", while `hooklab run checkout` worked there.
    #[test]
    fn a_lessons_scenarios_path_that_is_missing_is_the_built_in_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let none = tmp.path().join("scenarios");
        for given in [
            "scenarios/checkout.toml",
            "./scenarios/retry-for-days.toml",
            "scenarios/lost-webhooks",
        ] {
            let found = resolve_source_in(Path::new(given), &none, "run").unwrap();
            assert!(found.label().starts_with("built-in "), "{given}");
        }
        // Another folder, or a name that is not built in, stays a path.
        for given in ["other/checkout.toml", "scenarios/mine.toml"] {
            assert_eq!(
                resolve_source_in(Path::new(given), &none, "run").unwrap(),
                Source::File(PathBuf::from(given))
            );
        }
    }

    #[test]
    fn without_a_scenarios_folder_it_says_where_to_run_from() {
        let tmp = tempfile::tempdir().unwrap();
        let e =
            resolve_in(Path::new("checkout"), &tmp.path().join("scenarios"), "live").unwrap_err();
        assert!(
            e.render(Lang::En)
                .contains("there is no scenarios/ folder here")
        );
        assert!(
            e.render(Lang::PtBr)
                .contains("não há uma pasta scenarios/ aqui")
        );
    }
}
