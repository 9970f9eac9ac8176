//! The metric naming detected last time, remembered per endpoint, so that a normal `stats` run
//! costs one round of concurrent queries.
//!
//! # Why a cache
//! Every query `stats` sends depends on the naming (the `kserve_` prefix, the vLLM and the EPP
//! generation), and detecting it is itself a round trip (`/api/v1/label/__name__/values`). Sent
//! before the batch, it doubles the wall time of a run. A query that works for every naming at
//! once does not exist: joining the families (`kserve_x or x`) double counts where both exist
//! (RHOAI ≥ 3.4 scrapes every target twice, once per family) and cannot bridge the generations
//! (a V0 hit-rate gauge versus V1 hit/query counters); sending the batch for every naming
//! multiplies the query count by 16. An endpoint's naming changes only with an upgrade, so the
//! last detected one is a very good guess — but only a guess.
//!
//! # How `stats` uses it (correctness first)
//! - First run against an endpoint (no entry): detection, then the batch for the detected naming;
//!   the naming is remembered.
//! - Later runs: detection and the batch for the remembered naming are sent together. When the
//!   detection agrees, the batch's answers are used (one round). When it disagrees, those answers
//!   are discarded — never shown, so no zeros of another naming and no double counting — the
//!   batch is sent again for the new naming, and the entry is replaced.
//! - `--watch` re-checks the naming every few refreshes, concurrently with that refresh's batch.
//! - `--naming` skips detection and the cache.
//!
//! # The file
//! `$XDG_CACHE_HOME/oc-llmd/naming.json`, else `~/.cache/oc-llmd/naming.json`; without either
//! variable there is no cache (every run detects first). One entry per endpoint URL, tenancy
//! namespace and namespace scope (a namespace may hold another naming than the whole cluster):
//! `{"version":1,"entries":[{"endpoint":"https://…","tenancyNamespace":null,"scope":"*",
//! "naming":"kserve-v1-epp-objective","detectedAt":1767225600}]}`. It holds no secrets: endpoint
//! URLs never carry credentials (the client rejects them) and tokens are never written. Writes go
//! to a temporary file in the same directory that is then renamed over the old one, so readers
//! see the old or the new file, never half of one. An unreadable, unparsable or other-version
//! file is ignored (as if empty) and replaced by the next write. At most [`MAX_ENTRIES`] entries
//! are kept, the least recently detected dropped first.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::metrics::Naming;

/// Format version of the file; other versions are ignored.
pub const CACHE_VERSION: u32 = 1;
/// Entries kept; the least recently detected go first.
pub const MAX_ENTRIES: usize = 64;
/// File name inside the `oc-llmd` cache directory.
pub const FILE_NAME: &str = "naming.json";

/// What a remembered naming belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingKey {
    /// The endpoint's base URL (no credentials, trailing `/` removed).
    pub endpoint: String,
    /// Tenancy namespace sent with every request, if any.
    pub tenancy_namespace: Option<String>,
    /// The namespace the detection was restricted to; `None`: all namespaces.
    pub scope: Option<String>,
}

impl NamingKey {
    pub fn new(endpoint: &str, tenancy_namespace: Option<&str>, scope: Option<&str>) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            tenancy_namespace: tenancy_namespace.map(str::to_string),
            scope: scope.map(str::to_string),
        }
    }

    fn scope_text(&self) -> &str {
        self.scope.as_deref().unwrap_or(ALL_NAMESPACES)
    }
}

/// `scope` of an entry detected over all namespaces.
const ALL_NAMESPACES: &str = "*";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    endpoint: String,
    tenancy_namespace: Option<String>,
    scope: String,
    naming: String,
    detected_at: u64,
}

impl Entry {
    fn is(&self, key: &NamingKey) -> bool {
        self.endpoint == key.endpoint
            && self.tenancy_namespace == key.tenancy_namespace
            && self.scope == key.scope_text()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: Vec<Entry>,
}

/// The cache file (or none, when no cache directory is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingCache {
    path: Option<PathBuf>,
}

impl NamingCache {
    /// The user's cache: `$XDG_CACHE_HOME/oc-llmd/naming.json` or `~/.cache/oc-llmd/naming.json`.
    pub fn from_env() -> Self {
        Self {
            path: location(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME")),
        }
    }

    /// A cache file at `path` (tests).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
        }
    }

    /// No cache: lookups find nothing, writes do nothing.
    pub fn none() -> Self {
        Self { path: None }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The naming remembered for `key`, if the file is readable and has a valid entry.
    pub fn get(&self, key: &NamingKey) -> Option<Naming> {
        let file = self.read()?;
        let entry = file.entries.iter().find(|e| e.is(key))?;
        entry.naming.parse().ok()
    }

    /// Remember `naming` for `key` (replacing its entry), atomically. An unreadable old file is
    /// replaced. Errors say which file could not be written and why.
    pub fn put(&self, key: &NamingKey, naming: Naming) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut entries = self.read().map(|f| f.entries).unwrap_or_default();
        entries.retain(|e| !e.is(key));
        entries.push(Entry {
            endpoint: key.endpoint.clone(),
            tenancy_namespace: key.tenancy_namespace.clone(),
            scope: key.scope_text().to_string(),
            naming: naming.to_string(),
            detected_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        });
        // Newest last; keep the newest MAX_ENTRIES (stable: same-second entries keep their order).
        entries.sort_by_key(|e| e.detected_at);
        let excess = entries.len().saturating_sub(MAX_ENTRIES);
        entries.drain(..excess);
        let text = serde_json::to_string_pretty(&File {
            version: CACHE_VERSION,
            entries,
        })
        .map_err(|e| format!("cannot encode {}: {e}", path.display()))?;
        write_atomically(path, text.as_bytes())
    }

    fn read(&self) -> Option<File> {
        let bytes = std::fs::read(self.path.as_ref()?).ok()?;
        let file: File = serde_json::from_slice(&bytes).ok()?;
        (file.version == CACHE_VERSION).then_some(file)
    }
}

