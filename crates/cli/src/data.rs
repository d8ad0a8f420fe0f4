//! `hooklab platform --data` and `hooklab shop --data`: where the demo's
//! two sides keep what must survive a restart, and what a restart on the
//! same file picks up.
//!
//! The platform's store ([`hooklab_platform::store`]) holds the clock's
//! origin, the id epoch and the merchant's key of the first start, so a
//! platform started again on the same file reads its instants, ids and key
//! as before: the shop that still holds `pay_…` ids and a key goes on as if
//! nothing had happened, and learns every outcome.
//!
//! A data file that cannot be used is said once, in the language, with what
//! to do ([`DataFileError`]); SQLite's own words follow as a detail. A path
//! the user gave that cannot be used (a missing or read-only folder, a
//! folder, a corrupt or foreign file) is their input: exit code 2. A write
//! that fails while running (a full disk) is the machine's: exit code 1.

use crate::text;
use hooklab_core::clock::Clock;
use hooklab_core::events::EventSink;
use hooklab_core::ids::IdEpoch;
use hooklab_core::ids::OrderId;
use hooklab_core::lang::Lang;
use hooklab_platform::Merchant;
use hooklab_platform::store::{self, Opened, StoreError};
use hooklab_shop::inbox::{Inbox, InboxError, InboxOwner};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default `--data`: a file in the current folder.
pub const DEFAULT_DATA: &str = "hooklab-platform.sqlite";

/// A store opened for `hooklab platform`, and what the start takes from it.
pub struct PlatformData {
    pub opened: Opened,
    /// Resumed from the store's origin when it held something.
    pub clock: Clock,
    /// The store's epoch, or a fresh one.
    pub epoch: IdEpoch,
    /// The merchant the store knows (used when no `--api-key` is given).
    pub merchant: Option<Merchant>,
    /// One line for people: where the data is, and what was resumed.
    pub line: String,
}

/// A data file hooklab cannot use, said once in the language (the outermost
/// message of the error; SQLite's words, if any, are its cause).
#[derive(Debug)]
pub struct DataFileError {
    sentence: String,
    /// The user's path is at fault (exit code 2), not the machine (1).
    input: bool,
}

impl std::fmt::Display for DataFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sentence)
    }
}

impl std::error::Error for DataFileError {}

/// The `application_id` of a shop inbox ("hksh", crates/shop/src/inbox.rs):
/// a platform given the shop's file is told so (a test opens a real inbox).
const SHOP_INBOX_APPLICATION_ID: i32 = 0x686b_7368;

/// Which side's file: the words differ, and so does the way out.
#[derive(Clone, Copy)]
enum Side {
    Platform,
    Shop,
}

/// `sentence` as the error, with `detail` (another program's words) as its cause.
fn worded(sentence: String, detail: Option<String>, input: bool) -> anyhow::Error {
    let error = DataFileError { sentence, input };
    match detail {
        Some(detail) => anyhow::Error::msg(detail).context(error),
        None => anyhow::Error::new(error),
    }
}

