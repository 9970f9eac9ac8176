//! Where Thanos/Prometheus is and how to talk to it, for commands that query live metrics.
//!
//! Order: `--prometheus-url` wins; otherwise the `thanos-querier` Route in `openshift-monitoring`
//! (`https://<spec.host>`). The token is `--token`, else the kubeconfig user's bearer token (static,
//! token file or exec plugin). Trusted CAs: the kubeconfig's CA bundle (which already includes
//! `--certificate-authority`) for the Route, or `--certificate-authority` alone with a URL;
//! `--insecure-skip-tls-verify` only on request. When the web port answers 403 for one namespace,
//! [`tenancy`] builds the fallback: the same request with `namespace=<ns>` on the tenancy endpoint.

use super::{PromClient, PromConfig};
use crate::cli::{GlobalArgs, PromArgs};
use crate::error::{Error, Result};
use crate::kube::config::{parse_duration, resolve_config};
use crate::kube::{Cluster, credentials::bearer_token, map_kube_error};

/// Namespace and name of OpenShift's Thanos Querier Route.
pub const THANOS_ROUTE_NAMESPACE: &str = "openshift-monitoring";
pub const THANOS_ROUTE_NAME: &str = "thanos-querier";

/// A resolved endpoint and a sentence saying how it was found (for `-v`).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub config: PromConfig,
    pub how: String,
}

/// The common settings every endpoint gets from the global flags.
fn base_config(url: String, global: &GlobalArgs) -> Result<PromConfig> {
    let mut config = PromConfig::new(url);
    config.insecure_skip_tls_verify = global.insecure_skip_tls_verify;
    config.verbose = global.verbose > 0;
    if let Some(text) = &global.request_timeout {
        // `0` (no limit) keeps the client's default bound: a query must not hang forever.
        if let Some(t) = parse_duration(text)? {
            config.timeout = t;
        }
    }
    Ok(config)
}

fn read_ca(global: &GlobalArgs) -> Result<Option<Vec<u8>>> {
    let Some(path) = &global.certificate_authority else {
        return Ok(None);
    };
    std::fs::read(path).map(Some).map_err(|e| {
        Error::usage(format!("cannot read the CA bundle {}: {e}", path.display()))
            .with_hint("pass a readable PEM file with --certificate-authority")
    })
}

/// `--prometheus-url`: token from `--token`, else from the kubeconfig when one resolves (a missing
/// kubeconfig is fine here: the endpoint may need no token).
pub async fn from_url(url: &str, prom: &PromArgs, global: &GlobalArgs) -> Result<Endpoint> {
    let mut config = base_config(url.to_string(), global)?;
    config.ca_pem = read_ca(global)?;
    let how = if let Some(token) = prom.token.clone().filter(|t| !t.is_empty()) {
        config.token = Some(token);
        "--prometheus-url with --token".to_string()
    } else {
        match resolve_config(global).await {
            Ok((kube_config, _)) => match bearer_token(&kube_config) {
                Ok(Some(t)) => {
                    config.token = Some(t.reveal().to_string());
                    "--prometheus-url with the kubeconfig user's token".to_string()
                }
                Ok(None) => {
                    "--prometheus-url without a token (the kubeconfig user has none)".to_string()
                }
                Err(e) => format!("--prometheus-url without a token ({})", e.message),
            },
            Err(_) => "--prometheus-url without a token (no kubeconfig)".to_string(),
        }
    };
    Ok(Endpoint { config, how })
}

/// The Thanos Querier Route of a connected cluster, with the user's token and the cluster's CAs.
pub async fn from_route(
    cluster: &Cluster,
    prom: &PromArgs,
    global: &GlobalArgs,
) -> Result<Endpoint> {
    let host = route_host_of(cluster).await?;
    let mut config = route_settings(cluster, prom, global)?;
    Ok(route_endpoint(&mut config, &host))
}

/// [`from_route`] and its client in one: the client's TLS set-up (which reads the system's CA
/// store) runs on a blocking thread while the Route is fetched, instead of after it. `adjust`
/// changes the settings (a shorter timeout) before either starts.
pub async fn client_from_route(
    cluster: &Cluster,
    prom: &PromArgs,
    global: &GlobalArgs,
    adjust: impl FnOnce(&mut PromConfig),
) -> Result<(PromClient, Endpoint)> {
    // Settings first (no IO); a missing token is reported after the Route GET, as in
    // [`from_route`].
    let pending = route_settings(cluster, prom, global).map(|mut config| {
        adjust(&mut config);
        let settings = config.clone();
        let http = tokio::task::spawn_blocking(move || PromClient::http_client(&settings));
        (config, http)
    });
    let host = route_host_of(cluster).await?;
    let (mut config, http) = pending?;
    let http = http
        .await
        .map_err(|e| Error::failed(format!("cannot set up the HTTP client for Thanos: {e}")))??;
    let endpoint = route_endpoint(&mut config, &host);
    let client = PromClient::with_http(endpoint.config.clone(), http)?;
    Ok((client, endpoint))
}

