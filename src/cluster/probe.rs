//! Test requests through each gateway (`oc llmd doctor --probe`): the only place doctor sends
//! traffic, and only when asked. The outcome is plain data in the snapshot ([`ProbeFacts`]); the
//! `gateway-probe` check interprets it.
//!
//! What is sent: for every Gateway routing to an InferencePool and every HTTPRoute on it with a
//! pool rule, `GET <base>/v1/models` (through the route's catch-all to the workload Service), then
//! one `POST <base>/v1/chat/completions` (or `/v1/completions` when the route has only that) with
//! `max_tokens: 1` and the model id `/v1/models` lists (the one matching the
//! LLMInferenceService's `spec.model.name` when listed, else the first; `--probe-model` overrides).
//! `<base>` is the gateway URL plus the route's path prefix (`/<ns>/<name>` on OpenShift AI).
//!
//! Where the gateway is: `--probe-address GATEWAY=URL` (GATEWAY is `name` or `namespace/name`;
//! for a port-forward or a local resolver), else `status.addresses[0]` with the first HTTP/HTTPS
//! listener's port and scheme from `spec.listeners`.
//!
//! Bounds: at most [`MAX_TARGETS`] routes, two requests each, [`CONCURRENCY`] routes at a time;
//! each request has a [`REQUEST_TIMEOUT`] (connect [`CONNECT_TIMEOUT`]), redirects are not
//! followed, and everything stops at [`TOTAL_TIMEOUT`]. TLS is verified against the kubeconfig's
//! CA bundle (which includes `--certificate-authority`) and the system roots;
//! `--insecure-skip-tls-verify` turns verification off. No credentials are sent: the kubeconfig
//! token never leaves for a gateway.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{Gateway, ObjectRef};
use super::relations::Model;
use crate::error::{Error, Result};

/// Routes probed at most (the rest are listed as not probed).
pub const MAX_TARGETS: usize = 16;
/// Routes probed at the same time.
pub const CONCURRENCY: usize = 4;
/// Time for one request, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Time to establish a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Time for the whole probe.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(20);
/// Response bodies are kept up to this many characters (for messages).
const BODY_EXCERPT: usize = 300;

/// Everything the probe saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProbeFacts {
    pub targets: Vec<ProbeTarget>,
}

/// One HTTPRoute behind one Gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProbeTarget {
    pub gateway: ObjectRef,
    pub route: ObjectRef,
    /// The LLMInferenceService behind the route.
    pub service: ObjectRef,
    /// Its `spec.model.name`.
    pub expected_model: Option<String>,
    /// Gateway URL plus the route's path prefix; None when there is nothing to connect to.
    pub base_url: Option<String>,
    /// How the gateway URL was found (`--probe-address`, `status.addresses`) or why not.
    pub address_source: String,
    /// Why the route was not probed (no address, over the bound, deadline).
    pub not_probed: Option<String>,
    pub models: Option<ProbeStep>,
    pub completion: Option<ProbeStep>,
}

/// One request and its answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProbeStep {
    pub method: String,
    pub url: String,
    /// HTTP status; None when no answer came.
    pub status: Option<u16>,
    /// The first characters of the response body.
    pub body: String,
    pub error: Option<ProbeError>,
    pub elapsed_ms: u64,
    /// `/v1/models`: the ids listed.
    pub model_ids: Vec<String>,
    /// Completions: the model id sent.
    pub model_sent: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProbeErrorKind {
    Timeout,
    Refused,
    Dns,
    Tls,
    #[default]
    Other,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProbeError {
    pub kind: ProbeErrorKind,
    pub message: String,
}

/// `--probe-address GATEWAY=URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressOverride {
    /// `namespace/name` or `name`.
    pub gateway: String,
    /// Without a trailing slash.
    pub url: String,
}

/// What the probe needs besides the model.
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    pub addresses: Vec<AddressOverride>,
    /// `--probe-model`: send this model name instead of the listed id.
    pub model: Option<String>,
    pub insecure_skip_tls_verify: bool,
    /// Extra trusted CAs (PEM): the kubeconfig's bundle.
    pub ca_pem: Option<Vec<u8>>,
}

