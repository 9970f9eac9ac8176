//! `fix pd-config`: make the scheduler's EndpointPickerConfig prefill/decode aware when the
//! service has a prefill workload (serving bug 4). The request-flow guide's config has the plugins
//! `prefill-header-handler`, `prefill-filter`, `decode-filter`, `max-score-picker`,
//! `queue-scorer`, `prefix-cache-scorer` and `pd-profile-handler`, and two scheduling profiles
//! `prefill` and `decode`.
//!
//! Only what is missing is added: plugins of a missing type, missing profiles (referring to the
//! user's own plugin names where a plugin of that type exists). `single-profile-handler` is
//! removed, because a config has exactly one profile handler. Everything else — order, comments,
//! parameters, unknown keys, other profiles — is kept: a config written as text (`--config-text`)
//! is edited as text, and the result is re-parsed and must equal the intended config, otherwise
//! the fix refuses instead of rewriting it. A config that does not parse is never touched.
//!
//! Where the config lives: `--config-text` in the scheduler args (v1alpha1 style, as the guide
//! has it), `spec.router.scheduler.config.inline` (v1alpha2). A ConfigMap (`config.ref`) or a
//! `--config-file` is refused (not inside the LLMInferenceService). With no config at all the
//! guide's whole config is added (`--config-text` for v1alpha1, `config.inline` for v1alpha2).

use serde_json::{Value, json};

use crate::cluster::Model;
use crate::cluster::relations::{ServiceRelations, flag_value};
use crate::fix::change::{ArgsSite, Change, ServiceFix, Verdict, args_site};

pub const HANDLER: &str = "pd-profile-handler";
pub const SINGLE_HANDLER: &str = "single-profile-handler";
const CONFIG_TEXT: &str = "--config-text";
/// The plugin types of the guide's P/D config, in its order.
pub const PD_PLUGINS: [&str; 7] = [
    "prefill-header-handler",
    "prefill-filter",
    "decode-filter",
    "max-score-picker",
    "queue-scorer",
    "prefix-cache-scorer",
    HANDLER,
];
/// One entry of a scheduling profile: the plugin (type, or the user's name for it) and its weight.
pub type ProfileRef<S> = (S, Option<i64>);
/// Profiles: name → (plugin type, weight) in order.
const PROFILES: [(&str, [ProfileRef<&str>; 4]); 2] = [
    (
        "prefill",
        [
            ("prefill-filter", None),
            ("queue-scorer", Some(1)),
            ("prefix-cache-scorer", Some(2)),
            ("max-score-picker", None),
        ],
    ),
    (
        "decode",
        [
            ("decode-filter", None),
            ("queue-scorer", Some(1)),
            ("prefix-cache-scorer", Some(2)),
            ("max-score-picker", None),
        ],
    ),
];
const HEADER: &str =
    "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";

/// Plan the fix for every service in the model (or only the one named `only`).
pub fn plan(m: &Model, only: Option<&str>) -> Vec<ServiceFix> {
    m.services
        .iter()
        .filter(|s| only.is_none_or(|n| n == s.isvc.name))
        .map(|s| ServiceFix::new(s, verdict(s)))
        .collect()
}

/// What the config lacks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Edit {
    pub add_plugins: Vec<String>,
    pub remove_single_handler: bool,
    /// Profiles to add: name and (pluginRef, weight) entries.
    pub add_profiles: Vec<(String, Vec<ProfileRef<String>>)>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.add_plugins.is_empty() && !self.remove_single_handler && self.add_profiles.is_empty()
    }

    /// In words, for the summary line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.add_plugins.is_empty() {
            parts.push(format!("add plugin(s) {}", self.add_plugins.join(", ")));
        }
        if !self.add_profiles.is_empty() {
            let names: Vec<&str> = self.add_profiles.iter().map(|(n, _)| n.as_str()).collect();
            parts.push(format!("add profile(s) {}", names.join(", ")));
        }
        if self.remove_single_handler {
            parts.push(format!(
                "remove {SINGLE_HANDLER} (one profile handler per config)"
            ));
        }
        parts.join("; ")
    }
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("`{key}` is not a list")),
    }
}

