//! One error type for the whole program: what failed, the next step, and the exit code.
//!
//! Library code returns [`Error`]; `main` prints it once as a single line (plus the hint) and exits
//! with [`Error::exit_code`]. Exit codes are a documented contract (README, "Exit codes"):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; for doctor: no error (no warning with `--fail-on warn`) |
//! | 1 | findings, or the operation failed on the cluster side |
//! | 2 | usage or local configuration error (flags, kubeconfig), or "not implemented yet" |
//! | 3 | cluster (or Prometheus/Thanos) unreachable, or authentication failed |
//! | 4 | forbidden by RBAC (the verb and resource are named) |

use std::fmt;

/// Process exit codes (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ExitCode {
    Ok = 0,
    Findings = 1,
    Usage = 2,
    Unreachable = 3,
    Forbidden = 4,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// What kind of failure this is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad flags, bad kubeconfig, missing local file, unsupported request.
    Usage,
    /// The command is part of the plan but its issue is not done yet.
    NotImplemented,
    /// Network failure, TLS failure, timeout, 401, failed credential plugin.
    Unreachable,
    /// 403 from the API server or from Thanos.
    Forbidden,
    /// Anything else the cluster answered that made the operation fail.
    Failed,
}

/// A user-facing error: one line of `message`, an optional `hint` (the next step).
#[derive(Debug, Clone, thiserror::Error)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: one_line(&message.into()),
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn unreachable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unreachable, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, message)
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(Kind::Failed, message)
    }
    pub fn not_implemented(command: &str, issue: &str) -> Self {
        Self::new(
            Kind::NotImplemented,
            format!("`{command}` is not implemented yet"),
        )
        .with_hint(format!(
            "it is tracked as \"{issue}\"; `oc llmd doctor` works today"
        ))
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(one_line(&hint.into()));
        self
    }
    pub fn exit_code(&self) -> ExitCode {
        match self.kind {
            Kind::Usage | Kind::NotImplemented => ExitCode::Usage,
            Kind::Unreachable => ExitCode::Unreachable,
            Kind::Forbidden => ExitCode::Forbidden,
            Kind::Failed => ExitCode::Findings,
        }
    }
}

/// Collapse whitespace so an error always prints as one line, and replace other control
/// characters (a hostile server's NUL or escape sequences) so they never reach the terminal.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error's text followed by each of its sources' (a text already listed is skipped): what
/// transport errors are reported with, since the outer layers of reqwest/hyper errors only
/// repeat the URL and the deepest cause says what happened.
pub fn causes(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_kind() {
        assert_eq!(Error::usage("x").exit_code().code(), 2);
        assert_eq!(
            Error::not_implemented("stats", "stats").exit_code().code(),
            2
        );
        assert_eq!(Error::unreachable("x").exit_code().code(), 3);
        assert_eq!(Error::forbidden("x").exit_code().code(), 4);
        assert_eq!(Error::failed("x").exit_code().code(), 1);
    }

    #[test]
    fn messages_are_one_line() {
        let e = Error::failed("a\nb\n  c").with_hint("d\n e");
        assert_eq!(e.message, "a b c");
        assert_eq!(e.hint.as_deref(), Some("d e"));
        let hostile = Error::failed("<html>\u{0}not json \u{1b}[31mred");
        assert_eq!(hostile.message, "<html>\u{fffd}not json \u{fffd}[31mred");
    }
}
