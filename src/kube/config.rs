//! Resolving which cluster, user and namespace to talk to, exactly as kubectl does.
//!
//! Precedence: `--kubeconfig PATH` wins over `KUBECONFIG` (a list of files merged, first value
//! wins), which wins over `~/.kube/config`; with none of them readable and inside a pod, the
//! in-cluster service account is used. `--context`, `--cluster` and `--user` pick entries;
//! `-n/--namespace` beats the context's namespace; `-A` means every namespace.

use std::sync::Arc;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::request_log::{RequestLog, RequestLogLayer};
use super::retry::BoundedRetry;
use crate::cli::GlobalArgs;
use crate::error::{Error, Result};

/// Which namespaces a command looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Namespace(String),
}

impl Scope {
    /// `-A` > `-n` > the context's namespace when the command defaults to one namespace;
    /// `all_by_default` commands (doctor, stats) look everywhere unless `-n` is given.
    pub fn resolve(global: &GlobalArgs, context_namespace: &str, all_by_default: bool) -> Self {
        if global.all_namespaces {
            return Scope::All;
        }
        match &global.namespace {
            Some(ns) => Scope::Namespace(ns.clone()),
            None if all_by_default => Scope::All,
            None => Scope::Namespace(context_namespace.to_string()),
        }
    }

    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Namespace(ns) => Some(ns),
        }
    }
}

/// A connected client plus what commands need to know about the connection.
#[derive(Clone)]
pub struct Cluster {
    pub client: kube::Client,
    /// The namespace `-n` or the context gives.
    pub default_namespace: String,
    /// The API server URL (for messages).
    pub server: String,
    /// The context in use, when the configuration came from a kubeconfig.
    pub context: Option<String>,
    /// Every request the client made (count and, with `-v`, lines on stderr).
    pub log: Arc<RequestLog>,
    /// The resolved configuration (CA bundle and credentials are reused for Thanos).
    pub config: kube::Config,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server)
            .field("context", &self.context)
            .field("default_namespace", &self.default_namespace)
            .finish_non_exhaustive()
    }
}

/// Parse kubectl's `--request-timeout` values: `0` (none), `30`, `30s`, `2m`, `1h`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Option<Duration>> {
    let t = text.trim();
    let bad = || {
        Error::usage(format!("invalid duration {t:?}"))
            .with_hint("use a number with a unit, e.g. 30s, 2m or 500ms (0 means no limit)")
    };
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(bad());
    }
    Ok(if seconds == 0.0 {
        None
    } else {
        Some(Duration::from_secs_f64(seconds))
    })
}

/// Load the kubeconfig the flags and environment designate (None: fall back to in-cluster).
fn load_kubeconfig(global: &GlobalArgs) -> Result<Option<(Kubeconfig, String)>> {
    if let Some(path) = &global.kubeconfig {
        let kc = Kubeconfig::read_from(path).map_err(|e| {
            Error::usage(format!("cannot read kubeconfig {}: {e}", path.display()))
                .with_hint("check the --kubeconfig path and that the file is valid YAML")
        })?;
        return Ok(Some((kc, path.display().to_string())));
    }
    match Kubeconfig::from_env() {
        Ok(Some(kc)) => return Ok(Some((kc, "KUBECONFIG".to_string()))),
        Ok(None) => {}
        Err(e) => {
            return Err(
                Error::usage(format!("cannot read the files in KUBECONFIG: {e}"))
                    .with_hint("fix or unset KUBECONFIG, or pass --kubeconfig"),
            );
        }
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    if let Some(path) = home.map(|h| h.join(".kube").join("config"))
        && path.exists()
    {
        let kc = Kubeconfig::read_from(&path).map_err(|e| {
            Error::usage(format!("cannot read kubeconfig {}: {e}", path.display()))
                .with_hint("fix the file, or pass --kubeconfig")
        })?;
        return Ok(Some((kc, path.display().to_string())));
    }
    Ok(None)
}

/// Build the kube configuration from flags (no network).
pub async fn resolve_config(global: &GlobalArgs) -> Result<(kube::Config, Option<String>)> {
    let options = KubeConfigOptions {
        context: global.context.clone(),
        cluster: global.cluster.clone(),
        user: global.user.clone(),
    };
    let (mut config, context) = match load_kubeconfig(global)? {
        Some((kc, source)) => {
            let context = options
                .context
                .clone()
                .or_else(|| kc.current_context.clone());
            if let Some(name) = &options.context
                && !kc.contexts.iter().any(|c| &c.name == name)
            {
                return Err(
                    Error::usage(format!("context {name:?} not found in {source}"))
                        .with_hint("list contexts with `kubectl config get-contexts`"),
                );
            }
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| {
                    Error::usage(format!("invalid kubeconfig ({source}): {e}"))
                        .with_hint("check current-context, --context, --cluster and --user")
                })?;
            (config, context)
        }
        None => {
            let config = kube::Config::incluster().map_err(|_| {
                Error::usage("no kubeconfig found and not running in a pod")
                    .with_hint("log in with `oc login` (or set KUBECONFIG / --kubeconfig)")
            })?;
            (config, None)
        }
    };
    if let Some(ns) = &global.namespace {
        config.default_namespace = ns.clone();
    }
    if let Some(user) = &global.as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !global.as_group.is_empty() {
        config.auth_info.impersonate_groups = Some(global.as_group.clone());
    }
    if let Some(text) = &global.request_timeout {
        let timeout = parse_duration(text)?;
        config.connect_timeout = timeout;
        config.read_timeout = timeout;
        config.write_timeout = timeout;
    } else {
        // Bounded by default: a hung API server must not hang a diagnostic tool.
        config.connect_timeout = Some(Duration::from_secs(10));
        config.read_timeout = Some(Duration::from_secs(60));
    }
    if let Some(ca_path) = &global.certificate_authority {
        let pem = std::fs::read(ca_path).map_err(|e| {
            Error::usage(format!(
                "cannot read --certificate-authority {}: {e}",
                ca_path.display()
            ))
        })?;
        let mut roots = config.root_cert.take().unwrap_or_default();
        roots.extend(pem_to_der(&pem).map_err(|e| {
            Error::usage(format!(
                "--certificate-authority {}: {e}",
                ca_path.display()
            ))
        })?);
        config.root_cert = Some(roots);
    }
    if global.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    Ok((config, context))
}