/// Parse `--probe-address` values (usage errors name the bad one).
pub fn parse_addresses(specs: &[String]) -> Result<Vec<AddressOverride>> {
    specs
        .iter()
        .map(|spec| {
            let bad = |why: &str| {
                Error::usage(format!("--probe-address {spec:?}: {why}")).with_hint(
                    "use GATEWAY=URL, e.g. openshift-ingress/openshift-ai-inference=http://localhost:8080",
                )
            };
            let (gateway, url) = spec.split_once('=').ok_or_else(|| bad("no '='"))?;
            let (gateway, url) = (gateway.trim(), url.trim());
            if gateway.is_empty() || gateway.split('/').count() > 2 {
                return Err(bad("the gateway must be NAME or NAMESPACE/NAME"));
            }
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))
                .ok_or_else(|| bad("the URL must start with http:// or https://"))?;
            if rest.trim_end_matches('/').is_empty() {
                return Err(bad("the URL has no host"));
            }
            Ok(AddressOverride {
                gateway: gateway.to_string(),
                url: url.trim_end_matches('/').to_string(),
            })
        })
        .collect()
}

/// The gateway's URL and how it was found, or why there is none.
pub fn gateway_url(
    key: &ObjectRef,
    gw: Option<&Gateway>,
    overrides: &[AddressOverride],
) -> std::result::Result<(String, String), String> {
    if let Some(o) = overrides
        .iter()
        .find(|o| o.gateway == key.to_string())
        .or_else(|| overrides.iter().find(|o| o.gateway == key.name))
    {
        return Ok((o.url.clone(), "--probe-address".into()));
    }
    let Some(gw) = gw else {
        return Err("the Gateway does not exist".into());
    };
    let Some(address) = gw.addresses.first() else {
        return Err("the Gateway has no status.addresses".into());
    };
    let listener = gw
        .listeners
        .iter()
        .find(|l| l.protocol == "HTTP" || l.protocol == "HTTPS")
        .ok_or_else(|| "the Gateway has no HTTP or HTTPS listener".to_string())?;
    let scheme = if listener.protocol == "HTTPS" {
        "https"
    } else {
        "http"
    };
    let host = if address.contains(':') && !address.starts_with('[') {
        format!("[{address}]")
    } else {
        address.clone()
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = if listener.port == default_port || listener.port <= 0 {
        String::new()
    } else {
        format!(":{}", listener.port)
    };
    Ok((
        format!("{scheme}://{host}{port}"),
        "status.addresses".into(),
    ))
}

/// The path prefix of a route's pool rules and the completion path to POST.
fn route_paths(paths: &[String]) -> (String, &'static str) {
    const CHAT: &str = "/v1/chat/completions";
    const COMPLETIONS: &str = "/v1/completions";
    let trimmed = |p: &str| p.trim_end_matches('/').to_string();
    if let Some(p) = paths.iter().find(|p| trimmed(p).ends_with(CHAT)) {
        let p = trimmed(p);
        return (p[..p.len() - CHAT.len()].to_string(), CHAT);
    }
    if let Some(p) = paths.iter().find(|p| trimmed(p).ends_with(COMPLETIONS)) {
        let p = trimmed(p);
        return (p[..p.len() - COMPLETIONS.len()].to_string(), COMPLETIONS);
    }
    // A rule matching a plain prefix (or everything) serves the whole OpenAI API under it.
    (paths.first().map(|p| trimmed(p)).unwrap_or_default(), CHAT)
}

/// A planned route: target skeleton plus the completion path.
struct Plan {
    target: ProbeTarget,
    completion_path: &'static str,
}

fn plan(model: &Model, options: &ProbeOptions) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::new();
    for (key, gw, services) in model.pool_gateways() {
        let url = gateway_url(&key, gw, &options.addresses);
        for s in services {
            for r in &s.routes {
                if !r.parent_refs.iter().any(|p| {
                    p.kind == "Gateway" && p.name == key.name && p.namespace == key.namespace
                }) {
                    continue;
                }
                let pool_paths: Vec<String> = r
                    .rules
                    .iter()
                    .filter(|rule| rule.backends.iter().any(|b| b.is_pool()))
                    .flat_map(|rule| rule.paths.iter().cloned())
                    .collect();
                if !r
                    .rules
                    .iter()
                    .any(|rule| rule.backends.iter().any(|b| b.is_pool()))
                {
                    continue;
                }
                let (prefix, completion_path) = route_paths(&pool_paths);
                let mut target = ProbeTarget {
                    gateway: key.clone(),
                    route: ObjectRef::new(&r.namespace, &r.name),
                    service: s.isvc.object_ref(),
                    expected_model: s.isvc.model_name.clone(),
                    ..Default::default()
                };
                match &url {
                    Ok((base, how)) => {
                        target.base_url = Some(format!("{base}{prefix}"));
                        target.address_source = how.clone();
                    }
                    Err(why) => {
                        target.address_source = why.clone();
                        target.not_probed = Some(why.clone());
                    }
                }
                if plans.len() >= MAX_TARGETS {
                    target.not_probed = Some(format!(
                        "not probed: at most {MAX_TARGETS} routes are probed per run"
                    ));
                }
                plans.push(Plan {
                    target,
                    completion_path,
                });
            }
        }
    }
    plans
}