/// What a parsed config lacks to be P/D aware (empty when doctor's check would pass).
pub fn edit_for(v: &Value) -> Result<Edit, String> {
    if !(v.is_object() || v.is_null()) {
        return Err("the EndpointPickerConfig is not a mapping".into());
    }
    let plugins = list(v, "plugins")?;
    let profiles = list(v, "schedulingProfiles")?;
    let typ = |p: &Value| p.get("type").and_then(Value::as_str).map(str::to_string);
    let has_type = |t: &str| plugins.iter().any(|p| typ(p).as_deref() == Some(t));
    let profile_names: Vec<&str> = profiles
        .iter()
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    if has_type(HANDLER)
        && ["prefill", "decode"]
            .iter()
            .all(|n| profile_names.contains(n))
    {
        return Ok(Edit::default());
    }
    // A profile refers to plugins by name: the user's name for a type when one exists.
    let name_of = |t: &str| {
        plugins
            .iter()
            .find(|p| typ(p).as_deref() == Some(t))
            .and_then(|p| p.get("name").and_then(Value::as_str))
            .unwrap_or(t)
            .to_string()
    };
    Ok(Edit {
        add_plugins: PD_PLUGINS
            .iter()
            .filter(|t| !has_type(t))
            .map(|t| t.to_string())
            .collect(),
        remove_single_handler: has_type(SINGLE_HANDLER),
        add_profiles: PROFILES
            .iter()
            .filter(|(n, _)| !profile_names.contains(n))
            .map(|(n, refs)| {
                let refs = refs.iter().map(|(t, w)| (name_of(t), *w)).collect();
                (n.to_string(), refs)
            })
            .collect(),
    })
}

fn profile_value(name: &str, refs: &[ProfileRef<String>]) -> Value {
    let plugins: Vec<Value> = refs
        .iter()
        .map(|(r, w)| match w {
            Some(w) => json!({"pluginRef": r, "weight": w}),
            None => json!({"pluginRef": r}),
        })
        .collect();
    json!({"name": name, "plugins": plugins})
}

/// The config with the edit applied (as data).
pub fn apply_edit(v: &Value, e: &Edit) -> Value {
    let mut out = if v.is_object() { v.clone() } else { json!({}) };
    let mut plugins: Vec<Value> = list(v, "plugins").unwrap_or_default().to_vec();
    if e.remove_single_handler {
        plugins.retain(|p| p.get("type").and_then(Value::as_str) != Some(SINGLE_HANDLER));
    }
    plugins.extend(e.add_plugins.iter().map(|t| json!({"type": t})));
    let mut profiles: Vec<Value> = list(v, "schedulingProfiles").unwrap_or_default().to_vec();
    profiles.extend(e.add_profiles.iter().map(|(n, r)| profile_value(n, r)));
    out["plugins"] = Value::Array(plugins);
    out["schedulingProfiles"] = Value::Array(profiles);
    out
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A top-level key's block in YAML text: its line, the end of its content (exclusive) and the
/// indentation of its sequence items. Err when the value is written inline (flow style).
struct Block {
    key_line: usize,
    end: usize,
    item_indent: usize,
}

fn block(lines: &[String], key: &str) -> Result<Option<Block>, String> {
    let prefix = format!("{key}:");
    let Some(key_line) = lines.iter().position(|l| l.starts_with(&prefix)) else {
        return Ok(None);
    };
    let rest = lines[key_line][prefix.len()..].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err(format!("`{key}` is written inline (flow style)"));
    }
    let mut end = key_line + 1;
    let mut content_end = end;
    while end < lines.len() {
        let l = &lines[end];
        let t = l.trim();
        let inside = t.is_empty() || l.starts_with([' ', '\t', '-', '#']);
        if !inside || l.starts_with("---") {
            break;
        }
        if !t.is_empty() && !t.starts_with('#') {
            content_end = end + 1;
        }
        end += 1;
    }
    let item_indent = lines[key_line + 1..content_end]
        .iter()
        .find(|l| l.trim_start().starts_with('-'))
        .map(|l| indent_of(l))
        .unwrap_or(0);
    Ok(Some(Block {
        key_line,
        end: content_end,
        item_indent,
    }))
}

