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
    start_with(
        name,
        WorldOptions {
            monitoring,
            ..Default::default()
        },
    )
    .await
}

/// [`start`] with other world options (e.g. a scrape interval); `options.sim` gets the
/// scenario's fixtures.
pub async fn start_with(name: &str, mut options: WorldOptions) -> Sim {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fixtures =
        llmd_sim::scenarios::fixtures(name).unwrap_or_else(|| panic!("no scenario {name}"));
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
    /// The real binary with this cluster's admin kubeconfig (KUBECONFIG and HOME isolated).
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"));
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path());
        c
    }

    /// Run the binary off the async runtime's threads.
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args(args);
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }
}
