//! The template variables every dashboard shares: `namespace`, `llmisvc` (the LLMInferenceService
//! label of the naming: `llm_isvc_name` with OpenShift AI relabelling, else `model_name`) and `pod`,
//! chained, each fed by `label_values` on the vLLM running-requests gauge (present in every naming).

use super::model::Variable;
use super::promql::{Queries, VAR_NAMESPACE, VAR_POD, VAR_SERVICE};
use crate::metrics::{Concept, naming};

pub fn standard(q: &Queries) -> Vec<Variable> {
    let source = Concept::VllmRunning;
    let ns = naming::NAMESPACE_LABEL;
    let svc = q.service();
    let mut out = Vec::new();
    let mut push = |name: &str, label: &str, query: Option<String>| {
        if let Some(query) = query {
            out.push(Variable {
                name: name.to_string(),
                label: label.to_string(),
                query,
            });
        }
    };
    push(VAR_NAMESPACE, "Namespace", q.label_values(source, ns, &[]));
    let service_title = if svc == naming::LLM_ISVC_NAME_LABEL {
        "LLMInferenceService"
    } else {
        "Model"
    };
    push(
        VAR_SERVICE,
        service_title,
        q.label_values(source, svc, &[(ns, VAR_NAMESPACE)]),
    );
    push(
        VAR_POD,
        "Pod",
        q.label_values(
            source,
            naming::POD_LABEL,
            &[(ns, VAR_NAMESPACE), (svc, VAR_SERVICE)],
        ),
    );
    out
}
