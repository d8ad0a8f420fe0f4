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
//!
//! A bare name that matches nothing is refused ([`NotFound`]) with the names
//! `scenarios/` holds and how to pass a path instead, in the user's
//! language. All three commands resolve through [`resolve`], so they agree.

use hooklab_core::lang::Lang;
use std::path::{Component, Path, PathBuf};

/// The folder bare names are looked up in, relative to where hooklab runs.
pub const SCENARIOS_DIR: &str = "scenarios";

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
}

/// The file `given` names for `command`: itself when it exists or has a
/// folder in it, else `scenarios/<given>.toml` (or `scenarios/<given>` when
/// it already ends in `.toml`) when that exists.
pub fn resolve(given: &Path, command: &'static str) -> Result<PathBuf, NotFound> {
    resolve_in(given, Path::new(SCENARIOS_DIR), command)
}

/// [`resolve`] with the scenarios folder given (tests use a temporary one).
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
    })
}

/// `Option<PathBuf>` as the commands take it: resolved when given.
pub fn resolve_optional(
    given: Option<&PathBuf>,
    command: &'static str,
) -> Result<Option<PathBuf>, NotFound> {
    given.map(|g| resolve(g, command)).transpose()
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
        self.available
            .as_deref()?
            .iter()
            .map(|name| (crate::clap_error::edits(&typed, name), name.as_str()))
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
            None => out.push_str(&match lang {
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
