//! kube-rs against the simulated API server: every verb, errors, watch, SSA, reviews, controllers.

mod common;

use std::time::Duration;

use common::*;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, ServiceAccount};
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, PropagationPolicy,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Discovery;
use serde_json::json;

fn widgets(client: kube::Client, ns: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    Api::namespaced_with(client, ns, &ar)
}

fn api_err(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_list_selectors_and_discovery() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::all(client.clone());
    let all = pods.list(&ListParams::default()).await.unwrap();
    let mut names: Vec<_> = all
        .items
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["db-1", "web-1"]);
    assert!(all.metadata.resource_version.is_some());
    let ns1: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    let p = ns1.get("web-1").await.unwrap();
    assert_eq!(p.status.unwrap().phase.as_deref(), Some("Running"));
    for (sel, want) in [
        ("app=web", 1),
        ("app in (web,db)", 2),
        ("app notin (web)", 1),
        ("!tier", 1),
        ("tier", 1),
    ] {
        let l = pods.list(&ListParams::default().labels(sel)).await.unwrap();
        assert_eq!(l.items.len(), want, "{sel}");
    }
    let l = pods
        .list(&ListParams::default().fields("status.phase=Pending"))
        .await
        .unwrap();
    assert_eq!(l.items[0].metadata.name.as_deref(), Some("db-1"));
    let l = pods
        .list(&ListParams::default().fields("metadata.namespace=ns1,metadata.name=web-1"))
        .await
        .unwrap();
    assert_eq!(l.items.len(), 1);
    // Implicit namespace ns2 exists and is Active.
    let ns: Api<Namespace> = Api::all(client.clone());
    let ns2 = ns.get("ns2").await.unwrap();
    assert_eq!(ns2.status.unwrap().phase.as_deref(), Some("Active"));
    // Discovery sees the CRD's group with v1 preferred.
    let d = Discovery::new(client.clone()).run().await.unwrap();
    let g = d
        .groups()
        .find(|g| g.name() == "example.com")
        .expect("example.com discovered");
    assert_eq!(g.preferred_version_or_latest(), "v1");
    // Served under both versions, one stored copy.
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1alpha1", "Widget"),
        "widgets",
    );
    let old: Api<DynamicObject> = Api::namespaced_with(client.clone(), "ns1", &ar);
    assert_eq!(
        old.get("w1").await.unwrap().types.unwrap().api_version,
        "example.com/v1alpha1"
    );
}

#[tokio::test]
async fn pagination_with_limit_and_continue() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    for i in 0..23 {
        let cm: ConfigMap = serde_json::from_value(
            json!({"metadata": {"name": format!("cm-{i:02}")}, "data": {"i": i.to_string()}}),
        )
        .unwrap();
        cms.create(&PostParams::default(), &cm).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut lp = ListParams::default().limit(10);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = cms.list(&lp).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|c| c.metadata.name.clone().unwrap()));
        match page.metadata.continue_ {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 23);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 23);
}

