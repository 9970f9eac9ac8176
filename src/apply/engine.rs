//! The IO half of the apply engine: server-side apply, get, labelled list, delete and bounded
//! waits over `Api<DynamicObject>`, every failure mapped with [`crate::kube::map_kube_error`].
//!
//! Request pattern per applied object: one `GET` (to classify) and one
//! `PATCH ?fieldManager=oc-llmd&force=true` (`application/apply-patch+yaml`); nothing else writes.
//! With `dry_run` the PATCH is never sent. Waits poll `GET` with backoff (250 ms growing to 2 s)
//! until a predicate holds or the deadline passes — no watch, so no `runtime` feature is needed.

use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::Value;

use super::kinds::{Kind, ObjectKey};
use super::labels;
use super::outcome::{Outcome, classify, predict};
use crate::error::{Error, Result};
use crate::kube::{Cluster, list::Listed, map_kube_error};

/// Who owns the object we write, which decides labels and conflict handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// We created it and own it: our two labels are added and apply conflicts are forced
    /// (another manager editing our fields is drift we correct).
    Ours,
    /// Someone else's object (e.g. `cluster-monitoring-config`): the manifest carries only the
    /// fields we change, no labels are added. Force is still used, so that exactly those fields
    /// move to our manager; callers put `metadata.resourceVersion` in the manifest so a
    /// concurrent edit makes the apply fail (409) instead of being overwritten.
    ForeignFields,
}

/// One object to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub manifest: Value,
    pub ownership: Ownership,
}

impl Desired {
    pub fn ours(manifest: Value) -> Self {
        Self {
            manifest,
            ownership: Ownership::Ours,
        }
    }

    pub fn foreign_fields(manifest: Value) -> Self {
        Self {
            manifest,
            ownership: Ownership::ForeignFields,
        }
    }

    /// The exact body sent: our labels added when the object is ours.
    pub fn prepared(&self) -> Value {
        let mut manifest = self.manifest.clone();
        if self.ownership == Ownership::Ours {
            labels::inject(&mut manifest);
        }
        manifest
    }

    pub fn key(&self) -> Result<ObjectKey> {
        ObjectKey::of_manifest(&self.manifest)
    }
}

/// What applying one object did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct Applied {
    pub key: ObjectKey,
    pub outcome: Outcome,
    /// The object as the server returned it (the live object in a dry run; None when absent).
    pub live: Option<DynamicObject>,
}

/// What deleting one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    AlreadyGone,
    /// Dry run: nothing sent.
    WouldDelete,
}

/// What sending a guarded JSON patch did.
#[derive(Debug, Clone)]
pub enum JsonPatched {
    /// The server accepted it (the object as stored afterwards).
    Patched(Box<DynamicObject>),
    /// A `test` op failed or a path no longer exists (422), or the server reported a conflict
    /// (409): the object changed since it was read; nothing was written. The server's message.
    Conflict(String),
}

/// The answer of a wait predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet, with the reason shown on timeout.
    Pending(String),
}

/// The apply engine bound to one cluster connection.
#[derive(Clone)]
pub struct Engine {
    client: kube::Client,
    server: String,
    dry_run: bool,
}

impl Engine {
    pub fn new(cluster: &Cluster, dry_run: bool) -> Self {
        Self {
            client: cluster.client.clone(),
            server: cluster.server.clone(),
            dry_run,
        }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn api(&self, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        let ar = kind.api_resource();
        match (kind.namespaced, namespace) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        }
    }

    fn describe(key: &ObjectKey) -> String {
        match &key.namespace {
            Some(ns) => format!("{} {} in namespace {ns}", key.kind.display(), key.name),
            None => format!("{} {}", key.kind.display(), key.name),
        }
    }

    fn map(&self, err: kube::Error, verb: &str, key: &ObjectKey) -> Error {
        map_kube_error(err, verb, &Self::describe(key), &self.server)
    }

    /// GET one object; None when it does not exist.
    pub async fn get(&self, key: &ObjectKey) -> Result<Option<DynamicObject>> {
        self.api(&key.kind, key.namespace.as_deref())
            .get_opt(&key.name)
            .await
            .map_err(|e| self.map(e, "get", key))
    }

