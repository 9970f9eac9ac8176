//! The HTTP side of the Prometheus client: configuration, requests, the `-v` query log.
//!
//! The bearer token travels only in the `Authorization` header; it is never part of a URL, a log
//! line or a `Debug` rendering.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Url;

use super::response::{self, Labels, QueryData, Response};
use crate::error::{Error, Result};

/// How to reach a Prometheus-compatible API (Thanos Querier, Prometheus, the simulated cluster).
#[derive(Clone)]
pub struct PromConfig {
    /// Base URL, e.g. `https://thanos-querier-openshift-monitoring.apps.example.com`.
    pub url: String,
    /// Bearer token (never logged).
    pub token: Option<String>,
    /// Extra CA certificates (PEM bundle) to trust besides the platform's.
    pub ca_pem: Option<Vec<u8>>,
    /// Skip TLS verification (only on explicit request).
    pub insecure_skip_tls_verify: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Thanos tenancy port: every request carries `namespace=<ns>`.
    pub tenancy_namespace: Option<String>,
    /// Print each query (endpoint, query, status, duration) on stderr.
    pub verbose: bool,
}

impl PromConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: None,
            ca_pem: None,
            insecure_skip_tls_verify: false,
            timeout: Duration::from_secs(30),
            tenancy_namespace: None,
            verbose: false,
        }
    }
}

impl fmt::Debug for PromConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("{} bytes", p.len())),
            )
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("timeout", &self.timeout)
            .field("tenancy_namespace", &self.tenancy_namespace)
            .field("verbose", &self.verbose)
            .finish()
    }
}

/// `-v` shows at most this many characters of a query (discovery selectors are long).
const LOGGED_QUERY_CHARS: usize = 400;

/// One request as shown by `-v` (no token, ever).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryLogEntry {
    /// API path, e.g. `/api/v1/query`.
    pub endpoint: String,
    /// The PromQL or matchers sent.
    pub query: String,
    /// HTTP status, or `None` when no answer arrived.
    pub status: Option<u16>,
    pub duration: Duration,
    pub warnings: usize,
}

impl fmt::Display for QueryLogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self
            .status
            .map_or_else(|| "no answer".to_string(), |s| s.to_string());
        let total = self.query.chars().count();
        let query: String = if total > LOGGED_QUERY_CHARS {
            let head: String = self.query.chars().take(LOGGED_QUERY_CHARS).collect();
            format!("{head}… ({total} chars)")
        } else {
            self.query.clone()
        };
        write!(
            f,
            "prom {} {query} -> {status} in {} ms",
            self.endpoint,
            self.duration.as_millis()
        )?;
        if self.warnings > 0 {
            write!(f, " ({} warnings)", self.warnings)?;
        }
        Ok(())
    }
}

/// A small Prometheus HTTP API client.
pub struct PromClient {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    tenancy_namespace: Option<String>,
    timeout: Duration,
    verbose: bool,
    issued: AtomicU64,
    log: Mutex<Vec<QueryLogEntry>>,
}

impl fmt::Debug for PromClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("tenancy_namespace", &self.tenancy_namespace)
            .field("queries_issued", &self.queries_issued())
            .finish()
    }
}

impl PromClient {
    /// Build a client. The process must have installed the ring rustls provider (done in `run`).
    pub fn new(config: PromConfig) -> Result<Self> {
        let http = Self::http_client(&config)?;
        Self::with_http(config, http)
    }

