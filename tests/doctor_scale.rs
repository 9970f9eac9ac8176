//! doctor's API round trips must not grow with the cluster: `doctor -A` sends the same number of
//! requests to `healthy` (1 model namespace) and `large` (200 namespaces, 120 services, 1,310
//! pods), counted from the simulated API server's own request log; nothing is read per model
//! namespace; and it stays read-only (the only POSTs are SelfSubjectAccessReviews).

mod support;

use std::time::{Duration, Instant};

/// (requests, wall time, non-read requests, requests scoped to a model namespace)
async fn doctor_requests(
    scenario: &str,
    latency: Duration,
) -> (usize, Duration, Vec<String>, Vec<String>) {
    let sim = support::start(scenario, false).await;
    sim.world.cluster.set_latency(latency);
    sim.world.cluster.reset_request_log();
    let started = Instant::now();
    let out = sim.run(&["doctor", "-A", "-o", "json"]).await;
    let wall = started.elapsed();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = sim.world.cluster.request_log();
    if std::env::var_os("SHOW_REQUESTS").is_some() {
        for r in &log {
            eprintln!(
                "{scenario}: {} {}",
                r.method,
                r.path.split('?').next().unwrap_or("")
            );
        }
    }
    let writes: Vec<String> = log
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("selfsubjectaccessreviews"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    // Everything is listed cluster-wide: nothing is read per model namespace or per object.
    let per_namespace: Vec<String> = log
        .iter()
        .filter(|r| {
            r.path.contains("/namespaces/team-") || r.path.contains("/namespaces/my-first-model")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    sim.world.shutdown().await;
    (log.len(), wall, writes, per_namespace)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_count_is_the_same_on_healthy_and_large() {
    let (healthy, _, writes, per_namespace) = doctor_requests("healthy", Duration::ZERO).await;
    assert!(writes.is_empty(), "doctor wrote: {writes:?}");
    assert!(per_namespace.is_empty(), "{per_namespace:?}");
    let (large, wall, writes, per_namespace) =
        doctor_requests("large", Duration::from_millis(20)).await;
    assert!(writes.is_empty(), "doctor wrote: {writes:?}");
    assert!(per_namespace.is_empty(), "{per_namespace:?}");
    eprintln!(
        "doctor -A: {healthy} requests on healthy, {large} on large; {wall:?} on large at 20 ms latency"
    );
    assert_eq!(healthy, large);
    assert!(
        wall < Duration::from_secs(10),
        "doctor on large took {wall:?}"
    );
}
