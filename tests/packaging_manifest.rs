//! The krew manifest obeys krew-index's validation rules, and `scripts/release` produces archives
//! holding exactly the files the manifest lists, with the sha256 it writes into the manifest.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// The (os, arch) pairs krew-index accepts (validate.go's known platforms).
const KNOWN_PLATFORMS: &[(&str, &str)] = &[
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p == &"0" || !p.starts_with('0'))
        })
}

/// krew-index's checks (internal/index/validation/validate.go), plus ours: the version equals
/// Cargo.toml's, and every platform ships the binary and LICENSE. Returns every violation.
fn violations(manifest: &Value, file_name: &str, cargo_version: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let mut err = |e: String| errs.push(e);
    if !file_name.ends_with(".yaml") {
        err(format!("{file_name}: not a .yaml file"));
    }
    if manifest["apiVersion"] != "krew.googlecontainertools.github.com/v1alpha2" {
        err(format!("apiVersion is {}", manifest["apiVersion"]));
    }
    if manifest["kind"] != "Plugin" {
        err(format!("kind is {}", manifest["kind"]));
    }
    let name = manifest["metadata"]["name"].as_str().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        err(format!("name {name:?} does not match ^[\\w-]+$"));
    }
    if file_name.strip_suffix(".yaml") != Some(name) {
        err(format!("name {name:?} is not the file name {file_name}"));
    }
    let spec = &manifest["spec"];
    let short = spec["shortDescription"].as_str().unwrap_or_default();
    if short.is_empty() || short.contains('\n') {
        err(format!(
            "shortDescription {short:?} must be one non-empty line"
        ));
    }
    if spec["description"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        err("description missing".into());
    }
    let version = spec["version"].as_str().unwrap_or_default();
    match version.strip_prefix('v') {
        Some(v) if is_semver(v) => {
            if v != cargo_version {
                err(format!(
                    "version {version} is not Cargo.toml's v{cargo_version}"
                ));
            }
        }
        _ => err(format!("version {version:?} is not v-prefixed semver")),
    }
    let platforms = spec["platforms"].as_array().cloned().unwrap_or_default();
    if platforms.is_empty() {
        err("no platforms".into());
    }
    let mut selectors = HashSet::new();
    for (i, p) in platforms.iter().enumerate() {
        let labels = p["selector"]["matchLabels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if labels.is_empty() || p["selector"].get("matchExpressions").is_some() {
            err(format!(
                "platform {i}: selector must be non-empty matchLabels"
            ));
        }
        if labels.keys().any(|k| k != "os" && k != "arch") {
            err(format!("platform {i}: selector keys other than os/arch"));
        }
        let os = labels.get("os").and_then(Value::as_str).unwrap_or_default();
        let arch = labels
            .get("arch")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !KNOWN_PLATFORMS.contains(&(os, arch)) {
            err(format!(
                "platform {i}: {os}/{arch} matches no known platform"
            ));
        }
        // With both keys as exact labels, two selectors overlap exactly when they are equal.
        if !selectors.insert((os.to_string(), arch.to_string())) {
            err(format!(
                "platform {i}: selector {os}/{arch} overlaps another"
            ));
        }
        let uri = p["uri"].as_str().unwrap_or_default();
        if !uri.starts_with("https://") || !(uri.ends_with(".tar.gz") || uri.ends_with(".zip")) {
            err(format!(
                "platform {i}: uri {uri:?} is not an https .tar.gz/.zip"
            ));
        }
        if !uri.contains(&format!("/{version}/")) || !uri.contains(&format!("_{version}_")) {
            err(format!("platform {i}: uri {uri:?} does not name {version}"));
        }
        let sha = p["sha256"].as_str().unwrap_or_default();
        if sha.len() != 64 || !sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            err(format!(
                "platform {i}: sha256 {sha:?} is not 64 lowercase hex digits"
            ));
        }
        let bin = p["bin"].as_str().unwrap_or_default();
        let want_bin = if os == "windows" {
            "kubectl-llmd.exe"
        } else {
            "kubectl-llmd"
        };
        if bin != want_bin {
            err(format!("platform {i}: bin {bin:?}, want {want_bin}"));
        }
        let files = p["files"].as_array().cloned().unwrap_or_default();
        if files.is_empty() {
            err(format!(
                "platform {i}: files must list what the archive holds"
            ));
        }
        for f in &files {
            if f["from"].as_str().unwrap_or_default().is_empty()
                || f["to"].as_str().unwrap_or_default().is_empty()
            {
                err(format!("platform {i}: files entry {f} needs from and to"));
            }
        }
        for needed in [bin, "LICENSE"] {
            if !files.iter().any(|f| f["from"] == needed && f["to"] == ".") {
                err(format!("platform {i}: {needed} is not installed by files"));
            }
        }
    }
    errs
}

