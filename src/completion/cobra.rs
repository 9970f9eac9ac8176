//! Cobra's `__complete` protocol, answered from the clap command definition. Pure: no IO.
//!
//! kubectl (>= 1.26) completes `kubectl llmd <TAB>` by running `kubectl_complete-llmd` with the
//! words after `llmd`, the last one being the word under the cursor (possibly empty). The answer
//! is one `candidate\tdescription` line per candidate, then `:<directive>` (bit flags, see
//! [`directive`]). This module turns the words into either a ready [`Answer`] or a request for
//! values only the cluster knows ([`Plan::Live`]); [`super::live`] fetches those.

use std::collections::HashSet;

use clap::builder::{ArgAction, ValueHint};

/// Cobra's `ShellCompDirective` bits (spf13/cobra `completions.go`).
pub mod directive {
    /// Let the shell complete file names.
    pub const DEFAULT: u32 = 0;
    /// An error happened; the shell completes nothing.
    pub const ERROR: u32 = 1;
    /// Do not add a space after the completion.
    pub const NO_SPACE: u32 = 2;
    /// Do not fall back to file completion when there is no candidate.
    pub const NO_FILE_COMP: u32 = 4;
    /// Candidates are file extensions to filter on.
    pub const FILTER_FILE_EXT: u32 = 8;
    /// Complete directory names only.
    pub const FILTER_DIRS: u32 = 16;
    /// Keep the candidates in the given order.
    pub const KEEP_ORDER: u32 = 32;
}

/// One completion candidate: what gets inserted and what the shell shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub description: String,
}

impl Candidate {
    pub fn new(value: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            description: description.into(),
        }
    }
}

/// The full answer: candidates and the directive line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub candidates: Vec<Candidate>,
    pub directive: u32,
}

impl Answer {
    /// No candidates and no file completion: the safe answer for anything unknown or failed.
    pub fn nothing() -> Self {
        Self {
            candidates: Vec::new(),
            directive: directive::NO_FILE_COMP,
        }
    }

    /// The protocol text: `value\tdescription` lines (description's first line only, tabs
    /// and newlines removed) then `:<directive>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.candidates {
            out.push_str(&clean(&c.value));
            let description = clean(c.description.lines().next().unwrap_or_default());
            if !description.is_empty() {
                out.push('\t');
                out.push_str(&description);
            }
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive));
        out
    }
}

fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ").trim().to_string()
}

/// Values the CLI definition cannot know; only the cluster can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveKind {
    /// Namespace names (`-n`, `--tenant`).
    Namespaces,
    /// LLMInferenceService names, in the namespace on the line (or the context's).
    LlmInferenceServices,
    /// Context names from the kubeconfig (`--context`); read locally, no request.
    Contexts,
    /// Cluster names from the kubeconfig (`--cluster`).
    Clusters,
    /// User names from the kubeconfig (`--user`).
    Users,
}

/// What to do for the word under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The answer is known from the command definition.
    Ready(Answer),
    /// Ask the cluster for names starting with `prefix`. `connection` holds the connection
    /// flags already typed on the line (`--kubeconfig x`, `--context y`, `-n z`, …) as argv
    /// words, ready to be parsed as the plugin's global flags. Each candidate gets
    /// `insert_prefix` prepended (`--namespace=` when completing `--namespace=de`).
    Live {
        kind: LiveKind,
        prefix: String,
        insert_prefix: String,
        connection: Vec<String>,
    },
}

/// Lists the CLI definition does not carry: doctor's check ids and categories.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalogue<'a> {
    pub check_ids: &'a [&'a str],
    pub categories: &'a [&'a str],
}

/// Argument ids whose values are doctor check ids.
const CHECK_ID_ARGS: &[&str] = &["check", "ignore"];
/// Argument ids whose values are doctor categories.
const CATEGORY_ARGS: &[&str] = &["category"];
/// Value names (`value_name = "…"`) that mean "a namespace".
const NAMESPACE_VALUE_NAMES: &[&str] = &["NS", "NAMESPACE"];
/// Value names that mean "an LLMInferenceService name": give a positional or a flag one of these
/// and it completes live from the cluster.
pub const LLMISVC_VALUE_NAMES: &[&str] = &["LLMISVC", "LLMINFERENCESERVICE"];
/// Global flags that choose the cluster connection: forwarded to live completion.
const CONNECTION_ARGS: &[&str] = &[
    "kubeconfig",
    "context",
    "cluster",
    "user",
    "namespace",
    "all_namespaces",
    "as_user",
    "as_group",
    "certificate_authority",
    "insecure_skip_tls_verify",
];

