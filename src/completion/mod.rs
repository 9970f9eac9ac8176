//! Completion for `kubectl llmd <TAB>` and `oc llmd <TAB>`: kubectl's plugin completion protocol.
//!
//! - [`cobra`]: the protocol, answered from the clap definition (pure, unit-tested).
//! - [`live`]: names only the cluster knows (namespaces, LLMInferenceServices), with a timeout.
//!
//! Static shell scripts (`completion bash|zsh|fish|powershell`) come from `clap_complete` in
//! [`crate::commands::completion`].

pub mod cobra;
pub mod live;

use clap::CommandFactory;

use crate::cli::Cli;
use cobra::{Catalogue, Plan};

/// doctor's check categories (the public contract in doctor's issue).
pub const DOCTOR_CATEGORIES: &[&str] = &["cluster", "monitoring", "grafana", "serving", "gateway"];

/// doctor's check ids, offered for `--check` and `--ignore`.
pub fn doctor_check_ids() -> Vec<String> {
    crate::doctor::catalogue::catalogue()
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

/// Answer one `__complete` request (the words after `llmd`): the protocol text for stdout.
pub async fn respond(words: &[String]) -> String {
    let ids = doctor_check_ids();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let catalogue = Catalogue {
        check_ids: &id_refs,
        categories: DOCTOR_CATEGORIES,
    };
    let answer = match cobra::plan(Cli::command(), words, catalogue) {
        Plan::Ready(answer) => answer,
        Plan::Live {
            kind,
            prefix,
            insert_prefix,
            connection,
        } => live::answer(kind, &prefix, &insert_prefix, &connection).await,
    };
    answer.render()
}
