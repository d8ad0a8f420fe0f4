//! The receiver's printed labels, in each language.
//!
//! The seed presentation's program prints Portuguese labels
//! (`Tipo de evento:`, `Repositório:`, ...). hooklab prints English by default
//! and the seed's exact labels with `--lang pt-BR`, so a student can put
//! hooklab's output beside the slide and see the same lines. The language
//! itself is the workspace's one [`Lang`] ([`hooklab_core::lang`]); this
//! module holds only the receiver's own strings.

use hooklab_core::lang::Lang;

/// Every label the receiver prints, in one language.
///
/// One struct per language (rather than a `match` at every `println!`) keeps
/// the two translations side by side, where a missing one is easy to see.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    /// The banner line that opens each event.
    pub banner: &'static str,
    /// Before the `X-GitHub-Event` value.
    pub event_type: &'static str,
    /// Before `repository.full_name`.
    pub repository: &'static str,
    /// Before a push's `after` (the new head commit).
    pub commit_id: &'static str,
    /// Before a push's branch.
    pub branch: &'static str,
    /// Before a push's `pusher.name`.
    pub author: &'static str,
    /// Before a pull request's `action`.
    pub pr_action: &'static str,
    /// Before a pull request's title.
    pub pr_title: &'static str,
    /// Before an issue's `action`.
    pub issue_action: &'static str,
    /// Before an issue's title.
    pub issue_title: &'static str,
    /// Before a ping's `zen` (not in the seed, which has no `ping` case).
    pub zen: &'static str,
    /// Before a ping's `hook_id` (not in the seed).
    pub hook_id: &'static str,
    /// The line before the whole payload of any other event.
    pub other_event: &'static str,
    /// Before the delivery id of a redelivery that was not printed again.
    pub redelivery: &'static str,
    /// Printed where the payload has no repository (an organization's ping).
    pub none: &'static str,
    /// Opens the line of a refused delivery, before its status.
    pub refused: &'static str,
    /// Before a refused delivery's id.
    pub delivery: &'static str,
    /// `hooklab github listen`'s first line, before the URL.
    pub listening: &'static str,
    /// Under it, when listening on every interface, before the port.
    pub all_interfaces: &'static str,
    /// The insecure mode's warning block.
    pub insecure_warning: [&'static str; 5],
    /// When a secret is given with `--insecure-no-signature`.
    pub secret_ignored: &'static str,
    /// The last start-up line.
    pub ctrl_c: &'static str,
}

const EN: Labels = Labels {
    banner: "--- GITHUB EVENT ---",
    event_type: "Event type:",
    repository: "Repository:",
    commit_id: "Commit ID:",
    branch: "Branch:",
    author: "Author:",
    pr_action: "PR action:",
    pr_title: "PR title:",
    issue_action: "Issue action:",
    issue_title: "Issue title:",
    zen: "Zen:",
    hook_id: "Hook ID:",
    other_event: "Other event type. Full payload:",
    redelivery: "Redelivery, already printed, ignored:",
    none: "(none)",
    refused: "--- DELIVERY REFUSED",
    delivery: "delivery",
    listening: "hooklab github: listening on",
    all_interfaces: "  (all interfaces: GitHub's Payload URL is http://<this host's public address>:",
    insecure_warning: [
        "**********************************************************************",
        "WARNING: --insecure-no-signature: X-Hub-Signature-256 is NOT checked.",
        "WARNING: anyone who can reach this port can make it print anything.",
        "WARNING: this is the seed's behaviour, for comparison only; use --secret.",
        "**********************************************************************",
    ],
    secret_ignored: "note: the secret is ignored with --insecure-no-signature",
    ctrl_c: "Press Ctrl-C to stop.",
};

const PT_BR: Labels = Labels {
    banner: "--- EVENTO DO GITHUB ---",
    event_type: "Tipo de evento:",
    repository: "Repositório:",
    commit_id: "Commit ID:",
    branch: "Branch:",
    author: "Autor:",
    pr_action: "Ação do PR:",
    pr_title: "Título do PR:",
    issue_action: "Ação da Issue:",
    issue_title: "Título da Issue:",
    zen: "Zen:",
    hook_id: "ID do hook:",
    other_event: "Outro tipo de evento. Dados completos:",
    redelivery: "Reentrega, já exibida, ignorada:",
    none: "(nenhum)",
    refused: "--- ENTREGA RECUSADA",
    delivery: "entrega",
    listening: "hooklab github: escutando em",
    all_interfaces: "  (todas as interfaces: a Payload URL no GitHub é http://<endereço público desta máquina>:",
    insecure_warning: [
        "**********************************************************************",
        "ATENÇÃO: --insecure-no-signature: X-Hub-Signature-256 NÃO é verificada.",
        "ATENÇÃO: qualquer um que alcance esta porta pode fazê-lo imprimir qualquer coisa.",
        "ATENÇÃO: é o comportamento do programa da apresentação, só para comparar; use --secret.",
        "**********************************************************************",
    ],
    secret_ignored: "nota: o segredo é ignorado com --insecure-no-signature",
    ctrl_c: "Ctrl-C para parar.",
};

