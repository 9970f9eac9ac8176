//! Listing any resource cluster-wide (or in one namespace), paginated, with failures kept as data.
//!
//! Discovery-free: callers name the group/version/plural they want. A 404 on the collection means
//! the CRD (or API group) is not installed; a 403 means RBAC hides it. Both come back as
//! [`Listed::Missing`] / [`Listed::Forbidden`] so a diagnostic can report them instead of crashing.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde::de::DeserializeSeed;
use serde_json::Value;

use super::Cluster;
use crate::error::Error;

/// Page size for list requests: big enough that a large cluster (thousands of pods) needs one
/// page per resource type, so round trips stay constant; `continue` still follows bigger lists.
/// (kubectl uses 500; 2,000 pods of ~8 KB is a 16 MB page, fine for a CLI.)
pub const PAGE_SIZE: u32 = 2000;

/// The outcome of listing one resource type.
#[derive(Debug, Clone)]
pub enum Listed<T = DynamicObject> {
    Items(Vec<T>),
    /// 404 on the collection: the API (CRD) is not served.
    Missing,
    /// 403: the user may not list it (message from the server).
    Forbidden(String),
    /// Anything else (unreachable, 401, 500 after retries, bad data): the mapped error, with
    /// its exit-code class and hint.
    Failed(Error),
}

impl<T> Listed<T> {
    pub fn items(&self) -> &[T] {
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
    let client = api.clone().into_client();
    list_pages_map(
        &client,
        api.resource_url(),
        params,
        what,
        server,
        dynamic_object,
    )
    .await
}

/// An item as kube's `DynamicObject` (`None` when it is not a Kubernetes object).
pub fn dynamic_object(item: Value) -> Option<DynamicObject> {
    serde_json::from_value(item).ok()
}

/// [`list_pages`] for callers that keep only part of each object: every item of a page is
/// decoded on its own and handed to `keep` at once, so a page of 2,000 pods is never held as
/// 2,000 JSON trees — peak memory is the page's bytes plus what `keep` returns. `keep` returning
/// `None` drops the item (a malformed object does not fail the whole list).
pub async fn list_pages_map<T>(
    client: &kube::Client,
    url_path: &str,
    params: ListParams,
    what: &str,
    server: &str,
    mut keep: impl FnMut(Value) -> Option<T>,
) -> Listed<T> {
    let mut params = params.limit(PAGE_SIZE);
    let mut items = Vec::new();
    let request = kube::core::Request::new(url_path);
    loop {
        let page = match request.list(&params) {
            Ok(mut req) => {
                req.extensions_mut().insert("list");
                client.request_text(req).await
            }
            Err(e) => Err(kube::Error::BuildRequest(e)),
        };
        let text = match page {
            Ok(text) => text,
            Err(kube::Error::Api(status)) if status.code == 404 => return Listed::Missing,
            Err(kube::Error::Api(status)) if status.code == 403 => {
                return Listed::Forbidden(status.message.to_string());
            }
            Err(e) => return Listed::Failed(super::map_kube_error(e, "list", what, server)),
        };
        let seed = page::PageSeed {
            keep: &mut keep,
            items: &mut items,
        };
        let mut de = serde_json::Deserializer::from_str(&text);
        let token = match seed.deserialize(&mut de).and_then(|t| de.end().map(|()| t)) {
            Ok(token) => token,
            Err(e) => {
                return Listed::Failed(super::map_kube_error(
                    kube::Error::SerdeError(e),
                    "list",
                    what,
                    server,
                ));
            }
        };
        match token.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Listed::Items(items),
        }
    }
}

/// Streaming decoding of one list page: `items` one object at a time, `metadata.continue`.
mod page {
    use std::fmt;

    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    /// Decodes a page, pushes what `keep` returns for each item, answers the continue token.
    pub struct PageSeed<'a, T, F> {
        pub keep: &'a mut F,
        pub items: &'a mut Vec<T>,
    }

    impl<'de, T, F: FnMut(Value) -> Option<T>> DeserializeSeed<'de> for PageSeed<'_, T, F> {
        type Value = Option<String>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de, T, F: FnMut(Value) -> Option<T>> Visitor<'de> for PageSeed<'_, T, F> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a Kubernetes list")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut token = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "items" => map.next_value_seed(Items {
                        keep: &mut *self.keep,
                        items: &mut *self.items,
                    })?,
                    "metadata" => token = map.next_value::<ListMeta>()?.continue_,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(token)
        }
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct ListMeta {
        #[serde(rename = "continue")]
        continue_: Option<String>,
    }

    /// The `items` array (`null` counts as empty).
    struct Items<'a, T, F> {
        keep: &'a mut F,
        items: &'a mut Vec<T>,
    }

    impl<'de, T, F: FnMut(Value) -> Option<T>> DeserializeSeed<'de> for Items<'_, T, F> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de, T, F: FnMut(Value) -> Option<T>> Visitor<'de> for Items<'_, T, F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of objects")
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<Value>()? {
                if let Some(kept) = (self.keep)(item) {
                    self.items.push(kept);
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;
    use serde_json::{Value, json};

    use super::page::PageSeed;

    /// Decodes `text` as one page, keeping each item's name: (names, continue token).
    fn decode(text: &str) -> Result<(Vec<String>, Option<String>), serde_json::Error> {
        let mut names = Vec::new();
        let mut keep = |item: Value| item.pointer("/metadata/name")?.as_str().map(String::from);
        let mut de = serde_json::Deserializer::from_str(text);
        let token = PageSeed {
            keep: &mut keep,
            items: &mut names,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok((names, token))
    }

    #[test]
    fn a_page_is_decoded_item_by_item_with_its_continue_token() {
        let page = json!({
            "kind": "PodList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "7", "continue": "abc"},
            "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": 3}}, {"metadata": {"name": "b"}}]
        });
        let (names, token) = decode(&page.to_string()).unwrap();
        assert_eq!(
            names,
            ["a", "b"],
            "an item `keep` refuses is dropped, not fatal"
        );
        assert_eq!(token.as_deref(), Some("abc"));
    }

    #[test]
    fn null_or_missing_items_and_metadata_are_an_empty_last_page() {
        assert_eq!(decode(r#"{"items": null}"#).unwrap(), (vec![], None));
        assert_eq!(decode(r#"{"metadata": {}}"#).unwrap(), (vec![], None));
        assert_eq!(
            decode(r#"{"metadata": {"continue": null}, "items": []}"#).unwrap(),
            (vec![], None)
        );
    }

    #[test]
    fn a_page_that_is_not_a_list_is_an_error() {
        for bad in [
            r#"[1,2]"#,
            r#"{"items": 3}"#,
            r#"{"items": [1"#,
            "<html>",
            r#"{"items": []} x"#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
