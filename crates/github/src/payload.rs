//! Sample payloads, shaped as GitHub documents them.
//!
//! `hooklab github send` needs bodies that look like what GitHub really posts,
//! so that a receiver tested against them also works against GitHub. These
//! follow the "Webhook events and payloads" reference: every event carries
//! `repository` and `sender`; `push` has `ref`, `before`, `after`, `pusher`,
//! `commits` and `head_commit`; `pull_request` and `issues` have an `action`
//! and the object; `ping` has `zen`, `hook_id` and `hook`. Only a subset of
//! each object's fields is filled, the ones a receiver commonly reads.
//!
//! Everything is computed from [`SampleOptions`], including the time and the
//! ids (derived by hashing), so the same options give the same bytes, and a
//! test can compare them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The seed's repository.
pub const DEFAULT_REPO: &str = "DevSamuelAguiar/teste2-webhook";

/// The events whose payloads are built field by field; any other name gets
/// a generic payload with `repository` and `sender`.
pub const KNOWN_EVENTS: [&str; 4] = ["push", "pull_request", "issues", "ping"];

/// What a sample payload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// `owner/name`, e.g. `DevSamuelAguiar/teste2-webhook`.
    pub repo: String,
    /// The branch pushed to, or the pull request's head branch.
    pub branch: String,
    /// A push's new head commit (`after`); derived from the other options when `None`.
    pub commit: Option<String>,
    /// Who acts (the pusher, the PR or issue author); the repo owner when `None`.
    pub author: Option<String>,
    /// `action` for pull requests, issues and other events (`opened` when `None`
    /// for pull requests and issues; absent for other events).
    pub action: Option<String>,
    /// A pull request's or issue's title.
    pub title: Option<String>,
    /// The id of the webhook sending it (`hook_id` in a ping, `X-GitHub-Hook-ID`).
    pub hook_id: u64,
    /// Where the webhook points (a ping's `hook.config.url`).
    pub hook_url: String,
    /// When it happens: commit timestamps, `created_at`, ...
    pub timestamp: OffsetDateTime,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            repo: DEFAULT_REPO.to_owned(),
            branch: "main".to_owned(),
            commit: None,
            author: None,
            action: None,
            title: None,
            hook_id: 1,
            hook_url: "http://127.0.0.1:8080/webhook".to_owned(),
            timestamp: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

impl SampleOptions {
    fn owner(&self) -> &str {
        self.repo.split('/').next().unwrap_or(&self.repo)
    }

    fn name(&self) -> &str {
        self.repo.rsplit('/').next().unwrap_or(&self.repo)
    }

    fn author(&self) -> &str {
        self.author.as_deref().unwrap_or_else(|| self.owner())
    }

    /// The push's new head: the one asked for, or a stable fake.
    pub fn commit_id(&self) -> String {
        self.commit.clone().unwrap_or_else(|| {
            fake_sha(&format!("{}:{}:{}", self.repo, self.branch, self.timestamp))
        })
    }

