//! The platform's refusal of an event-log cursor it does not know (a
//! platform started again without its data), as the shop's client tells
//! it: by the error's code, `unknown_cursor`, in whichever language the
//! platform answers. The client used to match the message's English and
//! Portuguese words, so a reworded (or third-language) message would have
//! left a poller retrying its dead cursor for ever.
//!
//! A real platform answers in this process, through its router, under
//! tokio's paused clock, as in `gone.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::clock::Clock;
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::lang::Lang;
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use hooklab_shop::client::{ClientError, PlatformClient};
use std::sync::Arc;
use tokio::sync::watch;

/// Only a label: every request goes through the in-process `Link`.
const BASE: &str = "http://127.0.0.1:4242";
const KEY: &str = "sk_test_cursor";

#[path = "support/link.rs"]
#[allow(dead_code)]
mod link;
use link::{Link, Nowhere};

/// A client of a platform that answers in `lang`, and the link's cut
/// switch (kept: a link whose switch is dropped reads as cut).
fn client_of_a_platform_in(lang: Lang) -> (PlatformClient, watch::Sender<bool>) {
    let clock = Clock::starting_now(1_767_225_600_000_000);
    let config = PlatformConfig {
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: KEY.to_owned(),
        }],
        lang,
        ..PlatformConfig::default()
    };
    let platform = Platform::new(clock, config, Arc::new(Nowhere));
    let (switch, cut) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(platform),
        cut,
    });
    (
        PlatformClient::new(link, BASE, clock).with_api_key(KEY),
        switch,
    )
}

#[tokio::test(start_paused = true)]
async fn an_unknown_cursor_is_told_by_its_code_in_either_language() {
    let nowhere = EventId("evt_nope".to_owned());
    for (lang, words) in [
        (Lang::En, "none of your events"),
        (Lang::PtBr, "não é nenhum dos seus eventos"),
    ] {
        let (client, _switch) = client_of_a_platform_in(lang);
        // The event poller's read, and the stream's resume.
        let listed = client.list_events(Some(&nowhere), 10).await.map(drop);
        let streamed = client.open_stream(Some(&nowhere)).await.map(drop);
        for answer in [listed, streamed] {
            let Err(e @ ClientError::Refused { .. }) = answer else {
                panic!("{lang}: expected a refusal, got {answer:?}");
            };
            assert!(e.is_unknown_cursor(), "{lang}: {e:?}");
            let ClientError::Refused { code, message, .. } = &e else {
                unreachable!()
            };
            assert_eq!(code, "unknown_cursor", "{lang}");
            // The message is in the platform's language, for people.
            assert!(message.contains(words), "{lang}: {message}");
        }
        // Another bad parameter of the same read is not an unknown cursor.
        let bad_limit = client.list_events(None, 0).await;
        let Err(e) = bad_limit else {
            panic!("{lang}: limit 0 was taken");
        };
        assert!(!e.is_unknown_cursor(), "{lang}: {e:?}");
    }
}
