//! The object store: every stored object by resource and (namespace, name), the global
//! resourceVersion counter, the recent event history that watches resume from, the token table
//! and the Route host overrides.
//!
//! One store lives behind a `std::sync::RwLock`; the lock is never held across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use crate::config::SimConfig;
use crate::resources::{Registry, ResKey, ResourceInfo};

/// How many events watches can resume from (older resourceVersions get 410 Gone).
const HISTORY: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change to one object.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub rv: u64,
    pub key: ResKey,
    pub kind: EventType,
    pub object: Value,
    /// The object before a modification (lets watches with selectors turn moves into ADDED/DELETED).
    pub old: Option<Value>,
}

/// Who a bearer token authenticates as.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    pub fn service_account(namespace: &str, name: &str, uid: &str) -> Self {
        Self {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            uid: uid.to_string(),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_string(),
            ],
        }
    }
    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }
}

/// Recorded events after a resourceVersion plus the live receiver.
pub type Subscription = (Vec<Arc<WatchEvent>>, broadcast::Receiver<Arc<WatchEvent>>);

/// Objects of one resource, ordered by (namespace, name); cluster-scoped objects use "".
pub type Bucket = BTreeMap<(String, String), Value>;

pub struct Store {
    pub registry: Registry,
    objects: HashMap<ResKey, Bucket>,
    rv: u64,
    history: VecDeque<Arc<WatchEvent>>,
    /// Watches from a resourceVersion below this one cannot be resumed.
    history_floor: u64,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    /// Bearer token → user.
    pub tokens: HashMap<String, UserInfo>,
    /// (namespace, name) → host forced onto that Route.
    pub route_hosts: HashMap<(String, String), String>,
    /// PEM of the cluster CA (put into service-account token Secrets as `ca.crt`).
    pub ca_pem: String,
    pub config: SimConfig,
    /// Controller work due later (see [`crate::controllers::run_due`]), in due order.
    pub delayed: Vec<(std::time::Instant, crate::controllers::Delayed)>,
}

