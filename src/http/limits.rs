//! The server's limits on every request, as one tower layer: a body declared larger than the
//! limit is refused before it is read (413 `REQUEST_TOO_LARGE`), a request past the number
//! served at once is refused at once (503 `OVERLOADED`, rather than queued), and one that takes
//! longer than the deadline is cut off (503 `TIMEOUT`); bodies that do not declare their
//! length are cut off by `tower_http`'s limit while read. Refusals are GraphQL-shaped on
//! `/graphql`, JSON with a code elsewhere. The GraphQL limits (depth, complexity, aliases, the
//! size of a query and of its answer) are in `graphql::extensions` and `graphql::budget`.
//!
//! Written here rather than composed from tower's `LoadShed`, `ConcurrencyLimit` and `Timeout`
//! with `HandleError`: axum clones a route's whole stack for every request, and those layers
//! allocate when cloned (a semaphore future each), which cost a cached tile a third of its
//! throughput. This service takes a permit with `try_acquire` and allocates nothing.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Timeout;
use tower::{Layer, Service};

use super::graphql;

/// What a limit refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// As many requests as the server serves at once are in flight.
    Overloaded,
    /// The request passed its deadline.
    Timeout,
    /// The body declares more bytes than the limit (how many, and the limit).
    TooLarge(u64, usize),
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Self::Overloaded | Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Overloaded => "OVERLOADED",
            Self::Timeout => "TIMEOUT",
            Self::TooLarge(..) => "REQUEST_TOO_LARGE",
        }
    }

    fn message(self) -> String {
        match self {
            Self::Overloaded => "too many requests at once; retry shortly".to_owned(),
            Self::Timeout => "the request took too long".to_owned(),
            Self::TooLarge(n, limit) => {
                format!("the request body has {n} bytes; at most {limit} are accepted")
            }
        }
    }

    /// The answer: GraphQL-shaped on `/graphql`, JSON with a code elsewhere; a 503 says when
    /// to retry.
    fn response(self, on_graphql: bool) -> Response {
        let (status, code) = (self.status(), self.code());
        let mut response = if on_graphql {
            graphql::refusal(status, code, self.message())
        } else {
            if status == StatusCode::SERVICE_UNAVAILABLE {
                metrics::counter!("dx_atlas_refusals_total", "code" => code).increment(1);
            }
            let body = serde_json::json!({"error": {"code": code, "message": self.message()}});
            (status, axum::Json(body)).into_response()
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The limits, shared by every route: one semaphore, so the number served at once is the
/// server's, not each route's.
#[derive(Clone)]
pub struct LimitsLayer {
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_body_bytes: usize,
}

impl LimitsLayer {
    /// At most `max_concurrency` requests at once, each within `timeout`, with bodies of at most
    /// `max_body_bytes`.
    pub fn new(max_concurrency: usize, timeout: Duration, max_body_bytes: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrency.min(Semaphore::MAX_PERMITS))),
            timeout,
            max_body_bytes,
        }
    }
}

impl<S> Layer<S> for LimitsLayer {
    type Service = Limits<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Limits {
            inner,
            limits: self.clone(),
        }
    }
}

/// A service within the limits of [`LimitsLayer`].
#[derive(Clone)]
pub struct Limits<S> {
    inner: S,
    limits: LimitsLayer,
}

impl<S> Limits<S> {
    /// The refusal of a request before it is served, if any.
    fn refuse(&self, request: &Request<Body>) -> Result<OwnedSemaphorePermit, Refusal> {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let limit = self.limits.max_body_bytes;
        if let Some(n) = declared.filter(|n| *n > u64::try_from(limit).unwrap_or(u64::MAX)) {
            return Err(Refusal::TooLarge(n, limit));
        }
        Arc::clone(&self.limits.permits)
            .try_acquire_owned()
            .map_err(|_| Refusal::Overloaded)
    }
}

impl<S> Service<Request<Body>> for Limits<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Limited<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let on_graphql = request.uri().path() == graphql::PATH;
        let state = match self.refuse(&request) {
            Ok(permit) => State::Serving {
                future: tokio::time::timeout(self.limits.timeout, self.inner.call(request)),
                permit,
                on_graphql,
            },
            Err(refusal) => State::Refused {
                response: Some(refusal.response(on_graphql)),
            },
        };
        Limited { state }
    }
}

pin_project! {
    /// A request being served within the limits (holding its permit until answered), or the
    /// refusal of one.
    pub struct Limited<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F> {
        // Served with a deadline, its permit given back when answered.
        Serving {
            #[pin]
            future: Timeout<F>,
            permit: OwnedSemaphorePermit,
            on_graphql: bool,
        },
        // Refused before it was served; the refusal until it is given.
        Refused { response: Option<Response> },
    }
}

impl<F> Future for Limited<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Serving {
                future, on_graphql, ..
            } => future.poll(cx).map(|served| match served {
                Ok(answer) => answer,
                Err(_elapsed) => Ok(Refusal::Timeout.response(*on_graphql)),
            }),
            StateProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| Refusal::Overloaded.response(false)))),
        }
    }
}
