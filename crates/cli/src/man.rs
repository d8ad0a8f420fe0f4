//! `hooklab man`: the man page (roff), in the reader's language.
//!
//! clap_mangen renders it from the same `Command` as `--help`, so the
//! Portuguese texts of [`crate::help::localized`] are in it already. Its
//! section headers are not: clap_mangen 0.2.33 writes `NAME`, `SYNOPSIS`,
//! `DESCRIPTION`, `OPTIONS`, `EXTRA`, `VERSION` and `AUTHORS` as fixed
//! strings inside each `render_*_section` method, which writes the header
//! and its body together, and the body renderers are private. So a section
//! cannot be rendered under another header through its API; the page is
//! rendered whole and its `.SH` lines are replaced ([`translate_headers`]).
//! The one header clap_mangen takes from the `Command` (the subcommands',
//! from `subcommand_help_heading`) is set on the command instead.

use clap::Command;
use hooklab_core::lang::Lang;

/// clap_mangen's fixed section headers and their Portuguese names, as
/// Portuguese man pages (man-pages-pt_BR) title them.
const HEADERS_PT: &[(&str, &str)] = &[
    ("NAME", "NOME"),
    ("SYNOPSIS", "SINOPSE"),
    ("DESCRIPTION", "DESCRIÇÃO"),
    ("OPTIONS", "OPÇÕES"),
    ("SUBCOMMANDS", "SUBCOMANDOS"),
    ("EXTRA", "MAIS INFORMAÇÕES"),
    ("VERSION", "VERSÃO"),
    ("AUTHORS", "AUTORES"),
];

/// The man page of `command` (already localized for `lang`), as roff.
pub(crate) fn page(command: Command, lang: Lang) -> std::io::Result<Vec<u8>> {
    let command = match lang {
        Lang::En => command,
        // `--help` lists them under "Comandos"; a man page's headers are
        // upper case, and clap_mangen prints this one as given.
        Lang::PtBr => command.subcommand_help_heading("SUBCOMANDOS"),
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(command).render(&mut roff)?;
    Ok(match lang {
        Lang::En => roff,
        Lang::PtBr => translate_headers(&String::from_utf8_lossy(&roff)).into_bytes(),
    })
}

/// `roff` with each `.SH` header of [`HEADERS_PT`] in Portuguese. Only whole
/// `.SH` lines are matched: the same word in a description stays.
fn translate_headers(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for line in roff.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let header = text.strip_prefix(".SH ").map(|h| h.trim_matches('"'));
        match header.and_then(|h| HEADERS_PT.iter().find(|(en, _)| *en == h)) {
            Some((_, pt)) => {
                out.push_str(".SH ");
                out.push_str(pt);
                out.push_str(end);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use clap::CommandFactory as _;

    fn headers(roff: &str) -> Vec<String> {
        roff.lines()
            .filter_map(|l| l.strip_prefix(".SH "))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_portuguese_page_has_portuguese_headers() {
        let command = crate::help::localized(crate::Cli::command(), Lang::PtBr);
        let roff = String::from_utf8(page(command, Lang::PtBr).unwrap()).unwrap();
        assert_eq!(
            headers(&roff),
            [
                "NOME",
                "SINOPSE",
                "DESCRIÇÃO",
                "OPÇÕES",
                "SUBCOMANDOS",
                "VERSÃO"
            ],
            "{roff}"
        );
        assert!(roff.starts_with(".ie"), "the roff preamble is kept: {roff}");
    }

    #[test]
    fn the_english_page_keeps_clap_mangens_headers() {
        let roff = String::from_utf8(page(crate::Cli::command(), Lang::En).unwrap()).unwrap();
        assert_eq!(
            headers(&roff),
            [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "OPTIONS",
                "SUBCOMMANDS",
                "VERSION"
            ]
        );
    }

    #[test]
    fn only_whole_header_lines_change() {
        let roff = ".SH NAME\nNAME and OPTIONS in prose\n.SH \"AUTHORS\"\n.SH OTHER";
        assert_eq!(
            translate_headers(roff),
            ".SH NOME\nNAME and OPTIONS in prose\n.SH AUTORES\n.SH OTHER"
        );
    }
}
