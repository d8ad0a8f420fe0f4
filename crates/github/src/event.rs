//! What the receiver understands of a GitHub event.
//!
//! GitHub names the event in the `X-GitHub-Event` header and puts the details
//! in a JSON body whose shape depends on that name. [`Event::parse`] turns the
//! pair into one Rust enum, so the printer matches on a type instead of poking
//! at `serde_json::Value`s, and a payload that lacks a field the event needs is
//! an error (answered 400) instead of the seed's `None` or a crash.
//!
//! The seed reads fields with `data.get(...)`: a missing `ref` made
//! `data.get('ref').split('/')` raise, and the server answered 500. Here every
//! required field is named in [`PayloadError::MissingField`].

use serde::Serialize;
use serde_json::Value;

/// One GitHub event, reduced to what the receiver prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
// Untagged: in `--json` output the event's name is already the line's
// `event` field, so `data` holds just the fields.
#[serde(untagged)]
pub enum Event {
    /// `push`: commits were pushed to a branch or a tag.
    Push {
        /// `repository.full_name`, e.g. `DevSamuelAguiar/teste2-webhook`.
        repository: String,
        /// `after`: the commit the ref points to now.
        commit_id: String,
        /// The branch (or tag) name taken from `ref`.
        branch: String,
        /// `pusher.name`: who pushed.
        author: String,
    },
    /// `pull_request`: a pull request was opened, closed, edited, ...
    PullRequest {
        /// `repository.full_name`.
        repository: String,
        /// `action`: `opened`, `closed`, `synchronize`, ...
        action: String,
        /// `pull_request.title`.
        title: String,
    },
    /// `issues`: an issue was opened, closed, labeled, ...
    Issues {
        /// `repository.full_name`.
        repository: String,
        /// `action`: `opened`, `closed`, ...
        action: String,
        /// `issue.title`.
        title: String,
    },
    /// `ping`: GitHub's test event, sent once when a webhook is created.
    Ping {
        /// `repository.full_name`; absent for an organization's webhook.
        repository: Option<String>,
        /// `zen`: a random line of GitHub zen.
        zen: String,
        /// `hook_id`: the id of the webhook that sent it.
        hook_id: u64,
    },
    /// Any other event: the receiver prints the whole payload.
    Other {
        /// The `X-GitHub-Event` value, e.g. `star` or `release`.
        event_type: String,
        /// `repository.full_name`, when the payload has one.
        repository: Option<String>,
        /// The whole payload.
        payload: Value,
    },
}

/// Why a payload could not be read as the event its header names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Occurs when the body is not JSON at all.
    #[error("body is not valid JSON: {0}")]
    Json(String),
    /// Occurs when the body is JSON but not an object.
    #[error("body is JSON but not an object")]
    NotAnObject,
    /// Occurs when a field this event needs is absent or has the wrong type;
    /// holds its path, e.g. `pusher.name`.
    #[error("the {event_type} payload has no `{field}` (or it has the wrong type)")]
    MissingField {
        /// The event being parsed.
        event_type: String,
        /// The dotted path of the field.
        field: &'static str,
    },
}

impl Event {
    /// Reads `body` as the event named `event_type` (the `X-GitHub-Event` header).
    pub fn parse(event_type: &str, body: &[u8]) -> Result<Event, PayloadError> {
        let payload: Value =
            serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
        if !payload.is_object() {
            return Err(PayloadError::NotAnObject);
        }
        let fields = Fields {
            event_type,
            payload: &payload,
        };
        Ok(match event_type {
            "push" => Event::Push {
                repository: fields.string("repository.full_name")?,
                commit_id: fields.string("after")?,
                branch: branch_of(&fields.string("ref")?),
                author: fields.string("pusher.name")?,
            },
            "pull_request" => Event::PullRequest {
                repository: fields.string("repository.full_name")?,
                action: fields.string("action")?,
                title: fields.string("pull_request.title")?,
            },
            "issues" => Event::Issues {
                repository: fields.string("repository.full_name")?,
                action: fields.string("action")?,
                title: fields.string("issue.title")?,
            },
            "ping" => Event::Ping {
                repository: fields.string("repository.full_name").ok(),
                zen: fields.string("zen")?,
                hook_id: fields.u64("hook_id")?,
            },
            _ => Event::Other {
                event_type: event_type.to_owned(),
                repository: fields.string("repository.full_name").ok(),
                payload,
            },
        })
    }

