//! What a scenario error says, in either language: a sentence kept in
//! English and Brazilian Portuguese ([`Said`]), numbers written the way each
//! language writes them, and short, printable excerpts of bad values (a 10 MB
//! name or an ANSI escape must not reach the terminal as written).

use crate::lang::Lang;

pub use crate::lang::Said;

/// The most characters of a bad value an error message quotes.
pub const EXCERPT_CHARS: usize = 40;

/// `value` as an error message may quote it: control characters escaped
/// (`\u{1b}`, `\n`), so nothing written in a file can move the cursor or
/// clear a screen, and at most [`EXCERPT_CHARS`] characters, with `…` and
/// the full length when cut.
pub fn excerpt(value: &str) -> String {
    let total = value.chars().count();
    let mut out = String::new();
    for c in value.chars().take(EXCERPT_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if total > EXCERPT_CHARS {
        out.push_str(&format!("… ({total} characters)"));
    }
    out
}

/// `value` with its control characters escaped, whole: for a file's path,
/// which an error must show in full to be found.
pub fn printable(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`excerpt`] for Portuguese text (the length says "caracteres").
pub fn excerpt_pt(value: &str) -> String {
    excerpt(value).replace(" characters)", " caracteres)")
}

/// A number as `lang` writes it: `0.25` in English, `0,25` in Portuguese.
pub fn num(lang: Lang, value: f64) -> String {
    let text = crate::printable::number(value);
    match lang {
        Lang::En => text,
        Lang::PtBr => text.replace('.', ","),
    }
}

/// A number rounded to what a person reads (three significant digits at
/// most), as `lang` writes it: `84.5`, `1,2`; a whole number of four digits
/// or more with its thousands grouped, as the reports do (`3,781`, `3.781`).
pub fn num_rounded(lang: Lang, value: f64) -> String {
    if value.abs() >= 1e16 {
        return num(lang, value);
    }
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    let point = match lang {
        Lang::En => '.',
        Lang::PtBr => ',',
    };
    if text.len() >= 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        return grouped(lang, &text);
    }
    text.replace('.', &point.to_string())
}

/// A whole number written in digits (`99999999999999999999`, past what any
/// integer type holds), its thousands grouped as `lang` groups them
/// (`99,999,…`, `99.999,…`); four digits or more only, as
/// [`num_rounded`] does, and any other text as it is.
pub fn grouped(lang: Lang, digits: &str) -> String {
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_owned();
    }
    let group = match lang {
        Lang::En => ',',
        Lang::PtBr => '.',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    out
}

/// Fields whose smallest meaningful value is 1: a negative or oversized
/// number there is explained as "a whole number of at least 1".
const AT_LEAST_ONE: [&str; 4] = ["orders", "merchants", "amount_cents", "page_size"];

/// The text between the first pair of backticks after `prefix`, if `message`
/// starts with it.
fn ticked<'a>(message: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = message.strip_prefix(prefix)?;
    let (inside, after) = rest.split_once('`')?;
    Some((inside, after))
}

/// serde's name of what it found (`integer `-5``, `string "x"`), in words.
fn found_words(unexpected: &str) -> Said {
    let unexpected = unexpected.trim();
    // serde quotes the value in backticks and may add its type after them:
    // integer `99999999999999999999` as i128.
    let inner = |p: &str| {
        unexpected
            .strip_prefix(p)
            .map(|v| match v.strip_prefix('`') {
                Some(quoted) => quoted.split('`').next().unwrap_or(quoted),
                None => v,
            })
    };
    if let Some(v) = inner("integer ") {
        return Said::new(excerpt(v), excerpt(v));
    }
    if let Some(v) = inner("floating point ") {
        return Said::new(excerpt(v), excerpt(&v.replace('.', ",")));
    }
    if let Some(v) = inner("boolean ") {
        return Said::new(v, v);
    }
    if let Some(v) = unexpected.strip_prefix("string ") {
        return Said::new(
            format!("the text {}", excerpt(v)),
            format!("o texto {}", excerpt_pt(v)),
        );
    }
    match unexpected {
        "sequence" => Said::new("a list", "uma lista"),
        "map" => Said::new("a table", "uma tabela"),
        other => Said::new(excerpt(other), excerpt_pt(other)),
    }
}