    fn time(&self) -> String {
        // Rfc3339 formatting only fails for years outside 0..=9999.
        self.timestamp
            .format(&Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
    }
}

/// The payload GitHub would send for `event` (its `X-GitHub-Event` name).
pub fn sample(event: &str, opts: &SampleOptions) -> Value {
    match event {
        "push" => push(opts),
        "pull_request" => pull_request(opts),
        "issues" => issues(opts),
        "ping" => ping(opts),
        "release" => release(opts),
        _ => {
            let mut payload = json!({
                "repository": repository(opts),
                "sender": user(opts.author()),
            });
            if let (Some(action), Some(map)) = (&opts.action, payload.as_object_mut()) {
                map.insert("action".to_owned(), json!(action));
            }
            payload
        }
    }
}

fn push(opts: &SampleOptions) -> Value {
    let after = opts.commit_id();
    let before = fake_sha(&format!("before:{after}"));
    let author = opts.author();
    let commit = json!({
        "id": after,
        "tree_id": fake_sha(&format!("tree:{after}")),
        "distinct": true,
        "message": "Add a new file",
        "timestamp": opts.time(),
        "url": format!("https://github.com/{}/commit/{after}", opts.repo),
        "author": {"name": author, "email": email(author), "username": author},
        "committer": {"name": author, "email": email(author), "username": author},
        "added": ["novo-arquivo.txt"],
        "removed": [],
        "modified": [],
    });
    let mut repository = repository(opts);
    // A quirk GitHub documents: in push payloads only, the repository's
    // `created_at` and `pushed_at` are Unix timestamps, not ISO 8601 strings.
    if let Some(map) = repository.as_object_mut() {
        let unix = opts.timestamp.unix_timestamp();
        map.insert("created_at".to_owned(), json!(unix));
        map.insert("pushed_at".to_owned(), json!(unix));
    }
    json!({
        "ref": format!("refs/heads/{}", opts.branch),
        "before": before,
        "after": after,
        "repository": repository,
        "pusher": {"name": author, "email": email(author)},
        "sender": user(author),
        "created": false,
        "deleted": false,
        "forced": false,
        "base_ref": null,
        "compare": format!(
            "https://github.com/{}/compare/{}...{}",
            opts.repo,
            &before[..12],
            after.get(..12).unwrap_or(&after)
        ),
        "commits": [commit.clone()],
        "head_commit": commit,
    })
}

fn pull_request(opts: &SampleOptions) -> Value {
    let number = 1;
    let author = opts.author();
    let title = opts.title.as_deref().unwrap_or("Add a webhook receiver");
    let html_url = format!("https://github.com/{}/pull/{number}", opts.repo);
    json!({
        "action": opts.action.as_deref().unwrap_or("opened"),
        "number": number,
        "pull_request": {
            "url": format!("https://api.github.com/repos/{}/pulls/{number}", opts.repo),
            "id": stable_id(&html_url),
            "html_url": html_url,
            "number": number,
            "state": "open",
            "locked": false,
            "title": title,
            "user": user(author),
            "body": "Receives GitHub webhooks and checks their signature.",
            "created_at": opts.time(),
            "updated_at": opts.time(),
            "closed_at": null,
            "merged_at": null,
            "draft": false,
            "merged": false,
            "head": {
                "label": format!("{author}:{}", opts.branch),
                "ref": opts.branch,
                "sha": opts.commit_id(),
                "user": user(author),
            },
            "base": {
                "label": format!("{}:main", opts.owner()),
                "ref": "main",
                "sha": fake_sha(&format!("base:{}", opts.repo)),
                "user": user(opts.owner()),
            },
            "commits": 1,
            "additions": 42,
            "deletions": 0,
            "changed_files": 1,
        },
        "repository": repository(opts),
        "sender": user(author),
    })
}

fn issues(opts: &SampleOptions) -> Value {
    let number = 2;
    let author = opts.author();
    let html_url = format!("https://github.com/{}/issues/{number}", opts.repo);
    json!({
        "action": opts.action.as_deref().unwrap_or("opened"),
        "issue": {
            "url": format!("https://api.github.com/repos/{}/issues/{number}", opts.repo),
            "id": stable_id(&html_url),
            "html_url": html_url,
            "number": number,
            "title": opts.title.as_deref().unwrap_or("The webhook receiver prints nothing"),
            "user": user(author),
            "labels": [],
            "state": "open",
            "locked": false,
            "assignees": [],
            "comments": 0,
            "created_at": opts.time(),
            "updated_at": opts.time(),
            "closed_at": null,
            "body": "I pushed a commit and nothing appeared in the terminal.",
        },
        "repository": repository(opts),
        "sender": user(author),
    })
}

/// A `release` event: its `release` object is what a receiver of one reads
/// (the tag, the name, whether it is a draft), so it is never left out.
fn release(opts: &SampleOptions) -> Value {
    let tag = "v1.0.0";
    let author = opts.author();
    let html_url = format!("https://github.com/{}/releases/tag/{tag}", opts.repo);
    let api = format!("https://api.github.com/repos/{}/releases", opts.repo);
    let id = stable_id(&html_url);
    json!({
        "action": opts.action.as_deref().unwrap_or("published"),
        "release": {
            "url": format!("{api}/{id}"),
            "html_url": html_url,
            "id": id,
            "tag_name": tag,
            "target_commitish": opts.branch,
            "name": opts.title.as_deref().unwrap_or("First release"),
            "draft": false,
            "prerelease": false,
            "author": user(author),
            "created_at": opts.time(),
            "published_at": opts.time(),
            "assets": [],
            "tarball_url": format!("https://api.github.com/repos/{}/tarball/{tag}", opts.repo),
            "zipball_url": format!("https://api.github.com/repos/{}/zipball/{tag}", opts.repo),
            "body": "The webhook receiver checks signatures.",
        },
        "repository": repository(opts),
        "sender": user(author),
    })
}

fn ping(opts: &SampleOptions) -> Value {
    let hooks = format!(
        "https://api.github.com/repos/{}/hooks/{}",
        opts.repo, opts.hook_id
    );
    json!({
        "zen": "Keep it logically awesome.",
        "hook_id": opts.hook_id,
        "hook": {
            "type": "Repository",
            "id": opts.hook_id,
            "name": "web",
            "active": true,
            "events": ["*"],
            "config": {
                "content_type": "json",
                "insecure_ssl": "0",
                "secret": "********",
                "url": opts.hook_url,
            },
            "updated_at": opts.time(),
            "created_at": opts.time(),
            "url": hooks,
            "test_url": format!("{hooks}/test"),
            "ping_url": format!("{hooks}/pings"),
            "deliveries_url": format!("{hooks}/deliveries"),
            "last_response": {"code": null, "status": "unused", "message": null},
        },
        "repository": repository(opts),
        "sender": user(opts.author()),
    })
}

fn repository(opts: &SampleOptions) -> Value {
    let html_url = format!("https://github.com/{}", opts.repo);
    json!({
        "id": stable_id(&opts.repo),
        "name": opts.name(),
        "full_name": opts.repo,
        "private": false,
        "owner": user(opts.owner()),
        "html_url": html_url,
        "description": null,
        "fork": false,
        "url": format!("https://api.github.com/repos/{}", opts.repo),
        "clone_url": format!("{html_url}.git"),
        "created_at": opts.time(),
        "updated_at": opts.time(),
        "pushed_at": opts.time(),
        "default_branch": "main",
        "visibility": "public",
    })
}

fn user(login: &str) -> Value {
    json!({
        "login": login,
        "id": stable_id(login),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", stable_id(login)),
        "html_url": format!("https://github.com/{login}"),
        "type": "User",
        "site_admin": false,
    })
}

fn email(login: &str) -> String {
    format!("{login}@users.noreply.github.com")
}

/// A stable, plausible numeric id for `name` (GitHub ids are positive and
/// fit in 32 bits for old objects).
fn stable_id(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    u64::from(u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) >> 1)
}

