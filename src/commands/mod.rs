//! One module per subcommand. Each wires cluster IO -> pure logic -> render, and nothing else.

use crate::cli::{Cli, Command};
use crate::error::{ExitCode, Result};
use crate::invocation::Invocation;

pub mod completion;
pub mod dashboards;
pub mod demo;
pub mod doctor;
pub mod fix;
pub mod install;
pub mod stats;
pub mod uninstall;
pub mod version;

/// Run the parsed command. `Ok(code)` lets a command finish normally with findings (exit 1).
pub async fn dispatch(cli: Cli, invoked: Invocation) -> Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Version => version::run(&global),
        Command::Completion(args) => completion::run(&args, invoked),
        Command::Complete(args) => completion::complete(&args).await,
        Command::Doctor(args) => doctor::run(&global, &args).await,
        // The lead wires the dashboards renderer and the EnvoyFilter builder into these inputs.
        Command::InstallMonitoring(args) => {
            let mut inputs = install::InstallInputs::default();
            if args.envoyfilter_fix {
                inputs.extra_manifests = fix::envoyfilters_for_install(&global).await?;
            }
            install::run(&global, &args, inputs).await
        }
        Command::UninstallMonitoring(args) => uninstall::run(&global, &args).await,
        Command::Stats(args) => stats::run(&args, &global).await,
        Command::Fix(args) => fix::run(&args, &global).await,
        Command::Dashboards(args) => dashboards::run(&args, &global).await,
        Command::Demo(args) => demo::run(&args, &global, invoked).await,
    }
}