#[tokio::test]
async fn error_bodies_404_401_403_409() {
    let sim = start(&[]).await;
    let admin = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "ns1");
    let e = api_err(pods.get("nope").await.unwrap_err());
    assert_eq!((e.code, e.reason.as_str()), (404, "NotFound"));
    assert_eq!(e.message, "pods \"nope\" not found");
    assert!(pods.get_opt("nope").await.unwrap().is_none());
    let e = api_err(widgets(admin.clone(), "ns1").get("nope").await.unwrap_err());
    assert_eq!(e.message, "widgets.example.com \"nope\" not found");

    let bad = client_from(&kubeconfig_with_token(&sim, "wrong")).await;
    let e = api_err(
        Api::<Pod>::all(bad)
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (401, "Unauthorized"));

    let alice = client(&sim, "alice").await;
    let e = api_err(
        Api::<Pod>::all(alice)
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        e.message,
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
    );

    // bob views ns1 through a RoleBinding to his group, nothing elsewhere, no secrets.
    let bob = client(&sim, "bob").await;
    assert_eq!(
        Api::<Pod>::namespaced(bob.clone(), "ns1")
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let e = api_err(
        Api::<Pod>::namespaced(bob.clone(), "ns2")
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 403);
    assert!(
        Api::<Secret>::namespaced(bob.clone(), "ns1")
            .list(&ListParams::default())
            .await
            .is_err()
    );

    let cms: Api<ConfigMap> = Api::namespaced(admin.clone(), "ns1");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "c"}, "data": {"a": "1"}})).unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    let e = api_err(cms.create(&PostParams::default(), &cm).await.unwrap_err());
    assert_eq!((e.code, e.reason.as_str()), (409, "AlreadyExists"));
    // Update with a stale resourceVersion conflicts.
    let mut stale = created.clone();
    let mut fresh = created.clone();
    fresh.data = Some([("a".to_string(), "2".to_string())].into());
    cms.replace("c", &PostParams::default(), &fresh)
        .await
        .unwrap();
    stale.data = Some([("a".to_string(), "3".to_string())].into());
    let e = api_err(
        cms.replace("c", &PostParams::default(), &stale)
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
    // Create into a missing namespace.
    let e = api_err(
        Api::<ConfigMap>::namespaced(admin, "ghost")
            .create(&PostParams::default(), &cm)
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 404);
    assert_eq!(e.message, "namespaces \"ghost\" not found");
}

#[tokio::test]
async fn server_side_apply_ownership_conflicts_force_and_dry_run() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1", "b": "1"}});
    // dry run creates nothing.
    cms.patch(
        "ssa",
        &PatchParams::apply("alpha").dry_run(),
        &Patch::Apply(&doc),
    )
    .await
    .unwrap();
    assert!(cms.get_opt("ssa").await.unwrap().is_none());
    let created = cms
        .patch("ssa", &PatchParams::apply("alpha"), &Patch::Apply(&doc))
        .await
        .unwrap();
    let mf = created.metadata.managed_fields.unwrap();
    assert_eq!(mf[0].manager.as_deref(), Some("alpha"));
    assert_eq!(mf[0].operation.as_deref(), Some("Apply"));
    // Another manager changing alpha's field without force: 409.
    let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "2"}});
    let e = api_err(
        cms.patch("ssa", &PatchParams::apply("beta"), &Patch::Apply(&other))
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
    assert!(
        e.message.contains("conflict with \"alpha\""),
        "{}",
        e.message
    );
    assert!(e.message.contains(".data.a"), "{}", e.message);
    let forced = cms
        .patch(
            "ssa",
            &PatchParams::apply("beta").force(),
            &Patch::Apply(&other),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.as_ref().unwrap()["a"], "2");
    // alpha re-applies without b: b goes, a stays (beta's).
    let fewer =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {}});
    let after = cms
        .patch("ssa", &PatchParams::apply("alpha"), &Patch::Apply(&fewer))
        .await
        .unwrap();
    assert_eq!(
        after.data.unwrap(),
        [("a".to_string(), "2".to_string())].into()
    );
    // Unchanged apply keeps the resourceVersion.
    let again = cms
        .patch("ssa", &PatchParams::apply("beta"), &Patch::Apply(&other))
        .await
        .unwrap();
    let same = cms
        .patch("ssa", &PatchParams::apply("beta"), &Patch::Apply(&other))
        .await
        .unwrap();
    assert_eq!(
        again.metadata.resource_version,
        same.metadata.resource_version
    );
    // dry run on update does not change.
    let change = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "9"}});
    cms.patch(
        "ssa",
        &PatchParams::apply("beta").dry_run(),
        &Patch::Apply(&change),
    )
    .await
    .unwrap();
    assert_eq!(cms.get("ssa").await.unwrap().data.unwrap()["a"], "2");
}

