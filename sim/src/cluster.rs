//! Starting and controlling a simulated cluster in-process: [`SimOptions`] → [`SimCluster`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::SimConfig;
use crate::error::SimError;
use crate::faults::{FaultState, Faults, RequestRecord};
use crate::server::{AppState, PodHttpHook, handle};
use crate::store::Store;
use crate::tls::{IssuedCert, SimCa};

/// How to start a simulated cluster.
#[derive(Clone)]
pub struct SimOptions {
    /// Scenario YAML texts, concatenated in order (base first, overlays after).
    pub fixtures: Vec<String>,
    /// Names for the fixtures in error messages (file paths); missing ones read "fixture #N".
    pub fixture_names: Vec<String>,
    /// Latency added to every API request.
    pub latency: Duration,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Serve HTTPS (the default); false serves plain HTTP.
    pub tls: bool,
    /// Answers pod (and service) proxy requests; without it they get 503 like a pod with nothing listening.
    pub pod_http_hook: Option<PodHttpHook>,
    /// Route hosts to force from the start: ((namespace, name), host).
    pub route_hosts: Vec<((String, String), String)>,
}

impl Default for SimOptions {
    /// No fixtures, HTTPS, a free port, no latency, no hook.
    fn default() -> Self {
        Self {
            fixtures: Vec::new(),
            fixture_names: Vec::new(),
            latency: Duration::ZERO,
            port: 0,
            tls: true,
            pod_http_hook: None,
            route_hosts: Vec::new(),
        }
    }
}

impl SimOptions {
    /// HTTPS on a free port with the given fixtures.
    pub fn new(fixtures: Vec<String>) -> Self {
        Self {
            fixtures,
            ..Default::default()
        }
    }
}

impl std::fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("fixtures", &self.fixtures.len())
            .field("latency", &self.latency)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("pod_http_hook", &self.pod_http_hook.is_some())
            .finish()
    }
}

/// A running simulated cluster. Dropping it shuts the server down.
pub struct SimCluster {
    state: Arc<AppState>,
    addr: SocketAddr,
    tls: bool,
    ca: Arc<SimCa>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Read access to the cluster's objects for other simulator modules.
#[derive(Clone)]
pub struct StoreHandle {
    state: Arc<AppState>,
}

impl StoreHandle {
    /// Every object of a kind in a group ("" for core), as stored (any served version).
    pub fn list_kind(&self, group: &str, kind: &str) -> Vec<Value> {
        self.state.read().list_kind(group, kind)
    }
    /// One object by kind, namespace ("" for cluster-scoped) and name.
    pub fn get(&self, group: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        self.state.read().get_kind(group, kind, namespace, name)
    }
    /// Runs a closure with the store read-locked (do not block in it).
    pub fn with<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&self.state.read())
    }
    /// Who a bearer token authenticates as (what a TokenReview answers), in-process.
    pub fn user_for_token(&self, token: &str) -> Option<crate::store::UserInfo> {
        self.state.read().tokens.get(token).cloned()
    }
    /// Whether RBAC lets `user` do `attrs` (what a SubjectAccessReview answers), in-process.
    pub fn allowed(&self, user: &crate::store::UserInfo, attrs: &crate::rbac::Attributes) -> bool {
        crate::rbac::authorize(&self.state.read(), user, attrs)
    }
    /// The current resourceVersion (changes on every write).
    pub fn resource_version(&self) -> u64 {
        self.state.read().current_rv()
    }
}

