//! What each fuzz target does with one input, shared by the cargo-fuzz targets (`fuzz_targets/`)
//! and the regression test that replays the committed corpus on stable (`tests/fuzz_corpus.rs`).
//!
//! Every function must return normally for every input: a panic is a bug. Besides "no panic",
//! each checks the invariants its parser promises (errors are one printable line; a config we
//! write back parses again).

// Each fuzz target uses one of these functions.
#![allow(dead_code)]

use oc_llmd::cluster::relations::{EppConfig, scheduler_config};
use oc_llmd::error::Error;
use oc_llmd::install::cmo::{self, CmoChange, CurrentCmo};
use oc_llmd::prom::response;
use oc_llmd::scrape::exposition;

/// Longest error message a parser may produce (it is printed on one terminal line).
const MAX_MESSAGE: usize = 2_000;

fn check_error(e: &Error) {
    assert!(
        !e.message.chars().any(char::is_control),
        "control character in an error message: {:?}",
        e.message
    );
    assert!(
        e.message.len() <= MAX_MESSAGE,
        "error message of {} bytes",
        e.message.len()
    );
}

/// The metrics exposition parser (`--source pods` reads pods' /metrics with it).
pub fn exposition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match exposition::parse(text) {
        Ok(expo) => {
            for s in &expo.samples {
                assert!(!s.name.is_empty(), "a sample without a name");
            }
        }
        Err(e) => assert!(e.line >= 1, "line numbers are 1-based: {e}"),
    }
}

/// Prometheus/Thanos HTTP answers: the first byte picks the HTTP status, the rest is the body.
pub fn prom_response(data: &[u8]) {
    const STATUSES: [u16; 8] = [200, 200, 400, 401, 403, 422, 500, 503];
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(*first) % STATUSES.len()];
    let url = "https://thanos.example";
    if let Err(e) = response::parse_query(url, status, body) {
        check_error(&e);
    }
    if let Err(e) = response::parse_strings(url, status, body) {
        check_error(&e);
    }
    if let Err(e) = response::parse_series(url, status, body) {
        check_error(&e);
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = response::parse_value(text);
    }
}

/// The EndpointPickerConfig parser (doctor's pd-config and prefix-caching checks).
pub fn epp_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = EppConfig::parse(text, "fuzz") {
        for plugins in cfg.profiles.values() {
            assert!(
                plugins.iter().all(|p| !p.is_empty()),
                "an empty plugin type"
            );
        }
    }
    let args = vec!["--config-text".to_string(), text.to_string()];
    let _ = scheduler_config(&args, None);
    let _ = scheduler_config(&[], Some(text));
}

/// cluster-monitoring-config's `config.yaml`: doctor's reader and install's `--enable-uwm` merge.
pub fn cmo_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = oc_llmd::cluster::parse::uwm_enabled(text);
    let _ = cmo::uwm_enabled(Some(text));
    let current = CurrentCmo {
        resource_version: Some("1".into()),
        config_yaml: Some(text.to_string()),
    };
    match cmo::enable_uwm(Some(&current)) {
        Ok(CmoChange::Apply { config_yaml, .. }) => {
            // What we would write must read back, with UWM on and every old key kept.
            let written = cmo::parse(&config_yaml)
                .unwrap_or_else(|e| panic!("we wrote a config.yaml we cannot read: {}", e.message));
            assert!(
                cmo::uwm_enabled(Some(&config_yaml)),
                "UWM not enabled in {config_yaml:?}"
            );
            if let Ok(before) = cmo::parse(text) {
                for key in before.keys().filter(|k| *k != cmo::UWM_KEY) {
                    assert_eq!(before.get(key), written.get(key), "key {key} changed");
                }
            }
        }
        Ok(CmoChange::AlreadyEnabled) => assert!(cmo::uwm_enabled(Some(text))),
        Err(e) => check_error(&e),
    }
}