/// The cache file under `$XDG_CACHE_HOME` or `$HOME/.cache` (relative paths are ignored, as the
/// XDG base directory specification says).
fn location(xdg_cache_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let absolute = |v: Option<OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    let dir = absolute(xdg_cache_home).or_else(|| absolute(home).map(|h| h.join(".cache")))?;
    Some(dir.join("oc-llmd").join(FILE_NAME))
}

/// Write `bytes` to a temporary file next to `path`, then rename it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| FILE_NAME.to_string());
    let temp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let result = std::fs::write(&temp, bytes)
        .map_err(|e| format!("cannot write {}: {e}", temp.display()))
        .and_then(|()| {
            std::fs::rename(&temp, path)
                .map_err(|e| format!("cannot replace {}: {e}", path.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(text: &str) -> Naming {
        text.parse().unwrap()
    }

    #[test]
    fn remembers_per_endpoint_tenancy_and_scope() {
        let dir = tempfile::tempdir().unwrap();
        let cache = NamingCache::at(dir.path().join("oc-llmd").join(FILE_NAME));
        let all = NamingKey::new("https://thanos.example/", None, None);
        let one = NamingKey::new("https://thanos.example", None, Some("team-a"));
        let tenancy = NamingKey::new("https://thanos.example", Some("team-a"), Some("team-a"));
        assert_eq!(cache.get(&all), None);
        cache.put(&all, naming("kserve-v1-epp-llmd")).unwrap();
        cache.put(&one, naming("plain-v0-epp-model")).unwrap();
        assert_eq!(cache.get(&all), Some(naming("kserve-v1-epp-llmd")));
        assert_eq!(
            cache.get(&NamingKey::new("https://thanos.example", None, None)),
            Some(naming("kserve-v1-epp-llmd")),
            "a trailing slash is the same endpoint"
        );
        assert_eq!(cache.get(&one), Some(naming("plain-v0-epp-model")));
        assert_eq!(cache.get(&tenancy), None);
        // Replacing an entry keeps one entry per key.
        cache.put(&all, naming("kserve-v0-epp-objective")).unwrap();
        assert_eq!(cache.get(&all), Some(naming("kserve-v0-epp-objective")));
        let text = std::fs::read_to_string(cache.path().unwrap()).unwrap();
        assert_eq!(text.matches("\"scope\": \"*\"").count(), 1, "{text}");
        // Nothing but the file itself is left in the directory (the temporary file was renamed).
        let names: Vec<String> = std::fs::read_dir(dir.path().join("oc-llmd"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec![FILE_NAME.to_string()]);
    }

    #[test]
    fn unreadable_files_are_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let cache = NamingCache::at(&path);
        let key = NamingKey::new("http://127.0.0.1:9090", None, None);
        for garbage in [
            &b"not json"[..],
            b"{\"version\":99,\"entries\":[]}",
            b"{\"version\":1,\"entries\":[{\"endpoint\":\"http://127.0.0.1:9090\",\
              \"tenancyNamespace\":null,\"scope\":\"*\",\"naming\":\"kserve-v9\",\"detectedAt\":1}]}",
        ] {
            std::fs::write(&path, garbage).unwrap();
            assert_eq!(cache.get(&key), None);
        }
        cache.put(&key, naming("plain-v1-epp-none")).unwrap();
        assert_eq!(cache.get(&key), Some(naming("plain-v1-epp-none")));
        // A directory where the file should be: the write fails with the path, reads find nothing.
        let blocked = NamingCache::at(dir.path());
        let err = blocked.put(&key, naming("plain-v1-epp-none")).unwrap_err();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        assert_eq!(blocked.get(&key), None);
        assert_eq!(NamingCache::none().get(&key), None);
        assert!(
            NamingCache::none()
                .put(&key, naming("plain-v1-epp-none"))
                .is_ok()
        );
    }

    #[test]
    fn keeps_the_newest_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = NamingCache::at(dir.path().join(FILE_NAME));
        for i in 0..MAX_ENTRIES + 3 {
            let key = NamingKey::new(&format!("https://thanos-{i}.example"), None, None);
            cache.put(&key, naming("kserve-v1-epp-llmd")).unwrap();
        }
        let file = cache.read().unwrap();
        assert_eq!(file.entries.len(), MAX_ENTRIES);
        let last = NamingKey::new(
            &format!("https://thanos-{}.example", MAX_ENTRIES + 2),
            None,
            None,
        );
        assert!(cache.get(&last).is_some());
        assert!(
            cache
                .get(&NamingKey::new("https://thanos-0.example", None, None))
                .is_none()
        );
    }

    #[test]
    fn location_follows_xdg_then_home() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            location(os("/x"), os("/home/u")).unwrap(),
            Path::new("/x/oc-llmd/naming.json")
        );
        assert_eq!(
            location(os("relative"), os("/home/u")).unwrap(),
            Path::new("/home/u/.cache/oc-llmd/naming.json")
        );
        assert_eq!(
            location(None, os("/home/u")).unwrap(),
            Path::new("/home/u/.cache/oc-llmd/naming.json")
        );
        assert_eq!(location(None, None), None);
        assert_eq!(location(os(""), os("")), None);
    }
}
