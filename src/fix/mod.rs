//! Fixes for what doctor finds, as pure plans over the cluster model (printed, or applied):
//! the Istio 1.26 ext_proc EnvoyFilter ([`envoyfilter`], server-side apply), and two guarded JSON
//! patches on the LLMInferenceService: the scheduler's TLS args ([`epp_tls`]) and a P/D-aware
//! EndpointPickerConfig ([`pd_config`]), both built on [`change`] and shown with [`diff`].

pub mod change;
pub mod diff;
pub mod envoyfilter;
pub mod epp_tls;
pub mod pd_config;
pub mod render;
