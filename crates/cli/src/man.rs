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
//!
//! clap_mangen names each subcommand by its own page (`hooklab-run(1)`),
//! pages hooklab does not write: the list names the commands as they are
//! typed (`hooklab run`) and says where their options are, `hooklab run
//! --help` ([`commands_not_pages`]).

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
    let roff = commands_not_pages(&String::from_utf8_lossy(&roff), lang);
    Ok(match lang {
        Lang::En => roff.into_bytes(),
        Lang::PtBr => translate_headers(&roff).into_bytes(),
    })
}

/// `roff` with each subcommand's page reference (`hooklab\-run(1)`, a
/// line of its own) replaced by the command as typed, in bold, and a
/// sentence under the subcommands' header saying where each one's options
/// are. Run before [`translate_headers`], on clap_mangen's English header.
fn commands_not_pages(roff: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(roff.len());
    for line in roff.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        let command = text
            .strip_prefix("hooklab\\-")
            .and_then(|rest| rest.strip_suffix("(1)"))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        if let Some(name) = command {
            out.push_str(&format!("\\fBhooklab {name}\\fR\n"));
            continue;
        }
        out.push_str(line);
        let header = text.strip_prefix(".SH ").map(|h| h.trim_matches('"'));
        if matches!(header, Some("SUBCOMMANDS" | "SUBCOMANDOS")) {
            out.push_str(match lang {
                Lang::En => {
                    "Each command's options: \\fBhooklab\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR \
                     (this page is the only one).\n"
                }
                Lang::PtBr => {
                    "As opções de cada comando: \\fBhooklab\\fR \\fICOMANDO\\fR \\fB\\-\\-help\\fR \
                     (esta é a única página).\n"
                }
            });
        }
    }
    out
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

    /// A tester's finding: the page listed hooklab-run(1), hooklab-check(1)…,
    /// pages that do not exist.
    #[test]
    fn the_page_points_to_no_other_page() {
        for lang in [Lang::En, Lang::PtBr] {
            let command = crate::help::localized(crate::Cli::command(), lang);
            let roff = String::from_utf8(page(command, lang).unwrap()).unwrap();
            assert!(!roff.contains("(1)"), "{roff}");
            assert!(roff.contains("\n\\fBhooklab run\\fR\n"), "{roff}");
            let said = match lang {
                Lang::En => "Each command's options:",
                Lang::PtBr => "As opções de cada comando:",
            };
            assert!(roff.contains(said), "{roff}");
        }
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