/// Everything of the Route endpoint but its URL: CAs, token, timeout, TLS flags.
fn route_settings(cluster: &Cluster, prom: &PromArgs, global: &GlobalArgs) -> Result<PromConfig> {
    let mut config = base_config(
        format!("https://<{THANOS_ROUTE_NAMESPACE}/{THANOS_ROUTE_NAME} route host>"),
        global,
    )?;
    config.ca_pem = cluster
        .config
        .root_cert
        .as_ref()
        .map(|ders| der_to_pem(ders));
    let token = match prom.token.clone().filter(|t| !t.is_empty()) {
        Some(t) => Some(t),
        None => bearer_token(&cluster.config)?.map(|t| t.reveal().to_string()),
    };
    if token.is_none() {
        return Err(Error::usage(
            "the kubeconfig user has no bearer token to present to Thanos Querier (client-certificate login)",
        )
        .with_hint("pass --token $(oc create token <serviceaccount>) or log in with `oc login --token`"));
    }
    config.token = token;
    Ok(config)
}

fn route_endpoint(config: &mut PromConfig, host: &str) -> Endpoint {
    config.url = format!("https://{host}");
    Endpoint {
        config: config.clone(),
        how: format!("Thanos Querier route {host} with the kubeconfig user's credentials"),
    }
}

/// GET the Route: its `spec.host`.
async fn route_host_of(cluster: &Cluster) -> Result<String> {
    let path = format!(
        "/apis/route.openshift.io/v1/namespaces/{THANOS_ROUTE_NAMESPACE}/routes/{THANOS_ROUTE_NAME}"
    );
    let what = format!("route {THANOS_ROUTE_NAMESPACE}/{THANOS_ROUTE_NAME}");
    let request = http::Request::get(&path)
        .body(Vec::new())
        .map_err(|e| Error::failed(format!("cannot build the request for {what}: {e}")))?;
    let text = cluster.client.request_text(request).await.map_err(|e| {
        let not_found = matches!(&e, kube::Error::Api(s) if s.code == 404);
        let err = map_kube_error(e, "get", &what, &cluster.server);
        if not_found {
            Error::failed(format!("the cluster has no {what} (not OpenShift, or monitoring is off)"))
                .with_hint("pass --prometheus-url <url> (for example a port-forward to Prometheus) or use --source pods")
        } else {
            err
        }
    })?;
    route_host(&text).ok_or_else(|| {
        Error::failed(format!("{what} has no spec.host"))
            .with_hint("pass --prometheus-url https://<thanos host>")
    })
}

/// The tenancy fallback for one namespace (after a 403 on the web port).
pub fn tenancy(endpoint: &Endpoint, tenancy_url: Option<&str>, namespace: &str) -> Endpoint {
    let mut config = endpoint.config.clone();
    if let Some(url) = tenancy_url {
        config.url = url.to_string();
    }
    config.tenancy_namespace = Some(namespace.to_string());
    Endpoint {
        how: format!(
            "{} refused the cluster-wide query (403); retrying on the tenancy endpoint {} with namespace={namespace}",
            endpoint.config.url, config.url
        ),
        config,
    }
}

/// `spec.host` of a Route object (pure).
pub fn route_host(route_json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(route_json).ok()?;
    v.pointer("/spec/host")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
}

/// DER certificates as one PEM bundle (pure).
pub fn der_to_pem(ders: &[Vec<u8>]) -> Vec<u8> {
    let mut out = String::new();
    for der in ders {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64_encode(der);
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out.into_bytes()
}

fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_host_is_read_from_spec() {
        assert_eq!(
            route_host(r#"{"spec":{"host":"thanos.apps.example.com"}}"#).as_deref(),
            Some("thanos.apps.example.com")
        );
        assert_eq!(route_host(r#"{"spec":{}}"#), None);
        assert_eq!(route_host("not json"), None);
    }

    #[test]
    fn pem_round_trips_through_the_kube_decoder() {
        let der = vec![(0u8..=255).collect::<Vec<u8>>(), vec![1, 2], vec![7]];
        let pem = der_to_pem(&der);
        let back = crate::kube::config::pem_to_der(&pem).unwrap();
        assert_eq!(back, der);
    }

    #[test]
    fn tenancy_keeps_the_token_and_adds_the_namespace() {
        let mut config = PromConfig::new("https://thanos:9091");
        config.token = Some("t".into());
        let web = Endpoint {
            config,
            how: String::new(),
        };
        let t = tenancy(&web, Some("https://thanos:9092"), "llm");
        assert_eq!(t.config.url, "https://thanos:9092");
        assert_eq!(t.config.tenancy_namespace.as_deref(), Some("llm"));
        assert_eq!(t.config.token.as_deref(), Some("t"));
        assert!(t.how.contains("403"));
        assert_eq!(tenancy(&web, None, "x").config.url, "https://thanos:9091");
    }
}
