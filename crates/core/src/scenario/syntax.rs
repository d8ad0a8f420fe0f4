//! TOML syntax mistakes, said so that a student can fix them.
//!
//! The TOML reader's own words (`key with no value, expected `=``, `invalid
//! basic string`) are accurate and written for someone who knows the
//! grammar. A student who forgot a quote needs four things instead: where
//! (file, line, column), what the reader pointed at (the line, with carets
//! under it), what is wrong in plain words, and what to type, in their own
//! language. This module turns the reader's first error into that
//! [`Problem`]; the file is read for syntax alone first (`DeTable::parse`),
//! so a file that is TOML goes on to serde and to the scenario's own checks
//! untouched.
//!
//! Each kind of mistake the reader reports is one [`Mistake`], matched in
//! one place ([`Mistake::words`]); a message of a kind not listed here keeps
//! the reader's words, said by [`serde_said`](super::text::serde_said).

use super::Problem;
use super::location::{line_col, source_line};
use super::text::{Said, serde_said, shown_line};

/// The first syntax mistake of `text`, or `None` when `text` is TOML.
pub(super) fn problem(text: &str) -> Option<Problem> {
    let error = toml::de::DeTable::parse(text).err()?;
    let message = error.message().trim();
    let span = error.span().unwrap_or(0..0);
    // The reader's span is at token boundaries; floored to characters all
    // the same, so no span can make the slices below panic.
    let mut start = floor_char(text, span.start);
    let mut end = floor_char(text, span.end.max(start));
    let mut mistake = Mistake::of(message);
    // A bare word where a value goes (`dist = fixed`, `interval_ms = 200ms`):
    // the reader tries it as a boolean or a number (`fixed` starts like
    // `false`) and says "invalid boolean"; it is a text without quotes.
    if mistake == Mistake::Other
        && message.starts_with("invalid ")
        && is_bare_word(text.get(start..end).unwrap_or(""))
    {
        mistake = Mistake::Unquoted;
    }
    // A `{` never closed on its line: the reader goes on to the next line
    // and asks there for a comma. The mistake is the line before's.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if mistake == Mistake::MissingComma && text[line_start..start].trim().is_empty() {
        let previous = text[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let code = without_comment(&text[previous..line_start.saturating_sub(1)]).trim_end();
        if code.matches('{').count() > code.matches('}').count() {
            mistake = Mistake::UnclosedInline;
            start = previous + code.len();
            end = start;
        }
    }
    let (line, column) = line_col(text, start);
    let written = source_line(text, line);
    // Where the reader's span is within its line, in bytes.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let at = (start - line_start).min(written.len());
    let end = end.clamp(start, line_start + written.len()) - line_start;
    // `ordens pedidos = 300`: not a missing `=`, a key with a space in it.
    if mistake == Mistake::NoEquals && segment_after(&written, at).contains('=') {
        mistake = Mistake::BadKey;
    }
    let key = key_of(&written);
    let (mut what, todo) = match mistake.words(key.as_deref(), text, line) {
        Some(words) => words,
        None => (serde_said(message, key.as_deref()), None),
    };
    let fix = mistake.fix(&written, at, end);
    // A decimal comma (`approved = 0,9`) is the likeliest reason for any
    // mistake on a line that has one, whatever the reader calls it.
    let decimal = super::decimal_comma_hint(&written);
    if decimal.is_some() {
        what = Said::new(
            "a number is written with a decimal comma",
            "um número está escrito com vírgula decimal",
        );
    }
    let hint = decimal.or_else(|| match (todo, fix) {
        (Some(todo), Some(fix)) => Some(Said::new(
            format!("{}: {fix}", todo.en),
            format!("{}: {fix}", todo.pt_br),
        )),
        (Some(todo), None) => Some(todo),
        (None, Some(fix)) => Some(Said::new(
            format!("for example: {fix}"),
            format!("por exemplo: {fix}"),
        )),
        (None, None) => None,
    });
    Some(Problem {
        line,
        column,
        field: None,
        what,
        hint,
        source_line: with_carets(&written, at, end, line),
    })
}

/// Whether `word` is one bare word with a letter in it (`fixed`, `200ms`):
/// what a text without quotes looks like to the reader.
fn is_bare_word(word: &str) -> bool {
    word.chars().any(char::is_alphabetic)
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | ':'))
}

