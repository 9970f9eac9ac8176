//! `oc llmd doctor`: the check catalogue, the checks (pure functions over the cluster model),
//! the report and its rendering.
pub mod checks {}
