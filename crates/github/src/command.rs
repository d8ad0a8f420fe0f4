//! What `hooklab github listen` and `hooklab github send` do, on plain
//! configuration structs.
//!
//! The binary (`crates/cli`, which alone knows clap) parses the flags into a
//! [`ListenConfig`] or a [`SendConfig`], calls [`listen`] or [`send`], and
//! decides the exit code from [`CommandError::is_usage`] (2 for a usage
//! mistake or invalid input, 1 for a runtime failure). This module is the edge
//! of the crate: the only place that reads the clock, files, stdout and Ctrl-C,
//! and hands plain values to the library parts.

use crate::payload::{self, SampleOptions};
use crate::printer::{OutputFormat, Sink};
use crate::receiver::{self, Received, ReceiverConfig, ServeError, Verification, WebhookSecret};
use crate::sender::{Delivery, DeliveryId, Hookshot, SendError};
use bytes::Bytes;
use hooklab_core::lang::Lang;
use http::{StatusCode, Uri};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// What `hooklab github listen` needs.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// Address and port to listen on (port 0: the system picks one, and the
    /// address actually bound is printed).
    pub listen: SocketAddr,
    /// The URL path GitHub posts to (it must start with `/`).
    pub path: String,
    /// The webhook's secret, as typed in GitHub's "Secret" field.
    pub secret: Option<String>,
    /// Accept requests without checking their signature (the seed's behaviour).
    pub insecure_no_signature: bool,
    /// Print one JSON object per line instead of the seed's text.
    pub json: bool,
}

/// What `hooklab github send` needs.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// The event to send; it becomes the X-GitHub-Event header.
    pub event: String,
    /// The receiver's URL (plain `http://` on loopback only).
    pub to: Uri,
    /// The secret to sign with; none sends no X-Hub-Signature-256.
    pub secret: Option<String>,
    /// The repository the event is about (owner/name).
    pub repo: String,
    /// The branch pushed to, or the pull request's head branch.
    pub branch: String,
    /// The pushed commit id; a stable made-up one if `None`.
    pub commit: Option<String>,
    /// Who pushed or opened it; the repository's owner if `None`.
    pub author: Option<String>,
    /// The `action` of a pull_request or issues event.
    pub action: Option<String>,
    /// The title of the pull request or issue.
    pub title: Option<String>,
    /// The X-GitHub-Delivery id; a fresh UUID if `None`.
    pub delivery: Option<String>,
    /// The X-GitHub-Hook-ID header (and a ping's hook_id).
    pub hook_id: u64,
    /// Send this file's bytes, as is, instead of a generated payload.
    pub payload: Option<PathBuf>,
}

/// Which option of a `hooklab github` command does not make sense (each a
/// variant, so the command line can say it in the reader's language).
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// Occurs when `--path` does not start with `/`.
    #[error("--path must start with `/` (got `{0}`), e.g. /webhook")]
    PathWithoutSlash(String),
    /// Occurs when `--path` holds a character other than letters, digits,
    /// `-`, `_`, `.`, `~` and `/`: `{`, `:` and `*` are route patterns to
    /// the router (it panicked on some, and `/{id}` matched every path),
    /// and a space, `?` or `#` can never be in a request's path.
    #[error(
        "--path may hold only letters, digits, `-`, `_`, `.`, `~` and `/` (got `{0}`), e.g. /webhook"
    )]
    PathNotPlain(String),
    /// Occurs when `--secret` is given but empty.
    #[error("--secret is empty; give the webhook's secret as typed in GitHub")]
    EmptySecret,
    /// Occurs when a listener is started with neither a secret nor
    /// `--insecure-no-signature`.
    #[error(
        "give the webhook's secret with --secret or GITHUB_WEBHOOK_SECRET, so forged \
         requests are refused (or --insecure-no-signature for the seed's unchecked behaviour)"
    )]
    NoSecret,
    /// Occurs when `--to` has a `:` after its host and no port
    /// (`http://127.0.0.1:/webhook`): the URL would go to port 80, which is
    /// not what anyone typing a colon meant.
    #[error(
        "--to `{0}` has a `:` and no port after its host; write the receiver's port, e.g. http://127.0.0.1:8080/webhook"
    )]
    EmptyPort(String),
    /// Occurs when the event name is empty.
    #[error("EVENT must not be empty")]
    EmptyEvent,
    /// Occurs when `--repo` is not `owner/name`.
    #[error("--repo must be owner/name (got `{0}`)")]
    RepoNotOwnerName(String),
    /// Occurs when `--commit` is not a full git commit id.
    #[error(
        "--commit must be a full commit id, 40 hexadecimal digits as `git rev-parse HEAD` prints it (got `{0}`)"
    )]
    CommitNotSha(String),
}