/// What follows `at` in `line` up to the next `,` or `}`: the rest of one
/// key-value pair.
fn segment_after(line: &str, at: usize) -> &str {
    let rest = &line[floor_char(line, at)..];
    rest.split([',', '}']).next().unwrap_or(rest)
}

/// The kinds of syntax mistake the TOML reader reports, by its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mistake {
    /// A text whose closing quote is missing (`name = "checkout`).
    UnclosedString,
    /// A text without quotes (`kind = poll`), or without its opening one.
    Unquoted,
    /// A key and its value with no `=` between them (`seed 42`).
    NoEquals,
    /// `=` written twice (`seed = = 42`).
    ExtraEquals,
    /// A key with `=` and nothing after it (`seed =`).
    NoValue,
    /// A key, or a table, written twice in the same table.
    DuplicateKey,
    /// A table header without its `]` (`[workload`, `[[strategy]`).
    UnclosedHeader,
    /// A list without its `]` (`at_ms = [1, 2`).
    UnclosedList,
    /// An inline table without its `}` (`arrival = { dist = "fixed"`).
    UnclosedInline,
    /// Two values, or two keys of an inline table, with no comma between.
    MissingComma,
    /// A comma with nothing after it (`[1, 2, ]` in an inline table, `,,`).
    ExtraComma,
    /// A key with characters a bare key cannot have (`intervalo ms`, `ção`).
    BadKey,
    /// A number written with zeros in front (`orders = 0300`).
    LeadingZero,
    /// Anything else: the reader's own words are kept.
    Other,
}

impl Mistake {
    /// The mistake the reader's message describes.
    fn of(message: &str) -> Mistake {
        let first = message.lines().next().unwrap_or("");
        let description = first.split(", expected").next().unwrap_or(first);
        match description {
            "invalid basic string"
            | "invalid literal string"
            | "invalid multi-line basic string"
            | "invalid multi-line literal string" => Mistake::UnclosedString,
            "string values must be quoted" | "missing opening quote" => Mistake::Unquoted,
            "key with no value" | "missing assignment between key-value pairs" => Mistake::NoEquals,
            "extra `=`"
            | "extra assignment between key-value pairs"
            | "unexpected `=` in array" => Mistake::ExtraEquals,
            "missing value" | "missing value for key" => Mistake::NoValue,
            "duplicate key" => Mistake::DuplicateKey,
            "unclosed table" | "unclosed array table" | "missing table open" => {
                Mistake::UnclosedHeader
            }
            "unclosed array" => Mistake::UnclosedList,
            "unclosed inline table" => Mistake::UnclosedInline,
            "missing comma between array elements" | "missing comma between key-value pairs" => {
                Mistake::MissingComma
            }
            "extra comma in array" | "extra comma in inline table" => Mistake::ExtraComma,
            "invalid unquoted key" | "unquoted keys cannot be empty" | "invalid key" => {
                Mistake::BadKey
            }
            "unexpected leading zero" => Mistake::LeadingZero,
            _ => Mistake::Other,
        }
    }