/// A stable, plausible 40-hex-digit git object id for `seed`.
fn fake_sha(seed: &str) -> String {
    hex::encode(&Sha256::digest(seed.as_bytes())[..20])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn seed_options() -> SampleOptions {
        SampleOptions {
            branch: "desenvolvimento".into(),
            commit: Some("d612b155f24f9cfb023e5bd704016cf4a0288cf5".into()),
            author: Some("DevSamuelAguiar".into()),
            ..SampleOptions::default()
        }
    }

    #[test]
    fn the_seeds_push_parses_back_to_the_seeds_fields() {
        let body = sample("push", &seed_options()).to_string();
        assert_eq!(
            Event::parse("push", body.as_bytes()),
            Ok(Event::Push {
                repository: "DevSamuelAguiar/teste2-webhook".into(),
                commit_id: "d612b155f24f9cfb023e5bd704016cf4a0288cf5".into(),
                branch: "desenvolvimento".into(),
                author: "DevSamuelAguiar".into(),
            })
        );
    }

    #[test]
    fn every_sample_parses_as_its_event() {
        let opts = seed_options();
        for event in KNOWN_EVENTS.iter().copied().chain(["star", "release"]) {
            let body = sample(event, &opts).to_string();
            let parsed = Event::parse(event, body.as_bytes());
            assert!(parsed.is_ok(), "{event}: {parsed:?}");
            assert_eq!(
                parsed.map(|e| e.event_type().to_owned()),
                Ok(event.to_owned())
            );
        }
    }

    /// A release event carries its `release` object, as GitHub's does.
    #[test]
    fn a_release_sample_has_its_release_object() {
        let body = sample("release", &seed_options());
        assert_eq!(body["action"], "published");
        assert_eq!(body["release"]["tag_name"], "v1.0.0");
        assert_eq!(body["release"]["draft"], false);
        assert!(body["release"]["author"]["login"].is_string(), "{body}");
    }

    #[test]
    fn samples_are_deterministic() {
        let opts = SampleOptions::default();
        assert_eq!(sample("push", &opts), sample("push", &opts));
        assert_eq!(opts.commit_id().len(), 40);
    }
}
