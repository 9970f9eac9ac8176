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
/// naming. No such series at all is an error (exit 1) whose hint points at doctor and `--naming`.
pub async fn detect_naming(client: &PromClient, namespace: Option<&str>) -> Result<Detected> {
    let selector = naming::discovery_selector(namespace);
    let answer = client.metric_names(&[selector]).await?;
    if answer.data.is_empty() {
        let scope = namespace
            .map(|ns| format!(" in namespace {ns}"))
            .unwrap_or_default();
        return Err(Error::failed(format!(
            "Prometheus at {} holds no vLLM or EPP series{scope}",
            client.base_url().trim_end_matches('/')
        ))
        .with_hint(
            "check that the LLMInferenceService is scraped (`oc llmd doctor`), or pass --naming <variant>",
        ));
    }
    Ok(Detected {
        naming: Naming::detect(&answer.data),
        series_names: answer.data.len(),
        warnings: answer.warnings,
    })
}
