//! Output decisions shared by every renderer: format, colour, and how errors are printed.
//!
//! Colour rules: `--color always` forces it; `--color never` or a non-empty `NO_COLOR` disables it;
//! `auto` colours only when stdout is a terminal. Writing to a closed pipe (`| head`) ends the
//! program quietly with exit 0.

use std::io::{IsTerminal, Write};

use crate::cli::{ColorChoice, OutputFormat};
use crate::error::Error;

/// Resolved presentation settings for one run.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: OutputFormat,
    pub color: bool,
    pub stdout_is_terminal: bool,
}

impl Style {
    pub fn resolve(format: OutputFormat, choice: ColorChoice) -> Self {
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = decide_color(choice, no_color_env, stdout_is_terminal);
        Self {
            format,
            color,
            stdout_is_terminal,
        }
    }
}

/// Pure colour decision (unit-tested).
pub fn decide_color(choice: ColorChoice, no_color_env: bool, stdout_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color_env && stdout_is_terminal,
    }
}

/// Write text to stdout; a closed pipe exits the process quietly with code 0.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Serialise a value as pretty JSON (with a trailing newline) for `-o json`.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::failed(format!("cannot encode JSON output: {e}")))
}

/// Serialise a value as YAML for `-o yaml`.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_saphyr::to_string(value)
        .map_err(|e| Error::failed(format!("cannot encode YAML output: {e}")))
}

/// Print an error as `error: <message>` and, when there is one, `hint: <next step>` on stderr.
pub fn print_error(err: &Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", err.message);
    if let Some(hint) = &err.hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_rules() {
        assert!(decide_color(ColorChoice::Always, true, false));
        assert!(!decide_color(ColorChoice::Never, false, true));
        assert!(decide_color(ColorChoice::Auto, false, true));
        assert!(!decide_color(ColorChoice::Auto, true, true));
        assert!(!decide_color(ColorChoice::Auto, false, false));
    }
}
