//! Fixes for what doctor finds, as pure plans over the cluster model (printed, or applied with the
//! apply engine). Today: the Istio 1.26 ext_proc EnvoyFilter ([`envoyfilter`]).

pub mod envoyfilter;
