//! How many signed GitHub pushes per second the receiver takes, over loopback.
//!
//! `receiver/signed_push/<N>_connections` starts the real receiver
//! ([`receiver::serve`], printing the seed's pt-BR lines into `io::sink()`)
//! on `127.0.0.1:0` and drives it with the crate's own sender: each
//! iteration is a batch of pushes, each with a fresh `X-GitHub-Delivery` and
//! signed with `X-Hub-Signature-256`, sent over N keep-alive connections at
//! once. Criterion's throughput line (`elem/s`) is requests per second.
//!
//! `signature/verify_push` times the signature check alone, on the same body.
//!
//! To measure another receiver with the same load (the seed's FastAPI
//! program, say), start it on loopback and run
//! `HOOKLAB_BENCH_URL=http://127.0.0.1:8000/webhook cargo bench -p hooklab-github`;
//! the group is then named `external_receiver`. docs/github.md has the figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hooklab_core::lang::Lang;
use hooklab_github::payload::{self, SampleOptions};
use hooklab_github::printer::{OutputFormat, Sink};
use hooklab_github::receiver::{self, ReceiverConfig, Verification, WebhookSecret};
use hooklab_github::sender::{Delivery, DeliveryId, Hookshot};
use hooklab_github::signature;
use http::{StatusCode, Uri};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SECRET: &str = "It's a Secret to Everybody";

/// Requests each connection sends per iteration.
const PER_CONNECTION: u64 = 32;

fn seed_push() -> Bytes {
    let opts = SampleOptions {
        branch: "desenvolvimento".into(),
        commit: Some("d612b155f24f9cfb023e5bd704016cf4a0288cf5".into()),
        author: Some("DevSamuelAguiar".into()),
        ..SampleOptions::default()
    };
    Bytes::from(payload::sample("push", &opts).to_string())
}

/// Everything one load task needs, shared by all of them.
struct Load {
    hookshot: Hookshot,
    url: Uri,
    body: Bytes,
    secret: WebhookSecret,
    /// Makes every delivery id unique, so none is deduplicated away.
    next_id: AtomicU64,
}

/// Sends `PER_CONNECTION` pushes on each of `connections` concurrent tasks.
async fn drive(load: &Arc<Load>, connections: u64) {
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let load = Arc::clone(load);
            tokio::spawn(async move {
                for _ in 0..PER_CONNECTION {
                    let n = load.next_id.fetch_add(1, Ordering::Relaxed);
                    let delivery = Delivery {
                        event: "push".into(),
                        id: DeliveryId::new(format!("bench-{n}")),
                        hook_id: 1,
                        body: load.body.clone(),
                    };
                    let answer = load
                        .hookshot
                        .send(&load.url, &delivery, Some(&load.secret))
                        .await
                        .unwrap();
                    assert_eq!(answer.status, StatusCode::OK);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

fn receiver_throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let external = std::env::var("HOOKLAB_BENCH_URL").ok();
    let (url, stop, group_name) = match external {
        Some(url) => (url.parse().unwrap(), None, "external_receiver"),
        None => {
            let (url, stop) = rt.block_on(start_receiver());
            (url, Some(stop), "receiver")
        }
    };
    let load = Arc::new(Load {
        hookshot: Hookshot::new(),
        url,
        body: seed_push(),
        secret: WebhookSecret::new(SECRET),
        next_id: AtomicU64::new(0),
    });

    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    for connections in [1, 16] {
        group.throughput(Throughput::Elements(connections * PER_CONNECTION));
        group.bench_with_input(
            BenchmarkId::new("signed_push", format!("{connections}_connections")),
            &connections,
            |b, &connections| b.iter(|| rt.block_on(drive(&load, connections))),
        );
    }
    group.finish();
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
}

/// The receiver on `127.0.0.1:0`, as `hooklab github listen --lang pt-BR` runs
/// it, printing into `io::sink()` so the terminal is not what is measured.
async fn start_receiver() -> (Uri, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ReceiverConfig {
        path: "/webhook".into(),
        verification: Verification::Secret(WebhookSecret::new(SECRET)),
        format: OutputFormat::Text(Lang::PtBr),
        sink: Sink::Writer(Box::new(std::io::sink())),
    };
    tokio::spawn(receiver::serve(listener, config, async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}/webhook").parse().unwrap(), stop)
}

fn verify_in_isolation(c: &mut Criterion) {
    let body = seed_push();
    let header = signature::sign(SECRET.as_bytes(), &body);
    let mut group = c.benchmark_group("signature");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("verify_push", |b| {
        b.iter(|| {
            signature::verify(
                black_box(SECRET.as_bytes()),
                black_box(&body),
                black_box(Some(header.as_str())),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, receiver_throughput, verify_in_isolation);
criterion_main!(benches);
