//! How the plugin was invoked: as `kubectl-llmd` (kubectl llmd) or `oc-llmd` (oc llmd).
//!
//! Usage text, hints and examples name the command the user actually typed.

use std::ffi::OsStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    Kubectl,
    Oc,
}

impl Invocation {
    /// `oc-llmd` (or anything starting with `oc`) means oc; everything else kubectl.
    pub fn from_argv0(argv0: Option<&OsStr>) -> Self {
        let name = argv0
            .and_then(|a| std::path::Path::new(a).file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with("oc-") || name.starts_with("oc_") {
            Self::Oc
        } else {
            Self::Kubectl
        }
    }

    /// `oc llmd` or `kubectl llmd`.
    pub fn display(self) -> &'static str {
        match self {
            Self::Kubectl => "kubectl llmd",
            Self::Oc => "oc llmd",
        }
    }

    /// The client binary the user runs for follow-up commands in hints (`oc` or `kubectl`).
    pub fn client(self) -> &'static str {
        match self {
            Self::Kubectl => "kubectl",
            Self::Oc => "oc",
        }
    }

    /// Name the clap command so usage lines read `Usage: oc llmd doctor …`.
    pub fn decorate(self, cmd: clap::Command) -> clap::Command {
        cmd.bin_name(self.display()).display_name(self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_decides() {
        assert_eq!(
            Invocation::from_argv0(Some(OsStr::new("/usr/local/bin/oc-llmd"))),
            Invocation::Oc
        );
        assert_eq!(
            Invocation::from_argv0(Some(OsStr::new("kubectl-llmd"))),
            Invocation::Kubectl
        );
        assert_eq!(Invocation::from_argv0(None), Invocation::Kubectl);
        assert_eq!(Invocation::Oc.display(), "oc llmd");
    }
}