    /// Apply one object: GET, then server-side apply (skipped in a dry run), then classify.
    pub async fn apply(&self, desired: &Desired) -> Result<Applied> {
        let key = desired.key()?;
        let body = desired.prepared();
        let before = self.get(&key).await?;
        if self.dry_run {
            let live = before
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| Error::failed(format!("cannot read {}: {e}", key.display())))?;
            let outcome = predict(&body, live.as_ref());
            return Ok(Applied {
                key,
                outcome,
                live: before,
            });
        }
        let params = PatchParams::apply(labels::FIELD_MANAGER).force();
        let after = self
            .api(&key.kind, key.namespace.as_deref())
            .patch(&key.name, &params, &Patch::Apply(&body))
            .await
            .map_err(|e| {
                let conflict = matches!(&e, kube::Error::Api(s) if s.code == 409);
                let err = self.map(e, "patch", &key);
                if conflict {
                    err.with_hint(
                        "the object changed while oc-llmd was working on it; re-run \
                         (re-running is safe and re-reads it first)",
                    )
                } else {
                    err
                }
            })?;
        let outcome = classify(
            before
                .as_ref()
                .and_then(|o| o.metadata.resource_version.as_deref()),
            after.metadata.resource_version.as_deref(),
        );
        Ok(Applied {
            key,
            outcome,
            live: Some(after),
        })
    }

    /// Send an RFC 6902 JSON patch (`application/json-patch+json`) to one object. Its `test` ops
    /// make a concurrent edit fail the whole patch (422 Invalid from a real API server), which is
    /// reported as [`JsonPatched::Conflict`], never retried. Nothing is sent in a dry run.
    pub async fn json_patch(&self, key: &ObjectKey, patch: &Value) -> Result<JsonPatched> {
        let api = self.api(&key.kind, key.namespace.as_deref());
        let url = format!("{}/{}", api.resource_url(), key.name);
        let body = serde_json::to_vec(patch)
            .map_err(|e| Error::failed(format!("cannot encode the JSON patch: {e}")))?;
        let request = http::Request::patch(url)
            .header(http::header::CONTENT_TYPE, "application/json-patch+json")
            .header(http::header::ACCEPT, "application/json")
            .body(body)
            .map_err(|e| Error::failed(format!("cannot build the PATCH request: {e}")))?;
        match self.client.request::<DynamicObject>(request).await {
            Ok(obj) => Ok(JsonPatched::Patched(Box::new(obj))),
            Err(kube::Error::Api(s)) if s.code == 422 || s.code == 409 => {
                let detail = s
                    .details
                    .as_ref()
                    .and_then(|d| d.causes.first())
                    .map(|c| format!(" ({})", c.message))
                    .unwrap_or_default();
                Ok(JsonPatched::Conflict(format!("{}{detail}", s.message)))
            }
            Err(e) => Err(self.map(e, "patch", key)),
        }
    }

    /// Apply objects in order, calling `on_each` after each one; stops at the first failure.
    pub async fn apply_all(
        &self,
        items: &[Desired],
        mut on_each: impl FnMut(&Applied),
    ) -> Result<Vec<Applied>> {
        let mut done = Vec::with_capacity(items.len());
        for item in items {
            let applied = self.apply(item).await?;
            on_each(&applied);
            done.push(applied);
        }
        Ok(done)
    }

    /// Delete one object (background propagation); a missing object is not an error.
    pub async fn delete(&self, key: &ObjectKey) -> Result<Deleted> {
        if self.dry_run {
            return Ok(Deleted::WouldDelete);
        }
        match self
            .api(&key.kind, key.namespace.as_deref())
            .delete(&key.name, &DeleteParams::background())
            .await
        {
            Ok(_) => Ok(Deleted::Deleted),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(Deleted::AlreadyGone),
            Err(e) => Err(self.map(e, "delete", key)),
        }
    }

    /// List objects of `kind` (in `namespace`, or everywhere) matching a label selector
    /// (None: every object), paginated. Failures are data, as in [`crate::kube::list`].
    pub async fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        selector: Option<&str>,
    ) -> Listed {
        let api = self.api(kind, namespace);
        let mut params = ListParams::default();
        if let Some(sel) = selector {
            params = params.labels(sel);
        }
        crate::kube::list::list_pages(&api, params, &kind.display(), &self.server).await
    }

    /// Poll `key` until `check` says ready, or fail after `timeout` naming `what` and the last
    /// pending reason. `check` sees None while the object does not exist.
    pub async fn wait_for(
        &self,
        key: &ObjectKey,
        what: &str,
        timeout: Duration,
        check: impl Fn(Option<&DynamicObject>) -> Readiness,
    ) -> Result<DynamicObject> {
        let deadline = Instant::now() + timeout;
        let mut delay = Duration::from_millis(250);
        loop {
            let current = self.get(key).await?;
            let reason = match check(current.as_ref()) {
                Readiness::Ready => {
                    if let Some(obj) = current {
                        return Ok(obj);
                    }
                    "the object does not exist".to_string()
                }
                Readiness::Pending(reason) => reason,
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::failed(format!(
                    "timed out after {} waiting for {what}: {reason}",
                    humanize(timeout)
                ))
                .with_hint(format!(
                    "check it with `oc describe {} {}{}`, then re-run (re-running is safe); \
                     raise --timeout if the cluster is slow",
                    key.kind.display(),
                    key.name,
                    key.namespace
                        .as_deref()
                        .map(|ns| format!(" -n {ns}"))
                        .unwrap_or_default()
                )));
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(2));
        }
    }
}

/// `90s` → "1m30s" style text for messages.
pub fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prepared_adds_labels_only_to_ours() {
        let m = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "n"}});
        let ours = Desired::ours(m.clone()).prepared();
        assert_eq!(
            ours["metadata"]["labels"][labels::MANAGED_BY_KEY],
            "oc-llmd"
        );
        let foreign = Desired::foreign_fields(m.clone()).prepared();
        assert_eq!(foreign, m);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(humanize(Duration::from_secs(45)), "45s");
        assert_eq!(humanize(Duration::from_secs(300)), "5m");
        assert_eq!(humanize(Duration::from_secs(90)), "1m30s");
    }
}
