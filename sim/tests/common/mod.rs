//! Shared helpers for the simulator's integration tests: a base scenario and client builders.
#![allow(dead_code)]

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use llmd_sim::{SimCluster, SimOptions};

pub const BASE: &str = r#"
apiVersion: sim.oc-llmd.io/v1
kind: SimConfig
spec:
  description: test scenario
  users:
  - name: alice
    token: alice-token
  - name: bob
    token: bob-token
    groups: [viewers]
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns1
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: ns1
  labels: {app: web, tier: front}
spec:
  containers:
  - name: c
    image: nginx
    ports: [{name: metrics, containerPort: 8000}]
status:
  phase: Running
  podIP: 10.128.0.5
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: db-1
  namespace: ns2
  labels: {app: db}
spec:
  containers: [{name: c, image: postgres}]
status:
  phase: Pending
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Ready, type: string, jsonPath: .status.ready}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: ns1
  labels: {size: big}
spec:
  replicas: 1
status:
  ready: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: viewers-view
  namespace: ns1
subjects:
- kind: Group
  name: viewers
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: view
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: ns1
"#;

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn start(extra: &[&str]) -> SimCluster {
    start_with(|_| {}, extra).await
}

pub async fn start_with(f: impl FnOnce(&mut SimOptions), extra: &[&str]) -> SimCluster {
    install_crypto();
    let mut fixtures = vec![BASE.to_string()];
    fixtures.extend(extra.iter().map(|s| s.to_string()));
    let mut opts = SimOptions::new(fixtures);
    f(&mut opts);
    SimCluster::start(opts).await.expect("sim starts")
}

pub async fn client_from(kubeconfig: &str) -> Client {
    install_crypto();
    let kc = Kubeconfig::from_yaml(kubeconfig).expect("kubeconfig parses");
    let mut cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("config");
    // kube 5 retries 429/503/504 up to 15 times by default; tests want to see them.
    cfg.default_retry = false;
    Client::try_from(cfg).expect("client")
}

pub async fn client(sim: &SimCluster, user: &str) -> Client {
    client_from(&sim.kubeconfig(user)).await
}

/// A kubeconfig authenticating with an arbitrary token.
pub fn kubeconfig_with_token(sim: &SimCluster, token: &str) -> String {
    let admin = sim.kubeconfig("admin");
    admin.replace("token: \"admin-token\"", &format!("token: {token:?}"))
}
