//! `completion SHELL`: print the shell completion script for the invoked name; and the hidden
//! `__complete` command that answers kubectl's/oc's plugin completion protocol.

use crate::cli::{Cli, CompleteArgs, CompletionArgs};
use crate::error::{ExitCode, Result};
use crate::invocation::Invocation;
use clap::CommandFactory;

/// The completion script for `shell`, completing the command named `bin`.
pub fn script(shell: clap_complete::Shell, bin: &str) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(args: &CompletionArgs, invoked: Invocation) -> Result<ExitCode> {
    let bin = match invoked {
        Invocation::Kubectl => "kubectl-llmd",
        Invocation::Oc => "oc-llmd",
    };
    crate::output::emit(&script(args.shell, bin));
    Ok(ExitCode::Ok)
}

/// `__complete WORDS…`: candidates then `:<directive>` on stdout; never an error.
pub async fn complete(args: &CompleteArgs) -> Result<ExitCode> {
    crate::output::emit(&crate::completion::respond(&args.words).await);
    Ok(ExitCode::Ok)
}
