//! The foundation's contracts, on the simulated cluster with the real binary: kubeconfig, context
//! and namespace precedence; exit codes 3 (unreachable, 401) and 4 (forbidden) with one-line
//! messages and hints; colour only when asked or on a terminal; NO_COLOR honoured.

mod support;

use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// One `error:` line, then at most one `hint:` line: never a backtrace.
fn assert_one_line_error(o: &Output) {
    let text = stderr(o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("error: ")),
        "{text}"
    );
    assert!(
        lines.len() <= 2 && lines.get(1).is_none_or(|l| l.starts_with("hint: ")),
        "{text}"
    );
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precedence_exit_codes_and_colour() {
    let sim = support::start("healthy", false).await;
    let dir = sim.dir.path();

    // Unreachable server → exit 3.
    let dead = dir.join("dead");
    std::fs::write(
        &dead,
        sim.world
            .cluster
            .kubeconfig("admin")
            .replace(&sim.world.cluster.base_url(), "https://127.0.0.1:1"),
    )
    .unwrap();
    let mut c = sim.cmd();
    c.args(["doctor", "--kubeconfig"]).arg(&dead);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_one_line_error(&out);

    // 401: a token the server does not know → exit 3, hint to log in again; token not printed.
    let bad = dir.join("bad-token");
    std::fs::write(
        &bad,
        sim.world
            .cluster
            .kubeconfig("admin")
            .replace("admin-token", "sha256~stale-token-value"),
    )
    .unwrap();
    let mut c = sim.cmd();
    c.args(["doctor", "--kubeconfig"]).arg(&bad);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_one_line_error(&out);
    assert!(stderr(&out).contains("oc login") && !stderr(&out).contains("stale-token-value"));

    // --kubeconfig wins over KUBECONFIG (which points at the dead server).
    let mut c = sim.cmd();
    c.env("KUBECONFIG", &dead)
        .args(["doctor", "-o", "json", "--check", "cluster-reachable"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // KUBECONFIG lists merge, first file wins: dead first → unreachable; good first → fine.
    let list =
        |a: &std::path::Path, b: &std::path::Path| format!("{}:{}", a.display(), b.display());
    let run_env = |kc: String| {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"));
        c.env("KUBECONFIG", kc)
            .env("HOME", dir)
            .args(["doctor", "--check", "cluster-reachable"]);
        c.output().unwrap()
    };
    assert_eq!(run_env(list(&dead, &sim.kubeconfig)).status.code(), Some(3));
    assert_eq!(run_env(list(&sim.kubeconfig, &dead)).status.code(), Some(0));

    // --context picks the user: developer may not create ClusterRoleBindings → install exit 4,
    // naming the verb and resource, nothing written.
    sim.world.cluster.reset_request_log();
    let out = sim
        .run(&[
            "install-monitoring",
            "--context",
            "developer",
            "--enable-uwm",
        ])
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("clusterrolebindings"),
        "{}",
        stderr(&out)
    );
    let writes: Vec<String> = sim
        .world
        .cluster
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("accessreviews"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");

    // Unknown context → usage error, exit 2.
    let out = sim.run(&["doctor", "--context", "nope"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_one_line_error(&out);

    // -n beats the context namespace: the namespaced reads go to the flag's namespace.
    let out = sim
        .run(&[
            "doctor",
            "-n",
            "my-first-model",
            "-v",
            "--check",
            "vllm-pods",
        ])
        .await;
    let log = stderr(&out);
    assert!(log.contains("/namespaces/my-first-model/pods"), "{log}");
    assert!(!log.contains("admin-token"));

    // Colour: piped + auto → none; always → ANSI; NO_COLOR with auto → none.
    let plain = sim.run(&["doctor"]).await;
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\u{1b}'));
    let coloured = sim.run(&["doctor", "--color", "always"]).await;
    assert!(String::from_utf8_lossy(&coloured.stdout).contains('\u{1b}'));
    let mut c = sim.cmd();
    c.env("NO_COLOR", "1").args(["doctor", "--color", "auto"]);
    assert!(!String::from_utf8_lossy(&c.output().unwrap().stdout).contains('\u{1b}'));
    sim.world.shutdown().await;
}