#[tokio::test]
async fn merge_json_and_strategic_patches() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    let p = pods
        .patch(
            "web-1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"tier": null, "x": "y"}}})),
        )
        .await
        .unwrap();
    let labels = p.metadata.labels.unwrap();
    assert_eq!(labels.get("x").map(String::as_str), Some("y"));
    assert!(!labels.contains_key("tier"));
    // kube 5 links json-patch 4, so send the JSON patch as a raw request.
    let body =
        serde_json::to_vec(&json!([{"op": "replace", "path": "/metadata/labels/x", "value": "z"}]))
            .unwrap();
    let req = http::Request::patch("/api/v1/namespaces/ns1/pods/web-1")
        .header("content-type", "application/json-patch+json")
        .body(body)
        .unwrap();
    let p: Pod = client.request(req).await.unwrap();
    assert_eq!(p.metadata.labels.unwrap()["x"], "z");
    let p = pods
        .patch(
            "web-1",
            &PatchParams::default(),
            &Patch::Strategic(
                json!({"spec": {"containers": [{"name": "side", "image": "busybox"}]}}),
            ),
        )
        .await
        .unwrap();
    let names: Vec<_> = p
        .spec
        .unwrap()
        .containers
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["c", "side"]);
}

/// A guarded JSON patch on a custom resource: applied when its `test` op holds; when it fails the
/// whole patch is refused with 422 Invalid and the API server's fixed message, nothing written.
#[tokio::test]
async fn json_patch_test_ops_guard_custom_resources() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let send = |patch: serde_json::Value| {
        let client = client.clone();
        async move {
            let req = http::Request::patch("/apis/example.com/v1/namespaces/ns1/widgets/w1")
                .header("content-type", "application/json-patch+json")
                .body(serde_json::to_vec(&patch).unwrap())
                .unwrap();
            client.request::<DynamicObject>(req).await
        }
    };
    let ok = send(json!([
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 2},
        {"op": "add", "path": "/spec/args", "value": ["--a"]},
    ]))
    .await
    .unwrap();
    assert_eq!(ok.data["spec"], json!({"replicas": 2, "args": ["--a"]}));
    let rv = ok.metadata.resource_version.clone();
    // The value changed since it was read (1 → 2): the test op fails, nothing is written.
    let err = api_err(
        send(json!([
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 5},
        ]))
        .await
        .unwrap_err(),
    );
    assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        err.message,
        "the server rejected our request due to an error in our request"
    );
    let now = widgets(client.clone(), "ns1").get("w1").await.unwrap();
    assert_eq!(now.data["spec"]["replicas"], 2);
    assert_eq!(now.metadata.resource_version, rv);
}

#[tokio::test]
async fn status_subresource_and_generation() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let w = widgets(client.clone(), "ns1");
    // Main resource writes ignore status.
    let p = w
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}, "status": {"ready": false}})),
        )
        .await
        .unwrap();
    assert_eq!(p.data["status"]["ready"], true);
    assert_eq!(p.data["spec"]["replicas"], 3);
    assert_eq!(p.metadata.generation, Some(2));
    // The status subresource only touches status.
    let s = w
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"ready": false}, "spec": {"replicas": 7}})),
        )
        .await
        .unwrap();
    assert_eq!(s.data["status"]["ready"], false);
    assert_eq!(s.data["spec"]["replicas"], 3);
    assert_eq!(s.metadata.generation, Some(2));
    let got = w.get_status("w1").await.unwrap();
    assert_eq!(got.data["status"]["ready"], false);
    // A created CR loses status.
    let mut obj = DynamicObject::new(
        "w2",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("example.com", "v1", "Widget"),
            "widgets",
        ),
    );
    obj.data = json!({"spec": {"replicas": 1}, "status": {"ready": true}});
    let created = w.create(&PostParams::default(), &obj).await.unwrap();
    assert!(created.data.get("status").is_none());
}

