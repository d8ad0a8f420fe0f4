//! The CLI's own people-facing lines, in each language.
//!
//! Everything `main` and the subcommands print on stderr for people (the
//! "results written to" line, refusals, runtime errors) is worded here, once
//! per [`Lang`], so the two translations sit side by side and a missing one
//! is easy to see. The scenario's own errors are worded by the core; clap's
//! help is translated in [`crate::help`].

use hooklab_core::lang::Lang;
use std::path::Path;

/// The sentence in `lang`, for a line said once (two wordings side by side
/// where it is said).
pub fn pick<T>(lang: Lang, en: T, pt: T) -> T {
    match lang {
        Lang::En => en,
        Lang::PtBr => pt,
    }
}

/// `error` before a failure's message.
pub fn error_prefix(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "error",
        Lang::PtBr => "erro",
    }
}

/// After a run wrote its files.
pub fn results_written(lang: Lang, dir: &Path) -> String {
    match lang {
        Lang::En => format!("results written to {}", dir.display()),
        Lang::PtBr => format!("resultados gravados em {}", dir.display()),
    }
}

/// After `hooklab new` wrote a file.
pub fn written(lang: Lang, file: &Path) -> String {
    match lang {
        Lang::En => format!("{} written", file.display()),
        Lang::PtBr => format!("{} gravado", file.display()),
    }
}

/// After `hooklab report` wrote its files.
pub fn reports_written(lang: Lang, dir: &Path) -> String {
    match lang {
        Lang::En => format!("reports written to {}", dir.display()),
        Lang::PtBr => format!("relatórios gravados em {}", dir.display()),
    }
}

/// `hooklab report` asked to redraw a committed reference run in place.
pub fn reference_in_place(lang: Lang, dir: &Path) -> String {
    let dir = dir.display();
    match lang {
        Lang::En => format!(
            "{dir} is a committed reference run (a folder of results/), which the README and \
             the lessons quote; refusing to redraw it in place. Write the copy elsewhere with \
             --out DIR (for instance --out runs/slides), or refresh the reference on purpose \
             with --out {dir}"
        ),
        Lang::PtBr => format!(
            "{dir} é uma execução de referência (uma pasta de results/), citada pelo LEIAME e \
             pelas aulas; ela não será redesenhada no lugar. Grave a cópia em outra pasta com \
             --out PASTA (por exemplo --out runs/slides), ou atualize a referência de propósito \
             com --out {dir}"
        ),
    }
}

/// A run whose default folder holds another scenario file's results.
pub fn would_replace(lang: Lang, dir: &Path, theirs: &str, ours: &str) -> String {
    let dir = dir.display();
    // The summary records the built-in scenario as `built-in checkout`;
    // Portuguese joins `de` to the article (`do cenário`).
    let of = |file: &str| match (lang, file) {
        (Lang::En, "built-in checkout") => "of the built-in checkout".to_owned(),
        (Lang::En, file) => format!("of {file}"),
        (Lang::PtBr, "built-in checkout") => "do cenário embutido checkout".to_owned(),
        (Lang::PtBr, file) => format!("de {file}"),
    };
    let (theirs, ours) = (of(theirs), of(ours));
    match lang {
        Lang::En => format!(
            "{dir} holds the results {theirs}, not {ours}; refusing to replace them. \
             Choose another folder with --out DIR, or replace them with --force"
        ),
        Lang::PtBr => format!(
            "{dir} contém os resultados {theirs}, não {ours}; eles não serão substituídos. \
             Escolha outra pasta com --out PASTA, ou substitua-os com --force"
        ),
    }
}

/// A results folder named with --out that holds files but no run's
/// summary.
pub fn not_a_results_folder(lang: Lang, dir: &Path) -> String {
    let dir = dir.display();
    match lang {
        Lang::En => format!(
            "{dir} holds files but no hooklab results (no summary.json); refusing to write \
             summary.md, summary.csv and the charts into it. Choose an empty or new folder \
             with --out DIR, or write there anyway with --force"
        ),
        Lang::PtBr => format!(
            "{dir} contém arquivos, mas nenhum resultado do hooklab (não há summary.json); \
             summary.md, summary.csv e os gráficos não serão gravados nela. Escolha uma pasta \
             vazia ou nova com --out PASTA, ou grave assim mesmo com --force"
        ),
    }
}

