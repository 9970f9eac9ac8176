//! What install-monitoring needs from the simulator beyond plain CRUD: a server-side apply carrying
//! a stale `resourceVersion` gets 409 Conflict (as on a real API server), the `Edit` fault changes
//! an object right after a client read it, and OLM installs the Grafana Operator a moment after its
//! Subscription appears.

mod common;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use llmd_sim::{FaultAction, FaultRule, Faults};
use serde_json::json;

fn code(e: kube::Error) -> u16 {
    match e {
        kube::Error::Api(s) => s.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn apply_with_a_stale_resource_version_conflicts_and_edit_fault_makes_it_stale() {
    let sim = common::start(&[]).await;
    let client = common::client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "ns1");
    let made = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "cfg"}, "data": {"a": "1"}}))
                .unwrap(),
        )
        .await
        .unwrap();
    let rv = made.metadata.resource_version.clone().unwrap();
    let params = PatchParams::apply("oc-llmd").force();
    let doc = |rv: &str, v: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "ns1", "resourceVersion": rv},
            "data": {"b": v}})
    };
    // Someone edits the ConfigMap right after our read.
    sim.set_faults(Faults {
        rules: vec![FaultRule {
            resource: "configmaps".into(),
            verb: Some("get".into()),
            action: FaultAction::Edit,
            patch: Some(json!({"data": {"other": "edit"}})),
            times: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    });
    let read = cms.get("cfg").await.unwrap();
    assert_eq!(read.metadata.resource_version.as_deref(), Some(rv.as_str()));
    let err = cms
        .patch("cfg", &params, &Patch::Apply(&doc(&rv, "x")))
        .await
        .unwrap_err();
    assert_eq!(code(err), 409, "the apply was preconditioned on {rv}");
    let now = cms.get("cfg").await.unwrap();
    let data = now.data.clone().unwrap();
    assert_eq!(data.get("other").map(String::as_str), Some("edit"));
    assert!(!data.contains_key("b"), "the stale apply wrote nothing");
    // With the current resourceVersion it goes through.
    let fresh = now.metadata.resource_version.unwrap();
    let applied = cms
        .patch("cfg", &params, &Patch::Apply(&doc(&fresh, "y")))
        .await
        .unwrap();
    assert_eq!(
        applied.data.unwrap().get("b").map(String::as_str),
        Some("y")
    );
}

#[tokio::test]
async fn olm_installs_the_grafana_operator_after_a_delay() {
    let crds = llmd_sim::scenarios::CRDS;
    let sim = common::start(&[crds]).await;
    let client = common::client(&sim, "admin").await;
    // The shared CRDs serve Grafana kinds; drop them to model "operator not installed".
    let crd_api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &kube::api::GroupVersionKind::gvk(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
            ),
            "customresourcedefinitions",
        ),
    );
    for name in [
        "grafanas.grafana.integreatly.org",
        "grafanadatasources.grafana.integreatly.org",
        "grafanadashboards.grafana.integreatly.org",
        "grafanafolders.grafana.integreatly.org",
    ] {
        crd_api.delete(name, &Default::default()).await.unwrap();
    }
    let grafanas = ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk("grafana.integreatly.org", "v1beta1", "Grafana"),
        "grafanas",
    );
    let g: Api<DynamicObject> = Api::namespaced_with(client.clone(), "ns1", &grafanas);
    assert_eq!(code(g.list(&Default::default()).await.unwrap_err()), 404);

    let subs_ar = ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk("operators.coreos.com", "v1alpha1", "Subscription"),
        "subscriptions",
    );
    let subs: Api<DynamicObject> = Api::namespaced_with(client.clone(), "ns1", &subs_ar);
    let sub: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription",
        "metadata": {"name": "grafana-operator", "namespace": "ns1"},
        "spec": {"channel": "v5", "name": "grafana-operator", "source": "community-operators",
            "sourceNamespace": "openshift-marketplace"}}))
    .unwrap();
    let started = Instant::now();
    subs.create(&PostParams::default(), &sub).await.unwrap();
    // Not at once: the CSV is not there right after the write.
    let csvs_ar = ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk(
            "operators.coreos.com",
            "v1alpha1",
            "ClusterServiceVersion",
        ),
        "clusterserviceversions",
    );
    let csvs: Api<DynamicObject> = Api::namespaced_with(client.clone(), "ns1", &csvs_ar);
    assert!(
        csvs.get_opt("grafana-operator.v5.24.0")
            .await
            .unwrap()
            .is_none()
            || started.elapsed() >= llmd_sim::controllers::OLM_DELAY
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let csv = loop {
        if let Some(csv) = csvs.get_opt("grafana-operator.v5.24.0").await.unwrap() {
            break csv;
        }
        assert!(Instant::now() < deadline, "OLM never installed the CSV");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(started.elapsed() >= llmd_sim::controllers::OLM_DELAY);
    assert_eq!(csv.data["status"]["phase"], "Succeeded");
    let sub = subs.get("grafana-operator").await.unwrap();
    assert_eq!(
        sub.data["status"]["installedCSV"],
        "grafana-operator.v5.24.0"
    );
    g.list(&Default::default()).await.unwrap();
}
