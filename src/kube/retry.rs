//! Bounded retries for API requests the server asked us to repeat.
//!
//! kube-rs' default policy (`Config::default_retry`) retries 429/503/504 up to 15 times with an
//! exponential backoff capped at 1,000 s and honours any `Retry-After`: one throttled or
//! unavailable list could hold a diagnostic tool for minutes. We switch it off and use this one:
//!
//! - only 429, 503 and 504 are retried (answers that say "not processed, try again"); a 500, a
//!   403 or a transport error is reported at once;
//! - at most [`MAX_RETRIES`] retries, waiting 250 ms, 500 ms, 1 s, or the server's `Retry-After`
//!   when it is longer and at most [`MAX_RETRY_AFTER`]; a longer `Retry-After` is not waited for;
//! - at most [`MAX_TOTAL_WAIT`] of waiting per request;
//! - a POST is retried only on 429 (the server refused it before doing anything). Every other
//!   write this program sends is idempotent: server-side apply PATCHes and DELETEs.
//!
//! Each attempt goes through the request log, so `-v` shows every retry.

use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` we wait for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(4);
/// The longest total wait for one request.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(6);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// How long to wait before retry number `retries + 1`, or None to give up now.
/// `retry_after` is the raw `Retry-After` header (seconds; an HTTP date is treated as absent).
pub fn delay(
    method: &Method,
    status: StatusCode,
    retry_after: Option<&str>,
    retries: u32,
    waited: Duration,
) -> Option<Duration> {
    let retryable = match status {
        StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => *method != Method::POST,
        _ => false,
    };
    if !retryable || retries >= MAX_RETRIES {
        return None;
    }
    let backoff = FIRST_BACKOFF.saturating_mul(1 << retries.min(16));
    let wait = match retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(secs) if Duration::from_secs(secs) > MAX_RETRY_AFTER => return None,
        Some(secs) => backoff.max(Duration::from_secs(secs)),
        None => backoff,
    };
    (waited.saturating_add(wait) <= MAX_TOTAL_WAIT).then_some(wait)
}

/// The tower policy (one clone per request: the counters are per request).
#[derive(Debug, Clone, Default)]
pub struct BoundedRetry {
    retries: u32,
    waited: Duration,
}

impl<B, E> tower::retry::Policy<Request<Body>, Response<B>, E> for BoundedRetry {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Request<Body>,
        result: &mut Result<Response<B>, E>,
    ) -> Option<Self::Future> {
        let response = result.as_ref().ok()?;
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok());
        let wait = delay(
            req.method(),
            response.status(),
            retry_after,
            self.retries,
            self.waited,
        )?;
        self.retries += 1;
        self.waited += wait;
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        // Streaming bodies cannot be replayed; every body this program sends is in memory.
        let body = req.body().try_clone()?;
        let mut copy = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .version(req.version())
            .body(body)
            .ok()?;
        *copy.headers_mut() = req.headers().clone();
        *copy.extensions_mut() = req.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: Method = Method::GET;

    #[test]
    fn retries_only_what_the_server_asked_to_repeat() {
        let z = Duration::ZERO;
        for code in [429, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                delay(&GET, status, None, 0, z),
                Some(Duration::from_millis(250))
            );
        }
        for code in [400, 401, 403, 404, 409, 500, 502] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(delay(&GET, status, None, 0, z), None, "{code}");
        }
        // POST: only 429 (refused before processing).
        let post = Method::POST;
        assert!(delay(&post, StatusCode::TOO_MANY_REQUESTS, None, 0, z).is_some());
        assert!(delay(&post, StatusCode::SERVICE_UNAVAILABLE, None, 0, z).is_none());
        assert!(delay(&Method::PATCH, StatusCode::SERVICE_UNAVAILABLE, None, 0, z).is_some());
    }

    #[test]
    fn backoff_and_retry_after_are_bounded() {
        let s = StatusCode::TOO_MANY_REQUESTS;
        let z = Duration::ZERO;
        let ms = Duration::from_millis;
        assert_eq!(delay(&GET, s, None, 1, z), Some(ms(500)));
        assert_eq!(delay(&GET, s, None, 2, z), Some(ms(1000)));
        assert_eq!(delay(&GET, s, None, MAX_RETRIES, z), None);
        // Retry-After: waited for when longer than the backoff, up to the cap.
        assert_eq!(delay(&GET, s, Some("2"), 0, z), Some(ms(2000)));
        assert_eq!(delay(&GET, s, Some("0"), 0, z), Some(ms(250)));
        assert_eq!(delay(&GET, s, Some("3600"), 0, z), None);
        // An HTTP-date Retry-After is ignored (the backoff applies).
        assert_eq!(
            delay(&GET, s, Some("Wed, 21 Oct 2026 07:28:00 GMT"), 0, z),
            Some(ms(250))
        );
        // Total wait per request.
        assert_eq!(delay(&GET, s, Some("4"), 1, ms(4000)), None);
        let mut waited = Duration::ZERO;
        let mut retries = 0;
        while let Some(d) = delay(&GET, s, Some("4"), retries, waited) {
            waited += d;
            retries += 1;
        }
        assert!(waited <= MAX_TOTAL_WAIT && retries <= MAX_RETRIES);
    }
}