fn cargo_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[test]
fn committed_manifest_obeys_krew_index_rules() {
    let path = repo().join("plugin-manifest/llmd.yaml");
    let manifest = load(&path);
    let errs = violations(&manifest, "llmd.yaml", cargo_version());
    assert!(
        errs.is_empty(),
        "plugin-manifest/llmd.yaml:\n  {}",
        errs.join("\n  ")
    );
    let platforms: BTreeSet<(String, String)> = manifest["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let l = &p["selector"]["matchLabels"];
            (
                l["os"].as_str().unwrap().into(),
                l["arch"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
    ] {
        assert!(
            platforms.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing"
        );
    }
    let caveats = manifest["spec"]["caveats"].as_str().unwrap();
    assert!(caveats.contains("kubectl_complete-llmd") && caveats.contains("oc_complete-llmd"));
    assert!(caveats.contains(&format!("store/llmd/v{}/", cargo_version())));
}

#[test]
fn the_validator_rejects_what_krew_index_rejects() {
    let good = load(&repo().join("plugin-manifest/llmd.yaml"));
    assert!(
        violations(&good, "other.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("file name"))
    );
    assert!(!violations(&good, "llmd.yaml", "9.9.9").is_empty());
    let mut bad = good.clone();
    bad["spec"]["platforms"][0]["sha256"] = Value::from("A".repeat(64));
    assert!(
        violations(&bad, "llmd.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("lowercase"))
    );
    let mut bad = good.clone();
    let first = bad["spec"]["platforms"][0]["selector"].clone();
    bad["spec"]["platforms"][1]["selector"] = first;
    assert!(
        violations(&bad, "llmd.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("overlaps"))
    );
    let mut bad = good.clone();
    bad["spec"]["version"] = Value::from(cargo_version());
    assert!(
        violations(&bad, "llmd.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("v-prefixed"))
    );
    let mut bad = good.clone();
    bad["spec"]["platforms"][2]["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["from"] != "LICENSE");
    assert!(
        violations(&bad, "llmd.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("LICENSE"))
    );
    let mut bad = good;
    bad["spec"]["platforms"][3]["selector"]["matchLabels"]["os"] = Value::from("plan9");
    assert!(
        violations(&bad, "llmd.yaml", cargo_version())
            .iter()
            .any(|e| e.contains("known"))
    );
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Does a manifest `from` (a file name or `dir/*.ext` glob) match an archive member?
fn matches(from: &str, member: &str) -> bool {
    match from.split_once('*') {
        Some((head, tail)) => {
            member.starts_with(head)
                && member.ends_with(tail)
                && !member[head.len()..member.len() - tail.len()].contains('/')
        }
        None => from == member,
    }
}

#[test]
fn release_script_archive_matches_the_manifest_it_fills() {
    let dir = tempfile::tempdir().unwrap();
    // The debug binary, stripped, keeps the archive small and the test fast.
    let prebuilt = dir.path().join("prebuilt");
    std::fs::create_dir_all(&prebuilt).unwrap();
    let status = Command::new("strip")
        .arg("-o")
        .arg(prebuilt.join("kubectl-llmd"))
        .arg(cargo_bin("kubectl-llmd"))
        .status()
        .unwrap();
    assert!(status.success());
    let out_dir = dir.path().join("dist");
    let run = Command::new(repo().join("scripts/release"))
        .arg("--prebuilt")
        .arg(&prebuilt)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("built: linux/amd64"), "{stdout}");

    let manifest = load(&out_dir.join("llmd.yaml"));
    let errs = violations(&manifest, "llmd.yaml", cargo_version());
    assert!(errs.is_empty(), "filled manifest:\n  {}", errs.join("\n  "));
    let host = manifest["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["selector"]["matchLabels"]["os"] == "linux"
                && p["selector"]["matchLabels"]["arch"] == "amd64"
        })
        .unwrap()
        .clone();
    let uri = host["uri"].as_str().unwrap();
    let archive_name = uri.rsplit('/').next().unwrap();
    let archive = out_dir.join(archive_name);
    assert!(archive.exists(), "{archive_name} not written; uri {uri}");
    assert_eq!(host["sha256"].as_str().unwrap(), sha256(&archive));

    // Members: exactly what `files` lists, each `from` matching something.
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let members: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter(|m| !m.ends_with('/'))
        .map(str::to_string)
        .collect();
    let froms: Vec<&str> = host["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["from"].as_str().unwrap())
        .collect();
    for m in &members {
        assert!(
            froms.iter().any(|f| matches(f, m)),
            "{m} in the archive but not in files"
        );
    }
    for f in &froms {
        assert!(
            members.iter().any(|m| matches(f, m)),
            "{f} listed but not in the archive"
        );
    }
    assert!(
        members.contains(&"man/kubectl-llmd.1".to_string()),
        "{members:?}"
    );

    // What krew would install runs, and the completer is executable.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(status.success());
    let version = Command::new(unpacked.join("kubectl-llmd"))
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("oc-llmd {}", cargo_version())
    );
    let answer = Command::new(unpacked.join("kubectl_complete-llmd"))
        .arg("")
        .env("PATH", format!("{}:/usr/bin:/bin", unpacked.display()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&answer.stdout).contains("doctor\t"));

    // Reproducible: a second run writes the same bytes.
    let again = Command::new(repo().join("scripts/release"))
        .arg("--prebuilt")
        .arg(&prebuilt)
        .arg("--out")
        .arg(dir.path().join("again"))
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        sha256(&dir.path().join("again").join(archive_name)),
        sha256(&archive)
    );

    // Platforms not built keep the committed values.
    let committed = load(&repo().join("plugin-manifest/llmd.yaml"));
    for (i, p) in manifest["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        if p != &host {
            assert_eq!(p, &committed["spec"]["platforms"][i]);
        }
    }
}