    /// The HTTP/TLS half of a client: everything of `config` but its URL and token. Building it
    /// reads the system's CA store (about 150 files on Debian, tens of milliseconds), so a caller
    /// that must first look the URL up builds it meanwhile (see `endpoint::client_from_route`).
    pub fn http_client(config: &PromConfig) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .dns_resolver(super::resolver::SharedLookups::default());
        if let Some(pem) = &config.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::usage(format!("cannot read the CA bundle for {}: {e}", config.url))
                    .with_hint("pass a PEM file with --certificate-authority")
            })?;
            builder = builder.tls_certs_merge(certs);
        }
        if config.insecure_skip_tls_verify {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder.build().map_err(|e| {
            Error::usage(format!(
                "cannot set up the HTTP client for {}: {e}",
                config.url
            ))
            .with_hint("check --certificate-authority and the TLS settings")
        })
    }

    /// A client for `config` over `http`, which [`Self::http_client`] built from the same
    /// TLS settings and timeout.
    pub fn with_http(config: PromConfig, http: reqwest::Client) -> Result<Self> {
        let base = parse_base_url(&config.url)?;
        Ok(Self {
            http,
            base,
            token: config.token.filter(|t| !t.is_empty()),
            tenancy_namespace: config.tenancy_namespace,
            timeout: config.timeout,
            verbose: config.verbose,
            issued: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        })
    }

    /// The base URL (no credentials are ever part of it).
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// Instant query at `time` (unix seconds; now when `None`).
    pub async fn query(&self, promql: &str, time: Option<f64>) -> Result<Response<QueryData>> {
        let mut params = vec![("query", promql.to_string())];
        if let Some(t) = time {
            params.push(("time", format_seconds(t)));
        }
        let (url, status, body) = self.get("/api/v1/query", &params, promql).await?;
        self.finish(response::parse_query(&url, status, &body))
    }

    /// Range query from `start` to `end` (unix seconds) every `step_seconds`.
    pub async fn query_range(
        &self,
        promql: &str,
        start: f64,
        end: f64,
        step_seconds: f64,
    ) -> Result<Response<QueryData>> {
        let params = vec![
            ("query", promql.to_string()),
            ("start", format_seconds(start)),
            ("end", format_seconds(end)),
            ("step", format_seconds(step_seconds)),
        ];
        let (url, status, body) = self.get("/api/v1/query_range", &params, promql).await?;
        self.finish(response::parse_query(&url, status, &body))
    }

    /// `/api/v1/label/__name__/values`, optionally restricted by series selectors (`match[]`).
    pub async fn metric_names(&self, matchers: &[String]) -> Result<Response<Vec<String>>> {
        self.label_values("__name__", matchers).await
    }

    /// `/api/v1/label/<label>/values`, optionally restricted by series selectors (`match[]`).
    pub async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Response<Vec<String>>> {
        let params: Vec<(&str, String)> = matchers.iter().map(|m| ("match[]", m.clone())).collect();
        let path = format!("/api/v1/label/{label}/values");
        let (url, status, body) = self.get(&path, &params, &matchers.join(" ")).await?;
        self.finish(response::parse_strings(&url, status, &body))
    }

    /// `/api/v1/series` for the given selectors, optionally within `[start, end]` (unix seconds).
    pub async fn series(
        &self,
        matchers: &[String],
        start: Option<f64>,
        end: Option<f64>,
    ) -> Result<Response<Vec<Labels>>> {
        let mut params: Vec<(&str, String)> =
            matchers.iter().map(|m| ("match[]", m.clone())).collect();
        if let Some(s) = start {
            params.push(("start", format_seconds(s)));
        }
        if let Some(e) = end {
            params.push(("end", format_seconds(e)));
        }
        let (url, status, body) = self
            .get("/api/v1/series", &params, &matchers.join(" "))
            .await?;
        self.finish(response::parse_series(&url, status, &body))
    }

    /// How many requests this client has sent.
    pub fn queries_issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// Every request so far (what `-v` prints).
    pub fn query_log(&self) -> Vec<QueryLogEntry> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn finish<T>(&self, result: Result<Response<T>>) -> Result<Response<T>> {
        if let Ok(r) = &result
            && let Ok(mut log) = self.log.lock()
            && let Some(last) = log.last_mut()
        {
            last.warnings = r.warnings.len();
            if self.verbose && !r.warnings.is_empty() {
                eprintln!("prom warnings: {}", r.warnings.join("; "));
            }
        }
        result
    }

    /// Send one GET; returns the URL shown in errors, the status and the body.
    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        shown: &str,
    ) -> Result<(String, u16, Vec<u8>)> {
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in params {
                pairs.append_pair(k, v);
            }
            if let Some(ns) = &self.tenancy_namespace {
                pairs.append_pair("namespace", ns);
            }
        }
        let shown_url = self.base.as_str().trim_end_matches('/').to_string();
        let mut request = self.http.get(url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        self.issued.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(body) => Ok((status, body.to_vec())),
                    Err(e) => Err((Some(status), e)),
                }
            }
            Err(e) => Err((None, e)),
        };
        let status = match &outcome {
            Ok((s, _)) => Some(*s),
            Err((s, _)) => *s,
        };
        let entry = QueryLogEntry {
            endpoint: path.to_string(),
            query: shown.to_string(),
            status,
            duration: started.elapsed(),
            warnings: 0,
        };
        if self.verbose {
            eprintln!("{entry}");
        }
        if let Ok(mut log) = self.log.lock() {
            log.push(entry);
        }
        match outcome {
            Ok((status, body)) => Ok((shown_url, status, body)),
            // The error's own URL carries the whole query string (kilobytes of PromQL or
            // match[]): the message names the base URL instead.
            Err((_, e)) => Err(transport_error(&shown_url, self.timeout, &e.without_url())),
        }
    }
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::usage(format!("invalid Prometheus URL `{raw}`: {e}"))
            .with_hint("pass a full URL such as https://thanos-querier-openshift-monitoring.apps.<cluster-domain>")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::usage(format!(
            "invalid Prometheus URL `{raw}`: the scheme must be http or https"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            Error::usage("the Prometheus URL must not carry credentials")
                .with_hint("pass the token with --token"),
        );
    }
    Ok(url)
}

