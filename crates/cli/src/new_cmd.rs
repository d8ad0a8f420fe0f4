//! `hooklab new NAME` and `hooklab validate FILE...`: a student's editor loop.
//!
//! `new` writes a scenario file to start from (the built-in checkout, or any
//! file of scenarios/), renamed, with a header that says where every field is
//! described and how to run it; `validate` checks files without running them,
//! one line per file, so a mistake shows in a second rather than after a run.

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
}

/// Options of `hooklab validate`.
#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The scenario files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// The text `--from` names.
fn source_text(from: &str, built_in: &str) -> anyhow::Result<String> {
    let named = PathBuf::from("scenarios").join(format!("{from}.toml"));
    let path = Path::new(from);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        return std::fs::read_to_string(path).with_context(|| path.display().to_string());
    }
    if named.exists() {
        return std::fs::read_to_string(&named).with_context(|| named.display().to_string());
    }
    if from == "checkout" {
        return Ok(built_in.to_owned());
    }
    anyhow::bail!("{}", named.display())
}

/// Writes the new file; returns its path. Refuses to replace a file.
pub fn new(args: &NewArgs, lang: Lang, built_in: &str) -> Result<PathBuf, crate::Failure> {
    let mut file = args.name.clone();
    if file.extension().is_none_or(|e| e != "toml") {
        file.set_extension("toml");
    }
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = source_text(&args.from, built_in).map_err(|e| {
        crate::Failure::Usage(e.context(match lang {
            Lang::En => format!("no scenario `{}` to start from", args.from),
            Lang::PtBr => format!("não há cenário `{}` para começar", args.from),
        }))
    })?;
    if file.exists() {
        return Err(crate::Failure::Usage(anyhow::anyhow!(match lang {
            Lang::En => format!("{} already exists; choose another name", file.display()),
            Lang::PtBr => format!("{} já existe; escolha outro nome", file.display()),
        })));
    }
    // The scenario's name follows the file's, as its results folder does.
    let mut renamed = false;
    let body: Vec<String> = source
        .lines()
        .map(|line| {
            if !renamed && line.trim_start().starts_with("name =") {
                renamed = true;
                format!("name = \"{name}\"")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let header = match lang {
        Lang::En => format!(
            "# {name}: made by `hooklab new` from `{from}`.\n\
             # Every field is described in scenarios/README.md; edit, then check it with\n\
             #   hooklab validate {file}\n\
             # and run it with\n\
             #   hooklab run {file}        (results go to results/{name}/)\n\n",
            from = args.from,
            file = file.display()
        ),
        Lang::PtBr => format!(
            "# {name}: criado por `hooklab new` a partir de `{from}`.\n\
             # Cada campo está descrito em scenarios/README.md; edite e verifique com\n\
             #   hooklab validate {file}\n\
             # e execute com\n\
             #   hooklab run {file}        (resultados em results/{name}/)\n\n",
            from = args.from,
            file = file.display()
        ),
    };
    let text = format!("{header}{}\n", body.join("\n"));
    std::fs::write(&file, text)
        .with_context(|| text::phrase(lang, text::Phrase::Writing, &file.display().to_string()))
        .map_err(crate::Failure::Runtime)?;
    Ok(file)
}

/// Checks each file; prints one line per file; Err (exit 2) if any is invalid.
pub fn validate(args: &ValidateArgs, lang: Lang) -> Result<(), crate::Failure> {
    let mut bad = 0;
    for file in &args.files {
        let checked = Scenario::load(file)
            .map_err(anyhow::Error::new)
            .and_then(|s| hooklab_harness::sweep::expand(&s).map_err(anyhow::Error::new));
        match checked {
            Ok(scenario) => println!(
                "{}: ok ({} {}, {} {})",
                file.display(),
                scenario.strategies.len(),
                match lang {
                    Lang::En => "strategies",
                    Lang::PtBr => "estratégias",
                },
                scenario.workload.orders,
                match lang {
                    Lang::En => "orders",
                    Lang::PtBr => "pedidos",
                },
            ),
            Err(e) => {
                bad += 1;
                // One line per file: a multi-line message's lines joined.
                let message = crate::error_text(&e, lang);
                let message: Vec<&str> = message.lines().map(str::trim).collect();
                println!("{}", message.join("; "));
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(crate::Failure::Usage(anyhow::anyhow!(match lang {
            Lang::En => format!("{bad} of {} file(s) invalid", args.files.len()),
            Lang::PtBr => format!("{bad} de {} arquivo(s) inválido(s)", args.files.len()),
        })))
    }
}