/// A run about to replace the same file's results from the other clock.
pub fn replaces_other_clock(
    lang: Lang,
    dir: &Path,
    before: hooklab_core::scenario::ClockMode,
    now: hooklab_core::scenario::ClockMode,
) -> String {
    let dir = dir.display();
    match lang {
        Lang::En => format!(
            "warning: {dir} holds a {before}-clock run of this file; this {now}-clock run \
             replaces it (its numbers will differ: choose another folder with --out DIR to keep both)"
        ),
        Lang::PtBr => format!(
            "aviso: {dir} contém uma execução deste arquivo no relógio {before}; esta, no \
             relógio {now}, vai substituí-la (os números vão mudar: escolha outra pasta com \
             --out PASTA para manter as duas)"
        ),
    }
}

/// HOOKLAB_LANG set to a language hooklab does not know.
pub fn bad_lang_variable(lang: Lang, value: &str) -> String {
    let value = hooklab_core::printable::excerpt(value, 40);
    match lang {
        Lang::En => format!(
            "error: the environment variable HOOKLAB_LANG is `{value}`, not a language hooklab \
             knows: set it to `en` or `pt-BR` (or unset it, or give --lang)"
        ),
        Lang::PtBr => format!(
            "erro: a variável de ambiente HOOKLAB_LANG vale `{value}`, que não é um idioma do \
             hooklab: defina-a como `en` ou `pt-BR` (ou remova-a, ou use --lang)"
        ),
    }
}

/// `hooklab validate` on a valid file that `hooklab run` would refuse for
/// its cost, as it is: `why` says the cost and the way out.
pub fn valid_but_costly(lang: Lang, file: &str, why: &str) -> String {
    match lang {
        Lang::En => {
            format!("warning: {file} is valid, but `hooklab run` would refuse it as it is: {why}")
        }
        Lang::PtBr => format!("aviso: {file} é válido, mas `hooklab run` o recusaria assim: {why}"),
    }
}

/// `hooklab report` given a scenario file instead of a run's results.
pub fn scenario_not_summary(lang: Lang, file: &str) -> String {
    match lang {
        Lang::En => format!(
            "{file} is a scenario, not the results of a run: run it with `hooklab run {file}` \
             (it writes its summary.json, summary.md and charts), then `hooklab report` \
             redraws them from that folder"
        ),
        Lang::PtBr => format!(
            "{file} é um cenário, não os resultados de uma execução: rode-o com \
             `hooklab run {file}` (que grava summary.json, summary.md e os gráficos), e depois \
             `hooklab report` os redesenha a partir dessa pasta"
        ),
    }
}

/// `hooklab report DIR` on a folder that holds no run's summary.json: how
/// such a folder is made, as [`scenario_not_summary`] says for a .toml.
pub fn no_summary_in(lang: Lang, dir: &str) -> String {
    match lang {
        Lang::En => format!(
            "{dir} holds no summary.json (the results of a run): run a scenario into it first \
             with `hooklab run SCENARIO --out {dir}` (as in `hooklab run checkout --out {dir}`), \
             then `hooklab report {dir}` redraws its reports"
        ),
        Lang::PtBr => format!(
            "{dir} não tem um summary.json (os resultados de uma execução): rode antes um cenário \
             nela com `hooklab run CENÁRIO --out {dir}` (como `hooklab run checkout --out {dir}`), \
             e depois `hooklab report {dir}` redesenha os relatórios"
        ),
    }
}

