//! Counts requests and their latency by route and status (`dx_atlas_http_requests_total`,
//! `dx_atlas_http_request_duration_seconds`), as a tower layer of its own: axum's `from_fn`
//! would box a future and clone the routes' stack for every request.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use metrics::{Counter, Histogram};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// The route label of requests no route matched.
const UNMATCHED: &str = "unmatched";

/// Records every request of the services it wraps.
#[derive(Debug, Clone, Default)]
pub struct RecordLayer {
    handles: Arc<Handles>,
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Record {
            inner,
            handles: Arc::clone(&self.handles),
        }
    }
}

/// The metrics of one route: its latencies and its count by status.
#[derive(Debug)]
struct Route {
    duration: Histogram,
    by_status: Vec<(StatusCode, Counter)>,
}

/// The metric handles of the routes seen so far. Asking the recorder for a handle hashes its
/// name and labels and allocates the labels, on every request; the routes and statuses are
/// few, so their handles are kept here and a request costs a shared lock and a lookup.
#[derive(Debug, Default)]
struct Handles {
    routes: RwLock<HashMap<Box<str>, Route>>,
}

impl Handles {
    /// Counts one answer of `route` with `status`, taking `seconds`.
    fn record(&self, route: &str, status: StatusCode, seconds: f64) {
        if let Ok(routes) = self.routes.read() {
            if let Some(known) = routes.get(route) {
                if let Some((_, counter)) = known.by_status.iter().find(|(s, _)| *s == status) {
                    counter.increment(1);
                    known.duration.record(seconds);
                    return;
                }
            }
        }
        self.record_first(route, status, seconds);
    }

    /// The first answer of a route with a status: registers its handles.
    fn record_first(&self, route: &str, status: StatusCode, seconds: f64) {
        let counter = metrics::counter!(
            "dx_atlas_http_requests_total",
            "route" => route.to_owned(),
            "status" => status.as_str().to_owned()
        );
        counter.increment(1);
        let Ok(mut routes) = self.routes.write() else {
            // A poisoned lock only means a panic elsewhere: record without keeping the handles.
            metrics::histogram!("dx_atlas_http_request_duration_seconds", "route" => route.to_owned())
                .record(seconds);
            return;
        };
        let known = routes.entry(route.into()).or_insert_with(|| Route {
            duration: metrics::histogram!(
                "dx_atlas_http_request_duration_seconds",
                "route" => route.to_owned()
            ),
            by_status: Vec::new(),
        });
        known.duration.record(seconds);
        if !known.by_status.iter().any(|(s, _)| *s == status) {
            known.by_status.push((status, counter));
        }
    }
}

/// A service whose requests are counted and timed.
#[derive(Debug, Clone)]
pub struct Record<S> {
    inner: S,
    handles: Arc<Handles>,
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
        // `MatchedPath` holds an `Arc<str>`: cloning it allocates nothing.
        let route = request.extensions().get::<MatchedPath>().cloned();
        Recorded {
            future: self.inner.call(request),
            handles: Some(Arc::clone(&self.handles)),
            route,
            started: Instant::now(),
        }
    }
}

pin_project! {
    /// A request being answered, with its route and start.
    pub struct Recorded<F> {
        #[pin]
        future: F,
        handles: Option<Arc<Handles>>,
        route: Option<MatchedPath>,
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
        if let (Ok(response), Some(handles)) = (&answered, this.handles.take()) {
            let route = this.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
            handles.record(
                route,
                response.status(),
                this.started.elapsed().as_secs_f64(),
            );
        }
        Poll::Ready(answered)
    }
}
