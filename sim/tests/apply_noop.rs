//! A server-side apply that changes nothing must leave the object untouched (same
//! resourceVersion), even when the clock moved on — as a real API server does. Clients (our
//! install-monitoring) rely on this to report `unchanged`.

mod common;

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams};

#[tokio::test]
async fn identical_apply_keeps_the_resource_version_across_a_second_boundary() {
    let sim = common::start(&[]).await;
    let client = common::client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let doc = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "noop", "namespace": "default"}, "data": {"a": "1"}});
    let params = PatchParams::apply("oc-llmd").force();
    let first = cms
        .patch("noop", &params, &Patch::Apply(&doc))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = cms
        .patch("noop", &params, &Patch::Apply(&doc))
        .await
        .unwrap();
    assert_eq!(
        first.metadata.resource_version,
        second.metadata.resource_version
    );

    // A real change still updates the object and the manager's entry.
    let changed = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "noop", "namespace": "default"}, "data": {"a": "1", "b": "2"}});
    let third = cms
        .patch("noop", &params, &Patch::Apply(&changed))
        .await
        .unwrap();
    assert_ne!(
        second.metadata.resource_version,
        third.metadata.resource_version
    );
}