impl SimCluster {
    /// Loads the fixtures and starts serving on 127.0.0.1.
    pub async fn start(opts: SimOptions) -> Result<SimCluster, SimError> {
        crate::tls::ensure_crypto_provider();
        let ca = Arc::new(SimCa::generate()?);
        let mut store = crate::scenario::load(&opts.fixtures, &opts.fixture_names, ca.pem())?;
        for ((ns, name), host) in &opts.route_hosts {
            store
                .route_hosts
                .insert((ns.clone(), name.clone()), host.clone());
            crate::controllers::after_write(
                &mut store,
                &crate::resources::ResKey::new("route.openshift.io", "routes"),
                ns,
                name,
            );
            store.seal_history();
        }
        let listener = TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .map_err(|source| SimError::Bind {
                port: opts.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Io {
            context: "reading the bound address".into(),
            source,
        })?;
        let acceptor = if opts.tls {
            let cert = ca.issue(&["127.0.0.1", "localhost"])?;
            Some(tokio_rustls::TlsAcceptor::from(cert.server_config()?))
        } else {
            None
        };
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let faults = FaultState {
            latency: opts.latency,
            ..Default::default()
        };
        let state = Arc::new(AppState {
            store: RwLock::new(store),
            faults: Mutex::new(faults),
            log: Mutex::new(Vec::new()),
            started: Instant::now(),
            addr: addr.to_string(),
            hook: opts.pod_http_hook.clone(),
            shutdown: shutdown_rx.clone(),
        });
        let task = tokio::spawn(accept_loop(listener, acceptor, state.clone(), shutdown_rx));
        Ok(SimCluster {
            state,
            addr,
            tls: opts.tls,
            ca,
            shutdown,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` without TLS).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// The cluster CA certificate (PEM).
    pub fn ca_pem(&self) -> String {
        self.ca.pem().to_string()
    }

    /// Issues a server certificate from the cluster CA (for other listeners, e.g. the Thanos front).
    pub fn issue_server_cert(&self, sans: &[&str]) -> Result<IssuedCert, SimError> {
        self.ca.issue(sans)
    }

    /// A kubeconfig for `user` (cluster `sim`, token auth, CA data). For `admin` it holds a context
    /// for every user (current: admin); for another user only that user.
    pub fn kubeconfig(&self, user: &str) -> String {
        let users: Vec<(String, String)> = {
            let store = self.state.read();
            let mut users = vec![("admin".to_string(), admin_token(&store))];
            for u in &store.config.users {
                if u.name != "admin" {
                    users.push((u.name.clone(), u.token.clone()));
                }
            }
            users
        };
        let chosen: Vec<&(String, String)> = if user == "admin" {
            users.iter().collect()
        } else {
            users.iter().filter(|(n, _)| n == user).collect()
        };
        kubeconfig_yaml(
            &self.base_url(),
            self.tls.then(|| self.ca.pem()),
            &chosen,
            user,
        )
    }

    /// Every API request so far (control endpoints excluded).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.state.log().clone()
    }

    pub fn reset_request_log(&self) {
        self.state.log().clear();
    }

    /// Replaces the faults in force (also resets the write counter).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults().set(faults);
    }

    pub fn clear_faults(&self) {
        self.state.faults().clear();
    }

    pub fn set_latency(&self, latency: Duration) {
        self.state.faults().latency = latency;
    }

    /// Forces a Route's `spec.host` (now, and whenever the Route is written again).
    pub fn set_route_host(&self, namespace: &str, name: &str, host: &str) {
        crate::server::set_route_host(&self.state, namespace, name, host);
    }

    pub fn store(&self) -> StoreHandle {
        StoreHandle {
            state: self.state.clone(),
        }
    }

    /// The scenario's SimConfig (merged from every SimConfig document).
    pub fn config(&self) -> SimConfig {
        self.state.read().config.clone()
    }

    /// Stops serving and waits for the listener to close.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SimCluster {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn admin_token(store: &Store) -> String {
    store
        .config
        .users
        .iter()
        .find(|u| u.name == "admin")
        .map(|u| u.token.clone())
        .unwrap_or_else(|| "admin-token".to_string())
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Renders a kubeconfig (YAML).
pub fn kubeconfig_yaml(
    server: &str,
    ca_pem: Option<&str>,
    users: &[&(String, String)],
    current: &str,
) -> String {
    let mut out =
        String::from("apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n");
    out.push_str(&format!("    server: {}\n", q(server)));
    if let Some(ca) = ca_pem {
        out.push_str(&format!(
            "    certificate-authority-data: {}\n",
            B64.encode(ca)
        ));
    }
    out.push_str("contexts:\n");
    for (name, _) in users {
        out.push_str(&format!(
            "- name: {}\n  context:\n    cluster: sim\n    user: {}\n    namespace: default\n",
            q(name),
            q(name)
        ));
    }
    out.push_str("users:\n");
    for (name, token) in users {
        out.push_str(&format!(
            "- name: {}\n  user:\n    token: {}\n",
            q(name),
            q(token)
        ));
    }
    out.push_str(&format!(
        "current-context: {}\npreferences: {{}}\n",
        q(current)
    ));
    out
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<AppState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        let acceptor = acceptor.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            match acceptor {
                Some(a) => {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), a.accept(tcp)).await
                    {
                        serve_conn(TokioIo::new(tls), state, shutdown).await;
                    }
                }
                None => serve_conn(TokioIo::new(tcp), state, shutdown).await,
            }
        });
    }
}

async fn serve_conn<I>(
    io: I,
    state: Arc<AppState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let drop_conn = Arc::new(Notify::new());
    let dc = drop_conn.clone();
    let svc = hyper::service::service_fn(move |req| handle(state.clone(), req, dc.clone()));
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, svc);
    tokio::select! {
        _ = conn => {}
        _ = drop_conn.notified() => {}
        _ = shutdown.changed() => {}
    }
}