/// `hooklab live --replay results/NAME/` (or `hooklab report results/NAME/`)
/// where there is no results/ folder: the lessons' reference results live
/// in the project's folder, not in the one a class runs hooklab from.
/// `None` when `path` exists, is not under `results/`, or a results/
/// folder is here (then reading it says what is wrong).
pub fn results_not_here(lang: Lang, path: &Path) -> Option<String> {
    let mut parts = path
        .components()
        .filter(|c| *c != std::path::Component::CurDir);
    let first = parts.next()?;
    if first.as_os_str() != "results" || path.exists() || Path::new("results").exists() {
        return None;
    }
    let shown = hooklab_core::printable::escape_controls(&path.display().to_string());
    // `results/flaky-receiver/`: the run that makes it, when it is one of
    // the committed scenarios.
    let name = parts
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .filter(|name| {
            crate::scenario_arg::BUILT_IN
                .iter()
                .any(|(built_in, _)| built_in == name)
        });
    let make = name.map(|name| match lang {
        Lang::En => {
            format!("; or make it here first with `hooklab run {name} --out results/{name}`")
        }
        Lang::PtBr => {
            format!("; ou crie essa pasta aqui antes com `hooklab run {name} --out results/{name}`")
        }
    });
    let make = make.unwrap_or_default();
    Some(match lang {
        Lang::En => format!(
            "{shown}: there is no results/ folder here: results/ holds the project's reference results, \
             in the project's folder (the clone of its git repository hooklab was built from): run \
             this command from that folder{make}"
        ),
        Lang::PtBr => format!(
            "{shown}: não há uma pasta results/ aqui: results/ guarda os resultados de referência do \
             projeto, na pasta do projeto (o clone do repositório git de onde o hooklab foi \
             compilado): execute este comando nessa pasta{make}"
        ),
    })
}

/// The words before `hooklab run` that `hooklab` with no command ends
/// with, as the help's own description says them.
pub fn start_with(lang: Lang) -> &'static str {
    pick(lang, "Start with:", "Comece com:")
}

/// `hooklab new sub/dir/x` where sub/dir does not exist.
pub fn missing_folder(lang: Lang, folder: &Path) -> String {
    let folder = hooklab_core::printable::escape_controls(&folder.display().to_string());
    match lang {
        Lang::En => format!(
            "the folder {folder} does not exist: create it first (`mkdir -p {folder}`), \
             or give a name in a folder that exists"
        ),
        Lang::PtBr => format!(
            "a pasta {folder} não existe: crie-a antes (`mkdir -p {folder}`), \
             ou dê um nome numa pasta que exista"
        ),
    }
}

/// An output folder that cannot be written, found before the run.
pub fn cannot_write(lang: Lang, dir: &Path) -> String {
    match lang {
        Lang::En => format!(
            "cannot write results to {} (checked before running); choose another folder with --out",
            dir.display()
        ),
        Lang::PtBr => format!(
            "não é possível gravar resultados em {} (verificado antes da execução); escolha outra pasta com --out",
            dir.display()
        ),
    }
}

/// [`cannot_write`] with its cause: where `dir` or a folder above it is a
/// file, the sentence says so whole (the system's bare "File exists" after
/// it read as a dangling reason); any other cause follows it as before.
pub fn cannot_write_because(lang: Lang, dir: &Path, cause: std::io::Error) -> anyhow::Error {
    let file = dir
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.is_file());
    match file {
        Some(file) => anyhow::anyhow!(match lang {
            Lang::En => format!(
                "cannot write results to {} (checked before running): {} already exists and is a file, not a folder; choose another folder with --out",
                dir.display(),
                file.display()
            ),
            Lang::PtBr => format!(
                "não é possível gravar resultados em {} (verificado antes da execução): {} já existe e é um arquivo, não uma pasta; escolha outra pasta com --out",
                dir.display(),
                file.display()
            ),
        }),
        None => anyhow::Error::new(cause).context(cannot_write(lang, dir)),
    }
}

/// Reading or parsing files, and other fixed phrases used as error contexts.
#[derive(Clone, Copy, Debug)]
pub enum Phrase {
    /// Starting tokio.
    Runtime,
    /// Running a named scenario.
    Running,
    /// Writing results into a folder.
    Writing,
    /// Reading a file.
    Reading,
    /// A file that is not a summary.json.
    NotSummary,
    /// Registering the shop's endpoint.
    Register,
    /// Creating a payment.
    CreatePayment,
    /// Serving the platform.
    Serving,
    /// Opening the platform's data file.
    OpenData,
}