/// What is wrong with a path SQLite could not open, and what to do.
fn cannot_open(path: &Path, side: Side, lang: Lang) -> String {
    let shown = path.display();
    let (file_en, file_pt) = match side {
        Side::Platform => (
            "the platform's data file",
            "o arquivo de dados da plataforma",
        ),
        Side::Shop => ("the shop's inbox", "a caixa de entrada da loja"),
    };
    let (way_en, way_pt) = match side {
        Side::Platform => (
            "or pass --data :memory: to keep nothing",
            "ou passe --data :memory: para não guardar nada",
        ),
        Side::Shop => (
            "or leave out --data to keep nothing",
            "ou deixe de fora o --data para não guardar nada",
        ),
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if path.is_dir() {
        text::pick(
            lang,
            format!(
                "cannot use {shown} as {file_en}: it is a folder; give a file path inside it, {way_en}"
            ),
            format!(
                "não dá para usar {shown} como {file_pt}: é uma pasta; dê o caminho de um arquivo dentro dela, {way_pt}"
            ),
        )
    } else if !folder.is_dir() {
        let folder = folder.display();
        text::pick(
            lang,
            format!(
                "cannot create {file_en} {shown}: the folder {folder} does not exist; create it, {way_en}"
            ),
            format!(
                "não dá para criar {file_pt} {shown}: a pasta {folder} não existe; crie-a, {way_pt}"
            ),
        )
    } else {
        text::pick(
            lang,
            format!(
                "cannot open or create {file_en} {shown}: check that its folder is writable and the file readable, {way_en}"
            ),
            format!(
                "não dá para abrir nem criar {file_pt} {shown}: confira que a pasta aceita escrita e o arquivo pode ser lido, {way_pt}"
            ),
        )
    }
}

/// The platform store's error, said once in `lang`.
fn store_error(error: StoreError, lang: Lang) -> anyhow::Error {
    let input = !matches!(error, StoreError::Write { .. });
    let detail = std::error::Error::source(&error).map(|s| s.to_string());
    let sentence = match &error {
        StoreError::Open { path, .. } => cannot_open(path, Side::Platform, lang),
        StoreError::Locked { path, pid } => in_use(path, *pid, lang),
        // The lock file goes beside the data file: what keeps one from
        // being made (a missing folder, a folder given as the file) is what
        // keeps the other from being opened.
        StoreError::LockFile { path, .. } => cannot_open(path, Side::Platform, lang),
        StoreError::Reset { path, .. } => text::pick(
            lang,
            format!(
                "cannot remove {} to start empty: check that its folder is writable",
                path.display()
            ),
            format!(
                "não dá para apagar {} para começar do zero: confira que a pasta aceita escrita",
                path.display()
            ),
        ),
        StoreError::NotADatabase {
            path,
            hooklab: true,
            ..
        } => text::pick(
            lang,
            format!(
                "{} is a corrupt hooklab data file: move it away, or start with --reset to empty it",
                path.display()
            ),
            format!(
                "{} é um arquivo de dados do hooklab corrompido: tire-o dali, ou comece com --reset para esvaziá-lo",
                path.display()
            ),
        ),
        StoreError::NotADatabase { path, .. } => text::pick(
            lang,
            format!(
                "{} is not a hooklab data file (not even an SQLite database); hooklab leaves it alone, --reset included: move it away or give another --data path",
                path.display()
            ),
            format!(
                "{} não é um arquivo de dados do hooklab (nem sequer um banco SQLite); o hooklab não mexe nele, nem com --reset: tire-o dali ou dê outro caminho em --data",
                path.display()
            ),
        ),
        StoreError::Foreign { path, found } if *found == SHOP_INBOX_APPLICATION_ID => text::pick(
            lang,
            format!(
                "{} is a shop inbox, not a platform data file: give the platform another --data path",
                path.display()
            ),
            format!(
                "{} é uma caixa de entrada da loja, não um arquivo de dados da plataforma: dê à plataforma outro caminho em --data",
                path.display()
            ),
        ),
        StoreError::Foreign { path, found } => text::pick(
            lang,
            format!(
                "{} is an SQLite database, but not hooklab's (application id {found:#x}); hooklab leaves it alone: give another --data path",
                path.display()
            ),
            format!(
                "{} é um banco SQLite, mas não do hooklab (application id {found:#x}); o hooklab não mexe nele: dê outro caminho em --data",
                path.display()
            ),
        ),
        StoreError::Version { path, found, known } => text::pick(
            lang,
            format!(
                "{} has schema version {found}; this hooklab knows version {known}: use the hooklab that wrote it, or start with --reset",
                path.display()
            ),
            format!(
                "{} tem a versão de esquema {found}; este hooklab conhece a versão {known}: use o hooklab que o escreveu, ou comece com --reset",
                path.display()
            ),
        ),
        StoreError::BadRow { path, what } => text::pick(
            lang,
            format!(
                "{} holds a row hooklab cannot read ({what}): was it edited by hand? start with --reset",
                path.display()
            ),
            format!(
                "{} tem uma linha que o hooklab não consegue ler ({what}): foi editado à mão? comece com --reset",
                path.display()
            ),
        ),
        StoreError::Write { path, .. } => text::pick(
            lang,
            format!(
                "cannot write the platform's data file {}: is the disk full, or was the file removed?",
                path.display()
            ),
            format!(
                "não dá para escrever o arquivo de dados da plataforma {}: o disco está cheio, ou o arquivo foi removido?",
                path.display()
            ),
        ),
    };
    worded(sentence, detail, input)
}

/// A data file another process holds, said with its PID and the way out.
fn in_use(path: &Path, pid: Option<u32>, lang: Lang) -> String {
    let (en, pt) = match pid {
        Some(pid) => (format!(" (pid {pid})"), format!(" (pid {pid})")),
        None => (String::new(), String::new()),
    };
    text::pick(
        lang,
        format!(
            "{} is in use by another hooklab process{en}: stop it first, or give this one another --data path",
            path.display()
        ),
        format!(
            "{} está em uso por outro processo do hooklab{pt}: pare-o antes, ou dê a este outro caminho em --data",
            path.display()
        ),
    )
}

/// The shop inbox's error, said once in `lang`.
fn inbox_error(error: InboxError, lang: Lang) -> anyhow::Error {
    let input = !matches!(error, InboxError::Write { .. });
    let detail = std::error::Error::source(&error).map(|s| s.to_string());
    let sentence = match &error {
        InboxError::Open { path, .. } => cannot_open(path, Side::Shop, lang),
        InboxError::NotADatabase { path, .. } => text::pick(
            lang,
            format!(
                "{} is not an SQLite database (corrupt, or another kind of file): move it away or give another --data path",
                path.display()
            ),
            format!(
                "{} não é um banco SQLite (corrompido, ou outro tipo de arquivo): tire-o dali ou dê outro caminho em --data",
                path.display()
            ),
        ),
        InboxError::Foreign { path } => text::pick(
            lang,
            format!(
                "{} is an SQLite database, but not a shop inbox (the platform's data file, or another program's): give the shop its own --data path",
                path.display()
            ),
            format!(
                "{} é um banco SQLite, mas não uma caixa de entrada da loja (o arquivo da plataforma, ou de outro programa): dê à loja o seu próprio caminho em --data",
                path.display()
            ),
        ),
        InboxError::OtherOwner { path, kept, given } => {
            // Absolute, as the inbox line says it: which folder's file.
            let (path, was, was_key) = (display_path(path), &kept.platform, &kept.merchant);
            // What was given, said as "the same" where it was.
            let same_platform = kept.platform == given.platform;
            let same_key = kept.merchant == given.merchant;
            let (platform_en, platform_pt) = match same_platform {
                true => (
                    "the same --platform".to_owned(),
                    "o mesmo --platform".to_owned(),
                ),
                false => (
                    format!("--platform {}", given.platform),
                    format!("--platform {}", given.platform),
                ),
            };
            let (key_en, key_pt) = match same_key {
                true => (
                    "the same API key".to_owned(),
                    "a mesma chave de API".to_owned(),
                ),
                false => (
                    format!("an API key whose fingerprint is {}", given.merchant),
                    format!("uma chave de API de impressão digital {}", given.merchant),
                ),
            };
            // Why the platform was not recognised by its id, and what to do
            // if it is the same one on another address.
            let hint = match (&kept.platform_id, &given.platform_id) {
                _ if same_platform => None,
                (Some(was_id), Some(id)) if was_id == id => None,
                (Some(was_id), Some(id)) => Some((
                    format!(
                        " The platform at {} is another platform (id {id}; this inbox's is {was_id}): \
                         started on another --data file, or afresh. To go on with these orders, start \
                         `hooklab platform` again with the --data file it had.",
                        given.platform
                    ),
                    format!(
                        " A plataforma em {} é outra plataforma (id {id}; a desta caixa de entrada é \
                         {was_id}): iniciada com outro arquivo em --data, ou do zero. Para continuar com \
                         esses pedidos, inicie `hooklab platform` de novo com o arquivo --data que ela tinha.",
                        given.platform
                    ),
                )),
                (Some(_), None) => Some((
                    format!(
                        " The platform at {} did not say its id (is it running? start it first): if it \
                         is the same platform on another address, started on its --data file, the shop \
                         recognises it by its id.",
                        given.platform
                    ),
                    format!(
                        " A plataforma em {} não disse o seu id (ela está rodando? inicie-a primeiro): se \
                         for a mesma plataforma em outro endereço, iniciada com o seu arquivo --data, a \
                         loja a reconhece pelo id.",
                        given.platform
                    ),
                )),
                (None, _) => Some((
                    format!(
                        " This inbox does not know its platform's id (it was made by an older hooklab, or \
                         while the platform did not answer), so it cannot recognise that platform on another \
                         address: run the shop once against {was} while the platform runs there, and later \
                         moves are recognised."
                    ),
                    format!(
                        " Esta caixa de entrada não sabe o id da sua plataforma (foi criada por um hooklab \
                         mais antigo, ou enquanto a plataforma não respondia), então não a reconhece em outro \
                         endereço: rode a loja uma vez contra {was} com a plataforma rodando lá, e as próximas \
                         mudanças são reconhecidas."
                    ),
                )),
            };
            let (hint_en, hint_pt) = hint.unwrap_or_default();
            text::pick(
                lang,
                format!(
                    "{path} holds the orders this shop placed with the platform at {was} with the API key whose \
                     fingerprint is {was_key}, and it was given {platform_en} with {key_en}: asked there, those \
                     orders would wrongly end as missed. Pass that --platform and --api-key again, or give \
                     another --data file (or delete {path} to start afresh).{hint_en}"
                ),
                format!(
                    "{path} guarda os pedidos que esta loja fez na plataforma em {was} com a chave de API de \
                     impressão digital {was_key}, e ela recebeu {platform_pt} com {key_pt}: perguntados lá, \
                     esses pedidos terminariam como perdidos por engano. Passe de novo aquele --platform e \
                     aquela --api-key, ou dê outro arquivo em --data (ou apague {path} para começar do zero).{hint_pt}"
                ),
            )
        }
        InboxError::Lock(hooklab_core::file_lock::LockError::Held { path, pid }) => {
            in_use(path, *pid, lang)
        }
        InboxError::Lock(hooklab_core::file_lock::LockError::Io { path, .. }) => {
            cannot_open(path, Side::Shop, lang)
        }
        InboxError::Write { path, .. } => text::pick(
            lang,
            format!(
                "cannot write the shop's inbox {}: is the disk full, or was the file removed?",
                path.display()
            ),
            format!(
                "não dá para escrever a caixa de entrada da loja {}: o disco está cheio, ou o arquivo foi removido?",
                path.display()
            ),
        ),
    };
    worded(sentence, detail, input)
}

/// Opens `path` (emptied first when `reset`).
pub fn open(path: &Path, reset: bool, lang: Lang) -> anyhow::Result<PlatformData> {
    let opened = store::open(path, reset).map_err(|e| store_error(e, lang))?;
    let now = Clock::system_unix_us();
    let clock = match opened.origin_unix_us() {
        Some(origin) => Clock::resumed(origin, now),
        None => Clock::starting_now(now),
    }
    .precise();
    // A new epoch for a new file (ids never repeat across files); the
    // file's own when it has one.
    let epoch = opened
        .id_epoch()
        .unwrap_or_else(|| IdEpoch::from_seed(now as u64));
    let merchant = opened.merchants().first().cloned();
    let shown = display_path(path);
    let line = match (&opened.snapshot, opened.store.is_durable()) {
        (_, false) => text::pick(
            lang,
            "data: in memory only (--data :memory:): nothing survives a restart".to_owned(),
            "dados: só na memória (--data :memory:): nada sobrevive a um reinício".to_owned(),
        ),
        (None, true) => match lang {
            Lang::En => format!("data: {shown} (new; kill me and start me again: nothing is lost)"),
            Lang::PtBr => {
                format!("dados: {shown} (novo; mate o processo e inicie de novo: nada se perde)")
            }
        },
        (Some(snapshot), true) => {
            let (payments, deliveries) = snapshot.pending();
            match lang {
                Lang::En => format!(
                    "data: {shown} (resumed: {payments} {} pending, {deliveries} webhook {} to resume)",
                    if payments == 1 { "payment" } else { "payments" },
                    if deliveries == 1 {
                        "delivery"
                    } else {
                        "deliveries"
                    }
                ),
                Lang::PtBr => format!(
                    "dados: {shown} (retomado: {payments} {}, {deliveries} {} a retomar)",
                    if payments == 1 {
                        "pagamento pendente"
                    } else {
                        "pagamentos pendentes"
                    },
                    if deliveries == 1 {
                        "entrega de webhook"
                    } else {
                        "entregas de webhook"
                    }
                ),
            }
        }
    };
    Ok(PlatformData {
        opened,
        clock,
        epoch,
        merchant,
        line,
    })
}

/// Refuses an `--api-key` other than the one `data`'s file holds: starting
/// with it would replace the file's key, and every shop that holds the old
/// one would be refused from then on. Neither key is said in full (they are
/// secrets; see [`key_hint`]).
pub fn check_key(data: &PlatformData, path: &Path, given: &str, lang: Lang) -> anyhow::Result<()> {
    let Some(held) = &data.merchant else {
        return Ok(());
    };
    if held.api_key == given {
        return Ok(());
    }
    let (shown, held, given) = (display_path(path), key_hint(&held.api_key), key_hint(given));
    let sentence = text::pick(
        lang,
        format!(
            "{shown} holds another API key ({held}) than the --api-key given ({given}): starting with it \
             would revoke the file's key, and the shops that hold that key would be refused. Leave out \
             --api-key to go on with the key the file holds (the platform prints it when it starts), \
             or add --reset to empty the file and start over with the new key"
        ),
        format!(
            "{shown} guarda outra chave de API ({held}) que não a --api-key dada ({given}): iniciar com \
             ela revogaria a chave do arquivo, e as lojas que têm essa chave seriam recusadas. Deixe de \
             fora o --api-key para continuar com a chave que o arquivo guarda (a plataforma a imprime ao \
             iniciar), ou acrescente --reset para esvaziar o arquivo e recomeçar com a nova chave"
        ),
    );
    Err(worded(sentence, None, true))
}

/// A secret key as it may be said: its `sk_test_` prefix (when it has
/// one) and its last four characters, never the whole of it.
fn key_hint(key: &str) -> String {
    let prefix = if key.starts_with("sk_test_") {
        "sk_test_"
    } else {
        ""
    };
    let rest: Vec<char> = key[prefix.len()..].chars().collect();
    // A short key keeps nothing of its own: four of six would be most of it.
    let tail: String = match rest.len() {
        n if n >= 12 => rest[n - 4..].iter().collect(),
        _ => String::new(),
    };
    format!("{prefix}…{tail}")
}

/// The path as people should read it: absolute, so a student knows which
/// folder's file `sqlite3` must open.
fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

/// Whether `error` is a data file that is not a usable hooklab store (bad
/// input: exit code 2) rather than a machine that failed (exit code 1).
pub fn is_bad_file(error: &anyhow::Error) -> bool {
    if let Some(worded) = error.downcast_ref::<DataFileError>() {
        return worded.input;
    }
    error.chain().any(|link| {
        link.downcast_ref::<StoreError>()
            .is_some_and(StoreError::is_bad_file)
            || link
                .downcast_ref::<InboxError>()
                .is_some_and(InboxError::is_bad_file)
    })
}

/// The shop's inbox, opened, and what it held.
pub struct ShopData {
    pub inbox: Arc<Inbox>,
    /// Delivery ids already processed.
    pub processed: HashSet<String>,
    /// Orders still waiting for their outcome.
    pub pending: Vec<OrderId>,
    /// One line for people.
    pub line: String,
}

/// Opens the shop's inbox at `path` for `owner` (refused if it holds
/// another platform's or merchant's orders).
pub fn open_inbox(
    path: &Path,
    clock: Clock,
    owner: &InboxOwner,
    lang: Lang,
) -> anyhow::Result<ShopData> {
    let (inbox, contents) = Inbox::open(path, clock, owner).map_err(|e| inbox_error(e, lang))?;
    let shown = display_path(path);
    let (ids, known, waiting) = (
        contents.processed.len(),
        contents.known,
        contents.pending.len(),
    );
    let mut line = match lang {
        Lang::En => format!(
            "inbox: {shown} ({ids} delivery ids processed, {known} orders known, {waiting} waiting for their outcome)"
        ),
        Lang::PtBr => format!(
            "caixa de entrada: {shown} ({ids} ids de entrega processados, {known} pedidos conhecidos, {waiting} esperando o resultado)"
        ),
    };
    // The same platform (its id) on another address: followed, and said.
    if let Some(from) = &contents.moved_from {
        let (now, id) = (&owner.platform, owner.platform_id.as_deref().unwrap_or(""));
        line.push_str(&match lang {
            Lang::En => format!("; its platform (id {id}) moved from {from} to {now}"),
            Lang::PtBr => format!("; a plataforma dela (id {id}) mudou de {from} para {now}"),
        });
    }
    Ok(ShopData {
        inbox: Arc::new(inbox),
        processed: contents.processed,
        pending: contents.pending,
        line,
    })
}

/// `printing`, with every event also noted in `inbox` first (orders placed,
/// outcomes learned by polling).
pub fn journalled(printing: EventSink, inbox: Arc<Inbox>) -> EventSink {
    EventSink::to(move |event| {
        inbox.note(&event);
        printing.emit(event.at, || event.what);
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn platform_error(path: &Path, lang: Lang) -> anyhow::Error {
        match open(path, false, lang) {
            Err(e) => e,
            Ok(_) => panic!("{} opened", path.display()),
        }
    }

    fn said(error: &anyhow::Error) -> String {
        crate::error_text(error, Lang::En)
    }

    #[test]
    fn an_unusable_path_is_input_said_once_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder").join("x.sqlite");
        let e = platform_error(&missing, Lang::En);
        assert!(is_bad_file(&e), "{e:#}");
        let text = said(&e);
        assert!(
            text.contains("does not exist") && text.contains("--data :memory:"),
            "{text}"
        );
        assert_eq!(text.matches("data file").count(), 1, "{text}");
        let e = platform_error(dir.path(), Lang::PtBr);
        assert!(is_bad_file(&e));
        assert!(
            crate::error_text(&e, Lang::PtBr).contains("é uma pasta"),
            "{e:#}"
        );
    }

    #[test]
    fn the_shops_file_is_called_its_inbox_and_the_platform_knows_one() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::starting_now(Clock::system_unix_us());
        let missing = dir.path().join("no-such-folder").join("i.sqlite");
        let e = match open_inbox(
            &missing,
            clock,
            &InboxOwner::new("http://127.0.0.1:4242", "k"),
            Lang::En,
        ) {
            Err(e) => e,
            Ok(_) => panic!("opened"),
        };
        assert!(is_bad_file(&e));
        let text = said(&e);
        assert!(
            text.contains("the shop's inbox") && !text.contains("platform"),
            "{text}"
        );
        let inbox = dir.path().join("inbox.sqlite");
        drop(
            open_inbox(
                &inbox,
                clock,
                &InboxOwner::new("http://127.0.0.1:4242", "k"),
                Lang::En,
            )
            .unwrap(),
        );
        let e = platform_error(&inbox, Lang::En);
        assert!(is_bad_file(&e));
        assert!(
            said(&e).contains("is a shop inbox, not a platform data file"),
            "{e:#}"
        );
    }
}