#[tokio::test]
async fn delete_with_propagation() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    let owner = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "owner"}})).unwrap(),
        )
        .await
        .unwrap();
    let uid = owner.metadata.uid.clone().unwrap();
    for name in ["dep-a", "dep-b"] {
        let dep: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name, "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]}}))
            .unwrap();
        cms.create(&PostParams::default(), &dep).await.unwrap();
    }
    cms.delete("owner", &DeleteParams::default()).await.unwrap();
    assert!(cms.get_opt("owner").await.unwrap().is_none());
    assert!(cms.get_opt("dep-a").await.unwrap().is_none());
    // Orphan keeps dependents and strips the owner reference.
    let owner = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "owner2"}})).unwrap(),
        )
        .await
        .unwrap();
    let dep: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "dep-c", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner2", "uid": owner.metadata.uid.unwrap()}]}}))
    .unwrap();
    cms.create(&PostParams::default(), &dep).await.unwrap();
    let dp = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Orphan),
        ..Default::default()
    };
    cms.delete("owner2", &dp).await.unwrap();
    let kept = cms.get("dep-c").await.unwrap();
    assert!(
        kept.metadata
            .owner_references
            .unwrap_or_default()
            .is_empty()
    );
    // dry-run delete keeps the object; deletecollection with a selector.
    cms.delete(
        "dep-c",
        &DeleteParams {
            dry_run: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(cms.get_opt("dep-c").await.unwrap().is_some());
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    pods.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("app=web"),
    )
    .await
    .unwrap();
    assert!(
        pods.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn watch_sees_changes() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    let cms2 = cms.clone();
    let waiter = tokio::spawn(async move {
        let cond = |o: Option<&ConfigMap>| {
            o.and_then(|c| c.data.as_ref())
                .is_some_and(|d| d.get("ready").map(String::as_str) == Some("yes"))
        };
        tokio::time::timeout(
            Duration::from_secs(10),
            kube::runtime::wait::await_condition(cms2, "later", cond),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "later"}, "data": {"ready": "no"}}))
            .unwrap(),
    )
    .await
    .unwrap();
    cms.patch(
        "later",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"ready": "yes"}})),
    )
    .await
    .unwrap();
    let got = waiter
        .await
        .unwrap()
        .expect("condition met in time")
        .unwrap();
    assert_eq!(got.unwrap().data.unwrap()["ready"], "yes");

    // A raw watch from a resourceVersion sees MODIFIED and DELETED, filtered by label.
    let list = cms.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    let stream = cms
        .watch(
            &kube::api::WatchParams::default().labels("w=1").timeout(5),
            &rv,
        )
        .await
        .unwrap();
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "w", "labels": {"w": "1"}}})).unwrap(),
    )
    .await
    .unwrap();
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "unlabelled"}})).unwrap(),
    )
    .await
    .unwrap();
    cms.delete("w", &DeleteParams::default()).await.unwrap();
    let events: Vec<_> = stream.take(2).try_collect().await.unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            kube::api::WatchEvent::Added(_) => "ADDED",
            kube::api::WatchEvent::Deleted(_) => "DELETED",
            kube::api::WatchEvent::Modified(_) => "MODIFIED",
            _ => "OTHER",
        })
        .collect();
    assert_eq!(kinds, ["ADDED", "DELETED"]);

    // kube-runtime watcher gets the initial list then live events.
    let mut w = kube::runtime::watcher(cms.clone(), Default::default()).boxed();
    let mut init_done = false;
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(5), w.next())
        .await
        .unwrap()
    {
        if let kube::runtime::watcher::Event::InitDone = ev.unwrap() {
            init_done = true;
            break;
        }
    }
    assert!(init_done);
}