/// Decode the certificates of a PEM bundle to DER (kube wants DER).
pub fn pem_to_der(pem: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut inside = false;
    let mut b64 = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN CERTIFICATE") {
            inside = true;
            b64.clear();
        } else if line.starts_with("-----END CERTIFICATE") {
            inside = false;
            out.push(base64_decode(&b64).ok_or("invalid base64 in PEM certificate")?);
        } else if inside {
            b64.push_str(line);
        }
    }
    if out.is_empty() {
        return Err("no PEM certificate found".into());
    }
    Ok(out)
}

/// Standard base64 decoding (no external crate needed for this one use).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// One `GET /version`: proves the server answers and accepts the credentials before a command
/// does anything else. Unreachable, TLS and 401 fail here (exit 3, with their hint); any other
/// answer means a server is there, and the command's own requests report what it refuses.
pub async fn require_reachable(cluster: &Cluster) -> Result<()> {
    match cluster.client.apiserver_version().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = super::map_kube_error(e, "get", "/version", &cluster.server);
            match err.kind {
                crate::error::Kind::Unreachable => Err(err),
                _ => Ok(()),
            }
        }
    }
}

/// Resolve the configuration and build the client (no request is sent yet).
pub async fn connect(global: &GlobalArgs) -> Result<Cluster> {
    let (mut config, context) = resolve_config(global).await?;
    // kube's own retry policy waits up to 15 times, minutes in total: ours is bounded.
    config.default_retry = false;
    let log = Arc::new(RequestLog::new(global.verbose > 0));
    let builder = kube::client::ClientBuilder::try_from(config.clone()).map_err(|e| match e {
        // A credential plugin that is missing or fails: exit 3, like a rejected token.
        kube::Error::Auth(_) => {
            let server = config.cluster_url.to_string();
            let mut err = super::map_kube_error(e, "authenticate to", &server, &server);
            let plugin = config
                .auth_info
                .exec
                .as_ref()
                .and_then(|x| x.command.clone());
            if let Some(command) = plugin {
                err.message = format!("{} (credential plugin {command:?})", err.message);
            }
            err
        }
        other => Error::usage(format!(
            "cannot build a client for {}: {other}",
            config.cluster_url
        ))
        .with_hint("check the kubeconfig's certificate data and server URL"),
    })?;
    // Log (every attempt) < buffer (makes the stack cloneable, as retrying needs) < retry.
    let client = builder
        .with_layer(&RequestLogLayer::new(log.clone()))
        .with_layer(&tower::buffer::BufferLayer::new(1024))
        .with_layer(&tower::retry::RetryLayer::new(BoundedRetry::default()))
        .build();
    Ok(Cluster {
        client,
        default_namespace: config.default_namespace.clone(),
        server: config.cluster_url.to_string(),
        context,
        log,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0").ok().flatten(), None);
        assert_eq!(
            parse_duration("30").ok().flatten(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_duration("2m").ok().flatten(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_duration("500ms").ok().flatten(),
            Some(Duration::from_millis(500))
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn scope_precedence() {
        let mut g = GlobalArgs::default();
        assert_eq!(
            Scope::resolve(&g, "ctx", false),
            Scope::Namespace("ctx".into())
        );
        assert_eq!(Scope::resolve(&g, "ctx", true), Scope::All);
        g.namespace = Some("flag".into());
        assert_eq!(
            Scope::resolve(&g, "ctx", true),
            Scope::Namespace("flag".into())
        );
        g.all_namespaces = true;
        assert_eq!(Scope::resolve(&g, "ctx", false), Scope::All);
    }

    #[test]
    fn base64_roundtrip() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("!!"), None);
    }
}