/// Plan the completion of `words` (the words after `llmd`; the last is being completed) against
/// `root` (the plugin's clap command; built here so global flags reach every subcommand).
pub fn plan(mut root: clap::Command, words: &[String], catalogue: Catalogue<'_>) -> Plan {
    root.build();
    let (current, typed) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut state = LineState::new(&root);
    for word in typed {
        state.consume(word);
    }
    state.complete(current, catalogue)
}

/// What the words before the cursor established.
struct LineState<'c> {
    cmd: &'c clap::Command,
    /// A flag whose value is the next word.
    pending: Option<&'c clap::Arg>,
    positionals: usize,
    after_double_dash: bool,
    /// Ids of flags already given (non-repeatable ones are not offered again).
    seen: HashSet<String>,
    connection: Vec<String>,
}

impl<'c> LineState<'c> {
    fn new(root: &'c clap::Command) -> Self {
        Self {
            cmd: root,
            pending: None,
            positionals: 0,
            after_double_dash: false,
            seen: HashSet::new(),
            connection: Vec::new(),
        }
    }

    fn consume(&mut self, word: &str) {
        if let Some(arg) = self.pending.take() {
            self.record(arg, Some(word));
            return;
        }
        if self.after_double_dash {
            self.positionals += 1;
            return;
        }
        if word == "--" {
            self.after_double_dash = true;
            return;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            if let Some(arg) = find_long(self.cmd, name) {
                self.flag(arg, inline);
            }
            return;
        }
        if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (i, ch) in shorts.char_indices() {
                let Some(arg) = find_short(self.cmd, ch) else {
                    return;
                };
                if takes_value(arg) {
                    let rest = &shorts[i + ch.len_utf8()..];
                    let rest = rest.strip_prefix('=').unwrap_or(rest);
                    self.flag(arg, (!rest.is_empty()).then_some(rest));
                    return;
                }
                self.flag(arg, None);
            }
            return;
        }
        if self.positionals == 0
            && let Some(sub) = find_subcommand(self.cmd, word)
        {
            self.cmd = sub;
            return;
        }
        self.positionals += 1;
    }

    /// A flag was typed, with its value inline (`--x=v`, `-nv`) or not.
    fn flag(&mut self, arg: &'c clap::Arg, inline: Option<&str>) {
        if takes_value(arg) && inline.is_none() {
            self.pending = Some(arg);
        } else {
            self.record(arg, inline);
        }
    }

    fn record(&mut self, arg: &clap::Arg, value: Option<&str>) {
        let id = arg.get_id().as_str();
        self.seen.insert(id.to_string());
        if CONNECTION_ARGS.contains(&id)
            && let Some(long) = arg.get_long()
        {
            self.connection.push(format!("--{long}"));
            if let Some(v) = value {
                self.connection.push(v.to_string());
            }
        }
    }

    fn complete(self, current: &str, catalogue: Catalogue<'_>) -> Plan {
        if let Some(arg) = self.pending {
            return self.values(arg, current, "", catalogue);
        }
        if !self.after_double_dash && current.starts_with('-') {
            if let Some((name, value)) = current
                .strip_prefix("--")
                .and_then(|long| long.split_once('='))
            {
                return match find_long(self.cmd, name) {
                    Some(arg) if takes_value(arg) => {
                        let insert = format!("--{name}=");
                        self.values(arg, value, &insert, catalogue)
                    }
                    _ => Plan::Ready(Answer::nothing()),
                };
            }
            return Plan::Ready(self.flags(current));
        }
        if !self.after_double_dash && self.positionals == 0 && has_visible_subcommands(self.cmd) {
            let candidates = self
                .cmd
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name().starts_with(current))
                .map(|s| Candidate::new(s.get_name(), about(s)))
                .collect();
            return Plan::Ready(Answer {
                candidates,
                directive: directive::NO_FILE_COMP,
            });
        }
        let positional = self
            .cmd
            .get_positionals()
            .filter(|a| !a.is_hide_set())
            .nth(self.positionals)
            .or_else(|| {
                self.cmd
                    .get_positionals()
                    .filter(|a| !a.is_hide_set())
                    .last()
                    .filter(|a| matches!(a.get_action(), ArgAction::Append))
            });
        match positional {
            Some(arg) => self.values(arg, current, "", catalogue),
            None => Plan::Ready(Answer::nothing()),
        }
    }

    /// Flag names starting with `current`, as Cobra offers them: `--long` always, `-s` too when
    /// `current` is a single dash or names it; flags already given are not offered again unless
    /// they repeat.
    fn flags(&self, current: &str) -> Answer {
        let mut candidates = Vec::new();
        for arg in self.cmd.get_arguments() {
            if arg.is_hide_set() || arg.is_positional() {
                continue;
            }
            let repeats = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
            if self.seen.contains(arg.get_id().as_str()) && !repeats {
                continue;
            }
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            if let Some(long) = arg.get_long() {
                let name = format!("--{long}");
                if name.starts_with(current) {
                    candidates.push(Candidate::new(name, help.clone()));
                }
            }
            if let Some(short) = arg.get_short() {
                let name = format!("-{short}");
                if name.starts_with(current) {
                    candidates.push(Candidate::new(name, help));
                }
            }
        }
        Answer {
            candidates,
            directive: directive::NO_FILE_COMP,
        }
    }

    /// Values for `arg` starting with `prefix`; `insert` is prepended to each candidate.
    fn values(self, arg: &clap::Arg, prefix: &str, insert: &str, catalogue: Catalogue<'_>) -> Plan {
        let id = arg.get_id().as_str();
        let value_name = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map(|n| n.to_string().to_ascii_uppercase())
            .unwrap_or_default();
        let fixed = |list: Vec<Candidate>| {
            Plan::Ready(Answer {
                candidates: list
                    .into_iter()
                    .filter(|c| c.value.starts_with(prefix))
                    .map(|c| Candidate::new(format!("{insert}{}", c.value), c.description))
                    .collect(),
                directive: directive::NO_FILE_COMP,
            })
        };
        let possible = arg.get_possible_values();
        if !possible.is_empty() {
            return fixed(
                possible
                    .iter()
                    .filter(|p| !p.is_hide_set())
                    .map(|p| {
                        let help = p.get_help().map(|h| h.to_string()).unwrap_or_default();
                        Candidate::new(p.get_name(), help)
                    })
                    .collect(),
            );
        }
        if CHECK_ID_ARGS.contains(&id) {
            return fixed(names(catalogue.check_ids, "doctor check"));
        }
        if CATEGORY_ARGS.contains(&id) {
            return fixed(names(catalogue.categories, "doctor check category"));
        }
        let live = if let Some(kind) = kubeconfig_names(id) {
            Some(kind)
        } else if NAMESPACE_VALUE_NAMES.contains(&value_name.as_str()) {
            Some(LiveKind::Namespaces)
        } else if LLMISVC_VALUE_NAMES.contains(&value_name.as_str()) {
            Some(LiveKind::LlmInferenceServices)
        } else {
            None
        };
        if let Some(kind) = live {
            return Plan::Live {
                kind,
                prefix: prefix.to_string(),
                insert_prefix: insert.to_string(),
                connection: self.connection,
            };
        }
        let directive = match arg.get_value_hint() {
            ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => {
                directive::DEFAULT
            }
            ValueHint::DirPath => directive::FILTER_DIRS,
            _ => directive::NO_FILE_COMP,
        };
        // A path after `--flag=` cannot be completed by the shell's file completion.
        let directive = if insert.is_empty() {
            directive
        } else {
            directive::NO_FILE_COMP
        };
        Plan::Ready(Answer {
            candidates: Vec::new(),
            directive,
        })
    }
}