fn classify(e: &reqwest::Error) -> ProbeError {
    let parts = crate::error::causes(e);
    let lower = parts.join(": ").to_ascii_lowercase();
    // The deepest cause says what happened; the outer layers repeat the URL.
    let message = parts.last().cloned().unwrap_or_default();
    let kind = if e.is_timeout() || lower.contains("timed out") {
        ProbeErrorKind::Timeout
    } else if [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "alert",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        ProbeErrorKind::Tls
    } else if lower.contains("refused") {
        ProbeErrorKind::Refused
    } else if lower.contains("dns")
        || lower.contains("resolve")
        || lower.contains("lookup")
        || lower.contains("name or service not known")
    {
        ProbeErrorKind::Dns
    } else {
        ProbeErrorKind::Other
    };
    ProbeError { kind, message }
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(BODY_EXCERPT) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

async fn send(http: &reqwest::Client, method: &str, url: String, body: Option<Value>) -> ProbeStep {
    let started = Instant::now();
    let request = match &body {
        Some(b) => http.post(&url).json(b),
        None => http.get(&url),
    };
    let mut step = ProbeStep {
        method: method.into(),
        url,
        ..Default::default()
    };
    match request.header("accept", "application/json").send().await {
        Ok(response) => {
            step.status = Some(response.status().as_u16());
            match response.text().await {
                Ok(text) => {
                    if method == "GET"
                        && let Ok(v) = serde_json::from_str::<Value>(&text)
                    {
                        step.model_ids = v
                            .get("data")
                            .and_then(Value::as_array)
                            .map(|d| {
                                d.iter()
                                    .filter_map(|m| m.get("id").and_then(Value::as_str))
                                    .map(str::to_string)
                                    .collect()
                            })
                            .unwrap_or_default();
                    }
                    step.body = excerpt(&text);
                }
                Err(e) => step.error = Some(classify(&e)),
            }
        }
        Err(e) => step.error = Some(classify(&e)),
    }
    step.elapsed_ms = started.elapsed().as_millis() as u64;
    step
}

/// The model id to send: `--probe-model`, else the listed id matching `spec.model.name`, else the
/// first listed, else `spec.model.name`, else the service name.
fn choose_model(target: &ProbeTarget, listed: &[String], forced: Option<&str>) -> String {
    if let Some(m) = forced {
        return m.to_string();
    }
    if let Some(expected) = &target.expected_model
        && listed.contains(expected)
    {
        return expected.clone();
    }
    listed
        .first()
        .cloned()
        .or_else(|| target.expected_model.clone())
        .unwrap_or_else(|| target.service.name.clone())
}

async fn probe_one(http: &reqwest::Client, plan: Plan, forced: Option<String>) -> ProbeTarget {
    let mut target = plan.target;
    let Some(base) = target.base_url.clone() else {
        return target;
    };
    if target.not_probed.is_some() {
        return target;
    }
    let models = send(http, "GET", format!("{base}/v1/models"), None).await;
    let unreachable = models.error.is_some() || matches!(models.status, Some(401 | 403));
    let listed = models.model_ids.clone();
    target.models = Some(models);
    if unreachable {
        return target;
    }
    let model = choose_model(&target, &listed, forced.as_deref());
    let body = if plan.completion_path.ends_with("/chat/completions") {
        json!({"model": model, "messages": [{"role": "user", "content": "ping"}],
               "max_tokens": 1, "stream": false})
    } else {
        json!({"model": model, "prompt": "ping", "max_tokens": 1, "stream": false})
    };
    let mut completion = send(
        http,
        "POST",
        format!("{base}{}", plan.completion_path),
        Some(body),
    )
    .await;
    completion.model_sent = Some(model);
    target.completion = Some(completion);
    target
}

fn client(options: &ProbeOptions) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = &options.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::usage(format!(
                "cannot read the CA bundle for the gateway probe: {e}"
            ))
            .with_hint("pass a PEM file with --certificate-authority")
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    if options.insecure_skip_tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| {
        Error::failed(format!(
            "cannot set up the HTTP client for the gateway probe: {e}"
        ))
    })
}