/// The phrase, with its subject (a path, an address, a name).
pub fn phrase(lang: Lang, phrase: Phrase, subject: &str) -> String {
    use Phrase::*;
    match (lang, phrase) {
        (Lang::En, Runtime) => "starting the async runtime".to_owned(),
        (Lang::PtBr, Runtime) => "ao iniciar o runtime assíncrono".to_owned(),
        (Lang::En, Running) => format!("running scenario `{subject}`"),
        (Lang::PtBr, Running) => format!("ao executar o cenário `{subject}`"),
        (Lang::En, Writing) => format!("writing to {subject}"),
        (Lang::PtBr, Writing) => format!("ao gravar em {subject}"),
        (Lang::En, Reading) => format!("reading {subject}"),
        (Lang::PtBr, Reading) => format!("ao ler {subject}"),
        (Lang::En, NotSummary) => format!("{subject} is not a hooklab summary.json"),
        (Lang::PtBr, NotSummary) => format!("{subject} não é um summary.json do hooklab"),
        (Lang::En, Register) => format!("registering the webhook endpoint {subject}"),
        (Lang::PtBr, Register) => format!("ao registrar o endpoint de webhook {subject}"),
        (Lang::En, CreatePayment) => format!("creating a payment at {subject}"),
        (Lang::PtBr, CreatePayment) => format!("ao criar um pagamento em {subject}"),
        (Lang::En, Serving) => "serving the platform".to_owned(),
        (Lang::PtBr, Serving) => "ao servir a plataforma".to_owned(),
        (Lang::En, OpenData) => format!("opening the platform's data file {subject}"),
        (Lang::PtBr, OpenData) => {
            format!("ao abrir o arquivo de dados da plataforma {subject}")
        }
    }
}

/// A system error's kind in words, for Portuguese output: the operating
/// system's own message is English, and must not be glued into a Portuguese
/// sentence. `None` for kinds without a translation.
pub fn io_kind(lang: Lang, kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    if lang == Lang::En {
        return None;
    }
    Some(match kind {
        NotFound => "arquivo ou pasta não encontrado",
        PermissionDenied => "permissão negada",
        ConnectionRefused => "conexão recusada (o servidor está rodando?)",
        ConnectionReset => "conexão reiniciada pelo outro lado",
        ConnectionAborted => "conexão interrompida",
        AddrInUse => "endereço já em uso (outro programa escuta nessa porta)",
        AddrNotAvailable => "endereço indisponível nesta máquina",
        AlreadyExists => "já existe",
        IsADirectory => "é uma pasta",
        NotADirectory => "não é uma pasta",
        ReadOnlyFilesystem => "sistema de arquivos somente leitura",
        TimedOut => "tempo esgotado",
        InvalidData => "dados inválidos",
        InvalidInput => "entrada inválida",
        UnexpectedEof => "fim de arquivo inesperado",
        StorageFull => "disco cheio",
        _ => return None,
    })
}

/// Introduces a cause kept in its original (English) words, on its own line.
pub fn original_detail(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "detail",
        Lang::PtBr => "detalhe técnico (mensagem original, em inglês)",
    }
}

/// A `hooklab github` failure in Portuguese (the github crate words its
/// errors in English); `None` in English, where its own words are used.
pub fn github_error(lang: Lang, error: &hooklab_github::command::CommandError) -> Option<String> {
    use hooklab_github::command::CommandError as E;
    use hooklab_github::sender::SendError as S;
    if lang == Lang::En {
        return None;
    }
    Some(match error {
        E::Usage(usage) => {
            use hooklab_github::command::UsageError as U;
            match usage {
                U::PathWithoutSlash(path) => {
                    format!("--path deve começar com `/` (recebido `{path}`), por exemplo /webhook")
                }
                U::PathNotPlain(path) => format!(
                    "--path só pode ter letras, algarismos, `-`, `_`, `.`, `~` e `/` (recebido `{path}`), por exemplo /webhook"
                ),
                U::EmptySecret => {
                    "--secret está vazio; dê o segredo do webhook como digitado no GitHub"
                        .to_owned()
                }
                U::NoSecret => "dê o segredo do webhook com --secret ou GITHUB_WEBHOOK_SECRET, \
                     para que requisições forjadas sejam recusadas (ou --insecure-no-signature \
                     para o comportamento sem verificação da apresentação)"
                    .to_owned(),
                U::EmptyPort(to) => format!(
                    "--to `{to}` tem um `:` e nenhuma porta depois do host; escreva a porta do receptor, por exemplo http://127.0.0.1:8080/webhook"
                ),
                U::EmptyEvent => "o EVENTO não pode ser vazio".to_owned(),
                U::RepoNotOwnerName(repo) => {
                    format!("--repo deve ser dono/nome (recebido `{repo}`)")
                }
                U::CommitNotSha(commit) => format!(
                    "--commit deve ser um id de commit completo, 40 algarismos hexadecimais como `git rev-parse HEAD` imprime (recebido `{commit}`)"
                ),
            }
        }
        E::ReadPayload { path, .. } => {
            format!(
                "não foi possível ler o arquivo de payload {}",
                path.display()
            )
        }
        E::Bind { addr, .. } => format!("não foi possível escutar em {addr}"),
        E::Serve(_) => "o receptor parou com um erro".to_owned(),
        E::Send(S::NotLoopback(_)) => {
            "o hooklab só envia para esta máquina (127.0.0.0/8, ::1, localhost)".to_owned()
        }
        E::Send(S::NotHttp(_)) => {
            "o hooklab só envia por http:// simples, sem TLS: troque https:// por http://"
                .to_owned()
        }
        E::Send(S::Build(_)) => "não foi possível montar a requisição".to_owned(),
        E::Send(S::Connect(_)) => "não foi possível alcançar o receptor".to_owned(),
        E::Send(S::ReadAnswer(_)) => "a resposta foi interrompida".to_owned(),
        E::Send(S::Timeout) => {
            "sem resposta a tempo (o GitHub marcaria esta entrega como falha)".to_owned()
        }
        E::PrintAnswer(_) => {
            "não foi possível imprimir a resposta do receptor na saída padrão".to_owned()
        }
        E::Rejected(status) => {
            let code = status.as_u16();
            let why = match code {
                401 | 403 => {
                    " (assinatura recusada: o --secret é o mesmo que o receptor usa para verificar?)"
                }
                404 => " (o receptor não tem esse caminho: confira o fim da URL em --to)",
                _ => "",
            };
            format!("o receptor recusou a entrega: HTTP {code}{why}")
        }
    })
}

