//! # hooklab-github: the seed's practical example, done properly
//!
//! The seed presentation ends with a FastAPI program that receives GitHub
//! webhooks on `POST /webhook` and prints each event. It checks nothing:
//! anyone who finds the URL can make it print anything. This crate is the
//! version a professional would write, plus a sender of realistic GitHub
//! events so a student can try it with no GitHub account and no public IP.
//!
//! A map of the crate, in reading order:
//!
//! - [`signature`]: `X-Hub-Signature-256`, HMAC-SHA256 of the raw body, signed
//!   and verified in constant time.
//! - [`event`]: the JSON payloads reduced to one enum, with errors that name
//!   the missing field.
//! - [`receiver`]: the axum server: cap the body, verify, parse, deduplicate on
//!   `X-GitHub-Delivery`, acknowledge, and hand the event to the printer.
//! - [`printer`]: prints events on its own thread, after the answer went out,
//!   in the seed's format (English or the seed's Portuguese) or as JSON lines.
//! - [`lang`]: the printed labels in each language (the language itself is
//!   [`hooklab_core::lang::Lang`]).
//! - [`payload`]: sample payloads shaped as GitHub documents them.
//! - [`sender`]: sends a payload with the headers GitHub sends, over loopback.
//! - [`command`]: what `hooklab github listen` and `hooklab github send` do,
//!   on plain configuration structs (the binary parses the flags into them).

pub mod command;
pub mod event;
pub mod lang;
pub mod payload;
pub mod printer;
pub mod receiver;
pub mod sender;
pub mod signature;
