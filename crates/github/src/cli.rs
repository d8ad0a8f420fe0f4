//! `hooklab github listen` and `hooklab github send`: the clap types and what
//! they run.
//!
//! The binary (`crates/cli`) mounts [`GithubCommand`] as a subcommand and
//! calls [`run`]; it decides the exit code from [`GithubCliError::is_usage`]
//! (2 for a usage mistake or invalid input, 1 for a runtime failure). This
//! module is the edge of the crate: the only place that reads the clock, the
//! environment, files, stdout and Ctrl-C, and hands plain values to the
//! library parts.

use crate::payload::{self, DEFAULT_REPO, SampleOptions};
use crate::printer::{OutputFormat, Sink};
use crate::receiver::{
    self, DEFAULT_PATH, ReceiverConfig, ServeError, Verification, WebhookSecret,
};
use crate::sender::{Delivery, DeliveryId, Hookshot, SendError};
use bytes::Bytes;
use hooklab_core::lang::Lang;
use http::{StatusCode, Uri};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// Receive real (or sample) GitHub webhooks, or send sample ones.
// Parsed once per process, so the size difference between the variants costs
// nothing, and unboxed args keep `match` and construction simple for callers.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub enum GithubCommand {
    /// Receive GitHub webhooks and print each event, as the seed's FastAPI
    /// program does, but checking the signature first.
    ///
    /// Each POST is capped at GitHub's 25 MB, its X-Hub-Signature-256 is
    /// verified in constant time before the body is parsed (401 if missing or
    /// wrong), malformed payloads get a 400 JSON error, and redeliveries
    /// (same X-GitHub-Delivery) are acknowledged but not printed twice. The
    /// answer goes out first, the printing after, so GitHub's 10-second
    /// timeout never waits on the terminal.
    Listen(ListenArgs),
    /// Send a realistic GitHub event to a receiver on this machine, with the
    /// headers and signature GitHub would send.
    ///
    /// This is how to try a receiver with no GitHub account and no public IP.
    /// It prints the receiver's answer; a non-2xx answer makes it fail.
    Send(SendArgs),
}

/// Options of `hooklab github listen`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// Address and port to listen on. The default, the seed's 0.0.0.0:8080,
    /// listens on every interface, because real GitHub must be able to reach
    /// it; use 127.0.0.1:8080 to only try it locally, or port 0 to let the
    /// system pick a free port (the address actually bound is printed).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// The URL path GitHub posts to; the webhook's Payload URL must end with it.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_PATH)]
    pub path: String,

    /// The webhook's secret, exactly as typed in GitHub's "Secret" field. Every
    /// request must carry X-Hub-Signature-256, the HMAC-SHA256 of its body with
    /// this secret, or it is refused with 401: that is how the receiver knows
    /// the request came from GitHub and was not altered. Prefer the environment
    /// variable, which does not end up in your shell history.
    #[arg(
        long,
        value_name = "SECRET",
        env = "GITHUB_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,

    /// Accept requests without checking their signature: the seed's exact
    /// behaviour, for comparison only. Anyone who finds the URL can then make
    /// the receiver print anything; a loud warning is printed at start.
    #[arg(long)]
    pub insecure_no_signature: bool,

    /// Print one JSON object per line instead of the seed's text, for other
    /// programs (jq, a log collector).
    #[arg(long)]
    pub json: bool,
}

/// Options of `hooklab github send`.
#[derive(Debug, Clone, clap::Args)]
pub struct SendArgs {
    /// The event to send: push, pull_request, issues, ping, or any other
    /// GitHub event name (star, release, ...), which gets a generic payload.
    /// It becomes the X-GitHub-Event header.
    #[arg(value_name = "EVENT")]
    pub event: String,