/// Global flags naming a kubeconfig entry.
fn kubeconfig_names(id: &str) -> Option<LiveKind> {
    match id {
        "context" => Some(LiveKind::Contexts),
        "cluster" => Some(LiveKind::Clusters),
        "user" => Some(LiveKind::Users),
        _ => None,
    }
}

fn names(list: &[&str], description: &str) -> Vec<Candidate> {
    list.iter()
        .map(|n| Candidate::new(*n, description))
        .collect()
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

fn about(cmd: &clap::Command) -> String {
    cmd.get_about().map(|a| a.to_string()).unwrap_or_default()
}

fn has_visible_subcommands(cmd: &clap::Command) -> bool {
    cmd.get_subcommands().any(|s| !s.is_hide_set())
}

fn find_subcommand<'c>(cmd: &'c clap::Command, word: &str) -> Option<&'c clap::Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
}

fn find_long<'c>(cmd: &'c clap::Command, name: &str) -> Option<&'c clap::Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_short(cmd: &clap::Command, ch: char) -> Option<&clap::Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(ch) || a.get_all_short_aliases().is_some_and(|al| al.contains(&ch))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    const CHECKS: &[&str] = &["cluster-reachable", "uwm-enabled", "epp-tls"];
    const CATEGORIES: &[&str] = &["cluster", "monitoring", "serving"];

    fn ask(line: &[&str]) -> Plan {
        let words: Vec<String> = line.iter().map(|w| w.to_string()).collect();
        let catalogue = Catalogue {
            check_ids: CHECKS,
            categories: CATEGORIES,
        };
        plan(Cli::command(), &words, catalogue)
    }

    fn ready(line: &[&str]) -> Answer {
        match ask(line) {
            Plan::Ready(a) => a,
            other => panic!("{line:?}: expected a ready answer, got {other:?}"),
        }
    }

    fn values(answer: &Answer) -> Vec<&str> {
        answer.candidates.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn empty_line_lists_visible_subcommands_with_descriptions() {
        for line in [&[][..], &[""][..]] {
            let a = ready(line);
            assert_eq!(a.directive, directive::NO_FILE_COMP);
            let doctor = a.candidates.iter().find(|c| c.value == "doctor").unwrap();
            assert!(doctor.description.contains("broken piece"), "{doctor:?}");
            let v = values(&a);
            for sub in [
                "install-monitoring",
                "stats",
                "fix",
                "completion",
                "version",
            ] {
                assert!(v.contains(&sub), "{sub} missing from {v:?}");
            }
            assert!(!v.contains(&"__complete"), "hidden command offered: {v:?}");
        }
    }

    #[test]
    fn subcommands_filtered_by_prefix() {
        assert_eq!(values(&ready(&["d"])), ["doctor", "dashboards", "demo"]);
        assert_eq!(values(&ready(&["fix", "e"])), ["envoyfilter", "epp-tls"]);
        assert_eq!(values(&ready(&["-n", "x", "st"])), ["stats"]);
    }

    #[test]
    fn output_values_in_every_spelling() {
        let all = ["table", "wide", "short", "json", "yaml"];
        assert_eq!(values(&ready(&["doctor", "-o", ""])), all);
        assert_eq!(values(&ready(&["doctor", "--output", "j"])), ["json"]);
        assert_eq!(values(&ready(&["doctor", "--output=y"])), ["--output=yaml"]);
        assert_eq!(values(&ready(&["-o", ""])), all);
    }

    #[test]
    fn enum_values_of_other_flags_and_positionals() {
        assert_eq!(
            values(&ready(&["version", "--color", ""])),
            ["auto", "always", "never"]
        );
        assert_eq!(
            values(&ready(&["doctor", "--fail-on", ""])),
            ["error", "warn"]
        );
        assert_eq!(
            values(&ready(&["stats", "--source", ""])),
            ["prometheus", "pods"]
        );
        assert_eq!(
            values(&ready(&["completion", ""])),
            ["bash", "elvish", "fish", "powershell", "zsh"]
        );
        // A second positional does not exist: nothing, and no file names.
        assert_eq!(ready(&["completion", "bash", ""]), Answer::nothing());
    }

    #[test]
    fn flags_with_help_long_and_short() {
        let a = ready(&["doctor", "-"]);
        assert_eq!(a.directive, directive::NO_FILE_COMP);
        let v = values(&a);
        for flag in [
            "--check",
            "--ignore",
            "--fail-on",
            "--namespace",
            "-n",
            "-o",
            "--help",
        ] {
            assert!(v.contains(&flag), "{flag} missing from {v:?}");
        }
        let check = a.candidates.iter().find(|c| c.value == "--check").unwrap();
        assert_eq!(check.description, "Only run this check id (repeatable)");
        // `--` offers long names only.
        assert!(
            values(&ready(&["doctor", "--"]))
                .iter()
                .all(|f| f.starts_with("--"))
        );
        assert_eq!(values(&ready(&["doctor", "--fa"])), ["--fail-on"]);
        assert_eq!(values(&ready(&["stats", "--wi"])), ["--window"]);
    }

    #[test]
    fn given_flags_are_not_offered_again_unless_they_repeat() {
        let v = ready(&["doctor", "--fail-on", "warn", "--check", "x", "--"]);
        let v = values(&v);
        assert!(!v.contains(&"--fail-on"), "{v:?}");
        assert!(v.contains(&"--check"), "{v:?}");
        let v = ready(&["doctor", "-o", "json", "-"]);
        assert!(!values(&v).contains(&"-o"));
        assert!(!values(&v).contains(&"--output"));
    }

    #[test]
    fn check_ids_and_categories_come_from_the_catalogue() {
        assert_eq!(values(&ready(&["doctor", "--check", ""])), CHECKS);
        assert_eq!(values(&ready(&["doctor", "--ignore", "e"])), ["epp-tls"]);
        assert_eq!(
            values(&ready(&["doctor", "--check=u"])),
            ["--check=uwm-enabled"]
        );
        assert_eq!(values(&ready(&["doctor", "--category", "s"])), ["serving"]);
        // Without a catalogue: no candidates, still no file names.
        let words = vec!["doctor".to_string(), "--check".into(), String::new()];
        let p = plan(Cli::command(), &words, Catalogue::default());
        assert_eq!(p, Plan::Ready(Answer::nothing()));
    }

    #[test]
    fn namespaces_are_live_with_the_connection_flags_typed_so_far() {
        let p = ask(&[
            "--kubeconfig",
            "/k",
            "doctor",
            "--context=prod",
            "-v",
            "-n",
            "op",
        ]);
        assert_eq!(
            p,
            Plan::Live {
                kind: LiveKind::Namespaces,
                prefix: "op".into(),
                insert_prefix: String::new(),
                connection: vec![
                    "--kubeconfig".into(),
                    "/k".into(),
                    "--context".into(),
                    "prod".into()
                ],
            }
        );
        let Plan::Live {
            kind,
            insert_prefix,
            prefix,
            ..
        } = ask(&["stats", "--namespace=de"])
        else {
            panic!("not live")
        };
        assert_eq!(kind, LiveKind::Namespaces);
        assert_eq!(
            (prefix.as_str(), insert_prefix.as_str()),
            ("de", "--namespace=")
        );
        assert!(matches!(
            ask(&["install-monitoring", "--tenant", ""]),
            Plan::Live {
                kind: LiveKind::Namespaces,
                ..
            }
        ));
    }

    #[test]
    fn kubeconfig_entries_are_looked_up_with_the_kubeconfig_on_the_line() {
        let p = ask(&["--kubeconfig", "/k", "doctor", "--context", "pr"]);
        assert_eq!(
            p,
            Plan::Live {
                kind: LiveKind::Contexts,
                prefix: "pr".into(),
                insert_prefix: String::new(),
                connection: vec!["--kubeconfig".into(), "/k".into()],
            }
        );
        assert!(matches!(
            ask(&["--cluster=a"]),
            Plan::Live {
                kind: LiveKind::Clusters,
                ..
            }
        ));
        assert!(matches!(
            ask(&["stats", "--user", ""]),
            Plan::Live {
                kind: LiveKind::Users,
                ..
            }
        ));
    }

    #[test]
    fn llminferenceservice_names_are_live_for_args_named_so() {
        let cmd = clap::Command::new("t")
            .arg(clap::Arg::new("model").value_name("LLMISVC"))
            .arg(
                clap::Arg::new("namespace")
                    .short('n')
                    .long("namespace")
                    .value_name("NS"),
            );
        let words = vec!["-nteam".to_string(), "qw".into()];
        let p = plan(cmd, &words, Catalogue::default());
        assert_eq!(
            p,
            Plan::Live {
                kind: LiveKind::LlmInferenceServices,
                prefix: "qw".into(),
                insert_prefix: String::new(),
                connection: vec!["--namespace".into(), "team".into()],
            }
        );
    }

    #[test]
    fn paths_fall_back_to_file_completion_free_text_does_not() {
        assert_eq!(ready(&["--kubeconfig", ""]).directive, directive::DEFAULT);
        assert_eq!(
            ready(&["demo", "serve", "--fixture", "sc"]).directive,
            directive::DEFAULT
        );
        assert_eq!(ready(&["stats", "--window", ""]), Answer::nothing());
        assert_eq!(ready(&["--kubeconfig=/tm"]), Answer::nothing());
        assert_eq!(ready(&["version", ""]), Answer::nothing());
    }

    #[test]
    fn clustered_shorts_and_double_dash() {
        // `-vvo` ends with -o expecting its value.
        assert_eq!(values(&ready(&["doctor", "-vvo", "w"])), ["wide"]);
        // `-ojson` carries its value: the next word is a subcommand of the root.
        assert_eq!(values(&ready(&["-ojson", "ver"])), ["version"]);
        // After `--` nothing is a flag and there is no positional to complete.
        assert_eq!(ready(&["doctor", "--", "-"]), Answer::nothing());
    }

    #[test]
    fn render_follows_the_protocol() {
        let a = Answer {
            candidates: vec![
                Candidate::new("doctor", "Find\tbroken\npieces"),
                Candidate::new("json", ""),
            ],
            directive: directive::NO_FILE_COMP | directive::KEEP_ORDER,
        };
        assert_eq!(a.render(), "doctor\tFind broken\njson\n:36\n");
        assert_eq!(Answer::nothing().render(), ":4\n");
    }
}
