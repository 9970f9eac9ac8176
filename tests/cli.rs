//! The command line itself, without a cluster: names, help, version, completion, exit codes for
//! usage errors, pipe behaviour, and discovery of the plugin by the real kubectl.

use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;

fn kubectl_llmd() -> Command {
    Command::new(cargo_bin("kubectl-llmd"))
}

#[test]
fn usage_names_the_invoking_client() {
    let out = kubectl_llmd().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: kubectl llmd"));

    let out = Command::new(cargo_bin("oc-llmd"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Usage: oc llmd"), "{text}");
}

#[test]
fn version_text_and_json() {
    let out = kubectl_llmd().arg("version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("oc-llmd {}", env!("CARGO_PKG_VERSION"))
    );

    let out = kubectl_llmd()
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "Version");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn usage_errors_exit_2() {
    let out = kubectl_llmd().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kubectl_llmd()
        .args(["version", "-o", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kubectl_llmd()
        .args(["completion", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completion_scripts_name_the_binary() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kubectl_llmd().args(["completion", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("kubectl-llmd"),
            "{shell}"
        );
    }
}

#[test]
fn closed_stdout_pipe_exits_quietly_with_0() {
    let mut child = kubectl_llmd()
        .args(["completion", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PATH with only the build directory and kubectl's directory: what a user gets after
/// `cargo install` or a krew install.
fn plugin_path() -> String {
    let bin = cargo_bin("kubectl-llmd");
    let dir = bin.parent().unwrap().display().to_string();
    let kubectl = which("kubectl");
    let kubectl_dir = std::path::Path::new(&kubectl)
        .parent()
        .unwrap()
        .display()
        .to_string();
    format!("{dir}:{kubectl_dir}:/usr/bin:/bin")
}

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

#[test]
fn real_kubectl_finds_and_runs_the_plugin() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(which("kubectl"))
        .args(["plugin", "list"])
        .env("PATH", plugin_path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kubectl-llmd"),
        "kubectl plugin list: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = Command::new(which("kubectl"))
        .args(["llmd", "version"])
        .env("PATH", plugin_path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("oc-llmd "));
}
