//! Listing any resource cluster-wide (or in one namespace), paginated, with failures kept as data.
//!
//! Discovery-free: callers name the group/version/plural they want. A 404 on the collection means
//! the CRD (or API group) is not installed; a 403 means RBAC hides it. Both come back as
//! [`Listed::Missing`] / [`Listed::Forbidden`] so a diagnostic can report them instead of crashing.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};

use super::Cluster;
use crate::error::Error;

/// Page size for list requests: big enough that a large cluster (thousands of pods) needs one
/// page per resource type, so round trips stay constant; `continue` still follows bigger lists.
/// (kubectl uses 500; 2,000 pods of ~8 KB is a 16 MB page, fine for a CLI.)
pub const PAGE_SIZE: u32 = 2000;

/// The outcome of listing one resource type.
#[derive(Debug, Clone)]
pub enum Listed {
    Items(Vec<DynamicObject>),
    /// 404 on the collection: the API (CRD) is not served.
    Missing,
    /// 403: the user may not list it (message from the server).
    Forbidden(String),
    /// Anything else (unreachable, 401, 500 after retries, bad data): the mapped error, with
    /// its exit-code class and hint.
    Failed(Error),
}

impl Listed {
    pub fn items(&self) -> &[DynamicObject] {
        match self {
            Listed::Items(items) => items,
            _ => &[],
        }
    }
}

/// What to list: group ("" for core), version, plural, kind, namespaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRef {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

impl ResourceRef {
    pub fn api_resource(&self) -> ApiResource {
        let api_version = if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        };
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version,
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }

    /// `plural.group` as kubectl names it (`pods`, `inferencepools.inference.networking.k8s.io`).
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// List every object of `resource` in `namespace` (None: all namespaces / cluster-scoped),
/// following `continue` tokens. Never returns Err: failures are data.
pub async fn list(cluster: &Cluster, resource: &ResourceRef, namespace: Option<&str>) -> Listed {
    let ar = resource.api_resource();
    let api: Api<DynamicObject> = match (resource.namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
        _ => Api::all_with(cluster.client.clone(), &ar),
    };
    list_pages(
        &api,
        ListParams::default(),
        &resource.display(),
        &cluster.server,
    )
    .await
}

/// The one pagination loop: list with `params` (selectors kept, page size [`PAGE_SIZE`]),
/// following `continue` tokens; 404 → [`Listed::Missing`], 403 → [`Listed::Forbidden`], anything
/// else → [`Listed::Failed`] with the mapped message (`what` names the resource for it).
pub async fn list_pages(
    api: &Api<DynamicObject>,
    params: ListParams,
    what: &str,
    server: &str,
) -> Listed {
    let mut params = params.limit(PAGE_SIZE);
    let mut items = Vec::new();
    loop {
        match api.list(&params).await {
            Ok(page) => {
                items.extend(page.items);
                match page.metadata.continue_.filter(|c| !c.is_empty()) {
                    Some(token) => params = params.continue_token(&token),
                    None => return Listed::Items(items),
                }
            }
            Err(kube::Error::Api(status)) if status.code == 404 => return Listed::Missing,
            Err(kube::Error::Api(status)) if status.code == 403 => {
                return Listed::Forbidden(status.message.to_string());
            }
            Err(e) => {
                return Listed::Failed(super::map_kube_error(e, "list", what, server));
            }
        }
    }
}