/// A platform call's failure in Portuguese, for the causes a student meets
/// (a wrong key, a reused order id, the rate limit); `None` in English, where
/// the error's own words (and the platform's message) say it, and for
/// transport failures, whose system error is translated by its kind.
pub fn client_error(lang: Lang, error: &hooklab_shop::client::ClientError) -> Option<String> {
    use hooklab_shop::client::ClientError as E;
    if lang == Lang::En {
        return None;
    }
    Some(match error {
        E::Refused {
            status,
            retry_after,
            message,
            ..
        } => match status {
            401 => "a plataforma recusou a chave de API (401): use a --api-key que \
                    `hooklab platform` imprimiu ao iniciar"
                .to_owned(),
            403 => "a plataforma recusou o acesso (403): esta chave de API não pode fazer isso"
                .to_owned(),
            404 => "a plataforma não encontrou o que foi pedido (404): --platform é o endereço \
                    de `hooklab platform`?"
                .to_owned(),
            409 => "a plataforma recusou por conflito (409): esse id de pedido já foi usado \
                    com outros dados (use outro --order-id)"
                .to_owned(),
            429 => match retry_after {
                Some(wait) => format!(
                    "a plataforma limitou a taxa de requisições (429): espere {wait} e tente de novo"
                ),
                None => "a plataforma limitou a taxa de requisições (429): espere e tente de novo"
                    .to_owned(),
            },
            400 | 422 => match refused_field(message) {
                Some(field) => format!(
                    "a plataforma recusou o pedido como inválido ({status}): {}",
                    field_in_portuguese(field)
                ),
                None => format!("a plataforma recusou o pedido como inválido ({status})"),
            },
            503 => "a plataforma está indisponível no momento (503)".to_owned(),
            other => format!("a plataforma respondeu com o erro {other}"),
        },
        // The platform named here: the transport's own words do not know
        // whom they failed to reach (`github send` reaches a receiver).
        E::Transport(transport @ hooklab_core::http::TransportError::Connect(_)) => {
            format!(
                "sem resposta da plataforma: {}",
                transport_error(lang, transport)?
            )
        }
        E::Transport(transport) => transport_error(lang, transport)?,
        E::TimedOut(wait) => format!(
            "a plataforma aceitou a conexão mas não respondeu em {wait} (está rodando, mas \
             travada ou sobrecarregada)"
        ),
        _ => return None,
    })
}

/// The field a platform's refusal names: its message starts with it in
/// backquotes (`` `amount_cents`: must be … ``, crates/platform's
/// `ApiError::InvalidField`).
fn refused_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix('`')?;
    let (field, after) = rest.split_once('`')?;
    after.starts_with(':').then_some(field)
}

