//! The accept loop: HTTP/1.1 connections with a deadline for each request's headers (which also
//! ends keep-alive connections left idle) and a cap on open connections. axum's own `serve`
//! offers neither, so the loop is hyper's, written out here.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Deadline for the headers of a connection over the cap: long enough for a client that sends
/// its request at once (a health check, a balancer's probe), far too short for one that
/// trickles it.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_millis(500);

/// How long requests in flight may take to finish once the server is told to stop.
const DRAIN: Duration = Duration::from_secs(10);

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, and to start the next request on a
    /// kept-alive connection.
    pub header_timeout: Duration,
    /// Connections served with that deadline at once. As many again are served with a
    /// deadline of half a second; beyond that a connection is closed at once.
    pub max_connections: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (for at most ten seconds).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let overflow = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most often: wait for some to close.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (permit, header_timeout) = match Arc::clone(&open).try_acquire_owned() {
            Ok(permit) => (permit, limits.header_timeout),
            Err(_) => {
                if let Ok(permit) = Arc::clone(&overflow).try_acquire_owned() {
                    (permit, OVERFLOW_HEADER_TIMEOUT)
                } else {
                    metrics::counter!("dx_atlas_refusals_total", "code" => "TOO_MANY_CONNECTIONS")
                        .increment(1);
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {} s: stopping anyway",
            DRAIN.as_secs()
        );
    }
    Ok(())
}