    /// The receiver's URL. Only plain http:// on this machine (127.0.0.0/8,
    /// ::1, localhost) is allowed: hooklab never sends traffic elsewhere.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8080/webhook"
    )]
    pub to: Uri,

    /// The secret to sign with, the same one the receiver was given. Without
    /// it the request carries no X-Hub-Signature-256, as GitHub does for a
    /// webhook with no secret, and a checking receiver answers 401.
    #[arg(
        long,
        value_name = "SECRET",
        env = "GITHUB_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,

    /// The repository the event is about (owner/name): repository.full_name.
    #[arg(long, value_name = "OWNER/NAME", default_value = DEFAULT_REPO)]
    pub repo: String,

    /// The branch pushed to (push), or the pull request's head branch.
    #[arg(long, value_name = "BRANCH", default_value = "main")]
    pub branch: String,

    /// The pushed commit id (the payload's `after`); a stable made-up one if omitted.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,

    /// Who pushed or opened it (pusher.name, sender.login); the repository's
    /// owner if omitted.
    #[arg(long, value_name = "LOGIN")]
    pub author: Option<String>,

    /// The `action` of a pull_request or issues event (opened, closed, ...).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,

    /// The title of the pull request or issue.
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// The X-GitHub-Delivery id. A fresh UUID if omitted; send twice with the
    /// same id to see the receiver recognize a redelivery.
    #[arg(long, value_name = "ID")]
    pub delivery: Option<String>,

    /// The X-GitHub-Hook-ID header (and a ping's hook_id).
    #[arg(long, value_name = "ID", default_value_t = 1)]
    pub hook_id: u64,

    /// Send this file's bytes as the body instead of a generated payload, for
    /// instance a payload copied from GitHub's "Recent Deliveries" tab. It is
    /// sent as is (and signed as is), even if it is not valid JSON.
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
}

/// Why a `hooklab github` command failed.
#[derive(Debug, thiserror::Error)]
pub enum GithubCliError {
    /// Occurs when the options do not make sense together (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Occurs when `--payload FILE` cannot be read (exit 2: invalid input).
    #[error("cannot read the payload file {path}: {source}")]
    ReadPayload {
        /// The file given.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the listen address cannot be bound (in use, not allowed).
    #[error("cannot listen on {addr}: {source}")]
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
    /// Occurs when the receiver answered with a status other than 2xx.
    #[error("the receiver refused the delivery: HTTP {0}")]
    Rejected(StatusCode),
}

impl GithubCliError {
    /// True for a usage mistake or invalid input (exit code 2), false for a
    /// runtime failure (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            GithubCliError::Usage(_)
                | GithubCliError::ReadPayload { .. }
                | GithubCliError::Send(SendError::NotLoopback(_))
        )
    }
}

/// Runs a `hooklab github` command, printing labels in `lang`.
pub async fn run(cmd: GithubCommand, lang: Lang) -> Result<(), GithubCliError> {
    match cmd {
        GithubCommand::Listen(args) => listen(args, lang).await,
        GithubCommand::Send(args) => send(args).await,
    }
}

async fn listen(args: ListenArgs, lang: Lang) -> Result<(), GithubCliError> {
    if !args.path.starts_with('/') {
        return Err(GithubCliError::Usage(format!(
            "--path must start with `/` (got `{}`), e.g. /webhook",
            args.path
        )));
    }
    let verification = match (&args.secret, args.insecure_no_signature) {
        (_, true) => Verification::Insecure,
        (Some(secret), false) if !secret.is_empty() => {
            Verification::Secret(WebhookSecret::new(secret.as_str()))
        }
        (Some(_), false) => {
            return Err(GithubCliError::Usage(
                "--secret is empty; give the webhook's secret as typed in GitHub".to_owned(),
            ));
        }
        (None, false) => {
            return Err(GithubCliError::Usage(
                "give the webhook's secret with --secret or GITHUB_WEBHOOK_SECRET, so forged \
                 requests are refused (or --insecure-no-signature for the seed's unchecked behaviour)"
                    .to_owned(),
            ));
        }
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| GithubCliError::Bind {
            addr: args.listen,
            source,
        })?;
    let bound = listener
        .local_addr()
        .map_err(|source| GithubCliError::Bind {
            addr: args.listen,
            source,
        })?;

    // Start-up notes go to stderr so that stdout holds only events (and so
    // `--json` output stays machine-readable).
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "hooklab github: listening on http://{bound}{}",
        args.path
    );
    if bound.ip().is_unspecified() {
        let _ = writeln!(
            err,
            "  (all interfaces: GitHub's Payload URL is http://<this host's public address>:{}{})",
            bound.port(),
            args.path
        );
    }
    if verification == Verification::Insecure {
        for line in [
            "**********************************************************************",
            "WARNING: --insecure-no-signature: X-Hub-Signature-256 is NOT checked.",
            "WARNING: anyone who can reach this port can make it print anything.",
            "WARNING: this is the seed's behaviour, for comparison only; use --secret.",
            "**********************************************************************",
        ] {
            let _ = writeln!(err, "{line}");
        }
    } else if args.secret.is_some() && args.insecure_no_signature {
        let _ = writeln!(
            err,
            "note: the secret is ignored with --insecure-no-signature"
        );
    }
    let _ = writeln!(err, "Press Ctrl-C to stop.");
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
    let ctrl_c = async {
        // If Ctrl-C cannot be watched, run until killed rather than stop at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    receiver::serve(listener, config, ctrl_c).await?;
    Ok(())
}