/// serde's name of what it expected (`u32`, `a string`, a duration), in
/// words, for the field `field` (its last key).
fn expected_words(expected: &str, field: Option<&str>) -> Said {
    let expected = expected.trim();
    let whole = |max: &str| {
        if field.is_some_and(|f| AT_LEAST_ONE.contains(&f)) {
            Said::new(
                "a whole number of at least 1",
                "um número inteiro de pelo menos 1",
            )
        } else {
            Said::new(
                format!("a whole number from 0 to {max}"),
                format!("um número inteiro de 0 a {max}"),
            )
        }
    };
    match expected {
        "u32" => whole("4294967295"),
        "u64" | "usize" => whole("18446744073709551615"),
        "f64" | "f32" => Said::new("a number", "um número"),
        "a string" => Said::new("text in quotes", "um texto entre aspas"),
        "a boolean" => Said::new("true or false", "true ou false"),
        "a sequence" => Said::new(
            "a list in brackets, such as [1, 2]",
            "uma lista entre colchetes, como [1, 2]",
        ),
        e if e.starts_with("a duration") => Said::new(
            "a duration: a number of milliseconds, or text such as \"250ms\", \"15m\", \"2h\"",
            "uma duração: um número de milissegundos, ou um texto como \"250ms\", \"15m\", \"2h\"",
        ),
        e if e.starts_with("struct ") || e.contains("enum") || e == "a map" => {
            Said::new("a table", "uma tabela")
        }
        other => Said::new(excerpt(other), excerpt_pt(other)),
    }
}

/// A duration over the longest a [`crate::duration::Dur`] holds (half of
/// `u64::MAX` microseconds), with that maximum.
fn too_long_duration(name: &str) -> Said {
    Said::new(
        format!(
            "{name}is too large for a duration: at most 9223372036854775 ms (about 292,000 years); write a unit, as in \"30d\""
        ),
        format!(
            "{name}é grande demais para uma duração: no máximo 9223372036854775 ms (cerca de 292 mil anos); escreva uma unidade, como \"30d\""
        ),
    )
}

/// The value of serde's list `known` ("one of `poll`, `webhook`, ...") that
/// `written` most likely meant: the same but for case, `-` for `_` or
/// spaces, or at most two letters off. None when nothing is that close.
fn closest<'a>(written: &str, known: &'a str) -> Option<&'a str> {
    let plain = |s: &str| s.to_lowercase().replace(['-', ' '], "_");
    let written = plain(written);
    known
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| (edits(&written, &plain(name)), name))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// serde's list of values `known` without the `-` spellings a value also
/// takes (`poll-events`, an alias of `poll_events` so that what a student
/// copies from `hooklab shop --strategy` works): the list names each value
/// once, as the files write it.
fn without_twins(known: &str) -> String {
    let names: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
    let kept: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !(n.contains('-') && names.contains(&n.replace('-', "_").as_str())))
        .collect();
    if kept.len() == names.len() {
        return known.to_owned();
    }
    let ticked: Vec<String> = kept.iter().map(|n| format!("`{n}`")).collect();
    match ticked.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", ticked.join(", ")),
    }
}

/// The Levenshtein distance between `a` and `b`, in characters: what a
/// did-you-mean ranks by (here, and for the CLI's commands and
/// `hooklab new --from`).
pub fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// serde's "unknown variant `max_attempts`" for a field whose value is one
/// of a few names, written as a table (`[strategy.retry]` then
/// `max_attempts = 0`): serde reads the table's first key as the name, and
/// "unknown value `max_attempts`" calls a field a value. `field` is the
/// field that takes the name (`retry`), `key` the table's key serde
/// named. `None` for any other message.
pub fn table_for_a_name(message: &str, field: &str, key: &str) -> Option<Said> {
    let (unknown, after) = ticked(message.trim(), "unknown variant `")?;
    if unknown != key {
        return None;
    }
    let known = after.split_once("expected ").map(|(_, k)| k).unwrap_or("");
    let known = without_twins(known);
    let first = known.split('`').nth(1)?;
    let names = known.replace("one of ", "");
    Some(Said::new(
        format!(
            "`{field}` is a text, one name, not a table: write `{field} = \"{first}\"` (one of {names}) \
             in the table above, in place of this table and its keys"
        ),
        format!(
            "`{field}` é um texto, um nome, não uma tabela: escreva `{field} = \"{first}\"` (um de {}) \
             na tabela de cima, no lugar desta tabela e das suas chaves",
            names.replace(" or ", " ou ")
        ),
    ))
}