#[tokio::test]
async fn token_request_review_and_sa_secret_controller() {
    let sim = start(&[]).await;
    let admin = client(&sim, "admin").await;
    let sas: Api<ServiceAccount> = Api::namespaced(admin.clone(), "ns1");
    let tr = sas
        .create_token_request("reader", &PostParams::default(), &Default::default())
        .await
        .unwrap();
    let token = tr.status.unwrap().token.unwrap();
    assert!(!token.is_empty());
    // The token authenticates as the SA, which has no rights yet.
    let sa_client = client_from(&kubeconfig_with_token(&sim, &token)).await;
    let e = api_err(
        Api::<Pod>::namespaced(sa_client.clone(), "ns1")
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert!(
        e.message.contains("system:serviceaccount:ns1:reader"),
        "{}",
        e.message
    );
    // SelfSubjectAccessReview answered from RBAC.
    let ssar: k8s_openapi::api::authorization::v1::SelfSubjectAccessReview =
        serde_json::from_value(json!({
        "spec": {"resourceAttributes": {"namespace": "ns1", "verb": "list", "resource": "pods"}}}))
        .unwrap();
    let api: Api<k8s_openapi::api::authorization::v1::SelfSubjectAccessReview> =
        Api::all(sa_client.clone());
    assert!(
        !api.create(&PostParams::default(), &ssar)
            .await
            .unwrap()
            .status
            .unwrap()
            .allowed
    );
    let rb = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader-view", "namespace": "ns1"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "ns1"}],
        "roleRef": {"kind": "ClusterRole", "name": "view", "apiGroup": "rbac.authorization.k8s.io"}});
    let rbs: Api<k8s_openapi::api::rbac::v1::RoleBinding> = Api::namespaced(admin.clone(), "ns1");
    rbs.patch(
        "reader-view",
        &PatchParams::apply("test"),
        &Patch::Apply(&rb),
    )
    .await
    .unwrap();
    assert!(
        api.create(&PostParams::default(), &ssar)
            .await
            .unwrap()
            .status
            .unwrap()
            .allowed
    );
    assert_eq!(
        Api::<Pod>::namespaced(sa_client, "ns1")
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // TokenReview (what the Thanos front uses).
    let tr: k8s_openapi::api::authentication::v1::TokenReview =
        serde_json::from_value(json!({"spec": {"token": token}})).unwrap();
    let out = Api::<k8s_openapi::api::authentication::v1::TokenReview>::all(admin.clone())
        .create(&PostParams::default(), &tr)
        .await
        .unwrap();
    let st = out.status.unwrap();
    assert_eq!(st.authenticated, Some(true));
    assert_eq!(
        st.user.unwrap().username.as_deref(),
        Some("system:serviceaccount:ns1:reader")
    );
    // SubjectAccessReview for the monitoring path.
    let sar: k8s_openapi::api::authorization::v1::SubjectAccessReview = serde_json::from_value(json!({"spec": {
        "user": "system:serviceaccount:ns1:reader", "groups": ["system:serviceaccounts"],
        "resourceAttributes": {"namespace": "ns1", "verb": "get", "group": "metrics.k8s.io", "resource": "pods"}}})).unwrap();
    let out = Api::<k8s_openapi::api::authorization::v1::SubjectAccessReview>::all(admin.clone())
        .create(&PostParams::default(), &sar)
        .await
        .unwrap();
    assert!(out.status.unwrap().allowed);
    // SA token Secret controller.
    let secrets: Api<Secret> = Api::namespaced(admin.clone(), "ns1");
    let s: Secret = serde_json::from_value(json!({"metadata": {"name": "reader-token", "annotations": {
        "kubernetes.io/service-account.name": "reader"}}, "type": "kubernetes.io/service-account-token"})).unwrap();
    secrets.create(&PostParams::default(), &s).await.unwrap();
    let got = secrets.get("reader-token").await.unwrap();
    let data = got.data.unwrap();
    let token = String::from_utf8(data["token"].0.clone()).unwrap();
    assert!(data.contains_key("ca.crt"));
    assert_eq!(data["namespace"].0, b"ns1");
    let sa_client = client_from(&kubeconfig_with_token(&sim, &token)).await;
    assert_eq!(
        Api::<Pod>::namespaced(sa_client, "ns1")
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

const GRAFANA_CRDS: &[&str] = &[
    "grafana-operator/v5.24.0_grafana.integreatly.org_grafanas.yaml",
    "grafana-operator/v5.24.0_grafana.integreatly.org_grafanadatasources.yaml",
    "grafana-operator/v5.24.0_grafana.integreatly.org_grafanadashboards.yaml",
];

const ROUTE_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: routes.route.openshift.io}
spec:
  group: route.openshift.io
  scope: Namespaced
  names: {plural: routes, singular: route, kind: Route}
  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}}]
