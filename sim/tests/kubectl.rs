//! The real kubectl (v1.32, /usr/bin/kubectl) against the simulated API server. Each test gets its
//! own HOME (kubectl caches discovery there) and the kubeconfig the simulator writes.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const KUBECTL: &str = "/usr/bin/kubectl";

struct Kubectl {
    _home: tempfile::TempDir,
    home: std::path::PathBuf,
    kubeconfig: std::path::PathBuf,
}

impl Kubectl {
    fn new(kubeconfig_text: &str) -> Self {
        assert!(
            Path::new(KUBECTL).exists(),
            "{KUBECTL} is missing: the kubectl tests need the real kubectl"
        );
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_text).unwrap();
        Self {
            home: home.path().to_path_buf(),
            _home: home,
            kubeconfig,
        }
    }

    /// Runs kubectl; returns (success, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(KUBECTL)
            .args(args)
            .env("HOME", &self.home)
            .env("KUBECONFIG", &self.kubeconfig)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .expect("kubectl runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "kubectl {args:?} failed:\nstdout: {out}\nstderr: {err}");
        out
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.home.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_pods_namespaces_and_crs() {
    let sim = start(&[]).await;
    let k = Kubectl::new(&sim.kubeconfig("admin"));
    let out = tokio::task::spawn_blocking(move || {
        let pods = k.ok(&["get", "pods", "-A"]);
        let ns = k.ok(&["get", "ns"]);
        let widgets = k.ok(&["get", "widgets", "-n", "ns1", "-o", "json"]);
        let short = k.ok(&["get", "wd", "-n", "ns1", "-o", "name"]);
        let printed = k.ok(&["get", "widgets", "-n", "ns1"]);
        (pods, ns, widgets, short, printed)
    })
    .await
    .unwrap();
    assert!(
        out.0.contains("web-1") && out.0.contains("db-1") && out.0.contains("ns2"),
        "{}",
        out.0
    );
    assert!(
        out.1.contains("ns1") && out.1.contains("default"),
        "{}",
        out.1
    );
    let v: serde_json::Value = serde_json::from_str(&out.2).unwrap();
    assert_eq!(v["items"][0]["metadata"]["name"], "w1");
    assert_eq!(v["items"][0]["apiVersion"], "example.com/v1");
    assert_eq!(out.3.trim(), "widget.example.com/w1");
    // The CRD's additionalPrinterColumns.
    let lines: Vec<Vec<&str>> = out
        .4
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "READY", "AGE"], "{}", out.4);
    assert_eq!(&lines[1][..2], ["w1", "true"], "{}", out.4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_server_side_apply_and_delete() {
    let sim = start(&[]).await;
    let k = Kubectl::new(&sim.kubeconfig("admin"));
    let cm = k.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ns1\ndata:\n  a: \"1\"\n",
    );
    let cr = k.file(
        "cr.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w9\n  namespace: ns1\nspec:\n  replicas: 2\n",
    );
    let (first, again, got, del, after) = tokio::task::spawn_blocking(move || {
        let first = k.ok(&["apply", "--server-side", "-f", &cm, "-f", &cr]);
        let again = k.ok(&["apply", "--server-side", "-f", &cm]);
        let got = k.ok(&[
            "get",
            "configmap",
            "applied",
            "-n",
            "ns1",
            "-o",
            "jsonpath={.data.a}",
        ]);
        let del = k.ok(&["delete", "widget", "w9", "-n", "ns1"]);
        let after = k.run(&["get", "widget", "w9", "-n", "ns1"]);
        (first, again, got, del, after)
    })
    .await
    .unwrap();
    assert!(
        first.contains("configmap/applied serverside-applied"),
        "{first}"
    );
    assert!(
        first.contains("widget.example.com/w9 serverside-applied"),
        "{first}"
    );
    assert!(again.contains("serverside-applied"), "{again}");
    assert_eq!(got, "1");
    assert!(del.contains("widget.example.com \"w9\" deleted"), "{del}");
    assert!(!after.0);
    assert!(
        after.2.contains("NotFound") || after.2.contains("not found"),
        "{}",
        after.2
    );
    let cm = sim.store().get("", "ConfigMap", "ns1", "applied").unwrap();
    assert_eq!(cm["metadata"]["managedFields"][0]["manager"], "kubectl");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_forbidden_user_sees_the_real_message() {
    let sim = start(&[]).await;
    let k = Kubectl::new(&sim.kubeconfig("alice"));
    let (ok, _, err) = tokio::task::spawn_blocking(move || k.run(&["get", "pods", "-A"]))
        .await
        .unwrap();
    assert!(!ok);
    assert!(
        err.contains("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" at the cluster scope"),
        "{err}"
    );
}
