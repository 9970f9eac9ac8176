//! A tower layer around the kube client: counts API requests and, with `-v`, prints one line per
//! request on stderr — method, path and query, status, duration. Headers are never printed, so
//! bearer tokens cannot leak through `-v`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};

/// One request as seen by the client.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub started: Duration,
    pub duration: Duration,
}

/// Shared log of every request a [`crate::kube::Cluster`] made.
#[derive(Debug)]
pub struct RequestLog {
    verbose: bool,
    start: Instant,
    count: AtomicUsize,
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    pub fn new(verbose: bool) -> Self {
        Self {
            verbose,
            start: Instant::now(),
            count: AtomicUsize::new(0),
            entries: Mutex::new(Vec::new()),
        }
    }

    /// Number of API requests sent so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// A copy of every request so far.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn record(&self, entry: LoggedRequest) {
        if self.verbose {
            let status = entry
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "error".into());
            eprintln!(
                "I api {} {} -> {} in {} ms",
                entry.method,
                entry.path,
                status,
                entry.duration.as_millis()
            );
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(entry);
        }
    }
}

/// The layer to pass to `ClientBuilder::with_layer`.
#[derive(Clone)]
pub struct RequestLogLayer {
    log: std::sync::Arc<RequestLog>,
}

impl RequestLogLayer {
    pub fn new(log: std::sync::Arc<RequestLog>) -> Self {
        Self { log }
    }
}

impl<S> tower::Layer<S> for RequestLogLayer {
    type Service = RequestLogService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestLogService {
            inner,
            log: self.log.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RequestLogService<S> {
    inner: S,
    log: std::sync::Arc<RequestLog>,
}

impl<S, B, ResBody> tower::Service<Request<B>> for RequestLogService<S>
where
    S: tower::Service<Request<B>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let method = req.method().to_string();
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let log = self.log.clone();
        log.count.fetch_add(1, Ordering::Relaxed);
        let began = Instant::now();
        let started = began.duration_since(log.start);
        let fut = self.inner.call(req);
        Box::pin(async move {
            let result = fut.await;
            let status = result.as_ref().ok().map(|r| r.status().as_u16());
            log.record(LoggedRequest {
                method,
                path,
                status,
                started,
                duration: began.elapsed(),
            });
            result
        })
    }
}
