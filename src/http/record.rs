//! Counts requests and their latency by route and status (`dx_atlas_http_requests_total`,
//! `dx_atlas_http_request_duration_seconds`), as a tower layer of its own: axum's `from_fn`
//! would box a future and clone the routes' stack for every request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::Request;
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// Records every request of the services it wraps.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordLayer;

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Record { inner }
    }
}

/// A service whose requests are counted and timed.
#[derive(Debug, Clone)]
pub struct Record<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Record<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
        Recorded {
            future: self.inner.call(request),
            route: Some(route),
            started: Instant::now(),
        }
    }
}

pin_project! {
    /// A request being answered, with its route and start.
    pub struct Recorded<F> {
        #[pin]
        future: F,
        route: Option<String>,
        started: Instant,
    }
}

impl<F, E> Future for Recorded<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answered = std::task::ready!(this.future.poll(cx));
        if let (Ok(response), Some(route)) = (&answered, this.route.take()) {
            let status = response.status();
            metrics::counter!(
                "dx_atlas_http_requests_total",
                "route" => route.clone(),
                "status" => status.as_str().to_owned()
            )
            .increment(1);
            metrics::histogram!("dx_atlas_http_request_duration_seconds", "route" => route)
                .record(this.started.elapsed().as_secs_f64());
        }
        Poll::Ready(answered)
    }
}