/// Why a `hooklab github` command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Occurs when the options do not make sense together (exit 2).
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// Occurs when `--payload FILE` cannot be read (exit 2: invalid input).
    #[error("cannot read the payload file {path}")]
    ReadPayload {
        /// The file given.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the listen address cannot be bound (in use, not allowed).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the receiver stops with an error.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// Occurs when the event could not be delivered (refused URL, nothing listening, timeout).
    #[error(transparent)]
    Send(#[from] SendError),
    /// Occurs when the receiver's answer cannot be written to stdout (a
    /// full disk, a closed pipe).
    #[error("cannot print the receiver's answer on stdout")]
    PrintAnswer(#[source] std::io::Error),
    /// Occurs when the receiver answered with a status other than 2xx.
    #[error("the receiver refused the delivery: HTTP {0}")]
    Rejected(StatusCode),
}

impl CommandError {
    /// True for a usage mistake or invalid input (exit code 2), false for a
    /// runtime failure (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            CommandError::Usage(_)
                | CommandError::ReadPayload { .. }
                | CommandError::Send(SendError::NotLoopback(_) | SendError::NotHttp(_))
        )
    }
}

/// Receives GitHub webhooks until Ctrl-C, printing each event in `lang`;
/// then says on stderr what it took, and answers it (`None` when a second
/// Ctrl-C stopped it at once, without waiting for open requests). It ends
/// well in two ways: a Ctrl-C (the CLI's exit code 130, as for `hooklab
/// shop`), or its stdout closed by its reader (`| head -1`:
/// [`Received::output_closed`], exit code 0, as `rg … | head` ends).
pub async fn listen(args: ListenConfig, lang: Lang) -> Result<Option<Received>, CommandError> {
    if !args.path.starts_with('/') {
        return Err(UsageError::PathWithoutSlash(args.path.clone()).into());
    }
    if !args
        .path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/'))
    {
        return Err(UsageError::PathNotPlain(crate::printer::excerpt(&args.path)).into());
    }
    let verification = match (&args.secret, args.insecure_no_signature) {
        (_, true) => Verification::Insecure,
        (Some(secret), false) if !secret.is_empty() => {
            Verification::Secret(WebhookSecret::new(secret.as_str()))
        }
        (Some(_), false) => {
            return Err(UsageError::EmptySecret.into());
        }
        (None, false) => {
            return Err(UsageError::NoSecret.into());
        }
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| CommandError::Bind {
            addr: args.listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| CommandError::Bind {
        addr: args.listen,
        source,
    })?;

    // Before the first line: a Ctrl-C once "listening on" is printed
    // stops the receiver and is said, as a Ctrl-C later would be, rather
    // than killing the process unsaid (until the handler is installed,
    // SIGINT ends it on the spot).
    let interrupt = hooklab_core::shutdown::armed_ctrl_c().await;
    // Start-up notes go to stderr so that stdout holds only events (and so
    // `--json` output stays machine-readable).
    let mut err = std::io::stderr().lock();
    let l = crate::lang::labels(lang);
    let _ = writeln!(err, "{} http://{bound}{}", l.listening, args.path);
    if bound.ip().is_unspecified() {
        let _ = writeln!(err, "{}{}{})", l.all_interfaces, bound.port(), args.path);
    }
    if verification == Verification::Insecure {
        for line in l.insecure_warning {
            let _ = writeln!(err, "{line}");
        }
    } else if args.secret.is_some() && args.insecure_no_signature {
        let _ = writeln!(err, "{}", l.secret_ignored);
    }
    let _ = writeln!(err, "{}", l.ctrl_c);
    drop(err);

    let config = ReceiverConfig {
        path: args.path,
        verification,
        format: if args.json {
            OutputFormat::JsonLines
        } else {
            OutputFormat::Text(lang)
        },
        sink: Sink::Writer(Box::new(std::io::stdout())),
    };
    // The first Ctrl-C starts the shutdown, which lets open requests
    // finish for up to SHUTDOWN_GRACE; a second one, caught from the line
    // that says so, stops at once.
    let (stopping_tx, stopping) = tokio::sync::oneshot::channel();
    let serving = receiver::serve(listener, config, async move {
        interrupt.await;
        let second = hooklab_core::shutdown::armed_ctrl_c().await;
        note(&crate::lang::stopping(lang));
        let _ = stopping_tx.send(second);
    });
    let again = async {
        match stopping.await {
            Ok(second) => second.await,
            // The server stopped by itself: the other branch ends.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = serving => {
            let received = served?;
            // After the printer's last line, on stderr with the start-up notes.
            note(&crate::lang::interrupted(lang, &received));
            Ok(Some(received))
        }
        () = again => {
            note(crate::lang::stopped_at_once(lang));
            Ok(None)
        }
    }
}

/// One line on stderr. Not `eprintln!`, which panics when stderr cannot be
/// written (`2>/dev/full`): a note nobody can read is not worth a panic.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Sends one event with the headers GitHub sends, and prints the answer.
pub async fn send(args: SendConfig) -> Result<(), CommandError> {
    send_in(args, Lang::En).await
}

/// [`send`], with its one line for people in `lang`.
pub async fn send_in(args: SendConfig, lang: Lang) -> Result<(), CommandError> {
    // Refuse a non-loopback target before reading or printing anything.
    crate::sender::ensure_plain_loopback(&args.to)?;
    if args
        .to
        .authority()
        .is_some_and(|a| a.as_str().ends_with(':'))
    {
        return Err(UsageError::EmptyPort(args.to.to_string()).into());
    }
    if args.event.is_empty() {
        return Err(UsageError::EmptyEvent.into());
    }
    if args.repo.split('/').count() != 2 || args.repo.split('/').any(str::is_empty) {
        return Err(UsageError::RepoNotOwnerName(args.repo.clone()).into());
    }
    if let Some(commit) = &args.commit
        && !(commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(UsageError::CommitNotSha(commit.clone()).into());
    }
    let body = body_of(&args, lang)?;
    let id = match args.delivery {
        Some(id) => DeliveryId::new(id),
        None => DeliveryId::new(fresh_delivery_id(&body)),
    };
    let delivery = Delivery {
        event: args.event,
        id,
        hook_id: args.hook_id,
        body,
    };
    let secret = args
        .secret
        .filter(|s| !s.is_empty())
        .map(WebhookSecret::new);
    note(&crate::lang::sending(
        lang,
        &delivery.event,
        &delivery.id.to_string(),
        delivery.body.len(),
        secret.is_some(),
        &args.to.to_string(),
    ));
    let answer = Hookshot::new()
        .send(&args.to, &delivery, secret.as_ref())
        .await?;
    if answer.early {
        note(&crate::lang::answered_early(lang, delivery.body.len()));
    }
    // The answer is the command's output: not printed is a failure (not
    // `println!`, which panics on a full disk or a closed pipe).
    let mut out = std::io::stdout().lock();
    writeln!(out, "HTTP {}", answer.status)
        .and_then(|()| writeln!(out, "{}", String::from_utf8_lossy(&answer.body)))
        .and_then(|()| out.flush())
        .map_err(CommandError::PrintAnswer)?;
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(CommandError::Rejected(answer.status))
    }
}

