//! clap's own parse errors in the reader's language.
//!
//! clap words its errors (`unexpected argument`, `invalid value`) in
//! English and has no message catalogue, but every error carries its parts
//! as context (the argument, the value, the valid values, a suggestion), so
//! a Portuguese message can be rebuilt from them.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use hooklab_core::lang::Lang;

/// Prints a parse error (or the help and version clap returns as errors) in `lang`.
pub fn print_clap_error(error: &clap::Error, lang: Lang) {
    let shown_as_is = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if shown_as_is {
        let _ = error.print();
        return;
    }
    if lang == Lang::En {
        match subcommand_tip(error, Lang::En) {
            // clap's own message, with hooklab's tip before its usage line
            // (in place of clap's, for a Portuguese word: `rodar` is not
            // "similar" to 'report' and 'order', it means 'run').
            Some(tip) => {
                let mut text = error.render().to_string();
                if portuguese_word(error).is_some() {
                    text = text
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("tip: "))
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                        .replace("\n\n\n", "\n\n");
                }
                let tip = format!("  tip: {tip}\n\n");
                let text = match text.find("Usage:") {
                    Some(at) => format!("{}{tip}{}", &text[..at], &text[at..]),
                    None => format!("{text}\n{tip}"),
                };
                eprint!("{text}");
            }
            None => {
                let _ = error.print();
            }
        }
        return;
    }
    eprintln!("{}", message_pt(error));
}

/// hooklab's own tip for an unknown command clap has no suggestion for:
/// `demo`, which the READMEs call the two-terminal demonstration, and a
/// name one or two letters off a command (`rn`: clap's similarity misses a
/// dropped letter in a short name).
fn subcommand_tip(error: &clap::Error, lang: Lang) -> Option<String> {
    // A Portuguese word for a command (`rodar`): its command, whatever clap
    // found similar in spelling.
    if let Some(name) = portuguese_word(error) {
        return Some(match lang {
            Lang::En => format!("hooklab's commands have English names: '{name}'"),
            Lang::PtBr => format!("os comandos têm nomes em inglês: '{name}'"),
        });
    }
    if error.kind() != ErrorKind::InvalidSubcommand
        || !context_list(error, ContextKind::SuggestedSubcommand).is_empty()
    {
        return None;
    }
    let typed = context(error, ContextKind::InvalidSubcommand);
    if matches!(
        typed.to_lowercase().as_str(),
        "demo" | "demonstração" | "demonstracao" | "demonstration"
    ) {
        return Some(match lang {
            Lang::En => "the two-terminal demo is `hooklab platform` in one terminal and \
                         `hooklab shop --api-key …` in the other (docs/lessons/01-definition.md)"
                .to_owned(),
            Lang::PtBr => "a demonstração em dois terminais é `hooklab platform` num terminal e \
                           `hooklab shop --api-key …` no outro (docs/aula/01-definicao.md)"
                .to_owned(),
        });
    }
    let command = <crate::Cli as clap::CommandFactory>::command();
    let names: Vec<String> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect();
    let typed = typed.to_lowercase();
    let (distance, name) = names
        .iter()
        .map(|n| (edits(&typed, n), n))
        .min_by_key(|(d, _)| *d)?;
    // Two letters off only in a name long enough not to make every short
    // word look like some command.
    let near = distance == 1 || (distance == 2 && typed.chars().count() > 4);
    near.then(|| match lang {
        Lang::En => format!("a similar subcommand exists: '{name}'"),
        Lang::PtBr => format!("existe um comando parecido: '{name}'"),
    })
}

/// The command an unknown subcommand that is a Portuguese word stands for.
fn portuguese_word(error: &clap::Error) -> Option<&'static str> {
    if error.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    command_for_portuguese_word(&context(error, ContextKind::InvalidSubcommand))
}

/// The Levenshtein distance (also `hooklab new --from`'s suggestion), the
/// scenario reader's own.
pub(crate) use hooklab_core::scenario::edits;

/// One piece of the error's context as text (a list joined by commas).
fn context(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A piece of the error's context as a list (one item for a single value).
fn context_list(error: &clap::Error, kind: ContextKind) -> Vec<String> {
    match error.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    }
}

