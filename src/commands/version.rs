//! `version`: the plugin's version, as text or as a small JSON/YAML document. Touches no cluster.

use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::{ExitCode, Result};
use crate::output;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionInfo {
    kind: &'static str,
    version: &'static str,
    git_commit: &'static str,
}

pub fn run(global: &GlobalArgs) -> Result<ExitCode> {
    let info = VersionInfo {
        kind: "Version",
        version: env!("CARGO_PKG_VERSION"),
        git_commit: option_env!("OC_LLMD_GIT_COMMIT").unwrap_or("unknown"),
    };
    let text = match global.output {
        OutputFormat::Json => output::to_json(&info)?,
        OutputFormat::Yaml => output::to_yaml(&info)?,
        _ => format!("oc-llmd {}\n", info.version),
    };
    output::emit(&text);
    Ok(ExitCode::Ok)
}