/// Item start lines of a block (lines at the item indentation starting a `-` entry).
fn items(lines: &[String], b: &Block) -> Vec<(usize, usize)> {
    let starts: Vec<usize> = (b.key_line + 1..b.end)
        .filter(|&i| {
            indent_of(&lines[i]) == b.item_indent && lines[i].trim_start().starts_with('-')
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| (s, starts.get(k + 1).copied().unwrap_or(b.end)))
        .collect()
}

fn insert_items(lines: &mut Vec<String>, key: &str, new: &[String]) -> Result<(), String> {
    if new.is_empty() {
        return Ok(());
    }
    match block(lines, key)? {
        Some(b) => {
            let pad = " ".repeat(b.item_indent);
            let at = b.end;
            for (k, l) in new.iter().enumerate() {
                lines.insert(at + k, format!("{pad}{l}"));
            }
        }
        None => {
            lines.push(format!("{key}:"));
            lines.extend(new.iter().cloned());
        }
    }
    Ok(())
}

/// Edit the config text in place (see the module docs); Err says why it cannot be done safely.
pub fn edit_text(text: &str, e: &Edit) -> Result<String, String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if e.remove_single_handler
        && let Some(b) = block(&lines, "plugins")?
    {
        let mut remove = Vec::new();
        for (s, end) in items(&lines, &b) {
            let item: String = lines[s..end]
                .iter()
                .map(|l| format!("{}\n", l.get(b.item_indent..).unwrap_or("")))
                .collect();
            let parsed: Value = serde_saphyr::from_str(&item)
                .map_err(|err| format!("a plugin entry does not parse on its own: {err}"))?;
            if parsed.pointer("/0/type").and_then(Value::as_str) == Some(SINGLE_HANDLER) {
                remove.push((s, end));
            }
        }
        for (s, end) in remove.into_iter().rev() {
            lines.drain(s..end);
        }
    }
    let plugins: Vec<String> = e
        .add_plugins
        .iter()
        .map(|t| format!("- type: {t}"))
        .collect();
    insert_items(&mut lines, "plugins", &plugins)?;
    let mut profiles = Vec::new();
    for (name, refs) in &e.add_profiles {
        profiles.push(format!("- name: {name}"));
        profiles.push("  plugins:".to_string());
        for (r, w) in refs {
            profiles.push(format!("  - pluginRef: {r}"));
            if let Some(w) = w {
                profiles.push(format!("    weight: {w}"));
            }
        }
    }
    insert_items(&mut lines, "schedulingProfiles", &profiles)?;
    Ok(lines.join("\n") + "\n")
}

/// Edit a config written as text, verifying the result means exactly the intended config.
pub fn fix_text(text: &str) -> Result<Option<(String, Edit)>, String> {
    let v: Value = serde_saphyr::from_str(text)
        .map_err(|e| format!("the EndpointPickerConfig does not parse ({e}): fix it by hand"))?;
    let e = edit_for(&v).map_err(|r| format!("{r}: fix it by hand"))?;
    if e.is_empty() {
        return Ok(None);
    }
    let refuse = |why: String| {
        format!(
            "the EndpointPickerConfig cannot be edited without rewriting it ({why}); add by hand: {}",
            e.describe()
        )
    };
    let edited = edit_text(text, &e).map_err(refuse)?;
    let reparsed: Value = serde_saphyr::from_str(&edited)
        .map_err(|err| refuse(format!("the edited text does not parse: {err}")))?;
    if reparsed != apply_edit(&v, &e) {
        return Err(refuse("its layout is not plain block YAML".into()));
    }
    Ok(Some((edited, e)))
}