/// The whole message in Portuguese: the error, clap's suggestion when it
/// has one (`tip: a similar subcommand exists` in English), and the pointer
/// to `--help`.
pub fn message_pt(error: &clap::Error) -> String {
    let arg = context(error, ContextKind::InvalidArg);
    // Quoted safely: a value with an escape character must not reach the
    // terminal as it is, nor a 10 MB one whole.
    let value = hooklab_core::printable::excerpt(&context(error, ContextKind::InvalidValue), 60)
        .replace(" characters)", " caracteres)");
    let valid = context(error, ContextKind::ValidValue);
    let mut tips = Vec::new();
    let what = match error.kind() {
        ErrorKind::UnknownArgument => {
            let similar = context(error, ContextKind::SuggestedArg);
            if !similar.is_empty() {
                tips.push(format!("existe uma opção parecida: '{similar}'"));
            }
            format!("argumento inesperado `{arg}`")
        }
        ErrorKind::InvalidSubcommand => {
            let typed = context(error, ContextKind::InvalidSubcommand);
            let similar = context_list(error, ContextKind::SuggestedSubcommand);
            match similar.as_slice() {
                // A Portuguese word (`rodar`): its command, not clap's
                // look-alikes ('report', 'order').
                _ if portuguese_word(error).is_some() => {
                    tips.extend(subcommand_tip(error, Lang::PtBr));
                }
                [] => tips.extend(subcommand_tip(error, Lang::PtBr)),
                [one] => tips.push(format!("existe um comando parecido: '{one}'")),
                many => tips.push(format!(
                    "existem comandos parecidos: {}",
                    many.iter()
                        .map(|s| format!("'{s}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
            format!("comando desconhecido `{typed}`")
        }
        // clap records a flag given without its value (`--out` last) as an
        // invalid, empty value (and words it "a value is required").
        ErrorKind::InvalidValue if value.is_empty() => {
            if valid.is_empty() {
                format!("{arg} precisa de um valor, e nenhum foi dado")
            } else {
                format!("{arg} precisa de um valor, e nenhum foi dado; valores possíveis: {valid}")
            }
        }
        ErrorKind::InvalidValue => {
            let similar = context(error, ContextKind::SuggestedValue);
            if !similar.is_empty() {
                tips.push(format!("existe um valor parecido: '{similar}'"));
            }
            if valid.is_empty() {
                format!("valor inválido `{value}` para {arg}")
            } else {
                format!("valor inválido `{value}` para {arg}; valores possíveis: {valid}")
            }
        }
        // The value parser's own reason, which hooklab's parsers word in the
        // language (see `text::parsing_lang`).
        ErrorKind::ValueValidation => match std::error::Error::source(error) {
            Some(why) => format!(
                "valor inválido `{value}` para {arg}: {}",
                std_parse_reason_pt(&why.to_string(), &value)
            ),
            None => format!("valor inválido `{value}` para {arg}"),
        },
        ErrorKind::MissingRequiredArgument => {
            match context_list(error, ContextKind::InvalidArg).as_slice() {
                [one] => format!("falta um argumento obrigatório: {one}"),
                many => format!("faltam argumentos obrigatórios: {}", many.join(", ")),
            }
        }
        ErrorKind::MissingSubcommand => "falta o comando".to_owned(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} não pode ser usado com {}",
            context(error, ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("número errado de valores para {arg}")
        }
        _ => "argumentos inválidos".to_owned(),
    };
    let mut out = format!("erro: {what}\n");
    for tip in tips {
        out.push_str(&format!("\n  dica: {tip}\n"));
    }
    out.push_str("\nPara mais informações, use '--help'.");
    out
}

/// hooklab's command for a Portuguese word a student may type for it
/// (`ajuda` for `help`): clap suggests only names spelled alike.
fn command_for_portuguese_word(word: &str) -> Option<&'static str> {
    Some(match word.to_lowercase().as_str() {
        "ajuda" | "socorro" => "help",
        "rodar" | "executar" | "correr" | "rode" | "execute" => "run",
        "novo" | "criar" | "nova" => "new",
        "validar" | "verificar-cenario" | "valide" => "validate",
        "relatorio" | "relatório" | "relatorios" | "relatórios" => "report",
        "loja" => "shop",
        "plataforma" => "platform",
        "pedido" | "pedir" => "order",
        "verificar" | "checar" | "testar" => "check",
        "ao-vivo" | "aovivo" | "aula" => "live",
        "manual" => "man",
        "completar" => "completions",
        _ => return None,
    })
}

/// The standard library's number-parsing reasons (`--orders 3,0`, `--jobs
/// 0`, `--speed 1,5`) in Portuguese; hooklab's own parsers already speak the
/// language and pass through unchanged.
fn std_parse_reason_pt(why: &str, value: &str) -> String {
    match why {
        "invalid digit found in string" => {
            "não é um número inteiro (só algarismos, sem vírgula nem ponto)".to_owned()
        }
        "invalid float literal" if value.contains(',') => {
            "não é um número (use ponto para decimais, como em 1.5)".to_owned()
        }
        "invalid float literal" => "não é um número".to_owned(),
        "cannot parse integer from empty string" | "cannot parse float from empty string" => {
            "está vazio".to_owned()
        }
        "number would be zero for non-zero type" => "deve ser pelo menos 1".to_owned(),
        "number too large to fit in target type" => "é grande demais".to_owned(),
        "number too small to fit in target type" => "é pequeno demais".to_owned(),
        // clap's ranged integers (`--orders -1`): `-1 is not in 0..=4294967295`.
        other => match other
            .split_once(" is not in ")
            .and_then(|(v, range)| Some((v, range.split_once("..=")?)))
        {
            Some((v, (low, high))) => format!("{v} está fora do intervalo de {low} a {high}"),
            None => other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// The Portuguese message for a command line, parsed as `main` parses it.
    fn said(args: &[&str]) -> String {
        let command = crate::help::localized(crate::Cli::command(), Lang::PtBr);
        let error = command
            .try_get_matches_from(args)
            .expect_err("the command line is wrong");
        message_pt(&error)
    }

    #[test]
    fn clap_suggestions_reach_the_portuguese_reader() {
        let typo = said(&["hooklab", "rum"]);
        assert!(typo.contains("comando desconhecido `rum`"), "{typo}");
        assert!(typo.contains("existe um comando parecido: 'run'"), "{typo}");
        let flag = said(&["hooklab", "run", "--fromat", "slide"]);
        assert!(flag.contains("argumento inesperado `--fromat`"), "{flag}");
        assert!(
            flag.contains("existe uma opção parecida: '--format'"),
            "{flag}"
        );
        let help = said(&["hooklab", "ajuda"]);
        assert!(help.contains("'help'"), "{help}");
    }

    #[test]
    fn a_dropped_letter_and_demo_get_a_tip() {
        let typo = said(&["hooklab", "rn"]);
        assert!(typo.contains("existe um comando parecido: 'run'"), "{typo}");
        let demo = said(&["hooklab", "demo"]);
        assert!(demo.contains("hooklab platform"), "{demo}");
        assert!(demo.contains("dois terminais"), "{demo}");
        let far = said(&["hooklab", "zzzzzz"]);
        assert!(!far.contains("dica"), "{far}");
    }

    #[test]
    fn a_missing_value_is_not_called_invalid() {
        let missing = said(&["hooklab", "run", "--out"]);
        assert!(
            missing.contains("--out <PASTA> precisa de um valor, e nenhum foi dado"),
            "{missing}"
        );
        assert!(!missing.contains("inválido"), "{missing}");
    }

    #[test]
    fn two_missing_arguments_are_said_in_the_plural() {
        let missing = said(&["hooklab", "check"]);
        assert!(
            missing.contains("faltam argumentos obrigatórios: --secret <SEGREDO>, <URL>"),
            "{missing}"
        );
        let one = said(&["hooklab", "check", "http://127.0.0.1:1/webhook"]);
        assert!(
            one.contains("falta um argumento obrigatório: --secret"),
            "{one}"
        );
    }
}
