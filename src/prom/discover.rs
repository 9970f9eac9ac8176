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
    Ok(detected_from(&answer.data, answer.warnings))
}

/// Pure: the naming from the vLLM/EPP series names an answer to [`naming::discovery_selector`]
/// listed (`None` when it listed none) — for callers that already asked.
pub fn detected_from(names: &[String], warnings: Vec<String>) -> Option<Detected> {
    (!names.is_empty()).then(|| Detected {
        naming: Naming::detect(names),
        series_names: names.len(),
        warnings,
    })
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
