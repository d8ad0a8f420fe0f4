//! What a Standard Webhooks signature costs the sender and the receiver.
//!
//! Every delivery the platform sends is signed ([`WebhookSecret::sign`]) and
//! every delivery the shop accepts is verified ([`signature::verify`]) before
//! it is parsed, so both sit on the webhook's critical path. The event here
//! is a typical provider payload of about 670 bytes (a payment event with
//! customer and metadata fields, larger than hooklab's own ~280-byte event),
//! signed with a 24-byte key as the platform mints them.
//!
//! - `signature/sign`: one `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`.
//! - `signature/verify`: the receiver's full check of one genuine delivery
//!   (headers present, timestamp fresh, base64 decoded, HMAC recomputed and
//!   compared in constant time).
//! - `signature/verify_rotation`: the same during a secret rotation: two
//!   signatures in the header and the receiver trying its old secret first,
//!   so it computes two HMACs (the worst case a genuine delivery can cost).
//! - `signature/verify_forged`: a forged signature, which must cost as much
//!   as a genuine one (no early exit a forger could time).
//!
//! GitHub's `X-Hub-Signature-256` check is benched in `crates/github`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hooklab_core::rng::SeededRng;
use hooklab_core::signature::{self, DEFAULT_TOLERANCE_SECS, WebhookSecret};
use std::hint::black_box;
use std::time::Duration;

const ID: &str = "evt_000042";
const TIMESTAMP: i64 = 1_795_800_000;

/// A ~600-byte `payment.approved` event, as a provider with richer payment
/// objects would send it.
fn event_body() -> Vec<u8> {
    let body = concat!(
        r#"{"id":"evt_000042","type":"payment.approved","created_at":"2026-11-27T18:40:00.512Z","#,
        r#""data":{"id":"pay_000042","order_id":"ord_000042","amount_cents":4990,"currency":"BRL","#,
        r#""status":"approved","created_at":"2026-11-27T18:39:58.001Z","settled_at":"2026-11-27T18:40:00.512Z","#,
        r#""method":{"type":"card","brand":"visa","last4":"4242","exp_month":12,"exp_year":2030,"#,
        r#""installments":1},"customer":{"id":"cus_000017","email":"maria.silva@example.com","#,
        r#""name":"Maria da Silva"},"billing_address":{"line1":"Rua das Flores, 123","#,
        r#""city":"São Paulo","state":"SP","postal_code":"01234-567","country":"BR"},"#,
        r#""metadata":{"cart_id":"cart_8f2a1c","channel":"web","campaign":"black-friday-2026"}}}"#
    );
    body.as_bytes().to_vec()
}

fn benches(c: &mut Criterion) {
    let mut rng = SeededRng::new(42);
    let secret = WebhookSecret::generate(&mut rng);
    let old = WebhookSecret::generate(&mut rng);
    let body = event_body();
    let genuine = secret.sign(ID, TIMESTAMP, &body);
    let both = format!("{} {genuine}", old.sign(ID, TIMESTAMP, &body));
    let forged = old.sign(ID, TIMESTAMP, &body);
    let timestamp = TIMESTAMP.to_string();
    let verify = |secrets: &[WebhookSecret], sig: &str| {
        signature::verify(
            secrets,
            Some(ID),
            Some(&timestamp),
            Some(sig),
            black_box(&body),
            TIMESTAMP + 1,
            DEFAULT_TOLERANCE_SECS,
        )
    };
    assert_eq!(verify(std::slice::from_ref(&secret), &genuine), Ok(()));
    assert_eq!(verify(&[old.clone(), secret.clone()], &both), Ok(()));
    assert!(verify(std::slice::from_ref(&secret), &forged).is_err());

    let mut group = c.benchmark_group("signature");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("sign", |b| {
        b.iter(|| secret.sign(black_box(ID), black_box(TIMESTAMP), black_box(&body)))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(std::slice::from_ref(&secret), black_box(&genuine)))
    });
    let rotation = [old.clone(), secret.clone()];
    group.bench_function("verify_rotation", |b| {
        b.iter(|| verify(&rotation, black_box(&both)))
    });
    group.bench_function("verify_forged", |b| {
        b.iter(|| verify(std::slice::from_ref(&secret), black_box(&forged)))
    });
    group.finish();
}

criterion_group!(signature_benches, benches);
criterion_main!(signature_benches);
