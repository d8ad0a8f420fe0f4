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
    if lang == Lang::En || shown_as_is {
        let _ = error.print();
        return;
    }
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let arg = context(ContextKind::InvalidArg);
    // Quoted safely: a value with an escape character must not reach the
    // terminal as it is, nor a 10 MB one whole.
    let value = hooklab_core::printable::excerpt(&context(ContextKind::InvalidValue), 60);
    let valid = context(ContextKind::ValidValue);
    let what = match error.kind() {
        ErrorKind::UnknownArgument => format!("argumento inesperado `{arg}`"),
        ErrorKind::InvalidSubcommand => format!(
            "comando desconhecido `{}`",
            context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue if !valid.is_empty() => {
            format!("valor inválido `{value}` para {arg}; valores possíveis: {valid}")
        }
        ErrorKind::InvalidValue => format!("valor inválido `{value}` para {arg}"),
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
            format!("falta um argumento obrigatório: {arg}")
        }
        ErrorKind::MissingSubcommand => "falta o comando".to_owned(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} não pode ser usado com {}",
            context(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("número errado de valores para {arg}")
        }
        _ => "argumentos inválidos".to_owned(),
    };
    eprintln!("erro: {what}\n\nPara mais informações, use '--help'.");
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
        other => other.to_owned(),
    }
}