fn verdict(s: &ServiceRelations) -> Verdict {
    if s.prefill_pods.is_empty() && !s.isvc.has_prefill {
        return Verdict::Unchanged(
            "no prefill workload: a single scheduling profile is right".into(),
        );
    }
    let scheduler = s.isvc.scheduler_spec.clone().unwrap_or_default();
    let change = |ops: Vec<Value>, e: &Edit, where_: &str, note: Option<String>| match Change::new(
        &s.subject(),
        &scheduler,
        ops,
        format!("EndpointPickerConfig ({where_}): {}", e.describe()),
        note,
    ) {
        Ok(c) => Verdict::Patch(c),
        Err(r) => Verdict::Refused(r),
    };
    // The args may be unknown (no args in the spec and no pod): only fatal when they are needed.
    let site = args_site(s);
    if let Ok(site) = &site
        && let Some(v) = args_verdict(site, &change)
    {
        return v;
    }
    // 2. v1alpha2 spec.router.scheduler.config.
    if let Some(inline) = scheduler.pointer("/config/inline").filter(|v| !v.is_null()) {
        let path = "/spec/router/scheduler/config/inline";
        let (new, e) = match inline {
            Value::String(text) => match fix_text(text) {
                Err(r) => return Verdict::Refused(r),
                Ok(None) => None,
                Ok(Some((t, e))) => Some((Value::String(t), e)),
            },
            v => match edit_for(v) {
                Err(r) => return Verdict::Refused(format!("{r}: fix it by hand")),
                Ok(e) if e.is_empty() => None,
                Ok(e) => Some((apply_edit(v, &e), e)),
            },
        }
        .map_or((None, Edit::default()), |(n, e)| (Some(n), e));
        let Some(new) = new else {
            return Verdict::Unchanged(format!(
                "{HANDLER} with prefill and decode profiles (config.inline)"
            ));
        };
        let ops = vec![
            json!({"op": "test", "path": path, "value": inline}),
            json!({"op": "replace", "path": path, "value": new}),
        ];
        return change(ops, &e, "spec.router.scheduler.config.inline", None);
    }
    if let Some(r) = scheduler.pointer("/config/ref").filter(|v| !v.is_null()) {
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        return Verdict::Refused(format!(
            "the EndpointPickerConfig comes from ConfigMap {name}: edit that ConfigMap (fix pd-config edits configs inside the LLMInferenceService only)"
        ));
    }
    // 3. No config: the EPP default (one profile). Add the guide's whole config.
    let e = edit_for(&Value::Null).unwrap_or_default();
    let text = match edit_text(HEADER, &e) {
        Ok(t) => t,
        Err(r) => return Verdict::Refused(format!("internal: {r}")),
    };
    if s.isvc.api_version.ends_with("/v1alpha2") {
        let config: Value = match serde_saphyr::from_str(&text) {
            Ok(v) => v,
            Err(err) => return Verdict::Refused(format!("internal: {err}")),
        };
        let ops = vec![
            json!({"op": "test", "path": "/spec/router/scheduler", "value": scheduler}),
            json!({"op": "add", "path": "/spec/router/scheduler/config", "value": {"inline": config}}),
        ];
        return change(ops, &e, "new spec.router.scheduler.config.inline", None);
    }
    let site = match site {
        Ok(site) => site,
        Err(reason) => return Verdict::Refused(reason),
    };
    let mut args = site.args.clone();
    args.push(CONFIG_TEXT.to_string());
    args.push(text);
    change(site.ops(&args), &e, "new --config-text", site.note())
}

/// Builds the patch verdict from ops, the edit, where the config lives and a note.
type MakeChange<'a> = dyn Fn(Vec<Value>, &Edit, &str, Option<String>) -> Verdict + 'a;