/// The bytes `send` posts: the `--payload` file as it is, or the sample
/// payload of the event made from the options.
fn body_of(args: &SendConfig, lang: Lang) -> Result<Bytes, CommandError> {
    Ok(match &args.payload {
        // A blocking read at start-up, before any request is in flight.
        Some(path) => {
            Bytes::from(
                std::fs::read(path).map_err(|source| CommandError::ReadPayload {
                    path: path.clone(),
                    source,
                })?,
            )
        }
        None => {
            let opts = SampleOptions {
                repo: args.repo.clone(),
                branch: args.branch.clone(),
                commit: args.commit.clone(),
                author: args.author.clone(),
                action: args.action.clone(),
                title: args
                    .title
                    .clone()
                    .or_else(|| crate::lang::sample_title(lang, &args.event).map(str::to_owned)),
                hook_id: args.hook_id,
                hook_url: args.to.to_string(),
                timestamp: match &args.delivery {
                    // A redelivery carries the same bytes as the delivery
                    // it repeats (GitHub resends the stored payload): with
                    // the same --delivery the payload is the same, its
                    // instants derived from the id rather than the clock.
                    Some(id) => redelivery_time(id),
                    None => OffsetDateTime::now_utc(),
                },
            };
            Bytes::from(payload::sample(&args.event, &opts).to_string())
        }
    })
}

