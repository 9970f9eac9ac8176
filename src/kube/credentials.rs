//! The bearer token the kubeconfig user presents, for services that accept cluster tokens
//! (Thanos Querier's kube-rbac-proxy). Sources, in kubectl's order: a static `token`, a
//! `tokenFile`, an exec credential plugin (run once, non-interactively). Client certificates carry
//! no token: then the caller must use `--token` or `--prometheus-url`.

use std::process::{Command, Stdio};

use secrecy::ExposeSecret;

use crate::error::{Error, Result};

/// A bearer token whose value is never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The raw value, only for building an Authorization header.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// The user's token, or None when the user authenticates without one (client certificates).
pub fn bearer_token(config: &kube::Config) -> Result<Option<BearerToken>> {
    let auth = &config.auth_info;
    if let Some(token) = &auth.token {
        return Ok(Some(BearerToken::new(token.expose_secret().trim())));
    }
    if let Some(path) = &auth.token_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::usage(format!("cannot read the kubeconfig tokenFile {path}: {e}"))
        })?;
        return Ok(Some(BearerToken::new(text.trim())));
    }
    if let Some(exec) = &auth.exec {
        let Some(command) = &exec.command else {
            return Err(Error::usage(
                "the kubeconfig exec credential plugin has no command",
            ));
        };
        let mut cmd = Command::new(command);
        cmd.args(exec.args.iter().flatten())
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        for env in exec.env.iter().flatten() {
            if let (Some(name), Some(value)) = (env.get("name"), env.get("value")) {
                cmd.env(name, value);
            }
        }
        let output = cmd.output().map_err(|e| {
            Error::unreachable(format!(
                "cannot run the kubeconfig credential plugin {command:?}: {e}"
            ))
            .with_hint("install the plugin or log in again (`oc login`)")
        })?;
        if !output.status.success() {
            return Err(Error::unreachable(format!(
                "the kubeconfig credential plugin {command:?} failed ({})",
                output.status
            ))
            .with_hint("its token may have expired: log in again"));
        }
        let cred: ExecCredential = serde_json::from_slice(&output.stdout).map_err(|e| {
            Error::unreachable(format!(
                "the credential plugin {command:?} printed invalid JSON: {e}"
            ))
        })?;
        return Ok(cred.status.and_then(|s| s.token).map(BearerToken::new));
    }
    Ok(None)
}

/// The part of `client.authentication.k8s.io` ExecCredential we read.
#[derive(serde::Deserialize)]
struct ExecCredential {
    status: Option<ExecCredentialStatus>,
}

#[derive(serde::Deserialize)]
struct ExecCredentialStatus {
    token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_debug_is_redacted() {
        let t = BearerToken::new("sha256~secret");
        assert!(!format!("{t:?}").contains("secret"));
        assert_eq!(t.reveal(), "sha256~secret");
    }
}
