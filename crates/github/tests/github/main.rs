//! Integration tests of hooklab-github, in one test binary: the receiver
//! driven through `oneshot` with no socket ([`oneshot`]), then end to end on
//! `127.0.0.1:0` with the crate's sender ([`end_to_end`]), and properties of
//! the signature verifier ([`properties`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod end_to_end;
mod oneshot;
mod properties;
mod refusal_lang;

use hooklab_github::payload::{self, SampleOptions};

/// GitHub's documented example secret.
const SECRET: &str = "It's a Secret to Everybody";

/// Options that reproduce the seed's push: its repository, commit, branch and author.
pub(crate) fn seed_options() -> SampleOptions {
    SampleOptions {
        branch: "desenvolvimento".into(),
        commit: Some("d612b155f24f9cfb023e5bd704016cf4a0288cf5".into()),
        author: Some("DevSamuelAguiar".into()),
        ..SampleOptions::default()
    }
}

/// The sample payload of `event`, as bytes, with [`seed_options`].
pub(crate) fn sample(event: &str) -> Vec<u8> {
    payload::sample(event, &seed_options())
        .to_string()
        .into_bytes()
}
