//! The Prometheus process wrapper against the real binary: reload, and no orphan on panic.

use std::time::Duration;

use llmd_sim::prometheus::PrometheusProcess;

const EMPTY: &str = "{\"global\": {\"scrape_interval\": \"1s\"}, \"scrape_configs\": []}";

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would show state Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2).is_none_or(|state| state != "Z"))
        .unwrap_or(false)
}

#[tokio::test]
async fn prometheus_reloads_its_config() {
    let prom = PrometheusProcess::start(EMPTY).await.unwrap();
    let with_job = "{\"global\": {\"scrape_interval\": \"1s\"}, \"scrape_configs\": [{\"job_name\": \"reloaded-job\", \
                    \"static_configs\": [{\"targets\": [\"127.0.0.1:1\"]}]}]}";
    prom.reload(with_job).await.unwrap();
    let status: serde_json::Value = reqwest::get(format!("{}/api/v1/status/config", prom.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        status["data"]["yaml"]
            .as_str()
            .unwrap()
            .contains("reloaded-job"),
        "{status}"
    );
    let err = prom
        .reload("scrape_configs: [{job_name: }]")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rejected"), "{err}");
}

#[test]
fn prometheus_is_killed_when_the_owner_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let owner = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let prom = rt.block_on(PrometheusProcess::start(EMPTY)).unwrap();
        tx.send(prom.pid()).unwrap();
        panic!("test owner panics while Prometheus runs");
    });
    let pid = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(owner.join().is_err());
    assert!(!alive(pid), "prometheus {pid} survived its owner's panic");
}
