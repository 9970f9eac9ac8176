//! The simulated cluster's error type: what went wrong loading a scenario or starting the server,
//! always naming the fixture and document and saying what to do.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SimError {
    #[error("{fixture}: YAML document {doc} cannot be parsed: {message}")]
    Yaml {
        fixture: String,
        doc: usize,
        message: String,
    },
    #[error(
        "{fixture}: document {doc} ({api_version} {kind} {name}) has a kind this cluster does not know: \
         include the CustomResourceDefinition for {kind} in the scenario (before or after it)"
    )]
    UnknownKind {
        fixture: String,
        doc: usize,
        api_version: String,
        kind: String,
        name: String,
    },
    #[error(
        "{fixture}: document {doc} ({object}): {kind} is not served at that version (served: {served}); \
         write it with a served apiVersion or include a CRD that serves it"
    )]
    UnservedVersion {
        fixture: String,
        doc: usize,
        object: String,
        kind: String,
        served: String,
    },
    #[error("{fixture}: document {doc} is not a valid Kubernetes object: {message}")]
    InvalidObject {
        fixture: String,
        doc: usize,
        message: String,
    },
    #[error("{fixture}: document {doc} (SimConfig) is invalid: {message}")]
    Config {
        fixture: String,
        doc: usize,
        message: String,
    },
    #[error(
        "cannot listen on 127.0.0.1:{port}: {source} (choose another port, or 0 for any free one)"
    )]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot set up TLS for the simulated API server: {0}")]
    Tls(String),
    #[error("the simulated monitoring stack (Prometheus + Thanos) failed: {0}")]
    Monitoring(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}
