//! Fault and load injection and the request log, in-process and over the `/_sim/` endpoints.

mod common;

use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, PostParams};
use llmd_sim::{FaultAction, FaultRule, Faults, NthWrite};
use serde_json::json;

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
}

fn code(e: kube::Error) -> u16 {
    match e {
        kube::Error::Api(s) => s.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn nth_write_fails_and_resource_rules() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    sim.set_faults(Faults {
        fail_nth_write: Some(NthWrite {
            n: 2,
            code: 500,
            ..Default::default()
        }),
        ..Default::default()
    });
    cms.create(&PostParams::default(), &cm("a")).await.unwrap();
    cms.list(&ListParams::default()).await.unwrap();
    assert_eq!(
        code(
            cms.create(&PostParams::default(), &cm("b"))
                .await
                .unwrap_err()
        ),
        500
    );
    cms.create(&PostParams::default(), &cm("c")).await.unwrap();
    assert!(
        cms.get_opt("b").await.unwrap().is_none(),
        "the failed write changed nothing"
    );

    sim.set_faults(Faults {
        rules: vec![
            FaultRule {
                resource: "pods".into(),
                verb: Some("list".into()),
                code: 429,
                retry_after: Some(1),
                ..Default::default()
            },
            FaultRule {
                resource: "configmaps".into(),
                group: Some(String::new()),
                code: 403,
                times: Some(1),
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    assert_eq!(
        code(pods.list(&ListParams::default()).await.unwrap_err()),
        429
    );
    assert!(pods.get("web-1").await.is_ok(), "only list is failed");
    assert_eq!(code(cms.get("a").await.unwrap_err()), 403);
    assert!(cms.get("a").await.is_ok(), "times: 1");
    sim.clear_faults();
    assert!(pods.list(&ListParams::default()).await.is_ok());
}

#[tokio::test]
async fn dropped_connections_and_latency() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    sim.set_faults(Faults {
        rules: vec![FaultRule {
            resource: "pods".into(),
            action: FaultAction::Drop,
            ..Default::default()
        }],
        ..Default::default()
    });
    let e = pods.list(&ListParams::default()).await.unwrap_err();
    assert!(
        !matches!(e, kube::Error::Api(_)),
        "a dropped connection is not an API answer: {e:?}"
    );
    sim.clear_faults();
    sim.reset_request_log();
    sim.set_latency(Duration::from_millis(150));
    let t = Instant::now();
    pods.list(&ListParams::default()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    let log = sim.request_log();
    assert_eq!(log.len(), 1);
    assert!(log[0].duration_ms >= 150.0, "{:?}", log[0]);
    sim.set_latency(Duration::ZERO);

    // Timeout: the client gives up first.
    sim.set_faults(Faults {
        rules: vec![FaultRule {
            resource: "pods".into(),
            action: FaultAction::Timeout,
            timeout_ms: Some(3000),
            ..Default::default()
        }],
        ..Default::default()
    });
    let r = tokio::time::timeout(
        Duration::from_millis(300),
        pods.list(&ListParams::default()),
    )
    .await;
    assert!(r.is_err(), "the request outlives a short client timeout");
}

#[tokio::test]
async fn request_log_records_method_path_status_user() {
    let sim = start(&[]).await;
    sim.reset_request_log();
    let alice = client(&sim, "alice").await;
    let _ = Api::<Pod>::all(alice)
        .list(&ListParams::default().labels("app=web"))
        .await;
    let admin = client(&sim, "admin").await;
    Api::<Pod>::namespaced(admin, "ns1")
        .get("web-1")
        .await
        .unwrap();
    let log = sim.request_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/v1/pods?&labelSelector=app%3Dweb");
    assert_eq!(log[0].status, 403);
    assert_eq!(log[0].user, "alice");
    assert_eq!(log[1].path, "/api/v1/namespaces/ns1/pods/web-1");
    assert_eq!(log[1].status, 200);
    assert!(log[1].start_ms >= log[0].start_ms);
}

/// The control endpoints, through a plain HTTP client (as a test driving `demo serve` would).
#[tokio::test]
async fn control_endpoints_over_http() {
    let sim = start_with(|o| o.tls = false, &[]).await;
    let client = client(&sim, "admin").await;
    let call = |method: &str, path: &str, body: serde_json::Value, token: &str| {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .unwrap()
    };
    let raw = |req: http::Request<Vec<u8>>| {
        let addr = sim.addr();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (parts, body) = req.into_parts();
            let mut head = format!(
                "{} {} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n",
                parts.method,
                parts.uri,
                body.len()
            );
            for (k, v) in &parts.headers {
                head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
            }
            head.push_str("\r\n");
            s.write_all(head.as_bytes()).await.unwrap();
            s.write_all(&body).await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        }
    };
    let resp = raw(call(
        "PUT",
        "/_sim/faults",
        json!({"rules": [{"resource": "pods", "code": 500}]}),
        "alice-token",
    ))
    .await;
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    let resp = raw(call(
        "PUT",
        "/_sim/faults",
        json!({"rules": [{"resource": "pods", "code": 500}]}),
        "admin-token",
    ))
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    assert_eq!(
        code(pods.list(&ListParams::default()).await.unwrap_err()),
        500
    );
    raw(call("DELETE", "/_sim/faults", json!({}), "admin-token")).await;
    assert!(pods.list(&ListParams::default()).await.is_ok());
    let resp = raw(call("GET", "/_sim/requests", json!({}), "admin-token")).await;
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    let log: Vec<llmd_sim::RequestRecord> = serde_json::from_str(body).unwrap();
    assert!(
        log.iter().all(|r| !r.path.starts_with("/_sim/")),
        "control calls are not logged"
    );
    assert_eq!(log.iter().filter(|r| r.status == 500).count(), 1);
    raw(call("DELETE", "/_sim/requests", json!({}), "admin-token")).await;
    assert!(sim.request_log().is_empty());
    let resp = raw(call(
        "PUT",
        "/_sim/latency",
        json!({"ms": 120}),
        "admin-token",
    ))
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let t = Instant::now();
    pods.list(&ListParams::default()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(120));
}