/// The verdict when the config is in (or named by) the scheduler args; None when it is not.
fn args_verdict(site: &ArgsSite, change: &MakeChange) -> Option<Verdict> {
    if site.command.iter().any(|c| c.starts_with(CONFIG_TEXT)) {
        return Some(Verdict::Refused(format!(
            "{CONFIG_TEXT} is in the scheduler container's command, not its args: edit it by hand"
        )));
    }
    // `--config-text TEXT` or `--config-text=TEXT`.
    let eq = format!("{CONFIG_TEXT}=");
    let text_at = site.args.iter().enumerate().find_map(|(i, a)| {
        if a == CONFIG_TEXT {
            Some((i + 1, ""))
        } else if a.starts_with(&eq) {
            Some((i, eq.as_str()))
        } else {
            None
        }
    });
    if let Some((i, prefix)) = text_at {
        let Some(raw) = site.args.get(i) else {
            return Some(Verdict::Refused(format!(
                "{CONFIG_TEXT} has no value: fix the args by hand"
            )));
        };
        let text = &raw[prefix.len()..];
        return Some(match fix_text(text) {
            Err(r) => Verdict::Refused(r),
            Ok(None) => Verdict::Unchanged(format!(
                "{HANDLER} with prefill and decode profiles ({CONFIG_TEXT})"
            )),
            Ok(Some((edited, e))) => {
                let mut args = site.args.clone();
                args[i] = format!("{prefix}{edited}");
                change(site.ops(&args), &e, CONFIG_TEXT, site.note())
            }
        });
    }
    flag_value(&site.words(), "--config-file").map(|path| {
        Verdict::Refused(format!(
            "the scheduler reads its EndpointPickerConfig from the file {path}: edit that file (fix pd-config edits configs inside the LLMInferenceService only)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINGLE: &str = "apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
# scorers tuned by hand
plugins:
- type: single-profile-handler
- type: queue-scorer
- type: prefix-cache-scorer
  parameters:
    hashBlockSize: 16
- type: max-score-picker
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: max-score-picker
extra: kept
";

    #[test]
    fn a_single_profile_config_gains_the_pd_pieces_and_keeps_the_rest() {
        let (text, e) = fix_text(SINGLE).unwrap().unwrap();
        assert_eq!(
            e.add_plugins,
            [
                "prefill-header-handler",
                "prefill-filter",
                "decode-filter",
                HANDLER
            ]
        );
        assert!(e.remove_single_handler);
        assert!(text.contains("# scorers tuned by hand\n"));
        assert!(text.contains("extra: kept\n"));
        assert!(text.contains(
            "    hashBlockSize: 16\n- type: max-score-picker\n- type: prefill-header-handler\n"
        ));
        assert!(!text.contains(SINGLE_HANDLER));
        assert!(text.contains("- name: default\n"));
        assert!(text.contains("- name: prefill\n  plugins:\n  - pluginRef: prefill-filter\n"));
        // The result is P/D aware by doctor's definition, and a second run changes nothing.
        let c = crate::cluster::relations::EppConfig::parse(&text, "t").unwrap();
        assert!(
            c.has_plugin(HANDLER)
                && c.profiles.contains_key("prefill")
                && c.profiles.contains_key("decode")
        );
        assert_eq!(fix_text(&text).unwrap(), None);
    }

    #[test]
    fn partially_right_configs_get_only_what_is_missing_with_the_users_names() {
        let text = "plugins:\n  - type: pd-profile-handler\n  - type: queue-scorer\n    name: q\n\
                    schedulingProfiles:\n  - name: prefill\n    plugins:\n      - pluginRef: q\n";
        let (edited, e) = fix_text(text).unwrap().unwrap();
        assert!(!e.add_plugins.contains(&HANDLER.to_string()));
        assert_eq!(e.add_profiles.len(), 1);
        assert_eq!(e.add_profiles[0].0, "decode");
        assert!(e.add_profiles[0].1.contains(&("q".to_string(), Some(1))));
        // Items are added at the user's indentation.
        assert!(edited.contains("\n  - type: prefill-filter\n"), "{edited}");
        assert!(edited.contains("\n  - name: decode\n"), "{edited}");
        assert!(edited.starts_with("plugins:\n  - type: pd-profile-handler\n"));
    }

    #[test]
    fn unparseable_and_unusual_configs_are_refused() {
        assert!(
            fix_text("plugins: [")
                .unwrap_err()
                .contains("does not parse")
        );
        assert!(fix_text("plugins: 3\n").unwrap_err().contains("not a list"));
        let flow = "plugins: [{type: queue-scorer}]\nschedulingProfiles: []\n";
        let err = fix_text(flow).unwrap_err();
        assert!(
            err.contains("flow style") && err.contains("add by hand"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_config_gets_the_guides_whole_config() {
        let e = edit_for(&Value::Null).unwrap();
        assert_eq!(e.add_plugins.len(), PD_PLUGINS.len());
        let text = edit_text(HEADER, &e).unwrap();
        assert_eq!(fix_text(&text).unwrap(), None, "{text}");
        assert!(text.starts_with(HEADER));
    }

    fn pd_snapshot(scheduler: Value) -> crate::cluster::model::Snapshot {
        let mut snap = crate::cluster::sample::healthy();
        snap.llmisvcs[0].scheduler_spec = Some(scheduler);
        snap.llmisvcs[0].has_prefill = true;
        snap
    }

    #[test]
    fn plans_a_guarded_args_patch_and_skips_services_without_prefill() {
        let snap = pd_snapshot(json!({"template": {"containers": [{"name": "main",
            "args": ["--pool-name", "p", "--config-text", SINGLE]}]}}));
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(c.patch[0]["op"], "test");
        assert_eq!(c.patch[0]["value"][3], SINGLE);
        assert_eq!(c.patch[1]["op"], "replace");
        assert!(c.patch[1]["value"][3].as_str().unwrap().contains(HANDLER));
        assert!(
            c.diff.contains("+      - type: pd-profile-handler"),
            "{}",
            c.diff
        );
        assert!(
            c.diff.contains("-      - type: single-profile-handler"),
            "{}",
            c.diff
        );

        let mut single = snap.clone();
        single.llmisvcs[0].has_prefill = false;
        assert!(matches!(
            &plan(&Model::new(&single), None)[0].verdict,
            Verdict::Unchanged(_)
        ));
    }

    #[test]
    fn without_any_config_the_guides_config_is_added_where_the_api_version_keeps_it() {
        // v1alpha1, no args in the spec: the running pod's args plus --config-text.
        let snap = pd_snapshot(json!({}));
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(c.patch[1]["path"], "/spec/router/scheduler/template");
        let args = c.patch[1]["value"]["containers"][0]["args"]
            .as_array()
            .unwrap();
        assert_eq!(args[args.len() - 2], CONFIG_TEXT);
        let text = args[args.len() - 1].as_str().unwrap();
        assert!(text.starts_with(HEADER) && text.contains("- type: pd-profile-handler\n"));
        assert!(c.note.is_some());
        // v1alpha2: spec.router.scheduler.config.inline, as data.
        let mut snap = pd_snapshot(json!({}));
        snap.llmisvcs[0].api_version = "serving.kserve.io/v1alpha2".into();
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(c.patch[1]["path"], "/spec/router/scheduler/config");
        let inline = &c.patch[1]["value"]["inline"];
        assert_eq!(inline["kind"], "EndpointPickerConfig");
        assert_eq!(inline["schedulingProfiles"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn inline_configs_are_edited_as_data_and_config_maps_refused() {
        let cfg: Value = serde_saphyr::from_str(SINGLE).unwrap();
        let snap = pd_snapshot(json!({"config": {"inline": cfg}}));
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(c.patch[0]["path"], "/spec/router/scheduler/config/inline");
        assert_eq!(c.patch[0]["value"], cfg);
        assert_eq!(c.patch[1]["value"]["extra"], "kept");
        let snap = pd_snapshot(json!({"config": {"ref": {"name": "epp-config", "key": "c"}}}));
        assert!(
            matches!(&plan(&Model::new(&snap), None)[0].verdict, Verdict::Refused(r) if r.contains("ConfigMap epp-config"))
        );
    }
}