    /// What is wrong and what to do, in both languages; `key` is the key
    /// the line writes, `line` its number in `text`. `None` for
    /// [`Mistake::Other`], whose words are the reader's.
    fn words(self, key: Option<&str>, text: &str, line: usize) -> Option<(Said, Option<Said>)> {
        let said = |en: String, pt: String| Said::new(en, pt);
        let key_en = key.map(|k| format!("`{k}` ")).unwrap_or_default();
        Some(match self {
            Mistake::UnclosedString => (
                said(
                    "a text in quotes is not closed: its closing quote is missing".into(),
                    "um texto entre aspas não foi fechado: falta a aspa final".into(),
                ),
                Some(said(
                    "put the closing quote at the end of the text, on the same line".into(),
                    "feche o texto com a aspa, na mesma linha".into(),
                )),
            ),
            Mistake::Unquoted => (
                said(
                    format!(
                        "{key_en}is a text (a name, or a number with a unit such as \"200ms\"), and a text goes in quotes"
                    ),
                    format!(
                        "{key_en}é um texto (um nome, ou um número com unidade como \"200ms\"), e texto vai entre aspas"
                    ),
                ),
                Some(said(
                    "write it between double quotes".into(),
                    "escreva-o entre aspas duplas".into(),
                )),
            ),
            Mistake::NoEquals => (
                said(
                    "a key and its value need `=` between them".into(),
                    "entre a chave e o valor falta o `=`".into(),
                ),
                Some(said(
                    "put `=` between the key and its value".into(),
                    "ponha `=` entre a chave e o valor".into(),
                )),
            ),
            Mistake::ExtraEquals => (
                said(
                    "`=` is written twice".into(),
                    "o `=` aparece duas vezes".into(),
                ),
                Some(said("keep one `=`".into(), "deixe um `=` só".into())),
            ),
            Mistake::NoValue => (
                said(
                    format!("{key_en}has `=` but no value after it"),
                    format!("{key_en}tem `=` mas nenhum valor depois dele"),
                ),
                Some(said(
                    "write the value after `=` on the same line, or remove the line (scenarios/README.md says what each key takes)".into(),
                    "escreva o valor depois do `=`, na mesma linha, ou apague a linha (scenarios/LEIAME.md diz o que cada chave recebe)".into(),
                )),
            ),
            Mistake::DuplicateKey => duplicate(key, text, line),
            Mistake::UnclosedHeader => (
                said(
                    "a table header is not closed: a `]` is missing".into(),
                    "o cabeçalho da tabela não foi fechado: falta `]`".into(),
                ),
                Some(said(
                    "close it with `]` (`]]` after `[[`)".into(),
                    "feche-o com `]` (`]]` depois de `[[`)".into(),
                )),
            ),
            Mistake::UnclosedList => (
                said(
                    "a list is not closed: its `]` is missing".into(),
                    "uma lista não foi fechada: falta o `]`".into(),
                ),
                Some(said(
                    "end the list with `]`".into(),
                    "termine a lista com `]`".into(),
                )),
            ),
            Mistake::UnclosedInline => (
                said(
                    "a table in braces is not closed: its `}` is missing".into(),
                    "uma tabela entre chaves não foi fechada: falta a `}`".into(),
                ),
                Some(said(
                    "end it with `}` on the same line".into(),
                    "termine-a com `}` na mesma linha".into(),
                )),
            ),
            Mistake::MissingComma => (
                said(
                    "a comma is missing between two values".into(),
                    "falta uma vírgula entre dois valores".into(),
                ),
                Some(said(
                    "separate them with `,`, as in `{ dist = \"fixed\", ms = 20 }`".into(),
                    "separe-os com `,`, como em `{ dist = \"fixed\", ms = 20 }`".into(),
                )),
            ),
            Mistake::ExtraComma => (
                said(
                    "a comma with no value after it".into(),
                    "uma vírgula sem valor depois dela".into(),
                ),
                Some(said(
                    "remove that comma".into(),
                    "apague essa vírgula".into(),
                )),
            ),
            Mistake::BadKey => (
                said(
                    "this is not a key name TOML can read".into(),
                    "isto não é um nome de chave que o TOML consiga ler".into(),
                ),
                Some(said(
                    "a key name has no spaces and no accents: letters, digits, `_` and `-` (`interval_ms`), then `=` and a value; scenarios/README.md lists every key".into(),
                    "um nome de chave não tem espaços nem acentos: letras, dígitos, `_` e `-` (`interval_ms`), depois `=` e um valor; scenarios/LEIAME.md lista cada chave".into(),
                )),
            ),
            Mistake::LeadingZero => (
                said(
                    format!("{key_en}is a number with a zero in front"),
                    format!("{key_en}é um número com zero na frente"),
                ),
                Some(said(
                    "write it without the zeros in front".into(),
                    "escreva-o sem os zeros na frente".into(),
                )),
            ),
            Mistake::Other => return None,
        })
    }