/// What a refused field is and what it must be, in Portuguese, with the
/// flag that sets it where there is one.
fn field_in_portuguese(field: &str) -> String {
    match field {
        "amount_cents" => "o valor (amount_cents, --amount-cents) deve ser um número positivo \
                           de centavos, até 1.000.000.000.000"
            .to_owned(),
        "order_id" => format!(
            "o id do pedido (order_id, --order-id) deve ter de 1 a {} caracteres \
             visíveis, sem caracteres de controle nem invisíveis",
            hooklab_core::wire::MAX_ORDER_ID_BYTES
        ),
        "currency" => {
            "a moeda (currency) deve ter três letras maiúsculas (ISO 4217), como BRL".to_owned()
        }
        "Idempotency-Key" => {
            "o cabeçalho Idempotency-Key deve ter de 1 a 255 caracteres ASCII visíveis".to_owned()
        }
        "simulate.settle_after_ms" => {
            "o prazo de liquidação simulado (simulate.settle_after_ms, --settle-after) \
             deve ser de no máximo 30 dias"
                .to_owned()
        }
        "url" => "o endereço do endpoint de webhook (url) não é aceito".to_owned(),
        other => format!("o campo `{other}` não é aceito"),
    }
}

/// A request that got no HTTP answer, in Portuguese (the transport words
/// its errors in English); `None` in English. A refused connection reads as
/// an I/O error's does (`hooklab order` and `hooklab shop` say the same),
/// and a refused URL says why (not loopback, not http).
pub fn transport_error(lang: Lang, error: &hooklab_core::http::TransportError) -> Option<String> {
    use hooklab_core::http::TransportError as T;
    if lang == Lang::En {
        return None;
    }
    Some(match error {
        T::Connect(_) => "conexão recusada (o servidor está rodando?)".to_owned(),
        T::Broken(_) => {
            "a conexão caiu antes da resposta (o servidor parou, ou não fala HTTP)".to_owned()
        }
        T::Timeout => "tempo esgotado: nenhuma resposta a tempo".to_owned(),
        T::BadUrl(cause) => {
            let cause = cause.to_string();
            if cause.contains("not on loopback") {
                "o endereço não é de loopback: o hooklab só fala com esta máquina \
                 (127.0.0.0/8, ::1, localhost)"
                    .to_owned()
            } else if cause.contains("only plain http://") {
                "o hooklab só usa http:// simples, sem TLS, nesta máquina".to_owned()
            } else if cause.contains("has no host") {
                "o endereço não tem host: escreva-o como http://127.0.0.1:PORTA".to_owned()
            } else {
                "endereço inválido".to_owned()
            }
        }
        T::TooLarge { status, limit } => {
            format!("respondeu {status} com um corpo de mais de {limit} bytes")
        }
    })
}

/// The language of messages made while the command line is parsed (clap's
/// value parsers cannot be handed one): set once by `main` from the flags
/// and locale it reads before parsing.
static PARSING_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Sets [`parsing_lang`]; later calls are ignored.
pub fn set_parsing_lang(lang: Lang) {
    let _ = PARSING_LANG.set(lang);
}

/// The language for messages made while parsing flags (English until set).
pub fn parsing_lang() -> Lang {
    PARSING_LANG.get().copied().unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_shop::client::ClientError;

    /// A 422 names its field in Portuguese, with the flag that sets it.
    #[test]
    fn a_refused_field_is_named_in_portuguese() {
        let refused = |message: &str| ClientError::Refused {
            status: 422,
            retry_after: None,
            code: "invalid_field".to_owned(),
            message: message.to_owned(),
        };
        let amount = client_error(
            Lang::PtBr,
            &refused(
                "`amount_cents`: must be a positive amount in the smallest currency unit, got 0",
            ),
        )
        .unwrap_or_default();
        assert!(
            amount.contains("o valor (amount_cents, --amount-cents) deve ser"),
            "{amount}"
        );
        let other = client_error(Lang::PtBr, &refused("`mystery`: no")).unwrap_or_default();
        assert!(other.contains("o campo `mystery` não é aceito"), "{other}");
        let bare = client_error(Lang::PtBr, &refused("not json")).unwrap_or_default();
        assert_eq!(bare, "a plataforma recusou o pedido como inválido (422)");
        assert_eq!(client_error(Lang::En, &refused("x")), None);
    }
}