"#;

#[tokio::test]
async fn grafana_operator_and_routes() {
    let mut fixtures: Vec<String> = GRAFANA_CRDS
        .iter()
        .map(|f| std::fs::read_to_string(format!("/work/shared/reference/crds/{f}")).unwrap())
        .collect();
    fixtures.push(ROUTE_CRD.to_string());
    let refs: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    let sim = start(&refs).await;
    let client = client(&sim, "admin").await;
    let gvk = |k: &str, p: &str| {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("grafana.integreatly.org", "v1beta1", k),
            p,
        )
    };
    let ds_api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "ns1",
        &gvk("GrafanaDatasource", "grafanadatasources"),
    );
    // A datasource before any Grafana: NoMatchingInstances.
    let ds = json!({"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDatasource", "metadata": {"name": "thanos"},
        "spec": {"instanceSelector": {"matchLabels": {"dashboards": "llmd"}}, "datasource": {"name": "Thanos", "type": "prometheus", "access": "proxy", "url": "https://x"}}});
    let created = ds_api
        .patch("thanos", &PatchParams::apply("t"), &Patch::Apply(&ds))
        .await
        .unwrap();
    assert_eq!(created.data["status"]["NoMatchingInstances"], true);
    let g_api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "ns1", &gvk("Grafana", "grafanas"));
    let g = json!({"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "Grafana", "metadata": {"name": "llmd", "labels": {"dashboards": "llmd"}},
        "spec": {"route": {"spec": {}}}});
    g_api
        .patch("llmd", &PatchParams::apply("t"), &Patch::Apply(&g))
        .await
        .unwrap();
    let got = g_api.get("llmd").await.unwrap();
    assert_eq!(got.data["status"]["stage"], "complete");
    assert_eq!(got.data["status"]["stageStatus"], "success");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ns1");
    let gp = pods
        .list(&ListParams::default().labels("app=grafana"))
        .await
        .unwrap();
    assert_eq!(gp.items.len(), 1);
    assert!(
        Api::<k8s_openapi::api::apps::v1::Deployment>::namespaced(client.clone(), "ns1")
            .get("llmd-deployment")
            .await
            .is_ok()
    );
    assert!(
        Api::<k8s_openapi::api::core::v1::Service>::namespaced(client.clone(), "ns1")
            .get("llmd-service")
            .await
            .is_ok()
    );
    assert!(
        Api::<Secret>::namespaced(client.clone(), "ns1")
            .get("llmd-admin-credentials")
            .await
            .is_ok()
    );
    let routes: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "ns1",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("route.openshift.io", "v1", "Route"),
            "routes",
        ),
    );
    let r = routes.get("llmd-route").await.unwrap();
    assert_eq!(
        r.data["spec"]["host"],
        "llmd-route-ns1.apps.sim.oc-llmd.local"
    );
    // The datasource is now synchronized.
    let ds = ds_api.get("thanos").await.unwrap();
    assert_eq!(
        ds.data["status"]["conditions"][0]["type"],
        "DatasourceSynchronized"
    );
    assert!(ds.data["status"].get("NoMatchingInstances").is_none());
    // Route host override.
    sim.set_route_host("ns1", "llmd-route", "127.0.0.1:9999");
    assert_eq!(
        routes.get("llmd-route").await.unwrap().data["spec"]["host"],
        "127.0.0.1:9999"
    );
    // Deleting the Grafana takes its children.
    g_api
        .delete("llmd", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        pods.list(&ListParams::default().labels("app=grafana"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let ds = ds_api.get("thanos").await.unwrap();
    assert_eq!(ds.data["status"]["NoMatchingInstances"], true);
}

#[tokio::test]
async fn crd_created_via_api_makes_resource_exist() {
    let sim = start(&[]).await;
    let client = client(&sim, "admin").await;
    let crds: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> = Api::all(client.clone());
    let crd: serde_json::Value = serde_saphyr::from_str(ROUTE_CRD).unwrap();
    crds.patch(
        "routes.route.openshift.io",
        &PatchParams::apply("t"),
        &Patch::Apply(&crd),
    )
    .await
    .unwrap();
    let routes: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "ns1",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("route.openshift.io", "v1", "Route"),
            "routes",
        ),
    );
    let r = json!({"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "r"}, "spec": {"to": {"kind": "Service", "name": "s"}}});
    let created = routes
        .patch("r", &PatchParams::apply("t"), &Patch::Apply(&r))
        .await
        .unwrap();
    assert_eq!(created.data["spec"]["host"], "r-ns1.apps.sim.oc-llmd.local");
    crds.delete("routes.route.openshift.io", &DeleteParams::default())
        .await
        .unwrap();
    let e = api_err(routes.get("r").await.unwrap_err());
    assert_eq!(e.code, 404);
}

#[tokio::test]
async fn pod_proxy_hook() {
    let hook: llmd_sim::PodHttpHook =
        std::sync::Arc::new(|pod: &serde_json::Value, port: u16, path: &str| {
            let name = pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (port == 8000).then(|| (200, "text/plain".to_string(), format!("{name} {path}")))
        });
    let sim = start_with(|o| o.pod_http_hook = Some(hook), &[]).await;
    let client = client(&sim, "admin").await;
    let req = http::Request::get("/api/v1/namespaces/ns1/pods/web-1:8000/proxy/metrics?x=1")
        .body(Vec::new())
        .unwrap();
    let text = client.request_text(req).await.unwrap();
    assert_eq!(text, "web-1 /metrics?x=1");
    let req = http::Request::get("/api/v1/namespaces/ns1/pods/web-1:9/proxy/metrics")
        .body(Vec::new())
        .unwrap();
    let e = api_err(client.request_text(req).await.unwrap_err());
    assert_eq!(e.code, 503);
}

#[tokio::test]
async fn impersonation_status_apply_namespace_deletion_and_expired_watch() {
    let sim = start(&[]).await;
    let admin = client(&sim, "admin").await;
    // Masters may impersonate; the impersonated user is then authorized by RBAC.
    let req = http::Request::get("/api/v1/namespaces/ns1/pods")
        .header("Impersonate-User", "alice")
        .body(Vec::new())
        .unwrap();
    let e = api_err(admin.request::<serde_json::Value>(req).await.unwrap_err());
    assert!(e.message.contains("User \"alice\""), "{}", e.message);
    let req = http::Request::get("/api/v1/namespaces/ns1/pods")
        .header("Impersonate-User", "carol")
        .header("Impersonate-Group", "viewers")
        .body(Vec::new())
        .unwrap();
    assert!(admin.request::<serde_json::Value>(req).await.is_ok());
    let alice = client(&sim, "alice").await;
    let req = http::Request::get("/api/v1/namespaces/ns1/pods")
        .header("Impersonate-User", "admin")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        api_err(alice.request::<serde_json::Value>(req).await.unwrap_err()).code,
        403
    );

    // SSA on the status subresource only changes status.
    let w = widgets(admin.clone(), "ns1");
    let st = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "status": {"phase": "Done"}, "spec": {"replicas": 9}});
    let out = w
        .patch_status("w1", &PatchParams::apply("ctrl"), &Patch::Apply(&st))
        .await
        .unwrap();
    assert_eq!(out.data["status"]["phase"], "Done");
    assert_eq!(out.data["spec"]["replicas"], 1);
    let mf = out.metadata.managed_fields.unwrap();
    assert!(mf.iter().any(
        |m| m.manager.as_deref() == Some("ctrl") && m.subresource.as_deref() == Some("status")
    ));

    // A watch from a resourceVersion older than the history gets 410 Expired.
    let cms: Api<ConfigMap> = Api::namespaced(admin.clone(), "ns1");
    let mut stream = cms
        .watch(&kube::api::WatchParams::default().timeout(2), "5")
        .await
        .unwrap()
        .boxed();
    match stream.next().await {
        Some(Ok(kube::api::WatchEvent::Error(e))) => assert_eq!(e.code, 410),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }

    // Deleting a namespace deletes what is in it.
    let ns: Api<Namespace> = Api::all(admin.clone());
    ns.delete("ns1", &DeleteParams::default()).await.unwrap();
    assert!(
        Api::<Pod>::namespaced(admin.clone(), "ns1")
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(w.get_opt("w1").await.unwrap().is_none());
}

