//! `completion SHELL`: print the shell completion script for the invoked name; and the hidden
//! `__complete` command that answers kubectl's/oc's plugin completion protocol.

use crate::cli::{Cli, CompleteArgs, CompletionArgs};
use crate::error::{ExitCode, Result};
use crate::invocation::Invocation;
use clap::CommandFactory;

/// The command as people see it: clap_complete's bash, zsh and fish generators list hidden
/// subcommands too, so the root is rebuilt with the visible ones only (no `__complete`).
pub fn visible_command() -> clap::Command {
    let full = Cli::command();
    let mut cmd = clap::Command::new("kubectl-llmd")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(full.is_propagate_version_set())
        .subcommand_required(full.is_subcommand_required_set())
        .arg_required_else_help(full.is_arg_required_else_help_set());
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    if let Some(long) = full.get_long_about() {
        cmd = cmd.long_about(long.clone());
    }
    cmd = cmd.args(full.get_arguments().cloned());
    cmd.subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// The completion script for `shell`, completing the command named `bin`.
pub fn script(shell: clap_complete::Shell, bin: &str) -> String {
    let mut cmd = visible_command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        clap_complete::Shell::Bash => fix_bash_case_labels(&text, bin),
        _ => text,
    }
}

/// clap_complete 4.6's bash script sets `cmd="kubectl__llmd__subcmd__doctor"` (a `-` in the
/// binary name becomes `__`) but labels that case `kubectl__subcmd__llmd__subcmd__doctor)` (the
/// same `-` becomes `__subcmd__`), so no subcommand's flags complete for a dashed binary name.
/// Rename the labels to what `cmd` is set to.
fn fix_bash_case_labels(text: &str, bin: &str) -> String {
    let wrong = bin.replace('-', "__subcmd__");
    let right = bin.replace('-', "__");
    if wrong == right {
        return text.to_string();
    }
    text.replace(&format!("{wrong}__subcmd__"), &format!("{right}__subcmd__"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_command_is_the_cli_without_hidden_subcommands() {
        let full = Cli::command();
        let visible = visible_command();
        visible.clone().debug_assert();
        let names = |c: &clap::Command| {
            c.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&full), names(&visible));
        assert!(visible.find_subcommand("__complete").is_none());
        let ids = |c: &clap::Command| {
            c.get_arguments()
                .map(|a| a.get_id().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&full), ids(&visible));
        assert_eq!(full.get_about(), visible.get_about());
    }

    #[test]
    fn bash_case_labels_match_the_cmd_values_they_dispatch_on() {
        let text = script(clap_complete::Shell::Bash, "kubectl-llmd");
        let assigned: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|v| !v.is_empty())
            .collect();
        assert!(
            assigned.contains(&"kubectl__llmd__subcmd__doctor"),
            "{assigned:?}"
        );
        for value in assigned {
            assert!(
                text.lines().any(|l| l.trim() == format!("{value})")),
                "no case label for cmd={value}"
            );
        }
    }

    #[test]
    fn scripts_complete_visible_subcommands_only() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let text = script(shell, "kubectl-llmd");
            assert!(text.contains("install-monitoring"), "{shell}");
            assert!(
                !text.contains("__complete"),
                "{shell} offers the hidden command"
            );
        }
    }
}