/// The receiver's labels in `lang`.
pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::PtBr => &PT_BR,
    }
}

/// Why a delivery was refused, from the stable code of its JSON error body.
pub fn refusal_reason(lang: Lang, code: &str) -> &'static str {
    let pt = lang == Lang::PtBr;
    match (code, pt) {
        ("missing_signature", false) => {
            "no X-Hub-Signature-256 (unsigned: not from GitHub, or no secret set)"
        }
        ("missing_signature", true) => {
            "sem X-Hub-Signature-256 (sem assinatura: não veio do GitHub, ou falta o segredo)"
        }
        ("malformed_signature", false) => "malformed X-Hub-Signature-256",
        ("malformed_signature", true) => "X-Hub-Signature-256 malformada",
        ("signature_mismatch", false) => "signature does not match (wrong secret or altered body)",
        ("signature_mismatch", true) => "assinatura não confere (segredo errado ou corpo alterado)",
        ("body_too_large", false) => "body larger than GitHub's 25 MB",
        ("body_too_large", true) => "corpo maior que os 25 MB do GitHub",
        ("body_unreadable", false) => "body could not be read",
        ("body_unreadable", true) => "corpo ilegível",
        ("server_busy", false) => "server busy: its budget for bodies still arriving is spent",
        ("server_busy", true) => {
            "servidor ocupado: a sua reserva para corpos ainda chegando se esgotou"
        }
        ("request_timeout", false) => "body did not arrive in time",
        ("request_timeout", true) => "o corpo não chegou a tempo",
        ("missing_event_type", false) => "no X-GitHub-Event header",
        ("missing_event_type", true) => "sem o cabeçalho X-GitHub-Event",
        ("malformed_event_type", false) => {
            "X-GitHub-Event is no event name (over 64 characters, or not a-z 0-9 _ . -)"
        }
        ("malformed_event_type", true) => {
            "X-GitHub-Event não é nome de evento (mais de 64 caracteres, ou fora de a-z 0-9 _ . -)"
        }
        ("form_encoded", false) => "form-encoded body (set Content type to application/json)",
        ("form_encoded", true) => "corpo form-encoded (escolha Content type application/json)",
        ("missing_field", false) => "payload lacks a field the event needs",
        ("missing_field", true) => "falta um campo que o evento exige",
        ("malformed_json", false) => "body is not valid JSON",
        ("malformed_json", true) => "corpo não é JSON válido",
        (_, false) => "refused",
        (_, true) => "recusada",
    }
}

/// A count with the language's thousands separator: `10,000` or `10.000`.
pub fn count(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = if lang == Lang::PtBr { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The summary of a storm: "… and 10,000 more rejections in the last
/// second", and "… and 1 more rejection" for one. `noun` is the plural
/// (see [`singular`]).
pub fn more_in_last_second(lang: Lang, n: u64, noun: &str) -> String {
    let noun = if n == 1 {
        singular(noun)
    } else {
        noun.to_owned()
    };
    let n = count(lang, n);
    match lang {
        Lang::En => format!("… and {n} more {noun} in the last second"),
        Lang::PtBr => format!("… e mais {n} {noun} no último segundo"),
    }
}

/// The singular of a storm's plural noun: its last word made of letters
/// loses its final `s` ("refusals (401)" → "refusal (401)", "respostas
/// 429" → "resposta 429", "429 answers" → "429 answer"). Every noun a storm
/// is counted in, here and in the demo (crates/cli/src/demo_cmd/out.rs), is
/// a regular plural in both languages; a noun whose last word does not
/// end in `s` stays as it is.
pub fn singular(plural: &str) -> String {
    let word_end = plural
        .char_indices()
        .rfind(|(_, c)| c.is_alphabetic())
        .map(|(at, c)| at + c.len_utf8());
    match word_end {
        Some(end) if plural[..end].ends_with('s') => {
            format!("{}{}", &plural[..end - 1], &plural[end..])
        }
        _ => plural.to_owned(),
    }
}

/// The plural noun that counts refused deliveries of one status in a
/// storm's summary. Each status is throttled on its own, so a burst of
/// forged signatures (401) does not hide the one oversized body (413).
pub fn refusals(lang: Lang, status: u16) -> &'static str {
    match (lang, status) {
        (Lang::En, 400) => "refusals (400)",
        (Lang::En, 401) => "refusals (401)",
        (Lang::En, 413) => "refusals (413)",
        (Lang::En, _) => "refusals",
        (Lang::PtBr, 400) => "recusas (400)",
        (Lang::PtBr, 401) => "recusas (401)",
        (Lang::PtBr, 413) => "recusas (413)",
        (Lang::PtBr, _) => "recusas",
    }
}

/// Said when the printer catches up after dropping lines.
pub fn lines_dropped(lang: Lang, n: u64) -> String {
    let n = count(lang, n);
    match lang {
        Lang::En => format!(
            "({n} line(s) not printed: the terminal was not keeping up; the servers did not wait for it)"
        ),
        Lang::PtBr => format!(
            "({n} linha(s) não impressa(s): o terminal não acompanhava; os servidores não esperaram por ele)"
        ),
    }
}

/// The title of a sample pull request or issue when `--title` is not given,
/// in `lang`: the listener prints it, so a Portuguese class reads one in
/// Portuguese. `None` keeps the payload's English default.
pub fn sample_title(lang: Lang, event: &str) -> Option<&'static str> {
    match (lang, event) {
        (Lang::PtBr, "pull_request") => Some("Adiciona um receptor de webhooks"),
        (Lang::PtBr, "issues") => Some("O receptor de webhooks não imprime nada"),
        (Lang::PtBr, "release") => Some("Primeira versão"),
        _ => None,
    }
}

