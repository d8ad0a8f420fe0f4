//! A scenario file's comments in the reader's language, for `hooklab new`.
//!
//! The committed scenarios carry their comments in both languages, so a
//! student who opens scenarios/checkout.toml in an editor reads them in
//! Portuguese too:
//!
//! - a block of whole-line comments in English is followed by a `# pt-BR:`
//!   line and the same block in Portuguese (to the block's end);
//! - a comment at the end of a line of TOML reads `# English | pt-BR:
//!   Português`.
//!
//! `hooklab new` writes a file to edit, in one language: [`in_lang`] keeps
//! each comment's part in the chosen one. Keys and values are the file
//! format and stay as they are; a comment without a Portuguese part (a
//! class's own) is left as written. A test holds every committed scenario
//! to this shape.

use hooklab_core::lang::Lang;

/// The line that starts a block's Portuguese.
pub(super) const MARKER: &str = "# pt-BR:";

/// What separates a trailing comment's English from its Portuguese.
pub(super) const TRAILING: &str = " | pt-BR: ";

fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// `source` with every bilingual comment in `lang` only; every other line
/// as it was.
pub(super) fn in_lang(source: &str, lang: Lang) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut Vec<String>| {
        if let Some(at) = block
            .iter()
            .position(|l| l.trim_start().starts_with(MARKER))
        {
            let kept = match lang {
                Lang::En => block[..at].iter().map(|l| (*l).to_owned()).collect(),
                Lang::PtBr => {
                    // Words on the marker's own line are the first Portuguese line.
                    let rest = block[at].trim_start()[MARKER.len()..].trim();
                    let first = (!rest.is_empty()).then(|| format!("# {rest}"));
                    first
                        .into_iter()
                        .chain(block[at + 1..].iter().map(|l| (*l).to_owned()))
                        .collect::<Vec<_>>()
                }
            };
            out.extend(kept);
        } else {
            out.extend(block.iter().map(|l| (*l).to_owned()));
        }
        block.clear();
    };
    for line in source.lines() {
        if is_comment_line(line) {
            block.push(line);
            continue;
        }
        flush(&mut block, &mut out);
        out.push(trailing_in_lang(line, lang));
    }
    flush(&mut block, &mut out);
    let mut text = out.join("\n");
    if source.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A line of TOML with its trailing comment in `lang`, when it has both.
/// A `#` after a space starts the comment: the committed files' strings
/// hold no ` #`, which a test holds them to.
fn trailing_in_lang(line: &str, lang: Lang) -> String {
    let Some(hash) = line.find(" #") else {
        return line.to_owned();
    };
    let (code, comment) = line.split_at(hash + 1);
    let Some((english, portuguese)) = comment.split_once(TRAILING) else {
        return line.to_owned();
    };
    match lang {
        Lang::En => format!("{code}{english}"),
        Lang::PtBr => format!("{code}# {portuguese}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every comment of every committed scenario is bilingual in the one
    /// shape: each block has English, then `# pt-BR:`, then Portuguese;
    /// each trailing comment has both halves. No string holds ` #`.
    #[test]
    fn every_committed_comment_is_in_both_languages() {
        for (name, text) in super::super::COMMITTED {
            let mut block: Vec<&str> = Vec::new();
            let check = |block: &mut Vec<&str>| {
                if block.is_empty() {
                    return;
                }
                let at = block.iter().position(|l| l.trim() == MARKER);
                let at = at.unwrap_or_else(|| panic!("{name}: no {MARKER} in {block:#?}"));
                assert!(at > 0, "{name}: no English before {MARKER}: {block:#?}");
                assert!(at + 1 < block.len(), "{name}: no Portuguese: {block:#?}");
                assert_eq!(
                    block.iter().filter(|l| l.contains("pt-BR:")).count(),
                    1,
                    "{name}: {block:#?}"
                );
                block.clear();
            };
            let mut in_string = false;
            for line in text.lines() {
                // A multi-line description is a string, not comments.
                if line.matches("\"\"\"").count() % 2 == 1 {
                    check(&mut block);
                    in_string = !in_string;
                    continue;
                }
                if in_string {
                    assert!(!line.contains(" #"), "{name}: ` #` in a string: {line}");
                    continue;
                }
                if is_comment_line(line) {
                    block.push(line);
                    continue;
                }
                check(&mut block);
                if let Some(at) = line.find(" #") {
                    let comment = &line[at + 1..];
                    assert!(comment.contains(TRAILING), "{name}: {line}");
                }
            }
            check(&mut block);
        }
    }

    /// In either language a committed scenario keeps every key and value,
    /// parses to the same scenario, and holds no comment of the other.
    #[test]
    fn one_language_changes_only_the_comments() {
        for (name, text) in super::super::COMMITTED {
            let code = |t: &str| -> Vec<String> {
                t.lines()
                    .filter(|l| !is_comment_line(l))
                    .map(|l| l.split(" #").next().unwrap_or(l).to_owned())
                    .collect()
            };
            let before = hooklab_core::scenario::Scenario::parse(text, name).unwrap();
            for lang in [Lang::En, Lang::PtBr] {
                let one = in_lang(text, lang);
                assert_eq!(code(text), code(&one), "{name} {lang:?}");
                assert!(!one.contains("pt-BR:"), "{name} {lang:?}:\n{one}");
                let after = hooklab_core::scenario::Scenario::parse(&one, name).unwrap();
                assert_eq!(format!("{before:?}"), format!("{after:?}"), "{name}");
            }
            let en = in_lang(text, Lang::En);
            let pt = in_lang(text, Lang::PtBr);
            assert!(
                en.lines().filter(|l| is_comment_line(l)).count() > 0,
                "{name}"
            );
            for line in pt.lines().filter(|l| is_comment_line(l) && l.trim() != "#") {
                assert!(!en.contains(line), "{name}: in both: {line}");
            }
        }
    }

    /// A class's own comments stay as written, in either language.
    #[test]
    fn comments_without_a_portuguese_part_are_left_alone() {
        let source = "# my own notes\nname = \"x\"  # 2,400 orders fill 24 h?\n";
        assert_eq!(in_lang(source, Lang::PtBr), source);
        assert_eq!(in_lang(source, Lang::En), source);
        let both = "# mine\n# pt-BR: meu\nseed = 1  # one | pt-BR: um\n";
        assert_eq!(in_lang(both, Lang::PtBr), "# meu\nseed = 1  # um\n");
        assert_eq!(in_lang(both, Lang::En), "# mine\nseed = 1  # one\n");
    }
}
