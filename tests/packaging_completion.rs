//! `kubectl llmd <TAB>` through the real kubectl: kubectl (>= 1.26) finds `kubectl_complete-llmd`
//! on PATH, runs it with the words after `llmd`, and passes our Cobra-format answer on.
//! Each test gets its own HOME and a bin dir holding only the plugin and the completer.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin;

fn which(program: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "{program} is required for this test and is not installed (scripts/test installs it)"
    );
    path
}

/// A temp dir with bin/ (kubectl-llmd + the committed completers, symlinked) and home/.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::os::unix::fs::symlink(cargo_bin("kubectl-llmd"), bin.join("kubectl-llmd")).unwrap();
        let completions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
        for name in ["kubectl_complete-llmd", "oc_complete-llmd"] {
            std::os::unix::fs::symlink(completions.join(name), bin.join(name)).unwrap();
        }
        Self { dir }
    }

    fn path(&self) -> String {
        let kubectl = which("kubectl");
        let kubectl_dir = Path::new(&kubectl).parent().unwrap().display().to_string();
        format!(
            "{}:{kubectl_dir}:/usr/bin:/bin",
            self.dir.path().join("bin").display()
        )
    }

    /// `kubectl __complete llmd WORDS…` -> (candidate lines, directive line, stderr).
    fn complete(&self, words: &[&str]) -> (Vec<String>, String, String) {
        let out = Command::new(which("kubectl"))
            .arg("__complete")
            .arg("llmd")
            .args(words)
            .env("PATH", self.path())
            .env("HOME", self.dir.path().join("home"))
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "kubectl __complete failed: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines: Vec<String> = stdout.lines().map(str::to_string).collect();
        let directive = lines.pop().unwrap_or_default();
        (lines, directive, stderr)
    }
}

fn values(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l.split('\t').next().unwrap_or_default())
        .collect()
}

#[test]
fn kubectl_completes_our_subcommands_through_the_plugin_completer() {
    let sandbox = Sandbox::new();
    let (lines, directive, stderr) = sandbox.complete(&[""]);
    assert_eq!(directive, ":4", "{lines:?} {stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("doctor\tDiscover the llm-d serving")),
        "{lines:?}"
    );
    let v = values(&lines);
    for sub in [
        "install-monitoring",
        "stats",
        "fix",
        "dashboards",
        "version",
    ] {
        assert!(v.contains(&sub), "{sub} missing: {v:?}");
    }
    assert!(!v.contains(&"__complete"));
    // kubectl really ran our completer (not its own fallback).
    assert!(stderr.contains("kubectl_complete-llmd"), "{stderr}");
}

#[test]
fn kubectl_completes_output_values_flags_and_prefixes() {
    let sandbox = Sandbox::new();
    let (lines, directive, _) = sandbox.complete(&["doctor", "-o", ""]);
    assert_eq!(directive, ":4");
    assert_eq!(values(&lines), ["table", "wide", "short", "json", "yaml"]);

    let (lines, _, _) = sandbox.complete(&["doctor", "--output=y"]);
    assert_eq!(values(&lines), ["--output=yaml"]);

    let (lines, directive, _) = sandbox.complete(&["doctor", "--fa"]);
    assert_eq!(
        (values(&lines), directive.as_str()),
        (vec!["--fail-on"], ":4")
    );

    let (lines, _, _) = sandbox.complete(&["completion", "z"]);
    assert_eq!(values(&lines), ["zsh"]);

    // The user's own `--` ends flags for them, not for us: nothing follows it here.
    let (lines, directive, _) = sandbox.complete(&["--", ""]);
    assert_eq!((lines.len(), directive.as_str()), (0, ":4"));
    // Words that look like our own flags (`--version`, `-h`) are completed, not executed.
    let (lines, _, _) = sandbox.complete(&["--versio"]);
    assert_eq!(values(&lines), ["--version"]);

    // A path flag lets the shell complete file names (directive 0).
    let (lines, directive, _) = sandbox.complete(&["--kubeconfig", ""]);
    assert_eq!((lines.len(), directive.as_str()), (0, ":0"));
}

/// A one-thread fake API server over plain HTTP answering the namespace list.
fn fake_api_server(namespaces: &'static [&'static str]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or_default();
            let (status, body) = if path.starts_with("/api/v1/namespaces") {
                let items: Vec<_> = namespaces
                    .iter()
                    .map(|n| serde_json::json!({"metadata": {"name": n}}))
                    .collect();
                let list = serde_json::json!({
                    "kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": items
                });
                ("200 OK", list.to_string())
            } else {
                (
                    "404 Not Found",
                    r#"{"kind":"Status","code":404}"#.to_string(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
             contexts:\n- name: fake\n  context:\n    cluster: c\n    user: u\n\
             current-context: fake\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn kubectl_completes_live_namespaces_using_the_kubeconfig_on_the_line() {
    let sandbox = Sandbox::new();
    let port = fake_api_server(&["default", "llm-team", "llm-prod", "openshift-monitoring"]);
    let kc = kubeconfig(sandbox.dir.path(), &format!("http://127.0.0.1:{port}"));
    let kc = kc.display().to_string();
    let (lines, directive, stderr) =
        sandbox.complete(&["--kubeconfig", &kc, "doctor", "-n", "llm"]);
    assert_eq!(directive, ":4", "{stderr}");
    assert_eq!(values(&lines), ["llm-prod", "llm-team"]);

    let (lines, _, _) = sandbox.complete(&["stats", "--kubeconfig", &kc, "--namespace=open"]);
    assert_eq!(values(&lines), ["--namespace=openshift-monitoring"]);

    // Context names come from the same kubeconfig, without a request.
    let (lines, directive, _) = sandbox.complete(&["--kubeconfig", &kc, "--context", ""]);
    assert_eq!(
        (lines, directive.as_str()),
        (vec!["fake\tcurrent context".to_string()], ":4")
    );
}

#[test]
fn unreachable_cluster_means_no_candidates_and_no_error_text() {
    let sandbox = Sandbox::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kc = kubeconfig(sandbox.dir.path(), &format!("https://127.0.0.1:{port}"));
    let kc = kc.display().to_string();
    let start = std::time::Instant::now();
    let (lines, directive, _) = sandbox.complete(&["--kubeconfig", &kc, "doctor", "-n", ""]);
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(directive, ":4");
    assert!(start.elapsed().as_secs_f64() < 5.0);
    // No kubeconfig at all (empty HOME): same quiet answer.
    let (lines, directive, _) = sandbox.complete(&["doctor", "-n", ""]);
    assert!(
        lines.is_empty() && directive == ":4",
        "{lines:?} {directive}"
    );
}

/// The committed static bash script, sourced in a real bash, completes subcommand flags and
/// values for `kubectl-llmd` called directly.
#[test]
fn committed_bash_script_completes_subcommand_flags_and_values() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions/kubectl-llmd.bash");
    let probe = format!(
        "source '{}'\n\
         complete_words() {{ COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 ));\n\
           _kubectl__llmd kubectl-llmd \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\";\n\
           echo \"${{COMPREPLY[*]}}\"; }}\n\
         complete_words kubectl-llmd doctor --fa\n\
         complete_words kubectl-llmd install-monitoring --dry\n\
         complete_words kubectl-llmd stats --source ''\n\
         complete_words kubectl-llmd d\n",
        script.display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "--fail-on",
            "--dry-run",
            "prometheus pods",
            "doctor dashboards demo"
        ],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
