//! `--help` in Portuguese.
//!
//! clap's derive writes the help from doc comments, in English, at compile
//! time. clap has no message catalogue, but a `Command` is plain data that
//! can be changed before parsing, so the approach is:
//!
//! 1. Find the language before parsing ([`language_before_parsing`]): a
//!    `--lang` among the arguments, else `HOOKLAB_LANG`, else the locale.
//! 2. Build the derived `Command` (`Command::build`, so the generated `help`
//!    and `version` flags and the `help` subcommand exist), then walk it
//!    ([`localized`]): every command's `about` and every argument's `help`
//!    are replaced from `PT_BR` (in `help/pt_br.rs`), a table keyed by the
//!    command's path and the argument's id, beside which a missing
//!    translation is easy to see (a test fails on any). Headings come from a
//!    Portuguese help template and `help_heading`; the default, possible
//!    values and environment variable clap would print in English are
//!    hidden and said in Portuguese.
//! 3. Parse with that `Command` (`try_get_matches`, then
//!    `FromArgMatches`), so `--help` prints the Portuguese one, and clap's
//!    own errors are reworded ([`crate::clap_error::print_clap_error`]).

mod pt_br;

use clap::{Arg, Command};
use hooklab_core::lang::Lang;
use pt_br::{about_pt, arg_pt};
use std::ffi::OsString;

/// The language `--help` and parse errors must use, read before parsing.
pub fn language_before_parsing(
    args: impl IntoIterator<Item = OsString>,
    locale: impl FnOnce() -> Lang,
) -> Lang {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let given = args.iter().enumerate().find_map(|(i, a)| {
        if let Some(value) = a.strip_prefix("--lang=") {
            Some(value.to_owned())
        } else if a == "--lang" {
            args.get(i + 1).cloned()
        } else {
            None
        }
    });
    given
        .or_else(|| std::env::var("HOOKLAB_LANG").ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(locale)
}

/// The help template, with Portuguese headings.
const TEMPLATE_PT: &str = "{about-with-newline}\nUso: {usage}\n\n{all-args}{after-help}";

/// `command` with its help in `lang`.
pub fn localized(mut command: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return command;
    }
    command.build();
    translate(command, "")
}

fn translate(command: Command, parent: &str) -> Command {
    let path = if parent.is_empty() {
        String::new()
    } else if parent == "-" {
        command.get_name().to_owned()
    } else {
        format!("{parent} {}", command.get_name())
    };
    let key = if path.is_empty() { "hooklab" } else { &path };
    let mut command = command
        .help_template(TEMPLATE_PT)
        .subcommand_help_heading("Comandos")
        .subcommand_value_name("COMANDO");
    if let Some(about) = about_pt(key) {
        command = command.about(about).long_about(about);
    }
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .collect();
    for id in ids {
        let key = key.to_owned();
        command = command.mut_arg(id.as_str(), |arg| translate_arg(arg, &key));
    }
    // clap words the usage line itself (`[OPTIONS]`): render it, reword it.
    let usage = command.render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    let usage = usage
        .replace("[OPTIONS]", "[OPÇÕES]")
        .replace("<COMMAND>", "<COMANDO>");
    command = command.override_usage(usage);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let child_parent = if path.is_empty() {
        "-".to_owned()
    } else {
        path
    };
    for name in names {
        command = command.mut_subcommand(name.as_str(), |c| translate(c, &child_parent));
    }
    command
}

