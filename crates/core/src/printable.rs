//! Text from outside made safe to print on a class's terminal.
//!
//! Strategy names come from scenario files and GitHub payload fields come
//! from whoever signed them; either can carry control characters, ANSI
//! escapes among them (`\e[2J` clears the screen). Everything hooklab prints
//! for people passes such text through [`escape_controls`] first. Machine
//! output (`summary.json`, JSON lines) keeps the raw text.

/// Whether `c` is an invisible Unicode format character that reorders or
/// hides text on a terminal: the bidi embeddings and overrides (U+202A to
/// U+202E), isolates (U+2066 to U+2069), the Arabic letter mark (U+061C),
/// zero-width spaces, joiners and marks (U+200B to U+200F), the word joiner
/// and invisible operators (U+2060 to U+2064), and the byte order mark
/// (U+FEFF). `char::is_control` misses all of them: `o\u{202e}x` prints
/// reversed.
pub fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// At most `max_chars` of `text`, control characters escaped, with how long
/// the whole was when it was cut: an error quotes a bad value so it can be
/// recognised, and a 60 KB id in a 404 made a 60 KB answer.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    let mut out = escape_controls(&text.chars().take(max_chars).collect::<String>());
    if total > max_chars {
        out.push_str(&format!("… ({total} characters)"));
    }
    out
}

/// `value` as people read it: Rust's shortest form (`0.25`, `60`), or
/// scientific notation (`1e308`, `1e-300`) where that form would run to
/// hundreds of digits. An error quoting `--speed 1e308` printed 309 of them.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e16 || (magnitude != 0.0 && magnitude < 1e-6) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// `text` with its control characters written as `\u{1b}`, so it cannot
/// clear a terminal or break a table's line, and its invisible format
/// characters ([`is_format_char`]) as `\u{202e}`, so it cannot print
/// reversed or hide a part. Everything else, accents included, is kept.
pub fn escape_controls(text: &str) -> String {
    let hidden = |c: char| c.is_control() || is_format_char(c);
    if !text.chars().any(hidden) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn huge_and_tiny_numbers_are_short() {
        assert_eq!(super::number(1e308), "1e308");
        assert_eq!(super::number(-1e300), "-1e300");
        assert_eq!(super::number(1e-300), "1e-300");
        assert_eq!(super::number(0.25), "0.25");
        assert_eq!(super::number(60.0), "60");
        assert_eq!(super::number(0.0), "0");
        assert!(super::number(f64::MAX).len() < 30);
    }

    #[test]
    fn an_excerpt_is_short_and_says_how_long_the_whole_was() {
        let long = "é".repeat(60_000);
        let cut = super::excerpt(&long, 80);
        assert!(cut.starts_with(&"é".repeat(80)));
        assert!(cut.ends_with("… (60000 characters)"), "{cut}");
        assert_eq!(super::excerpt("a\u{1b}b", 80), "a\\u{1b}b");
    }

    #[test]
    fn text_that_would_print_reversed_or_hidden_is_escaped() {
        assert_eq!(super::escape_controls("o\u{202e}x"), "o\\u{202e}x");
        assert_eq!(
            super::escape_controls("a\u{200b}b\u{feff}"),
            "a\\u{200b}b\\u{feff}"
        );
        assert_eq!(super::escape_controls("ação"), "ação");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_written_out_and_accents_kept() {
        assert_eq!(escape_controls("liquidação"), "liquidação");
        assert_eq!(escape_controls("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(escape_controls("a\nb"), "a\\u{a}b");
    }
}
