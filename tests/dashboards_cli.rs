//! The real binary: `dashboards --naming … -o json` prints one importable dashboard or a list;
//! `auto` without a Prometheus is an honest usage error.

use assert_cmd::Command;
use serde_json::Value;

fn llmd() -> Command {
    let mut cmd = Command::cargo_bin("kubectl-llmd").unwrap();
    cmd.env("NO_COLOR", "1")
        .env_remove("OC_LLMD_PROMETHEUS_TOKEN");
    cmd
}

#[test]
fn one_dashboard_is_importable_json() {
    let out = llmd()
        .args([
            "dashboards",
            "--naming",
            "kserve-v1-epp-llmd",
            "--name",
            "epp",
            "-o",
            "json",
            "--datasource-uid",
            "thanos",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // A Grafana dashboard document, not a list.
    assert!(v.get("items").is_none() && v.get("kind").is_none());
    assert_eq!(v["uid"], "oc-llmd-epp");
    assert!(v["schemaVersion"].as_u64().unwrap() >= 39);
    assert!(v.get("id").is_none(), "an id would clash on import");
    let panels = v["panels"].as_array().unwrap();
    assert!(panels.len() > 10);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("kserve_llm_d_epp_request_total"));
    assert!(
        !text.contains("\"kserve_inference_objective_request_total"),
        "dual-emitted twin must not be queried"
    );
    for p in panels.iter().filter(|p| p["type"] != "row") {
        assert_eq!(p["datasource"]["uid"], "thanos");
    }
}

#[test]
fn all_dashboards_as_a_list() {
    let out = llmd()
        .args(["dashboards", "--naming", "plain-v0-epp-model", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "DashboardList");
    assert_eq!(v["version"], 1);
    let uids: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["oc-llmd-vllm", "oc-llmd-epp", "oc-llmd-overview"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("vllm:time_per_output_token_seconds_bucket")
            && !text.contains("inter_token_latency")
    );
}

#[test]
fn table_output() {
    let out = llmd()
        .args(["dashboards", "--naming", "plain-v1-epp-none"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("UID"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("oc-llmd-epp"));
}

#[test]
fn auto_without_prometheus_is_a_usage_error() {
    let out = llmd().args(["dashboards"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hint:") && err.contains("--naming") && err.contains("--prometheus-url"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_naming_and_missing_epp() {
    let out = llmd()
        .args(["dashboards", "--naming", "v3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kserve-v1-epp-objective"));
    let out = llmd()
        .args([
            "dashboards",
            "--naming",
            "plain-v1-epp-none",
            "--name",
            "epp",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn auto_against_an_unreachable_prometheus_exits_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = llmd()
        .args([
            "dashboards",
            "--prometheus-url",
            &url,
            "--token",
            "SECRET-TOKEN",
            "-v",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url), "{err}");
    assert!(!err.contains("SECRET-TOKEN"), "{err}");
}

#[test]
fn auto_detects_the_naming_through_prometheus() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut read = 0;
        while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf[read..]).unwrap();
            if n == 0 {
                break;
            }
            read += n;
        }
        let body = r#"{"status":"success","data":["kserve_vllm:kv_cache_usage_perc","vllm:kv_cache_usage_perc","kserve_inference_objective_request_total"]}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(reply.as_bytes()).unwrap();
        String::from_utf8_lossy(&buf[..read]).to_string()
    });
    let out = llmd()
        .args([
            "dashboards",
            "--prometheus-url",
            &url,
            "--token",
            "tok-123",
            "-n",
            "llm",
            "-o",
            "short",
        ])
        .output()
        .unwrap();
    let request = server.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "oc-llmd-vllm\noc-llmd-epp\noc-llmd-overview\n"
    );
    assert!(
        request.starts_with("GET /api/v1/label/__name__/values?match%5B%5D="),
        "{request}"
    );
    assert!(request.contains("namespace%3D%22llm%22"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer tok-123")
    );
}