/// `hooklab github listen`'s last line, after a Ctrl-C or once its stdout
/// was closed ([`crate::receiver::Received::output_closed`]): why it
/// stopped and what it took, as `hooklab shop`'s last line says what it
/// placed and learned.
pub fn interrupted(lang: Lang, received: &crate::receiver::Received) -> String {
    let counted = |n: u64, one: &str, many: &str| {
        format!("{} {}", count(lang, n), if n == 1 { one } else { many })
    };
    let r = received;
    let (why, after) = match (lang, r.output_closed) {
        (Lang::En, false) => ("interrupted (Ctrl-C)", "the Ctrl-C"),
        (Lang::En, true) => (
            "stopped: stdout was closed (the program reading it, such as `head`, has ended)",
            "that",
        ),
        (Lang::PtBr, false) => ("interrompido (Ctrl-C)", "o Ctrl-C"),
        (Lang::PtBr, true) => (
            "parado: a saída padrão foi fechada (o programa que a lia, como o `head`, terminou)",
            "isso",
        ),
    };
    // Only when it happened: a sender still sending 10 s after the stop.
    let cut = match (lang, r.cut) {
        (_, 0) => String::new(),
        (Lang::En, n) => format!(
            "; {} still open {}s after {after}, cut",
            counted(n, "connection", "connections"),
            crate::receiver::SHUTDOWN_GRACE.as_secs()
        ),
        (Lang::PtBr, n) => format!(
            "; {} {}s depois d{after}, {}",
            counted(n, "conexão ainda aberta", "conexões ainda abertas"),
            crate::receiver::SHUTDOWN_GRACE.as_secs(),
            if n == 1 { "cortada" } else { "cortadas" }
        ),
    };
    match lang {
        Lang::En => format!(
            "hooklab github: {why}: {} received, {} (acknowledged, not printed again), {} refused{cut}",
            counted(r.events, "event", "events"),
            counted(r.redeliveries, "redelivery", "redeliveries"),
            counted(r.refused, "delivery", "deliveries"),
        ),
        Lang::PtBr => format!(
            "hooklab github: {why}: {}, {}, {}{cut}",
            counted(r.events, "evento recebido", "eventos recebidos"),
            counted(
                r.redeliveries,
                "reentrega (confirmada, não exibida de novo)",
                "reentregas (confirmadas, não exibidas de novo)"
            ),
            counted(r.refused, "entrega recusada", "entregas recusadas"),
        ),
    }
}

/// `hooklab github listen`'s line at a Ctrl-C: open requests are given
/// time to finish, and a second Ctrl-C does not wait for them.
pub fn stopping(lang: Lang) -> String {
    let grace = crate::receiver::SHUTDOWN_GRACE.as_secs();
    match lang {
        Lang::En => format!(
            "hooklab github: stopping: open requests have up to {grace} s to finish (Ctrl-C again to stop at once)"
        ),
        Lang::PtBr => format!(
            "hooklab github: parando: as requisições abertas têm até {grace} s para terminar (Ctrl-C de novo para parar na hora)"
        ),
    }
}