/// The instant a payload sent with delivery id `id` says it happened: one
/// second of 2025 picked by the id's hash, the same for every send of `id`.
fn redelivery_time(id: &str) -> OffsetDateTime {
    /// 2025-01-01T00:00:00Z.
    const START: i64 = 1_735_689_600;
    const YEAR_SECS: u64 = 365 * 86_400;
    let digest = <sha2::Sha256 as sha2::Digest>::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let offset = u64::from_be_bytes(first) % YEAR_SECS;
    let secs = START + i64::try_from(offset).unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A new UUID-shaped delivery id. The CLI is the edge where entropy may come
/// from the clock and the process id; the library only hashes what it is given.
fn fresh_delivery_id(body: &[u8]) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut seed = nanos.to_le_bytes().to_vec();
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(body);
    DeliveryId::derive(&seed).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::DEFAULT_REPO;
    use crate::receiver::DEFAULT_PATH;

    fn listen_config() -> ListenConfig {
        ListenConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            path: DEFAULT_PATH.to_owned(),
            secret: None,
            insecure_no_signature: false,
            json: false,
        }
    }

    #[tokio::test]
    async fn listen_without_a_secret_is_a_usage_error() {
        let error = listen(listen_config(), Lang::En).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
    }

    #[tokio::test]
    async fn a_path_without_a_slash_is_a_usage_error() {
        let config = ListenConfig {
            path: "webhook".to_owned(),
            secret: Some("s3cret".to_owned()),
            ..listen_config()
        };
        let error = listen(config, Lang::En).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(
            error.to_string().contains("--path must start with `/`"),
            "{error}"
        );
    }

    /// A tester's finding: `--path "/{"` (or `/:x`, `/*`) made the router
    /// panic, and `/{id}` received at every path. Refused before anything
    /// is bound, naming the path.
    #[tokio::test]
    async fn a_path_the_router_would_read_as_a_pattern_is_a_usage_error() {
        for bad in [
            "/{",
            "/{id}",
            "/:x",
            "/*",
            "/a/{*rest}/b",
            "/a b",
            "/webhook?x=1",
        ] {
            let config = ListenConfig {
                path: bad.to_owned(),
                secret: Some("s3cret".to_owned()),
                ..listen_config()
            };
            let error = listen(config, Lang::En).await.unwrap_err();
            assert!(error.is_usage(), "{bad}: {error}");
            assert!(
                matches!(&error, CommandError::Usage(UsageError::PathNotPlain(p)) if p == bad),
                "{error:?}"
            );
        }
    }

    #[tokio::test]
    async fn sending_off_loopback_is_a_usage_error() {
        let config = SendConfig {
            to: Uri::from_static("http://10.1.2.3/webhook"),
            ..send_config("ping")
        };
        let error = send(config).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
    }

    #[tokio::test]
    async fn a_colon_without_a_port_is_a_usage_error_not_port_80() {
        let config = SendConfig {
            to: Uri::from_static("http://127.0.0.1:/webhook"),
            ..send_config("ping")
        };
        let error = send(config).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
        assert!(
            matches!(&error, CommandError::Usage(UsageError::EmptyPort(_))),
            "{error:?}"
        );
        assert!(error.to_string().contains("no port"), "{error}");
    }

    fn send_config(event: &str) -> SendConfig {
        SendConfig {
            event: event.to_owned(),
            to: Uri::from_static("http://127.0.0.1:9/webhook"),
            secret: None,
            repo: DEFAULT_REPO.to_owned(),
            branch: "main".to_owned(),
            commit: None,
            author: None,
            action: None,
            title: None,
            delivery: None,
            hook_id: 1,
            payload: None,
        }
    }

    /// A redelivery (the same --delivery) sends the same bytes, as GitHub's
    /// "Redeliver" does; a new delivery is a new event.
    #[test]
    fn the_same_delivery_id_gives_the_same_body() {
        let mut config = send_config("push");
        config.delivery = Some("72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned());
        let first = body_of(&config, Lang::En).unwrap();
        let again = body_of(&config, Lang::En).unwrap();
        assert_eq!(first, again);
        config.delivery = Some("another".to_owned());
        assert_ne!(body_of(&config, Lang::En).unwrap(), first);
    }

    /// `--commit xyz` is refused before anything is sent, in words.
    #[tokio::test]
    async fn a_commit_that_is_not_40_hex_digits_is_a_usage_error() {
        for bad in ["xyz", "d612b155", &"g".repeat(40)] {
            let mut config = send_config("push");
            config.commit = Some(bad.to_owned());
            let error = send(config).await.unwrap_err();
            assert!(error.is_usage(), "{error}");
            assert!(
                error.to_string().contains("40 hexadecimal digits"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_read_error_names_its_cause_once() {
        let error = CommandError::ReadPayload {
            path: PathBuf::from("/nonexistent/payload.json"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let cause = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("entity not found"));
        assert!(!error.to_string().contains("entity not found"), "{error}");
    }
}