/// A message from the TOML reader or serde, said in words in both
/// languages; `field` is the last key of the field it concerns. Values it
/// quotes are cut to an excerpt; a message of an unknown shape is kept (cut
/// and escaped) after a sentence that says what kind of problem it is.
pub fn serde_said(message: &str, field: Option<&str>) -> Said {
    let message = message.trim();
    let name = field.map(|f| format!("`{f}` ")).unwrap_or_default();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            // An integer past 64 bits where a duration goes: not the wrong
            // kind of value, a value too large.
            if expected.starts_with("a duration")
                && found.starts_with("integer `")
                && (found.ends_with(" as i128") || found.ends_with(" as u128"))
            {
                return too_long_duration(&name);
            }
            // A whole number too large for its type, in a field with a
            // bound: the bound, as a value above it but within the type
            // gets ("at most 5,000,000 orders"), not "at least 1".
            if let (Some(value), Some(field)) = (found.strip_prefix("integer `"), field)
                && matches!(expected.trim(), "u32" | "u64" | "usize")
                && !value.starts_with('-')
            {
                let digits = value.split('`').next().unwrap_or(value);
                let got = Said::new(grouped(Lang::En, digits), grouped(Lang::PtBr, digits));
                if let Some(said) = super::validate::too_large(field, &got) {
                    return said;
                }
            }
            let (f, e) = (found_words(found), expected_words(expected, field));
            return Said::new(
                format!("{name}must be {}, got {}", e.en, f.en),
                format!("{name}deve ser {}; recebido {}", e.pt_br, f.pt_br),
            );
        }
    }
    if let Some((missing, _)) = ticked(message, "missing field `") {
        return Said::new(
            format!("`{missing}` is missing: add it to this table"),
            format!("falta `{missing}`: acrescente o campo a esta tabela"),
        );
    }
    if let Some((unknown, after)) = ticked(message, "unknown field `") {
        let known = after.split_once("expected ").map(|(_, k)| k).unwrap_or("");
        // The key it most likely meant, as for a value (`intervalo_ms`,
        // `order`): said first, the table's keys after.
        let (en, pt_br) = match closest(unknown, known) {
            Some(meant) => (
                format!("did you mean `{meant}`?"),
                format!("quis dizer `{meant}`?"),
            ),
            None => ("a typo?".to_owned(), "erro de digitação?".to_owned()),
        };
        return Said::new(
            format!(
                "unknown field `{}` ({en}); this table has: {}",
                excerpt(unknown),
                known.replace("one of ", "")
            ),
            format!(
                "campo desconhecido `{}` ({pt_br}); esta tabela tem: {}",
                excerpt_pt(unknown),
                // serde's list of two ends "`a` or `b`": its "or" is English.
                known.replace("one of ", "").replace(" or ", " ou ")
            ),
        );
    }
    if let Some((unknown, after)) = ticked(message, "unknown variant `") {
        let known = after.split_once("expected ").map(|(_, k)| k).unwrap_or("");
        let known = &without_twins(known);
        let (en, pt_br) = match closest(unknown, known) {
            Some(meant) => (
                format!(" (did you mean `{meant}`?)"),
                format!(" (quis dizer `{meant}`?)"),
            ),
            None => (String::new(), String::new()),
        };
        return Said::new(
            format!(
                "unknown value `{}`{en}; use {}",
                excerpt(unknown),
                known.replace("one of ", "one of: ")
            ),
            format!(
                "valor desconhecido `{}`{pt_br}; use {}",
                excerpt_pt(unknown),
                known.replace("one of ", "um de: ").replace(" or ", " ou ")
            ),
        );
    }
    if let Some((dup, _)) = ticked(message, "duplicate field `") {
        return Said::new(
            format!("`{dup}` is written twice in this table"),
            format!("`{dup}` aparece duas vezes nesta tabela"),
        );
    }
    if message == "duplicate key" {
        return match field {
            Some(key) => Said::new(
                format!("`{key}` is written twice in this table: keep one of them"),
                format!("`{key}` aparece duas vezes nesta tabela: deixe só uma"),
            ),
            None => Said::new(
                "a key is written twice in this table: keep one of them",
                "uma chave aparece duas vezes nesta tabela: deixe só uma",
            ),
        };
    }
    if message.starts_with("floating-point number overflowed") {
        return Said::new(
            format!(
                "{name}is a number too large to hold (over about 1.8e308): write a smaller one"
            ),
            format!(
                "{name}é um número grande demais (acima de cerca de 1,8e308): escreva um menor"
            ),
        );
    }
    if message.starts_with("cannot recurse further") {
        return Said::new(
            "arrays or tables nested far deeper than any scenario field goes: check the brackets and braces on this line (scenarios/README.md shows every field)",
            "listas ou tabelas aninhadas muito mais fundo do que qualquer campo de cenário: confira os colchetes e chaves desta linha (scenarios/README.md mostra cada campo)",
        );
    }
    if message.starts_with("a duration cannot be negative") {
        return Said::new(
            "a duration cannot be negative",
            "uma duração não pode ser negativa",
        );
    }
    if message.starts_with("a duration must be a finite number") {
        return Said::new(
            "a duration must be a finite number",
            "uma duração deve ser um número finito",
        );
    }
    if message.starts_with("that duration is too long") {
        return too_long_duration(&name);
    }
    if let Some((text, _)) = ticked(message, "`")
        && message.contains("` is not a duration")
    {
        return Said::new(
            format!(
                "`{}` is not a duration: write a number of milliseconds or a number with a unit, such as \"250ms\", \"15m\", \"2h\"",
                excerpt(text)
            ),
            format!(
                "`{}` não é uma duração: escreva um número de milissegundos ou um número com unidade, como \"250ms\", \"15m\", \"2h\"",
                excerpt_pt(text)
            ),
        );
    }
    if let Some((unit, _)) = ticked(message, "unknown unit `") {
        return Said::new(
            format!("unknown unit `{}`: use us, ms, s, m, h or d", excerpt(unit)),
            format!(
                "unidade desconhecida `{}`: use us, ms, s, m, h ou d",
                excerpt_pt(unit)
            ),
        );
    }
    // TOML syntax: the reader's own words in English, translated when known.
    let detail = excerpt_long(message);
    let first = message.lines().next().unwrap_or("");
    let known: [(&str, &str); 9] = [
        ("extra `", "há algo a mais aqui"),
        (
            "string values must be quoted",
            "um texto deve ficar entre aspas",
        ),
        (
            "invalid basic string",
            "um texto não foi fechado: falta a aspa final",
        ),
        (
            "invalid literal string",
            "um texto não foi fechado: falta a aspa final",
        ),
        (
            "duplicate key",
            "esta chave já aparece antes na mesma tabela",
        ),
        (
            "unclosed table",
            "o cabeçalho da tabela não foi fechado: falta `]`",
        ),
        ("unclosed array", "a lista não foi fechada: falta `]`"),
        (
            "unclosed inline table",
            "a tabela em linha não foi fechada: falta `}`",
        ),
        ("invalid key", "nome de chave inválido"),
    ];
    let pt = known
        .iter()
        .find(|(en, _)| first.starts_with(en))
        .map(|(_, pt)| (*pt).to_owned())
        .unwrap_or_else(|| {
            format!("TOML inválido aqui (o leitor de TOML diz, em inglês: {detail})")
        });
    Said::new(detail, pt)
}

