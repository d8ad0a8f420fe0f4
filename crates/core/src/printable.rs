//! Text from outside made safe to print on a class's terminal.
//!
//! Strategy names come from scenario files and GitHub payload fields come
//! from whoever signed them; either can carry control characters, ANSI
//! escapes among them (`\e[2J` clears the screen). Everything hooklab prints
//! for people passes such text through [`escape_controls`] first. Machine
//! output (`summary.json`, JSON lines) keeps the raw text.

/// `text` with its control characters written as `\u{1b}`, so it cannot
/// clear a terminal or break a table's line. Everything else, accents
/// included, is kept.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