    /// The `X-GitHub-Event` name of this event.
    pub fn event_type(&self) -> &str {
        match self {
            Event::Push { .. } => "push",
            Event::PullRequest { .. } => "pull_request",
            Event::Issues { .. } => "issues",
            Event::Ping { .. } => "ping",
            Event::Other { event_type, .. } => event_type,
        }
    }
}

/// The branch or tag name of a `ref` such as `refs/heads/desenvolvimento`.
///
/// The seed prints `ref.split('/')[-1]`, which turns the branch
/// `feature/login` into `login`. Stripping the `refs/heads/` (or `refs/tags/`)
/// prefix keeps the whole name; for a ref without either prefix it falls
/// back to the seed's last segment.
pub fn branch_of(git_ref: &str) -> String {
    git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| git_ref.strip_prefix("refs/tags/"))
        .unwrap_or_else(|| git_ref.rsplit('/').next().unwrap_or(git_ref))
        .to_owned()
}

/// Typed access to a payload's fields by dotted path, naming the missing one.
struct Fields<'a> {
    event_type: &'a str,
    payload: &'a Value,
}

impl Fields<'_> {
    fn get(&self, path: &'static str) -> Option<&Value> {
        path.split('.')
            .try_fold(self.payload, |value, key| value.get(key))
    }

    fn missing(&self, field: &'static str) -> PayloadError {
        PayloadError::MissingField {
            event_type: self.event_type.to_owned(),
            field,
        }
    }

    fn string(&self, path: &'static str) -> Result<String, PayloadError> {
        self.get(path)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| self.missing(path))
    }

    fn u64(&self, path: &'static str) -> Result<u64, PayloadError> {
        self.get(path)
            .and_then(Value::as_u64)
            .ok_or_else(|| self.missing(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(event_type: &str, payload: Value) -> Result<Event, PayloadError> {
        Event::parse(event_type, payload.to_string().as_bytes())
    }

    #[test]
    fn push_reads_the_seeds_fields() {
        let event = parse(
            "push",
            json!({
                "ref": "refs/heads/desenvolvimento",
                "after": "d612b155f24f9cfb023e5bd704016cf4a0288cf5",
                "repository": {"full_name": "DevSamuelAguiar/teste2-webhook"},
                "pusher": {"name": "DevSamuelAguiar", "email": "x@example.invalid"},
            }),
        );
        assert_eq!(
            event,
            Ok(Event::Push {
                repository: "DevSamuelAguiar/teste2-webhook".into(),
                commit_id: "d612b155f24f9cfb023e5bd704016cf4a0288cf5".into(),
                branch: "desenvolvimento".into(),
                author: "DevSamuelAguiar".into(),
            })
        );
    }

    #[test]
    fn push_without_pusher_names_the_field() {
        let event = parse(
            "push",
            json!({"ref": "refs/heads/main", "after": "abc", "repository": {"full_name": "a/b"}}),
        );
        assert_eq!(
            event,
            Err(PayloadError::MissingField {
                event_type: "push".into(),
                field: "pusher.name"
            })
        );
    }

    #[test]
    fn branches_keep_their_slashes() {
        assert_eq!(branch_of("refs/heads/feature/login"), "feature/login");
        assert_eq!(branch_of("refs/tags/v1.0"), "v1.0");
        assert_eq!(branch_of("weird/ref"), "ref");
        assert_eq!(branch_of("main"), "main");
    }

    #[test]
    fn organization_ping_has_no_repository() {
        let event = parse("ping", json!({"zen": "Design for failure.", "hook_id": 7}));
        assert_eq!(
            event,
            Ok(Event::Ping {
                repository: None,
                zen: "Design for failure.".into(),
                hook_id: 7
            })
        );
    }

    #[test]
    fn unknown_events_keep_the_whole_payload() {
        let payload = json!({"action": "created", "starred_at": null});
        let event = parse("star", payload.clone());
        assert_eq!(
            event,
            Ok(Event::Other {
                event_type: "star".into(),
                repository: None,
                payload
            })
        );
    }

    #[test]
    fn malformed_json_and_non_objects_are_errors() {
        assert!(matches!(
            Event::parse("push", b"{not json"),
            Err(PayloadError::Json(_))
        ));
        assert_eq!(
            Event::parse("push", b"[1,2]"),
            Err(PayloadError::NotAnObject)
        );
    }
}
