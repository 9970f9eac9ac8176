//! Naming detection on real-looking inputs: the sample expositions (synthetic vLLM V0/V1 and EPP,
//! upstream EPP golden files), with OpenShift AI's `kserve_` relabelling applied, and mixed lists
//! where prefixed and unprefixed families coexist (RHOAI ≥ 3.4).

use std::collections::BTreeSet;
use std::path::PathBuf;

use oc_llmd::metrics::{Concept, EppGeneration, Naming, Prefix, VllmGeneration};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dashboards")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `__name__` values of a text exposition (what Prometheus would list after scraping it).
fn names_of_exposition(text: &str) -> Vec<String> {
    let set: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect();
    set.into_iter().collect()
}

fn names(files: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        if f.ends_with(".names") {
            out.extend(fixture(f).lines().map(str::to_string));
        } else {
            out.extend(names_of_exposition(&fixture(f)));
        }
    }
    out
}

/// What Prometheus holds behind KServe's prefixed monitors.
fn prefixed(list: &[String]) -> Vec<String> {
    list.iter().map(|n| format!("kserve_{n}")).collect()
}

fn detect(list: &[String]) -> String {
    Naming::detect(list).to_string()
}

#[test]
fn exposition_parser_sees_families() {
    let v1 = names(&["vllm-v1.prom"]);
    assert!(v1.contains(&"vllm:time_to_first_token_seconds_bucket".to_string()));
    assert!(v1.contains(&"vllm:prefix_cache_hits_total".to_string()));
    assert!(!v1.iter().any(|n| n.starts_with('#') || n.contains('{')));
}

#[test]
fn each_sample_alone() {
    assert_eq!(detect(&names(&["vllm-v1.prom"])), "plain-v1-epp-none");
    assert_eq!(
        detect(&names(&["vllm-v0-legacy.prom"])),
        "plain-v0-epp-none"
    );
    assert_eq!(
        Naming::detect(&names(&["epp.prom"])).epp,
        EppGeneration::InferenceObjective
    );
    assert_eq!(
        Naming::detect(&names(&["epp-llm-d-router.prom"])).epp,
        EppGeneration::LlmD
    );
    assert_eq!(
        Naming::detect(&names(&["real-gie-v0.3.0-epp-testdata.names"])).epp,
        EppGeneration::InferenceModel
    );
    assert_eq!(
        Naming::detect(&names(&["real-gie-v1.0.0-epp-testdata.names"])).epp,
        EppGeneration::InferenceModel
    );
    assert_eq!(
        Naming::detect(&names(&["real-gie-v1.5.0-epp-testdata.names"])).epp,
        EppGeneration::InferenceObjective
    );
    assert_eq!(
        Naming::detect(&names(&["real-llm-d-router-HEAD-epp-testdata.names"])).epp,
        EppGeneration::LlmD
    );
}

#[test]
fn model_server_plus_epp() {
    assert_eq!(
        detect(&names(&["vllm-v1.prom", "epp.prom"])),
        "plain-v1-epp-objective"
    );
    assert_eq!(
        detect(&names(&["vllm-v1.prom", "epp-llm-d-router.prom"])),
        "plain-v1-epp-llmd"
    );
    assert_eq!(
        detect(&names(&[
            "vllm-v0-legacy.prom",
            "real-gie-v0.3.0-epp-testdata.names"
        ])),
        "plain-v0-epp-model"
    );
}

#[test]
fn openshift_ai_prefixed_only() {
    let list = prefixed(&names(&["vllm-v1.prom", "epp.prom"]));
    assert_eq!(detect(&list), "kserve-v1-epp-objective");
    let list = prefixed(&names(&[
        "vllm-v0-legacy.prom",
        "real-gie-v1.0.0-epp-testdata.names",
    ]));
    assert_eq!(detect(&list), "kserve-v0-epp-model");
}

#[test]
fn mixed_prefixed_and_unprefixed_never_double_counts() {
    // RHOAI ≥ 3.4: every target scraped by the prefixed and the `-default` monitors.
    let plain = names(&["vllm-v1.prom", "epp-llm-d-router.prom"]);
    let mut both = prefixed(&plain);
    both.extend(plain.iter().cloned());
    both.push("up".into());
    let n = Naming::detect(&both);
    assert_eq!(
        n,
        Naming {
            prefix: Prefix::Kserve,
            vllm: VllmGeneration::V1,
            epp: EppGeneration::LlmD
        }
    );
    // Order of the input does not matter.
    both.reverse();
    assert_eq!(Naming::detect(&both), n);
    // Every series a query may use exists in the input and belongs to one family only.
    for c in Concept::all() {
        if let Some(s) = n.series(c) {
            assert!(s.starts_with("kserve_"), "{s}");
        }
    }
    // The detected names really exist for the core concepts.
    for c in [
        Concept::VllmRunning,
        Concept::VllmPromptTokens,
        Concept::EppRequests,
        Concept::EppPoolReadyPods,
    ] {
        let s = n.series(c).unwrap();
        assert!(both.contains(&s), "{s} not in the input");
    }
}

#[test]
fn detected_series_exist_in_the_samples() {
    // For each sample pair, every counter/gauge the naming picks for the core concepts is present.
    for files in [
        ["vllm-v1.prom", "epp.prom"],
        ["vllm-v0-legacy.prom", "epp.prom"],
    ] {
        let list = names(&files);
        let n = Naming::detect(&list);
        for c in [
            Concept::VllmRunning,
            Concept::VllmKvCacheUsage,
            Concept::VllmRequestSuccess,
            Concept::EppRequests,
        ] {
            let s = n.series(c).unwrap();
            assert!(list.contains(&s), "{files:?}: {s}");
        }
        let itl = n.series(Concept::VllmItl).unwrap();
        assert!(list.contains(&format!("{itl}_bucket")), "{files:?}: {itl}");
    }
}
