//! Metric-naming detection through Prometheus: one `/api/v1/label/__name__/values` call restricted
//! to the vLLM/EPP names of every generation, then the pure [`Naming::detect`].

use super::PromClient;
use crate::error::{Error, Result};
use crate::metrics::{Naming, naming};

/// The detected naming and what it was based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub naming: Naming,
    /// How many vLLM/EPP series names Prometheus holds.
    pub series_names: usize,
    /// Partial-answer warnings from Prometheus/Thanos.
    pub warnings: Vec<String>,
}

/// Ask Prometheus which vLLM/EPP series names exist (optionally in one namespace) and detect the
/// naming. `Ok(None)`: Prometheus answered but holds no such series (nothing scraped yet) — a
/// state callers explain; errors are failures to get an answer (unreachable, 401/403, 5xx).
pub async fn detect_naming(
    client: &PromClient,
    namespace: Option<&str>,
) -> Result<Option<Detected>> {
    let selector = naming::discovery_selector(namespace);
    let answer = client.metric_names(&[selector]).await?;
    if answer.data.is_empty() {
        return Ok(None);
    }
    Ok(Some(Detected {
        naming: Naming::detect(&answer.data),
        series_names: answer.data.len(),
        warnings: answer.warnings,
    }))
}

/// The error for "Prometheus holds no vLLM/EPP series" where a caller cannot go on without them.
pub fn no_series_error(client: &PromClient, namespace: Option<&str>) -> Error {
    let scope = namespace
        .map(|ns| format!(" in namespace {ns}"))
        .unwrap_or_default();
    Error::failed(format!(
        "Prometheus at {} holds no vLLM or EPP series{scope}",
        client.base_url().trim_end_matches('/')
    ))
    .with_hint("check that the LLMInferenceService is scraped (`oc llmd doctor`), or pass --naming <variant>")
}
