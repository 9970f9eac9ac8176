//! Shared harness for integration tests: a simulated cluster started in-process from a shipped
//! scenario, kubeconfigs written for the real binary, and helpers to run `kubectl-llmd` on it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use llmd_sim::SimOptions;
use llmd_sim::world::{World, WorldOptions};

pub struct Sim {
    pub world: World,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

/// Start scenario `name` (monitoring off unless asked) and write its kubeconfigs.
pub async fn start(name: &str, monitoring: bool) -> Sim {
    start_with(name, monitoring, &[]).await
}

/// Start scenario `name` with `overlays` (scenario YAML texts) loaded after it, the way a failure
/// scenario overlays its base: later documents replace, `SimConfig.spec.remove` deletes. Each user
/// of the merged SimConfig gets a kubeconfig next to the admin one (`kubeconfig.<user>`).
pub async fn start_with(name: &str, monitoring: bool, overlays: &[&str]) -> Sim {
    start_with_options(
        name,
        overlays,
        WorldOptions {
            monitoring,
            ..Default::default()
        },
    )
    .await
}

/// [`start_with`] with other world options (e.g. a scrape interval); `options.sim` gets the
/// scenario's fixtures and the overlays.
pub async fn start_with_options(name: &str, overlays: &[&str], mut options: WorldOptions) -> Sim {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut fixtures =
        llmd_sim::scenarios::fixtures(name).unwrap_or_else(|| panic!("no scenario {name}"));
    fixtures.extend(overlays.iter().map(|o| o.to_string()));
    options.sim = SimOptions {
        fixtures,
        ..options.sim
    };
    let world = World::start(options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    llmd_sim::serve::write_kubeconfigs(&world.cluster, &kubeconfig).unwrap();
    Sim {
        world,
        dir,
        kubeconfig,
    }
}

impl Sim {
    /// The kubeconfig of scenario user `user` (written by [`start_with`]).
    pub fn kubeconfig_of(&self, user: &str) -> PathBuf {
        let mut path = self.kubeconfig.clone().into_os_string();
        path.push(format!(".{user}"));
        PathBuf::from(path)
    }

    /// The real binary with this cluster's admin kubeconfig (KUBECONFIG and HOME isolated).
    pub fn cmd(&self) -> Command {
        self.cmd_with(&self.kubeconfig)
    }

    /// The real binary with another kubeconfig (e.g. a scenario user's, [`Sim::kubeconfig_of`]).
    pub fn cmd_with(&self, kubeconfig: &std::path::Path) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"));
        c.arg("--kubeconfig")
            .arg(kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path());
        c
    }

    /// Run the binary off the async runtime's threads.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with(&self.kubeconfig.clone(), args).await
    }

    /// [`Sim::run`] with another kubeconfig.
    pub async fn run_with(&self, kubeconfig: &std::path::Path, args: &[&str]) -> Output {
        let mut c = self.cmd_with(kubeconfig);
        c.args(args);
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }

    /// Run the real `kubectl` as cluster admin on this cluster (`stdin` piped in when given, e.g.
    /// `-f -`) and require success: someone else's edit, or proof that kubectl accepts an object.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env("HOME", self.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The binary as scenario user `user` (its own kubeconfig, written by [`start_with`]).
    pub fn cmd_as(&self, user: &str) -> Command {
        self.cmd_with(&self.kubeconfig_of(user))
    }

    /// Run the binary as scenario user `user`, off the async runtime's threads.
    pub async fn run_as(&self, user: &str, args: &[&str]) -> Output {
        self.run_with(&self.kubeconfig_of(user), args).await
    }
}

/// Compare `actual` with the golden file `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites
/// it instead.
#[track_caller]
pub fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    assert_eq!(
        actual, expected,
        "{name} differs; UPDATE_SNAPSHOTS=1 rewrites it"
    );
}

/// Stdout then stderr of a finished command, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Exit `code`, an `error: …` line on stderr containing `needle`, and at most one `hint:` line
/// after it (the CLI's one-line failure contract). `context` prefixes the assertion messages.
#[track_caller]
pub fn assert_one_line_error(context: &str, o: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(code), "{context}{}", text(o));
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{context}no `error:` line: {stderr}"));
    let tail = &lines[at + 1..];
    assert!(
        tail.len() <= 1 && tail.iter().all(|l| l.starts_with("hint: ")),
        "{context}the error is not one line plus a hint: {stderr}"
    );
    assert!(
        lines[at].contains(needle),
        "{context}{needle:?} not in {}",
        lines[at]
    );
}
