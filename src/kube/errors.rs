//! Turning kube-rs failures into one-line user errors with the right exit code.
//!
//! 401 and every transport/TLS/credential failure -> exit 3 ("cluster unreachable or
//! authentication failed"); 403 -> exit 4 naming the verb and resource; anything else the server
//! answered -> exit 1 with its message.

use crate::error::Error;

/// Map a kube error for `verb` on `what` (e.g. "list", "llminferenceservices.serving.kserve.io").
pub fn map_kube_error(err: kube::Error, verb: &str, what: &str, server: &str) -> Error {
    match err {
        kube::Error::Api(status) => match status.code {
            401 => Error::unreachable(format!("authentication to {server} failed (401 Unauthorized)"))
                .with_hint("your token is missing or expired: log in again with `oc login` (or refresh the kubeconfig)"),
            403 => Error::forbidden(format!("forbidden: cannot {verb} {what}: {}", status.message)).with_hint(format!(
                "ask a cluster admin for RBAC permission to {verb} {what}, or narrow the scope with -n NAMESPACE"
            )),
            404 => Error::failed(format!("{what} not found: {}", status.message)),
            code => Error::failed(format!("the API server refused to {verb} {what}: {} ({code})", status.message)),
        },
        kube::Error::Auth(e) => Error::unreachable(format!("cannot get credentials for {server}: {e}"))
            .with_hint("the kubeconfig user's credential plugin or token failed: run `oc login` again, or check the exec plugin is installed"),
        kube::Error::HyperError(e) => unreachable_error(server, &e.to_string()),
        kube::Error::Service(e) => unreachable_error(server, &error_chain(e.as_ref())),
        kube::Error::RustlsTls(e) => Error::unreachable(format!("TLS error talking to {server}: {e}"))
            .with_hint("check the kubeconfig's certificate-authority, or pass --certificate-authority"),
        kube::Error::SerdeError(e) => Error::failed(format!("unexpected answer to {verb} {what}: {e}")),
        other => Error::failed(format!("cannot {verb} {what}: {other}")),
    }
}

fn unreachable_error(server: &str, detail: &str) -> Error {
    let lower = detail.to_lowercase();
    // A connection the server closed mid-request mentions TLS (close_notify) but is no handshake
    // failure: name it for what it is.
    let dropped = [
        "close_notify",
        "connection closed",
        "connection reset",
        "broken pipe",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let what = if dropped {
        "connection dropped"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        "TLS handshake failed"
    } else if lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed")
    {
        "timed out"
    } else {
        "cannot connect"
    };
    let hint = if what == "TLS handshake failed" {
        "the server certificate is not trusted: check the kubeconfig's certificate-authority or pass --certificate-authority"
    } else {
        "check the server URL in your kubeconfig, your network/VPN, and that the cluster is up (`oc whoami --show-server`)"
    };
    Error::unreachable(format!("{what}: {server} ({detail})")).with_hint(hint)
}

/// Join an error and its sources: kube wraps the useful cause several levels deep.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