async fn send(args: SendArgs) -> Result<(), GithubCliError> {
    // Refuse a non-loopback target before reading or printing anything.
    hooklab_core::http::ensure_loopback(&args.to)
        .map_err(|e| GithubCliError::Send(SendError::NotLoopback(e)))?;
    if args.event.is_empty() {
        return Err(GithubCliError::Usage("EVENT must not be empty".to_owned()));
    }
    if args.repo.split('/').count() != 2 || args.repo.split('/').any(str::is_empty) {
        return Err(GithubCliError::Usage(format!(
            "--repo must be owner/name (got `{}`)",
            args.repo
        )));
    }
    let body = match &args.payload {
        // A blocking read at start-up, before any request is in flight.
        Some(path) => {
            Bytes::from(
                std::fs::read(path).map_err(|source| GithubCliError::ReadPayload {
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
                title: args.title.clone(),
                hook_id: args.hook_id,
                hook_url: args.to.to_string(),
                timestamp: OffsetDateTime::now_utc(),
            };
            Bytes::from(payload::sample(&args.event, &opts).to_string())
        }
    };
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
    eprintln!(
        "sending {} (delivery {}, {} bytes, {}) to {}",
        delivery.event,
        delivery.id,
        delivery.body.len(),
        if secret.is_some() {
            "signed"
        } else {
            "UNSIGNED: no --secret"
        },
        args.to
    );
    let answer = Hookshot::new()
        .send(&args.to, &delivery, secret.as_ref())
        .await?;
    println!("HTTP {}", answer.status);
    println!("{}", String::from_utf8_lossy(&answer.body));
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(GithubCliError::Rejected(answer.status))
    }
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
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct Top {
        #[arg(long, global = true, default_value = "en")]
        lang: Lang,
        #[command(subcommand)]
        github: GithubCommand,
    }

    #[test]
    fn clap_definition_is_valid() {
        Top::command().debug_assert();
    }

    #[test]
    fn send_parses_the_seeds_push() {
        let top = Top::try_parse_from([
            "github",
            "send",
            "push",
            "--to",
            "http://127.0.0.1:1/webhook",
            "--branch",
            "desenvolvimento",
            "--commit",
            "d612b155f24f9cfb023e5bd704016cf4a0288cf5",
            "--author",
            "DevSamuelAguiar",
            "--lang",
            "pt-BR",
        ])
        .unwrap();
        assert_eq!(top.lang, Lang::PtBr);
        let GithubCommand::Send(args) = top.github else {
            panic!("expected send")
        };
        assert_eq!(args.repo, DEFAULT_REPO);
        assert_eq!(args.branch, "desenvolvimento");
    }

    #[tokio::test]
    async fn listen_without_a_secret_is_a_usage_error() {
        let top = Top::try_parse_from(["github", "listen", "--listen", "127.0.0.1:0"]).unwrap();
        // The variable may be set in a developer's shell; this test is about its absence.
        if std::env::var_os("GITHUB_WEBHOOK_SECRET").is_some() {
            return;
        }
        let error = run(top.github, Lang::En).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
    }

    #[tokio::test]
    async fn sending_off_loopback_is_a_usage_error() {
        let top =
            Top::try_parse_from(["github", "send", "ping", "--to", "http://10.1.2.3/webhook"])
                .unwrap();
        let error = run(top.github, Lang::En).await.unwrap_err();
        assert!(error.is_usage(), "{error}");
    }
}