/// Connection, TLS and timeout failures: Unreachable (exit 3), naming the URL and the next step.
fn transport_error(url: &str, timeout: Duration, e: &reqwest::Error) -> Error {
    let chain = error_chain(e);
    if e.is_timeout() {
        return Error::unreachable(format!(
            "no answer from {url} within {} s",
            timeout.as_secs()
        ))
        .with_hint("check that the URL is reachable from here, or raise --request-timeout");
    }
    let lower = chain.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return Error::unreachable(format!("TLS to {url} failed: {chain}")).with_hint(
            "trust the server's CA with --certificate-authority <pem> (or, unsafely, --insecure-skip-tls-verify)",
        );
    }
    Error::unreachable(format!("cannot reach {url}: {chain}")).with_hint(
        "check --prometheus-url; on OpenShift the Thanos route is \
         `oc get route thanos-querier -n openshift-monitoring -o jsonpath='{.spec.host}'`",
    )
}

fn error_chain(e: &reqwest::Error) -> String {
    crate::error::causes(e).join(": ")
}

/// Unix seconds as Prometheus accepts them (up to millisecond precision, no exponent).
fn format_seconds(t: f64) -> String {
    let text = format!("{t:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_token() {
        let mut cfg = PromConfig::new("https://thanos.example");
        cfg.token = Some("sha256~SECRET".into());
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("<redacted>"),
            "{shown}"
        );
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = PromClient::new(cfg).unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        for raw in ["not a url", "ftp://x", "https://user:pw@thanos.example"] {
            let e = PromClient::new(PromConfig::new(raw)).unwrap_err();
            assert_eq!(e.exit_code().code(), 2, "{raw}");
        }
    }

    #[test]
    fn long_queries_are_shortened_in_the_log() {
        let entry = QueryLogEntry {
            endpoint: "/api/v1/series".into(),
            query: "x".repeat(1000),
            status: Some(200),
            duration: Duration::from_millis(12),
            warnings: 2,
        };
        let shown = entry.to_string();
        assert!(
            shown.contains("(1000 chars)") && shown.len() < 500,
            "{shown}"
        );
        assert!(shown.ends_with("-> 200 in 12 ms (2 warnings)"), "{shown}");
    }

    #[test]
    fn seconds_format() {
        assert_eq!(format_seconds(1_700_000_000.0), "1700000000");
        assert_eq!(format_seconds(1.5), "1.5");
        assert_eq!(format_seconds(30.0), "30");
    }
}