    /// The line as it should most likely read, when one edit fixes it:
    /// `at..end` is the byte range of the line the reader pointed at.
    fn fix(self, line: &str, at: usize, end: usize) -> Option<String> {
        let code = without_comment(line).trim_end();
        let at = floor_char(line, at);
        let end = floor_char(line, end.max(at));
        let fixed = match self {
            Mistake::UnclosedString => {
                // The reader points at the text's start or at its end.
                let opening = match line[at..].chars().next() {
                    Some('"' | '\'') => at,
                    _ => line[..at].rfind(['"', '\''])?,
                };
                let quote = &line[opening..=opening];
                let body = line[opening..].trim_end();
                // A comment after the text was read as part of it.
                let body = body.split(" #").next().unwrap_or(body).trim_end();
                format!("{}{body}{quote}", &line[..opening])
            }
            Mistake::Unquoted => {
                let word = line[at..end].trim_matches(|c| c == '"' || c == '\'');
                if word.is_empty() || word.contains('"') {
                    return None;
                }
                format!("{}\"{word}\"{}", &line[..at], &line[end..])
            }
            Mistake::NoEquals => {
                let before = &line[..at];
                let key_end = before.trim_end();
                let after_key = key_end
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '"'));
                if !before.ends_with(' ') || !after_key {
                    return None;
                }
                format!("{before}= {}", &line[at..])
            }
            Mistake::LeadingZero => {
                let digits = line[at..].len() - line[at..].trim_start_matches('0').len();
                let rest = &line[at + digits..];
                if digits == 0 || !rest.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                format!("{}{rest}", &line[..at])
            }
            Mistake::ExtraEquals => {
                let after = line[end..].strip_prefix(' ').unwrap_or(&line[end..]);
                format!("{}{after}", &line[..at])
            }
            Mistake::UnclosedHeader => {
                let opened = code.len() - code.trim_start_matches('[').len();
                let closed = code.len() - code.trim_end_matches(']').len();
                if opened == 0 || opened > 2 || closed >= opened {
                    return None;
                }
                format!("{code}{}", "]".repeat(opened - closed))
            }
            Mistake::UnclosedInline if code.contains('{') && !code.contains('}') => {
                format!("{code} }}")
            }
            Mistake::UnclosedList if code.contains('[') && !code.contains(']') => {
                format!("{code}]")
            }
            _ => return None,
        };
        (fixed.trim() != line.trim()).then(|| format!("`{}`", shown_line(fixed.trim())))
    }
}

/// A key, or a table, written twice: which, and the line it was first
/// written on.
fn duplicate(key: Option<&str>, text: &str, line: usize) -> (Said, Option<Said>) {
    let written = source_line(text, line);
    let header = without_comment(&written).trim();
    if header.starts_with('[') {
        let first = first_line_of(text, line, |l| without_comment(l).trim() == header);
        let at = first.map(|n| {
            (
                format!(" (first on line {n})"),
                format!(" (a primeira na linha {n})"),
            )
        });
        let (en, pt) = at.unwrap_or_default();
        return (
            Said::new(
                format!("the table `{header}` is written twice{en}"),
                format!("a tabela `{header}` aparece duas vezes{pt}"),
            ),
            Some(Said::new(
                "write its keys under one header only",
                "escreva as chaves dela sob um cabeçalho só",
            )),
        );
    }
    let Some(key) = key else {
        return (
            Said::new(
                "a key is written twice in this table: keep one of them",
                "uma chave aparece duas vezes nesta tabela: deixe só uma",
            ),
            None,
        );
    };
    let first = first_line_of(text, line, |l| key_of(l).as_deref() == Some(key));
    let (en, pt) = first
        .map(|n| {
            (
                format!(", first on line {n}"),
                format!(", a primeira na linha {n}"),
            )
        })
        .unwrap_or_default();
    (
        Said::new(
            format!("`{key}` is written twice in this table{en}: keep one of them"),
            format!("`{key}` aparece duas vezes nesta tabela{pt}: deixe só uma"),
        ),
        Some(Said::new(
            "delete the line you do not mean",
            "apague a linha que você não quer",
        )),
    )
}

/// The number of the first line before `line`, in the same table (no
/// header between them), that `matches`; for a header, any line before.
fn first_line_of(text: &str, line: usize, matches: impl Fn(&str) -> bool) -> Option<usize> {
    let header = without_comment(&source_line(text, line))
        .trim()
        .starts_with('[');
    let mut found = None;
    for (i, l) in text.lines().enumerate().take(line.saturating_sub(1)) {
        let code = without_comment(l).trim();
        if !header && code.starts_with('[') {
            found = None;
        }
        if matches(l) {
            found = found.or(Some(i + 1));
        }
    }
    found
}