/// Probe every gateway route of `model` (see the module docs for what and how much).
pub async fn probe(model: &Model<'_>, options: &ProbeOptions) -> Result<ProbeFacts> {
    let http = client(options)?;
    let deadline = tokio::time::Instant::now() + TOTAL_TIMEOUT;
    let plans = plan(model, options);
    let targets = futures::stream::iter(plans)
        .map(|plan| {
            let http = http.clone();
            let forced = options.model.clone();
            async move {
                let skeleton = plan.target.clone();
                match tokio::time::timeout_at(deadline, probe_one(&http, plan, forced)).await {
                    Ok(done) => done,
                    Err(_) => ProbeTarget {
                        not_probed: Some(format!(
                            "not finished within the probe's overall {} s",
                            TOTAL_TIMEOUT.as_secs()
                        )),
                        ..skeleton
                    },
                }
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    Ok(ProbeFacts { targets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::GatewayListener;

    fn gw(addresses: &[&str], listeners: &[(i64, &str)]) -> Gateway {
        Gateway {
            namespace: "openshift-ingress".into(),
            name: "gw".into(),
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
            listeners: listeners
                .iter()
                .map(|(port, protocol)| GatewayListener {
                    port: *port,
                    protocol: protocol.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn urls_from_status_and_listeners() {
        let key = ObjectRef::new("openshift-ingress", "gw");
        let g = gw(&["a.elb.example.com"], &[(80, "HTTP")]);
        assert_eq!(
            gateway_url(&key, Some(&g), &[]).unwrap().0,
            "http://a.elb.example.com"
        );
        let g = gw(&["10.0.0.1"], &[(9000, "TCP"), (8443, "HTTPS")]);
        assert_eq!(
            gateway_url(&key, Some(&g), &[]).unwrap().0,
            "https://10.0.0.1:8443"
        );
        let g = gw(&["fd00::1"], &[(80, "HTTP")]);
        assert_eq!(
            gateway_url(&key, Some(&g), &[]).unwrap().0,
            "http://[fd00::1]"
        );
        assert!(gateway_url(&key, Some(&gw(&[], &[(80, "HTTP")])), &[]).is_err());
        assert!(gateway_url(&key, Some(&gw(&["x"], &[(53, "UDP")])), &[]).is_err());
        assert!(gateway_url(&key, None, &[]).is_err());
        // Overrides win, by namespace/name or name.
        let o = parse_addresses(&["gw=http://localhost:8080/".into()]).unwrap();
        assert_eq!(
            gateway_url(&key, None, &o).unwrap(),
            (
                "http://localhost:8080".to_string(),
                "--probe-address".to_string()
            )
        );
        let o = parse_addresses(&["openshift-ingress/gw=https://127.0.0.1:1".into()]).unwrap();
        assert_eq!(
            gateway_url(&key, None, &o).unwrap().0,
            "https://127.0.0.1:1"
        );
        let other = parse_addresses(&["other/gw=http://x".into()]).unwrap();
        assert!(gateway_url(&key, None, &other).is_err());
    }

    #[test]
    fn bad_addresses_are_usage_errors() {
        for bad in [
            "gw",
            "gw=localhost:8080",
            "=http://x",
            "a/b/c=http://x",
            "gw=http://",
        ] {
            assert!(parse_addresses(&[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_from_route_rules() {
        let p = |v: &[&str]| route_paths(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            p(&["/ns/q/v1/completions", "/ns/q/v1/chat/completions"]),
            ("/ns/q".to_string(), "/v1/chat/completions")
        );
        assert_eq!(
            p(&["/ns/q/v1/completions"]),
            ("/ns/q".to_string(), "/v1/completions")
        );
        assert_eq!(p(&[]), (String::new(), "/v1/chat/completions"));
        assert_eq!(p(&["/"]), (String::new(), "/v1/chat/completions"));
    }

    #[test]
    fn model_choice() {
        let t = ProbeTarget {
            expected_model: Some("Qwen/Qwen3-0.6B".into()),
            service: ObjectRef::new("ns", "q"),
            ..Default::default()
        };
        let listed = vec!["other".to_string(), "Qwen/Qwen3-0.6B".to_string()];
        assert_eq!(choose_model(&t, &listed, None), "Qwen/Qwen3-0.6B");
        assert_eq!(choose_model(&t, &listed[..1], None), "other");
        assert_eq!(choose_model(&t, &[], None), "Qwen/Qwen3-0.6B");
        assert_eq!(choose_model(&t, &listed, Some("x")), "x");
        let bare = ProbeTarget {
            service: ObjectRef::new("ns", "q"),
            ..Default::default()
        };
        assert_eq!(choose_model(&bare, &[], None), "q");
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "é".repeat(1000);
        assert_eq!(excerpt(&long).chars().count(), BODY_EXCERPT + 1);
        assert_eq!(excerpt(" short "), "short");
    }
}