/// A whole message from another library, escaped and cut at 200 characters.
fn excerpt_long(message: &str) -> String {
    let mut out = String::new();
    let total = message.chars().count();
    for c in message.chars().take(200) {
        if c == '\n' {
            out.push_str("; ");
        } else if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if total > 200 {
        out.push('…');
    }
    out
}

/// A source line as an error shows it under the message: escaped, and cut
/// at 120 characters.
pub fn shown_line(line: &str) -> String {
    let mut out = String::new();
    let total = line.chars().count();
    for c in line.trim_end().chars().take(120) {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else if crate::printable::is_format_char(c) {
            // A right-to-left override in a name printed the rest of the
            // line reversed on the terminal.
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if total > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("poll"), "poll");
        assert_eq!(excerpt("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(
            shown_line("name = \"a\u{202e}b\""),
            "name = \"a\\u{202e}b\""
        );
        let long = "x".repeat(10_000_000);
        let cut = excerpt(&long);
        assert!(cut.len() < 80, "{cut}");
        assert!(cut.ends_with("… (10000000 characters)"), "{cut}");
        assert!(excerpt_pt(&long).ends_with("(10000000 caracteres)"));
    }

    #[test]
    fn serde_messages_are_said_in_words() {
        let s = serde_said("invalid value: integer `-5`, expected u32", Some("orders"));
        assert_eq!(
            s.en,
            "`orders` must be a whole number of at least 1, got -5"
        );
        assert_eq!(
            s.pt_br,
            "`orders` deve ser um número inteiro de pelo menos 1; recebido -5"
        );
        let s = serde_said(
            "invalid type: floating point `1.5`, expected u64",
            Some("seed"),
        );
        assert!(s.pt_br.contains("recebido 1,5"), "{s:?}");
        let s = serde_said("missing field `interval_ms`", None);
        assert!(s.pt_br.starts_with("falta `interval_ms`"), "{s:?}");
        let long = format!(
            "invalid type: string \"{}\", expected u32",
            "x".repeat(1_000_000)
        );
        assert!(serde_said(&long, Some("orders")).en.len() < 200);
    }

    /// serde joins a list of two with an English "or" and a longer one with
    /// commas: the Portuguese says "ou", in neither case "or".
    #[test]
    fn the_known_fields_and_values_are_listed_in_portuguese() {
        let two = serde_said(
            "unknown field `aproved`, expected `approved` or `declined`",
            None,
        );
        assert!(
            two.pt_br
                .ends_with("esta tabela tem: `approved` ou `declined`"),
            "{two:?}"
        );
        assert!(
            two.en.ends_with("this table has: `approved` or `declined`"),
            "{two:?}"
        );
        let three = serde_said(
            "unknown field `x`, expected one of `orders`, `arrival`, `settle`",
            None,
        );
        assert!(
            three
                .pt_br
                .ends_with("esta tabela tem: `orders`, `arrival`, `settle`"),
            "{three:?}"
        );
        let value = serde_said("unknown variant `x`, expected `fixed` or `uniform`", None);
        assert!(
            value.pt_br.ends_with("use `fixed` ou `uniform`"),
            "{value:?}"
        );
        for said in [two, three, value] {
            assert!(!said.pt_br.contains(" or "), "{said:?}");
        }
    }

    /// A value one slip from a known one is named: `pol_events` for
    /// `poll_events`, and `Poll Events` too; a far one is not.
    #[test]
    fn an_unknown_key_close_to_a_known_one_is_suggested() {
        let s = serde_said(
            "unknown field `intervalo_ms`, expected one of `name`, `kind`, `interval_ms`",
            None,
        );
        assert!(s.en.contains("(did you mean `interval_ms`?)"), "{s:?}");
        assert!(s.pt_br.contains("(quis dizer `interval_ms`?)"), "{s:?}");
        let s = serde_said(
            "unknown field `order`, expected one of `orders`, `arrival`, `settle`",
            None,
        );
        assert!(s.en.contains("(did you mean `orders`?)"), "{s:?}");
        let s = serde_said(
            "unknown field `zzzzzz`, expected `orders` or `arrival`",
            None,
        );
        assert!(s.en.contains("(a typo?)"), "{s:?}");
        assert!(s.pt_br.contains("(erro de digitação?)"), "{s:?}");
    }

    #[test]
    fn an_unknown_value_close_to_a_known_one_is_suggested() {
        let known = "unknown variant `{}`, expected one of `poll`, `webhook`, `poll_events`, `long_poll_events`";
        for written in ["pol_events", "Poll Events", "poll-event"] {
            let s = serde_said(&known.replace("{}", written), None);
            assert!(s.en.contains("(did you mean `poll_events`?)"), "{s:?}");
            assert!(s.pt_br.contains("(quis dizer `poll_events`?)"), "{s:?}");
        }
        let s = serde_said(&known.replace("{}", "websocket"), None);
        assert!(!s.en.contains("did you mean"), "{s:?}");
        // The `-` spellings files also take are not listed twice.
        let twins = "unknown variant `pol_events`, expected one of `poll`, `poll-events`, `poll_events`, `stream`";
        let s = serde_said(twins, None);
        assert!(
            s.en.ends_with("use one of: `poll`, `poll_events`, `stream`"),
            "{s:?}"
        );
        assert!(s.pt_br.contains("(quis dizer `poll_events`?)"), "{s:?}");
    }

    #[test]
    fn toml_syntax_errors_are_translated() {
        let s = serde_said("unclosed array, expected `]`", None);
        assert_eq!(s.en, "unclosed array, expected `]`");
        assert_eq!(s.pt_br, "a lista não foi fechada: falta `]`");
    }

    #[test]
    fn portuguese_numbers_use_the_decimal_comma() {
        assert_eq!(num(Lang::En, 0.25), "0.25");
        assert_eq!(num(Lang::PtBr, 0.25), "0,25");
        assert_eq!(num(Lang::PtBr, 3.0), "3");
    }
}
