//! `completion SHELL`: print the shell completion script for the invoked name.

use crate::cli::{Cli, CompletionArgs};
use crate::error::{ExitCode, Result};
use crate::invocation::Invocation;
use clap::CommandFactory;

pub fn run(args: &CompletionArgs, invoked: Invocation) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let bin = match invoked {
        Invocation::Kubectl => "kubectl-llmd",
        Invocation::Oc => "oc-llmd",
    };
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, bin, &mut buf);
    crate::output::emit(&String::from_utf8_lossy(&buf));
    Ok(ExitCode::Ok)
}