/// The key a line writes (`seed` in `seed = 42`), when it writes one.
fn key_of(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && key.len() <= 64 && !key.starts_with('#') && !key.contains(['{', '[']))
        .then(|| crate::printable::escape_controls(key))
}

/// A line without its comment. Scenario texts hold no ` #`, and a `#` at
/// the start of a line is the whole line's comment.
fn without_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    line.split(" #").next().unwrap_or(line)
}

/// The largest char boundary of `line` at or before `at`.
fn floor_char(line: &str, at: usize) -> usize {
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The line as shown under the message, and under it a line of carets
/// under what the reader pointed at (`at..end`, bytes of `line`), aligned
/// with the `  NNNN | ` the message puts before the line: the carets' line
/// starts with the same width and a `|`.
fn with_carets(line: &str, at: usize, end: usize, number: usize) -> String {
    // Nothing to point at on an empty line (the end of the file).
    if line.trim().is_empty() {
        return String::new();
    }
    let at = floor_char(line, at);
    let end = floor_char(line, end.max(at));
    // The line is shown escaped (shown_line): what precedes the carets is
    // measured as it is shown, tabs kept so that they line up.
    let pad: String = line[..at]
        .chars()
        .map(|c| match c {
            '\t' => "\t".to_owned(),
            c if c.is_control() => " ".repeat(c.escape_default().count()),
            c if crate::printable::is_format_char(c) => " ".repeat(c.escape_unicode().count()),
            _ => " ".to_owned(),
        })
        .collect();
    let under = shown_line(&line[at..end]).chars().count().clamp(1, 60);
    let gutter = " ".repeat(2 + number.to_string().len().max(4));
    format!(
        "{}\n{gutter} | {pad}{}",
        shown_line(line),
        "^".repeat(under)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lang::Lang;

    const GOOD: &str = "name = \"checkout\"\nseed = 42\n\n[workload]\norders = 300\n\
arrival = { dist = \"fixed\", every_ms = 5 }\nsettle = { dist = \"fixed\", ms = 20 }\n\n\
[[strategy]]\nname = \"poll\"\nkind = \"poll\"\ninterval_ms = 200\n";

    /// The problem of `GOOD` with `from` replaced by `to`.
    fn mistake(from: &str, to: &str) -> Problem {
        assert!(GOOD.contains(from), "{from}");
        problem(&GOOD.replacen(from, to, 1)).unwrap()
    }

    /// The problem as `hooklab` prints it, in `lang`.
    fn said(p: &Problem, lang: Lang) -> String {
        let hint = p
            .hint
            .as_ref()
            .map(|h| h.get(lang).to_owned())
            .unwrap_or_default();
        format!(
            "{}:{} {} ({hint})\n{}",
            p.line,
            p.column,
            p.what.get(lang),
            p.source_line
        )
    }

    #[test]
    fn a_file_that_is_toml_is_left_to_the_other_checks() {
        assert!(problem(GOOD).is_none());
        // Valid TOML with a wrong key: not a syntax mistake.
        assert!(problem(&GOOD.replace("seed = 42", "sed = 42")).is_none());
    }

    #[test]
    fn a_missing_closing_quote_says_where_and_writes_the_fix() {
        let p = mistake("kind = \"poll\"", "kind = \"poll");
        // The reader points where the quote should be: past the text.
        assert_eq!((p.line, p.column), (11, 13), "{p:?}");
        let en = said(&p, Lang::En);
        assert!(en.contains("closing quote is missing"), "{en}");
        assert!(en.contains("`kind = \"poll\"`"), "{en}");
        assert!(
            en.ends_with("kind = \"poll\n       |             ^"),
            "{en}"
        );
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("falta a aspa final"), "{pt}");
        assert!(pt.contains("feche o texto com a aspa"), "{pt}");
    }

    #[test]
    fn a_text_without_quotes_is_quoted_in_the_fix() {
        let p = mistake("kind = \"poll\"", "kind = poll");
        let en = said(&p, Lang::En);
        assert!(
            en.contains("`kind` is a text (a name") && en.contains("and a text goes in quotes"),
            "{en}"
        );
        assert!(en.contains("`kind = \"poll\"`"), "{en}");
        assert!(en.ends_with("|        ^^^^"), "{en}");
        // Inside a table in braces too, the rest of the line kept.
        let p = mistake("dist = \"fixed\", every_ms", "dist = fixed, every_ms");
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("e texto vai entre aspas"), "{pt}");
        assert!(
            pt.contains("`arrival = { dist = \"fixed\", every_ms = 5 }`"),
            "{pt}"
        );
    }

    /// A duration's unit makes it a text: `200ms` without quotes.
    #[test]
    fn a_duration_without_quotes_is_quoted_in_the_fix() {
        let p = mistake("interval_ms = 200", "interval_ms = 200ms");
        let en = said(&p, Lang::En);
        assert!(en.contains("`interval_ms = \"200ms\"`"), "{en}");
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("escreva-o entre aspas duplas"), "{pt}");
    }

    #[test]
    fn a_missing_or_doubled_equals_sign_is_said_and_fixed() {
        let p = mistake("seed = 42", "seed 42");
        assert_eq!(p.line, 2);
        let en = said(&p, Lang::En);
        assert!(en.contains("need `=` between them"), "{en}");
        assert!(en.contains("`seed = 42`"), "{en}");
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("falta o `=`"), "{pt}");
        let p = mistake("seed = 42", "seed = = 42");
        assert!(said(&p, Lang::En).contains("`=` is written twice (keep one `=`: `seed = 42`)"));
        assert!(said(&p, Lang::PtBr).contains("o `=` aparece duas vezes"));
    }

    #[test]
    fn a_key_written_twice_names_the_key_and_its_first_line() {
        let p = mistake("orders = 300\n", "orders = 300\norders = 400\n");
        assert_eq!(p.line, 6, "{p:?}");
        let en = said(&p, Lang::En);
        assert!(
            en.contains("`orders` is written twice in this table, first on line 5"),
            "{en}"
        );
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("`orders` aparece duas vezes nesta tabela, a primeira na linha 5"));
        // The same key in another table is not its first writing.
        let p = mistake("interval_ms = 200\n", "interval_ms = 200\nname = \"x\"\n");
        assert!(said(&p, Lang::En).contains("first on line 10"), "{p:?}");
    }

    #[test]
    fn an_unclosed_header_list_or_table_is_said_and_closed() {
        let p = mistake("[workload]", "[workload");
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("falta `]`"), "{pt}");
        assert!(pt.contains("`[workload]`"), "{pt}");
        let p = mistake("[[strategy]]", "[[strategy]");
        assert!(said(&p, Lang::En).contains("`[[strategy]]`"), "{p:?}");
        let p = mistake("every_ms = 5 }", "every_ms = 5");
        let en = said(&p, Lang::En);
        assert!(en.contains("its `}` is missing"), "{en}");
    }

    #[test]
    fn a_decimal_comma_is_said_before_anything_else() {
        let p = mistake("ms = 20 }", "ms = 0,5 }");
        let pt = said(&p, Lang::PtBr);
        assert!(pt.contains("escreva 0.5, não 0,5"), "{pt}");
    }

    #[test]
    fn carets_line_up_under_accents_and_tabs() {
        let line = "\tdescrição = x";
        let at = line.find('x').unwrap();
        let shown = with_carets(line, at, at + 1, 7);
        assert_eq!(shown, format!("{line}\n       | \t{}^", " ".repeat(12)));
    }
    /// No mistake a student can type makes the reader's message panic:
    /// every committed checkout with one character deleted, or a quote, a
    /// `=`, a `{` or a multi-byte letter inserted, at every position.
    #[test]
    fn no_single_edit_of_a_committed_file_panics() {
        let text = include_str!("../../../../scenarios/checkout.toml");
        let positions: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for &at in &positions {
            let mut edits = vec![];
            if let Some(c) = text[at..].chars().next() {
                edits.push(format!("{}{}", &text[..at], &text[at + c.len_utf8()..]));
            }
            for inserted in ["\"", "=", "{", "ç"] {
                edits.push(format!("{}{inserted}{}", &text[..at], &text[at..]));
            }
            for edited in edits {
                if let Some(p) = problem(&edited) {
                    assert!(p.line > 0 && p.column > 0, "{p:?}");
                    assert!(!p.what.en.is_empty() && !p.what.pt_br.is_empty(), "{p:?}");
                }
            }
        }
    }
}
