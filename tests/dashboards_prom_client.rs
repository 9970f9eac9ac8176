//! The Prometheus client against a tiny local HTTP server: request shape (path, params, bearer
//! token, tenancy namespace), error mapping to exit codes, timeouts and refused connections.

use std::time::Duration;

use oc_llmd::error::Kind;
use oc_llmd::prom::{PromClient, PromConfig, QueryData};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serve one request with a canned answer; hand back the raw request head.
async fn serve_once(status: u16, body: &'static str) -> (String, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        let mut read = 0;
        loop {
            let n = sock.read(&mut buf[read..]).await.unwrap();
            read += n;
            if n == 0 || buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..read]).to_string();
        let reply = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(reply.as_bytes()).await.unwrap();
        let _ = tx.send(head);
    });
    (url, rx)
}

fn client(url: &str) -> PromClient {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut cfg = PromConfig::new(url);
    cfg.token = Some("sha256~TOPSECRET".into());
    cfg.timeout = Duration::from_millis(500);
    PromClient::new(cfg).unwrap()
}

#[tokio::test]
async fn instant_query_sends_token_and_tenancy_namespace() {
    let (url, head) = serve_once(
        200,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1,"2.5"]}]},"warnings":["partial"]}"#,
    )
    .await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut cfg = PromConfig::new(format!("{url}/"));
    cfg.token = Some("sha256~TOPSECRET".into());
    cfg.tenancy_namespace = Some("llm".into());
    let client = PromClient::new(cfg).unwrap();
    let r = client
        .query("sum(rate(x_total[5m]))", Some(1700000000.0))
        .await
        .unwrap();
    let QueryData::Vector(v) = r.data else {
        panic!("not a vector")
    };
    assert_eq!(v[0].value, 2.5);
    assert_eq!(r.warnings, vec!["partial".to_string()]);
    let head = head.await.unwrap();
    let first = head.lines().next().unwrap();
    assert!(first.starts_with("GET /api/v1/query?query=sum%28rate%28x_total%5B5m%5D%29%29&time=1700000000&namespace=llm "), "{first}");
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer sha256~topsecret")
    );
    assert_eq!(client.queries_issued(), 1);
    let log = client.query_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[0].warnings, 1);
    let shown = log[0].to_string();
    assert!(
        shown.contains("/api/v1/query") && !shown.contains("TOPSECRET"),
        "{shown}"
    );
}

#[tokio::test]
async fn metric_names_pass_match_selectors() {
    let (url, head) = serve_once(
        200,
        r#"{"status":"success","data":["kserve_vllm:num_requests_running"]}"#,
    )
    .await;
    let names = client(&url)
        .metric_names(&[r#"{__name__=~"kserve_.*"}"#.to_string()])
        .await
        .unwrap();
    assert_eq!(
        names.data,
        vec!["kserve_vllm:num_requests_running".to_string()]
    );
    let head = head.await.unwrap();
    assert!(
        head.starts_with(
            "GET /api/v1/label/__name__/values?match%5B%5D=%7B__name__%3D%7E%22kserve_.*%22%7D "
        ),
        "{head}"
    );
}

#[tokio::test]
async fn http_errors_map_to_exit_codes() {
    let (url, _h) = serve_once(401, "Unauthorized").await;
    let e = client(&url).query("up", None).await.unwrap_err();
    assert_eq!((e.kind, e.exit_code().code()), (Kind::Unreachable, 3));
    assert!(e.message.contains(&url));

    let (url, _h) = serve_once(403, "Forbidden").await;
    let e = client(&url).query("up", None).await.unwrap_err();
    assert_eq!(e.exit_code().code(), 4);
    assert!(e.hint.unwrap().contains("cluster-monitoring-view"));

    let (url, _h) = serve_once(
        422,
        r#"{"status":"error","errorType":"execution","error":"query timed out"}"#,
    )
    .await;
    let e = client(&url).query("up", None).await.unwrap_err();
    assert_eq!(e.exit_code().code(), 1);
    assert!(e.message.contains("query timed out"));
}

#[tokio::test]
async fn refused_connection_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = client(&url);
    let e = c.query("up", None).await.unwrap_err();
    assert_eq!(e.exit_code().code(), 3);
    assert!(e.message.contains(&url), "{}", e.message);
    assert!(e.hint.is_some());
    assert_eq!(c.query_log()[0].status, None);
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(sock);
    });
    let e = client(&url).query("up", None).await.unwrap_err();
    assert_eq!(e.exit_code().code(), 3);
    assert!(e.message.contains("no answer"), "{}", e.message);
    hold.abort();
}

#[tokio::test]
async fn naming_detection_through_prometheus() {
    let (url, head) = serve_once(
        200,
        r#"{"status":"success","data":["kserve_vllm:kv_cache_usage_perc","kserve_llm_d_epp_request_total"],"warnings":["w"]}"#,
    )
    .await;
    let detected = oc_llmd::prom::detect_naming(&client(&url), Some("llm"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detected.naming.to_string(), "kserve-v1-epp-llmd");
    assert_eq!((detected.series_names, detected.warnings.len()), (2, 1));
    assert!(head.await.unwrap().contains("namespace%3D%22llm%22"));

    let (url, _h) = serve_once(200, r#"{"status":"success","data":[]}"#).await;
    let c = client(&url);
    assert!(
        oc_llmd::prom::detect_naming(&c, None)
            .await
            .unwrap()
            .is_none()
    );
    let e = oc_llmd::prom::no_series_error(&c, None);
    assert_eq!(e.exit_code().code(), 1);
    assert!(e.message.contains("no vLLM or EPP series") && e.hint.unwrap().contains("--naming"));
}