/// `hooklab github listen`'s last line after a second Ctrl-C, while open
/// requests were given time to finish.
pub fn stopped_at_once(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "hooklab github: stopped at once (a second Ctrl-C): the requests still open were cut"
        }
        Lang::PtBr => {
            "hooklab github: parado na hora (um segundo Ctrl-C): as requisições ainda abertas foram cortadas"
        }
    }
}

/// `hooklab github send`'s line when the receiver refused the delivery on
/// its head and closed while the body (`bytes` long) was still going out.
pub fn answered_early(lang: Lang, bytes: usize) -> String {
    let bytes = count(lang, bytes as u64);
    match lang {
        Lang::En => format!(
            "the receiver refused the delivery on its head and closed before the {bytes} \
             bytes of the payload were sent; its answer, to the head sent again alone:"
        ),
        Lang::PtBr => format!(
            "o receptor recusou a entrega pelo cabeçalho e fechou a conexão antes que os \
             {bytes} bytes do payload fossem enviados; a resposta dele, ao cabeçalho \
             reenviado sozinho:"
        ),
    }
}

/// `hooklab github send`'s line before it sends.
pub fn sending(lang: Lang, event: &str, id: &str, bytes: usize, signed: bool, to: &str) -> String {
    let bytes = count(lang, bytes as u64);
    match (lang, signed) {
        (Lang::En, true) => {
            format!("sending {event} (delivery {id}, {bytes} bytes, signed) to {to}")
        }
        (Lang::En, false) => {
            format!("sending {event} (delivery {id}, {bytes} bytes, UNSIGNED: no --secret) to {to}")
        }
        (Lang::PtBr, true) => {
            format!("enviando {event} (entrega {id}, {bytes} bytes, assinada) para {to}")
        }
        (Lang::PtBr, false) => format!(
            "enviando {event} (entrega {id}, {bytes} bytes, SEM ASSINATURA: falta --secret) para {to}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands_in_each_language() {
        assert_eq!(count(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(count(Lang::PtBr, 10_000), "10.000");
        assert_eq!(count(Lang::PtBr, 999), "999");
    }

    #[test]
    fn one_more_is_singular_in_each_language() {
        // A tester's finding: "… and 1 more refusals in the last second".
        let line = |lang, n, noun| more_in_last_second(lang, n, noun);
        assert_eq!(
            line(Lang::En, 1, refusals(Lang::En, 401)),
            "… and 1 more refusal (401) in the last second"
        );
        assert_eq!(
            line(Lang::PtBr, 1, refusals(Lang::PtBr, 401)),
            "… e mais 1 recusa (401) no último segundo"
        );
        assert_eq!(
            line(Lang::En, 1, refusals(Lang::En, 500)),
            "… and 1 more refusal in the last second"
        );
        assert_eq!(
            line(Lang::PtBr, 1, refusals(Lang::PtBr, 500)),
            "… e mais 1 recusa no último segundo"
        );
        // The demo's nouns (crates/cli/src/demo_cmd/out.rs).
        assert_eq!(
            line(Lang::En, 1, "429 answers"),
            "… and 1 more 429 answer in the last second"
        );
        assert_eq!(
            line(Lang::PtBr, 1, "respostas 429"),
            "… e mais 1 resposta 429 no último segundo"
        );
        assert_eq!(
            line(Lang::En, 1, "rejections"),
            "… and 1 more rejection in the last second"
        );
        // More than one keeps the plural.
        assert_eq!(
            line(Lang::En, 2, refusals(Lang::En, 401)),
            "… and 2 more refusals (401) in the last second"
        );
        assert_eq!(
            line(Lang::PtBr, 1_000, "recusas"),
            "… e mais 1.000 recusas no último segundo"
        );
    }

    #[test]
    fn sample_titles_follow_the_language() {
        assert_eq!(
            sample_title(Lang::PtBr, "issues"),
            Some("O receptor de webhooks não imprime nada")
        );
        assert!(sample_title(Lang::PtBr, "pull_request").is_some());
        // English keeps the payload's own defaults.
        assert_eq!(sample_title(Lang::En, "issues"), None);
        assert_eq!(sample_title(Lang::PtBr, "push"), None);
    }

    #[test]
    fn the_sending_line_groups_its_byte_count() {
        let line = sending(
            Lang::PtBr,
            "push",
            "d1",
            2_466,
            true,
            "http://127.0.0.1:8080/webhook",
        );
        assert!(line.contains("2.466 bytes"), "{line}");
        let line = sending(
            Lang::En,
            "push",
            "d1",
            2_466,
            true,
            "http://127.0.0.1:8080/webhook",
        );
        assert!(line.contains("2,466 bytes"), "{line}");
    }
}