/// A placeholder in Portuguese, for the names hooklab's flags use.
fn value_name_pt(name: &str) -> Option<&'static str> {
    Some(match name {
        "NAME" => "NOME",
        "SCENARIO" => "CENÁRIO",
        "SUMMARY" => "RESUMO",
        "FILE" => "ARQUIVO",
        "EVENT" => "EVENTO",
        "DIR" => "PASTA",
        "PATH" | "DATA" => "CAMINHO",
        "N" | "JOBS" | "ORDERS" => "N",
        "LISTEN" | "ADDR" => "ENDEREÇO",
        "API_KEY" | "KEY" => "CHAVE",
        "SECRET" => "SEGREDO",
        "SETTLE_AFTER" | "INTERVAL" | "EVERY" | "KEEP" => "DURAÇÃO",
        "SECS" => "SEGUNDOS",
        "SPEED" => "FATOR",
        "PLATFORM" | "URL" | "TO" => "URL",
        "REPLAY" => "PASTA",
        "RATE_LIMIT" => "TAXA",
        "SHELL" => "SHELL",
        "FORMAT" => "FORMATO",
        "CLOCK" => "RELÓGIO",
        "LANG" => "IDIOMA",
        "STRATEGY" => "ESTRATÉGIA",
        "OUTCOME" => "RESULTADO",
        "OUT" => "PASTA",
        "AMOUNT_CENTS" => "CENTAVOS",
        "ORDER_ID" => "ID",
        "OWNER/NAME" => "DONO/NOME",
        "ACTION" => "AÇÃO",
        "TITLE" => "TÍTULO",
        "SCHEME" => "ESQUEMA",
        _ => return None,
    })
}

fn translate_arg(arg: Arg, command: &str) -> Arg {
    let id = arg.get_id().as_str().to_owned();
    let mut help = arg_pt(command, &id).map(str::to_owned);
    let mut notes = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    if !defaults.is_empty() && takes_value {
        notes.push(format!("[padrão: {}]", defaults.join(", ")));
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !values.is_empty() && takes_value {
        notes.push(format!("[valores: {}]", values.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        notes.push(format!("[variável de ambiente: {}]", env.to_string_lossy()));
    }
    if let Some(text) = &mut help
        && !notes.is_empty()
    {
        text.push(' ');
        text.push_str(&notes.join(" "));
    }
    let heading = if arg.is_positional() {
        "Argumentos"
    } else {
        "Opções"
    };
    // The placeholder (`<NAME>`, `[SCENARIO]`), which clap takes from the
    // value name or, without one, the upper-cased id.
    let placeholder: Vec<String> = match arg.get_value_names() {
        Some(names) => names.iter().map(|n| n.as_str().to_owned()).collect(),
        None => vec![id.to_uppercase()],
    };
    let translated: Vec<&'static str> = placeholder
        .iter()
        .filter_map(|n| value_name_pt(n))
        .collect();
    let arg = if takes_value && translated.len() == placeholder.len() {
        arg.value_names(translated)
    } else {
        arg
    };
    let arg = arg
        .hide_default_value(true)
        .hide_possible_values(true)
        .hide_env(true)
        .help_heading(heading);
    match help {
        Some(text) => arg.help(text.clone()).long_help(text),
        None => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// Every command and argument has its Portuguese text.
    #[test]
    fn every_command_and_argument_is_translated() {
        let mut command = crate::Cli::command();
        command.build();
        let mut missing = Vec::new();
        fn walk(c: &Command, path: &str, missing: &mut Vec<String>) {
            let key = if path.is_empty() { "hooklab" } else { path };
            if about_pt(key).is_none() {
                missing.push(format!(
                    "(\"{key}\", \"\", {:?}),",
                    c.get_about().map(|a| a.to_string())
                ));
            }
            for arg in c.get_arguments() {
                if arg_pt(key, arg.get_id().as_str()).is_none() {
                    missing.push(format!(
                        "(\"{key}\", \"{}\", {:?}),",
                        arg.get_id(),
                        arg.get_help().map(|a| a.to_string())
                    ));
                }
            }
            for sub in c.get_subcommands() {
                let child = if path.is_empty() {
                    sub.get_name().to_owned()
                } else {
                    format!("{path} {}", sub.get_name())
                };
                walk(sub, &child, missing);
            }
        }
        walk(&command, "", &mut missing);
        assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_language_is_found_before_parsing() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            language_before_parsing(args(&["hooklab", "run", "--lang", "pt-BR"]), || Lang::En),
            Lang::PtBr
        );
        assert_eq!(
            language_before_parsing(args(&["hooklab", "--lang=pt", "run"]), || Lang::En),
            Lang::PtBr
        );
    }
}
