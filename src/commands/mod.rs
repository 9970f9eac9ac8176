//! One module per subcommand. Each wires cluster IO -> pure logic -> render, and nothing else.

use crate::cli::{Cli, Command};
use crate::error::{Error, ExitCode, Result};
use crate::invocation::Invocation;

pub mod completion;
pub mod version;

/// Run the parsed command. `Ok(code)` lets a command finish normally with findings (exit 1).
pub async fn dispatch(cli: Cli, invoked: Invocation) -> Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Version => version::run(&global),
        Command::Completion(args) => completion::run(&args, invoked),
        Command::Complete(args) => completion::complete(&args).await,
        Command::Doctor(_) => Err(Error::not_implemented("doctor", "issue: oc llmd doctor")),
        Command::InstallMonitoring(_) => Err(Error::not_implemented(
            "install-monitoring",
            "issue: install-monitoring",
        )),
        Command::UninstallMonitoring(_) => Err(Error::not_implemented(
            "uninstall-monitoring",
            "issue: install-monitoring",
        )),
        Command::Stats(_) => Err(Error::not_implemented("stats", "issue: oc llmd stats")),
        Command::Fix(_) => Err(Error::not_implemented("fix", "issue: the gateway path")),
        Command::Dashboards(_) => Err(Error::not_implemented("dashboards", "issue: dashboards")),
        Command::Demo(_) => Err(Error::not_implemented("demo", "issue: simulated cluster")),
    }
}
