//! `hooklab github listen` and `hooklab github send`: the flags, parsed by
//! clap, turned into `hooklab_github::command`'s plain configurations.
//!
//! The github crate knows nothing of clap; this module owns every flag, its
//! default and its help text, and [`run`] hands the parsed values over.

use hooklab_core::lang::Lang;
use hooklab_github::command::{self, CommandError, ListenConfig, SendConfig};
use hooklab_github::payload::DEFAULT_REPO;
use hooklab_github::receiver::DEFAULT_PATH;
use http::Uri;
use std::net::SocketAddr;
use std::path::PathBuf;

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
    ///
    /// It runs until Ctrl-C (exit code 130). When its output is closed
    /// (`hooklab github listen | head -1` once head has its line) it stops by
    /// itself, says on stderr what it took, and exits 0, as `yes | head`
    /// stops `yes`.
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

    /// The pushed commit id (the payload's `after`), 40 hexadecimal digits as
    /// `git rev-parse HEAD` prints it; a stable made-up one if omitted.
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
    /// same id to see the receiver recognize a redelivery (the same bytes,
    /// as GitHub's "Redeliver" sends).
    #[arg(long, value_name = "ID")]
    pub delivery: Option<String>,

    /// The X-GitHub-Hook-ID header (and a ping's hook_id).
    #[arg(long, value_name = "ID", default_value_t = 1, value_parser = crate::numeric::hook_id, allow_hyphen_values = true)]
    pub hook_id: u64,

    /// Send this file's bytes as the body instead of a generated payload, for
    /// instance a payload copied from GitHub's "Recent Deliveries" tab. It is
    /// sent as is (and signed as is), even if it is not valid JSON.
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
}

impl From<ListenArgs> for ListenConfig {
    fn from(args: ListenArgs) -> Self {
        ListenConfig {
            listen: args.listen,
            path: args.path,
            secret: args.secret,
            insecure_no_signature: args.insecure_no_signature,
            json: args.json,
        }
    }
}

impl From<SendArgs> for SendConfig {
    fn from(args: SendArgs) -> Self {
        SendConfig {
            event: args.event,
            to: args.to,
            secret: args.secret,
            repo: args.repo,
            branch: args.branch,
            commit: args.commit,
            author: args.author,
            action: args.action,
            title: args.title,
            delivery: args.delivery,
            hook_id: args.hook_id,
            payload: args.payload,
        }
    }
}

/// How a `hooklab github` command ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GithubEnd {
    /// `send`: the receiver took the delivery.
    Sent,
    /// `listen`: Ctrl-C stopped it, and its last line said what it took.
    /// Exit code 130, as for `hooklab shop` and `hooklab live`.
    Interrupted,
    /// `listen`: its stdout was closed (`| head -1` took what it wanted)
    /// and it stopped by itself, its last line on stderr saying what it
    /// took. Exit code 0, as `ripgrep … | head` ends: the pipeline got what
    /// it asked for, so `set -o pipefail` scripts do not fail on it (a
    /// SIGPIPE death, `yes | head`'s 141, would).
    OutputClosed,
}

/// Runs a `hooklab github` command, printing labels in `lang`.
pub async fn run(cmd: GithubCommand, lang: Lang) -> Result<GithubEnd, CommandError> {
    match cmd {
        GithubCommand::Listen(args) => {
            command::listen(args.into(), lang)
                .await
                .map(|received| match received {
                    Some(r) if r.output_closed => GithubEnd::OutputClosed,
                    _ => GithubEnd::Interrupted,
                })
        }
        GithubCommand::Send(args) => command::send_in(args.into(), lang)
            .await
            .map(|()| GithubEnd::Sent),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::{CommandFactory, Parser};

    /// `hooklab github ...` as the binary mounts it.
    #[derive(Debug, Parser)]
    struct Top {
        #[command(subcommand)]
        github: GithubCommand,
    }

    #[test]
    fn clap_definition_is_valid() {
        Top::command().debug_assert();
    }

    #[test]
    fn send_parses_the_seeds_push_into_its_configuration() {
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
            "--hook-id",
            "7",
        ])
        .unwrap();
        let GithubCommand::Send(args) = top.github else {
            panic!("expected send")
        };
        let config = SendConfig::from(args);
        assert_eq!(config.event, "push");
        assert_eq!(config.to, "http://127.0.0.1:1/webhook");
        assert_eq!(config.repo, DEFAULT_REPO);
        assert_eq!(config.branch, "desenvolvimento");
        assert_eq!(
            config.commit.as_deref(),
            Some("d612b155f24f9cfb023e5bd704016cf4a0288cf5")
        );
        assert_eq!(config.author.as_deref(), Some("DevSamuelAguiar"));
        assert_eq!(config.hook_id, 7);
        assert_eq!(config.payload, None);
    }

    #[test]
    fn listen_keeps_the_seeds_defaults() {
        let top = Top::try_parse_from(["github", "listen", "--json"]).unwrap();
        let GithubCommand::Listen(args) = top.github else {
            panic!("expected listen")
        };
        let config = ListenConfig::from(args);
        assert_eq!(config.listen, "0.0.0.0:8080".parse::<SocketAddr>().unwrap());
        assert_eq!(config.path, DEFAULT_PATH);
        assert!(config.json);
        assert!(!config.insecure_no_signature);
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