impl Store {
    pub fn new(config: SimConfig, ca_pem: String) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            registry: Registry::new(),
            objects: HashMap::new(),
            rv: 1000,
            history: VecDeque::new(),
            history_floor: 1000,
            tx,
            tokens: HashMap::new(),
            route_hosts: HashMap::new(),
            ca_pem,
            config,
            delayed: Vec::new(),
        }
    }

    pub fn current_rv(&self) -> u64 {
        self.rv
    }

    pub fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// Marks the end of loading: watches can resume from the current version on.
    pub fn seal_history(&mut self) {
        self.history.clear();
        self.history_floor = self.rv;
    }

    pub fn info(&self, key: &ResKey) -> Option<&ResourceInfo> {
        self.registry.get(key)
    }

    pub fn get(&self, key: &ResKey, ns: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(key)?
            .get(&(ns.to_string(), name.to_string()))
    }

    /// Objects of a resource, in one namespace (`Some`) or all (`None`), ordered by (namespace, name).
    pub fn list<'a>(
        &'a self,
        key: &ResKey,
        ns: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        let Some(bucket) = self.objects.get(key) else {
            return Box::new(std::iter::empty());
        };
        match ns {
            None => Box::new(bucket.values()),
            Some(ns) => Box::new(
                bucket
                    .range((ns.to_string(), String::new())..)
                    .take_while(move |((n, _), _)| n == ns)
                    .map(|(_, v)| v),
            ),
        }
    }

    /// Every stored object with its resource, for sweeps (owner references, namespace deletion).
    pub fn all_objects(&self) -> impl Iterator<Item = (&ResKey, &Value)> {
        self.objects
            .iter()
            .flat_map(|(k, b)| b.values().map(move |v| (k, v)))
    }

    /// Stores an object (create or replace), assigning the next resourceVersion and emitting the event.
    /// Returns the stored object.
    pub fn put(&mut self, key: &ResKey, mut obj: Value) -> Value {
        let rv = self.next_rv();
        let (ns, name) = identity(&obj);
        set_str(&mut obj, &["metadata", "resourceVersion"], &rv.to_string());
        let old = self
            .objects
            .entry(key.clone())
            .or_default()
            .insert((ns, name), obj.clone());
        let kind = if old.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.emit(WatchEvent {
            rv,
            key: key.clone(),
            kind,
            object: obj.clone(),
            old,
        });
        obj
    }

    /// Stores an object during loading without emitting events (a fresh resourceVersion is assigned).
    pub fn load(&mut self, key: &ResKey, mut obj: Value) {
        let rv = self.next_rv();
        let (ns, name) = identity(&obj);
        // Versions captured from another cluster mean nothing here: renumber so they stay monotonic.
        set_str(&mut obj, &["metadata", "resourceVersion"], &rv.to_string());
        self.objects
            .entry(key.clone())
            .or_default()
            .insert((ns, name), obj);
    }

    /// Removes an object, emitting DELETED. Returns it as it was at deletion.
    pub fn remove(&mut self, key: &ResKey, ns: &str, name: &str) -> Option<Value> {
        let mut obj = self
            .objects
            .get_mut(key)?
            .remove(&(ns.to_string(), name.to_string()))?;
        let rv = self.next_rv();
        set_str(&mut obj, &["metadata", "resourceVersion"], &rv.to_string());
        self.emit(WatchEvent {
            rv,
            key: key.clone(),
            kind: EventType::Deleted,
            object: obj.clone(),
            old: None,
        });
        Some(obj)
    }

    /// Drops every object of a resource (its CRD went away), emitting DELETED for each.
    pub fn drop_resource(&mut self, key: &ResKey) {
        let Some(bucket) = self.objects.remove(key) else {
            return;
        };
        for (_, mut obj) in bucket {
            let rv = self.next_rv();
            set_str(&mut obj, &["metadata", "resourceVersion"], &rv.to_string());
            self.emit(WatchEvent {
                rv,
                key: key.clone(),
                kind: EventType::Deleted,
                object: obj,
                old: None,
            });
        }
    }

    fn emit(&mut self, ev: WatchEvent) {
        let ev = Arc::new(ev);
        if self.history.len() >= HISTORY
            && let Some(old) = self.history.pop_front()
        {
            self.history_floor = old.rv;
        }
        self.history.push_back(ev.clone());
        let _ = self.tx.send(ev);
    }

    /// Subscribes to changes after `since`: the recorded events newer than it plus a live receiver.
    /// `Err(())` when `since` is older than the recorded history (the client must re-list).
    #[allow(clippy::result_unit_err)]
    pub fn subscribe(&self, since: u64) -> Result<Subscription, ()> {
        if since < self.history_floor {
            return Err(());
        }
        let rx = self.tx.subscribe();
        let past = self
            .history
            .iter()
            .filter(|e| e.rv > since)
            .cloned()
            .collect();
        Ok((past, rx))
    }

    /// Every stored object of a kind (any version), as stored. For other sim modules.
    pub fn list_kind(&self, group: &str, kind: &str) -> Vec<Value> {
        match self.registry.by_group_kind(group, kind) {
            Some(info) => self.list(&info.key(), None).cloned().collect(),
            None => Vec::new(),
        }
    }

    /// One object of a kind by namespace ("" for cluster-scoped) and name. For other sim modules.
    pub fn get_kind(&self, group: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let info = self.registry.by_group_kind(group, kind)?;
        self.get(&info.key(), ns, name).cloned()
    }

    pub fn namespace_exists(&self, ns: &str) -> bool {
        self.get(&ResKey::new("", "namespaces"), "", ns).is_some()
    }
}

/// (namespace, name) of an object; "" namespace when absent.
pub fn identity(obj: &Value) -> (String, String) {
    let s = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (s("/metadata/namespace"), s("/metadata/name"))
}

/// Sets a string at a path of object keys, creating objects along the way.
pub fn set_str(obj: &mut Value, path: &[&str], value: &str) {
    set_value(obj, path, Value::String(value.to_string()));
}

pub fn set_value(obj: &mut Value, path: &[&str], value: Value) {
    let mut cur = obj;
    for (i, seg) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Some(map) = cur.as_object_mut() else {
            return;
        };
        if i + 1 == path.len() {
            map.insert(seg.to_string(), value);
            return;
        }
        cur = map
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
}

/// Gives a new object what the API server assigns: uid, creationTimestamp, generation.
pub fn fill_new_metadata(obj: &mut Value) {
    let missing = |obj: &Value, p: &str| {
        obj.pointer(p)
            .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
    };
    if missing(obj, "/metadata/uid") {
        set_str(obj, &["metadata", "uid"], &crate::util::new_uid());
    }
    if missing(obj, "/metadata/creationTimestamp") {
        set_str(
            obj,
            &["metadata", "creationTimestamp"],
            &crate::util::now_rfc3339(),
        );
    }
    if obj.pointer("/metadata/generation").is_none() {
        set_value(obj, &["metadata", "generation"], Value::from(1));
    }
}