#[tokio::test]
async fn generate_name_string_data_cluster_ip_and_service_proxy() {
    let hook: llmd_sim::PodHttpHook =
        std::sync::Arc::new(|pod: &serde_json::Value, port: u16, path: &str| {
            Some((
                200,
                "text/plain".to_string(),
                format!(
                    "{}:{port}{path}",
                    pod["metadata"]["name"].as_str().unwrap_or_default()
                ),
            ))
        });
    let sim = start_with(|o| o.pod_http_hook = Some(hook), &[]).await;
    let client = client(&sim, "admin").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ns1");
    let made = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"generateName": "gen-"}})).unwrap(),
        )
        .await
        .unwrap();
    let name = made.metadata.name.unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ns1");
    let s: Secret = serde_json::from_value(
        json!({"metadata": {"name": "creds"}, "stringData": {"user": "admin"}}),
    )
    .unwrap();
    let got = secrets.create(&PostParams::default(), &s).await.unwrap();
    assert_eq!(got.data.unwrap()["user"].0, b"admin");
    assert!(got.string_data.is_none());
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(client.clone(), "ns1");
    let svc: k8s_openapi::api::core::v1::Service = serde_json::from_value(json!({"metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "metrics"}]}}))
    .unwrap();
    let svc = svcs.create(&PostParams::default(), &svc).await.unwrap();
    assert!(svc.spec.unwrap().cluster_ip.unwrap().starts_with("172.30."));
    let req = http::Request::get("/api/v1/namespaces/ns1/services/web:http/proxy/metrics")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        client.request_text(req).await.unwrap(),
        "web-1:8000/metrics"
    );
}

#[tokio::test]
async fn in_process_token_and_rbac_checks() {
    let sim = start(&[]).await;
    let store = sim.store();
    let bob = store.user_for_token("bob-token").unwrap();
    assert_eq!(bob.name, "bob");
    assert!(store.user_for_token("nope").is_none());
    let mut attrs = llmd_sim::rbac::Attributes {
        verb: "get".into(),
        group: "metrics.k8s.io".into(),
        resource: "pods".into(),
        namespace: "ns1".into(),
        ..Default::default()
    };
    assert!(
        store.allowed(&bob, &attrs),
        "view in ns1 includes pods.metrics.k8s.io"
    );
    attrs.namespace = "ns2".into();
    assert!(!store.allowed(&bob, &attrs));
}
