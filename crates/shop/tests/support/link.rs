//! What `gone.rs` and `recovery.rs` share: the shop's in-process way to
//! a platform's router under tokio's paused clock (`Link`, which a test can
//! cut or point at a restarted platform), a client that reaches nothing
//! (`Nowhere`), and the order plan both place.

use axum::body::Body;
use bytes::Bytes;
use hooklab_core::duration::Dur;
use hooklab_core::http::{ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError};
use hooklab_core::ids::OrderId;
use hooklab_core::wire::Outcome;
use hooklab_core::workload::OrderPlan;
use hooklab_platform::Platform;
use http_body_util::BodyExt;
use tokio::sync::watch;
use tower::ServiceExt;

/// The shop's way to the platform: its router, in this process, unless
/// the link is cut.
pub struct Link {
    /// Replaced by another to restart the platform without its data.
    pub platform: std::sync::Mutex<Platform>,
    pub cut: watch::Receiver<bool>,
}

impl Link {
    async fn exchange(
        platform: Platform,
        cut: bool,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        if cut {
            return Err(TransportError::Connect("the network is cut".into()));
        }
        let response = platform
            .router()
            .oneshot(request.map(Body::from))
            .await
            .unwrap_or_else(|never| match never {});
        Ok(response)
    }
}

impl HttpClient for Link {
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        let (platform, cut) = (self.platform.lock().unwrap().clone(), *self.cut.borrow());
        Box::pin(async move {
            let (parts, body) = Link::exchange(platform, cut, request).await?.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| TransportError::Broken(Box::new(e)))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        })
    }

    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        let (platform, cut) = (self.platform.lock().unwrap().clone(), self.cut.clone());
        Box::pin(async move {
            let now_cut = *cut.borrow();
            let response = Link::exchange(platform, now_cut, request).await?;
            let (parts, body) = response.into_parts();
            let chunks: Box<dyn Chunks> = Box::new(Frames { body, cut });
            Ok(http::Response::from_parts(parts, chunks))
        })
    }
}

/// A body read frame by frame, broken when the link is cut.
pub struct Frames {
    body: Body,
    pub cut: watch::Receiver<bool>,
}

impl Chunks for Frames {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move {
            loop {
                let frame = tokio::select! {
                    _ = self.cut.wait_for(|cut| *cut) => {
                        return Some(Err(TransportError::Broken("the network is cut".into())));
                    }
                    frame = self.body.frame() => frame?,
                };
                match frame {
                    Ok(frame) => {
                        if let Ok(data) = frame.into_data() {
                            return Some(Ok(data));
                        }
                    }
                    Err(e) => return Some(Err(TransportError::Broken(Box::new(e)))),
                }
            }
        })
    }
}

/// The platform's webhook sender: no endpoint is registered here.
pub struct Nowhere;

impl HttpClient for Nowhere {
    fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
        Box::pin(async { Err(TransportError::Connect("no receiver here".into())) })
    }
}

pub fn order(n: u64) -> OrderPlan {
    OrderPlan {
        order_id: OrderId::numbered(n),
        arrive_at: Default::default(),
        settle_after: Dur::ZERO,
        outcome: Outcome::Approved,
        amount_cents: 4_990,
        merchant: 0,
    }
}
