//! llmd-sim: a simulated OpenShift AI cluster that speaks the real Kubernetes REST protocol.
//!
//! It is oc-llmd's integration-test harness, its benchmark target and `oc llmd demo`.
//! Product code depends on it only through `demo`. kube-rs and the real `kubectl` both work
//! against it.
//!
//! # Public API
//! - [`SimOptions`] `{ fixtures, fixture_names, latency, port, tls, pod_http_hook, route_hosts }`
//!   (default and [`SimOptions::new`]: HTTPS on a free port).
//! - [`SimCluster::start`]`(opts).await -> Result<SimCluster, SimError>` binds 127.0.0.1; then
//!   `addr()`, `base_url()`, `ca_pem()`, `issue_server_cert(&[sans])`, `kubeconfig(user)`,
//!   `request_log()`, `reset_request_log()`, `set_faults(Faults)`, `clear_faults()`,
//!   `set_latency(Duration)`, `set_route_host(ns, name, host)`, `store()` ([`StoreHandle`]:
//!   `list_kind(group, kind)`, `get(group, kind, ns, name)`, `with(|store| …)`,
//!   `user_for_token(token)`, `allowed(&user, &rbac::Attributes)`), `config()`,
//!   `shutdown().await`.
//! - [`world::World::start`]`(WorldOptions { sim, monitoring })`: the cluster plus metric emitters,
//!   optionally Prometheus + Thanos, and one plain-HTTP listener per Gateway playing its Envoy and
//!   vLLM ([`gateway`]; `world.gateways`, `gateway_url(ns, name)`, `probe_address_args()`), with
//!   the Istio 1.26 ext_proc gap decided from the live objects ([`wiring`]).
//! - [`serve::run`]`(ServeOptions { fixtures, fixture_names, latency_ms, port, kubeconfig_out,
//!   plain_http })` for `kubectl-llmd demo serve`: writes the admin kubeconfig to `kubeconfig_out`
//!   (one context per user) and `<kubeconfig_out>.<user>` per other user, prints `ready`, serves
//!   until SIGINT/SIGTERM.
//! - [`PodHttpHook`]: `Arc<dyn Fn(&Value /*pod*/, u16 /*port*/, &str /*path?query*/) ->
//!   Option<(u16, String /*content type*/, String /*body*/)>>` answers
//!   `GET /api/v1/namespaces/{ns}/pods/{name}[:{port}]/proxy/{path}` and service proxies (routed to
//!   the first ready pod the Service selects). `None` or no hook → 503 like a pod with nothing
//!   listening.
//!
//! # Authentication
//! `Authorization: Bearer <token>`: `admin` / `admin-token` (group `system:masters`) always,
//! SimConfig users, and ServiceAccount tokens (TokenRequest, token Secrets). Masters may impersonate
//! (`Impersonate-User`, `Impersonate-Group`). Authorization is RBAC over the stored objects
//! ([`rbac`]).
//!
//! # Control endpoints (`/_sim/`, admin token required, not logged, JSON)
//! - `GET /_sim/requests` → `[{startMs, method, path, status, durationMs, user}]` (status 0: dropped);
//!   `DELETE /_sim/requests` clears it.
//! - `PUT /_sim/faults` with a [`faults::Faults`] body:
//!   `{"rules": [{"resource": "pods", "group": "", "verb": "list", "namespace": "ns",
//!   "name": "p", "action": "status"|"drop"|"timeout"|"edit", "code": 500, "retryAfter": 2,
//!   "timeoutMs": 60000, "times": 1, "patch": {"data": {"k": "v"}}}],
//!   "failNthWrite": {"n": 3, "code": 500, "loseReply": false}, "latencyMs": 50}` (every field optional; the write
//!   counter restarts); `GET /_sim/faults` shows them; `DELETE /_sim/faults` clears faults
//!   and latency.
//! - `PUT /_sim/latency` `{"ms": 50}`: latency added to every API request.
//! - `PUT /_sim/routes/{namespace}/{name}` `{"host": "127.0.0.1:9443"}`: force a Route's host.
//!
//! # What is simplified
//! See [`apply`] (SSA list semantics, strategic merge patch), [`controllers`] (which controllers
//! exist, synchronous), deletion ignores finalizers and grace periods (objects go at once,
//! dependents per `propagationPolicy`), no admission or schema validation, watch history holds the
//! last 20 000 events (older resourceVersions get a 410 `Expired` ERROR event), no aggregated
//! discovery or protobuf (kubectl falls back to JSON). `kubectl get` gets server-side Tables
//! ([`table`]). Secrets fold `stringData` into `data` and Services get a cluster IP on write; no
//! other defaulting. A server-side apply whose object carries `metadata.resourceVersion` is
//! preconditioned on it (409 Conflict when stale), as on a real server. Objects loaded from a
//! scenario carry no `managedFields` unless the scenario has them, so server-side apply never
//! conflicts with them.

pub mod apply;
pub mod cluster;
pub mod config;
pub mod controllers;
pub mod discovery;
pub mod error;
pub mod faults;
pub mod gateway;
pub mod metrics;
pub mod prometheus;
pub mod rbac;
pub mod resources;
pub mod scenario;
pub mod scenarios;
pub mod selectors;
pub mod serve;
pub mod server;
pub mod status;
pub mod store;
pub mod table;
pub mod thanos;
pub mod tls;
pub mod traffic;
pub mod util;
pub mod wiring;
pub mod world;

pub use cluster::{SimCluster, SimOptions, StoreHandle};
pub use error::SimError;
pub use faults::{FaultAction, FaultRule, Faults, NthWrite, RequestRecord};
pub use serve::ServeOptions;
pub use server::PodHttpHook;
