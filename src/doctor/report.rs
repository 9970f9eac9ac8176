//! Check results and the doctor report — including the versioned JSON contract.
//!
//! `oc llmd doctor -o json` prints exactly one [`Report`] (`-o yaml` the same as YAML):
//!
//! ```json
//! {
//!   "kind": "DoctorReport",
//!   "version": 1,
//!   "success": true,
//!   "summary": {"ok": 20, "warn": 0, "error": 0, "skipped": 3, "info": 1},
//!   "checks": [
//!     {"id": "uwm-enabled", "category": "monitoring", "status": "error",
//!      "subject": "openshift-monitoring/cluster-monitoring-config",
//!      "message": "…", "fix": "oc llmd install-monitoring --enable-uwm", "hint": "…"}
//!   ]
//! }
//! ```
//!
//! - `status` is one of `ok`, `warn`, `error`, `skipped`, `info`.
//! - `subject` is `namespace/name` of the object the result is about (`""` for cluster-wide facts).
//! - `fix` (an exact command or manifest step) and `hint` (why, one sentence) are `null` when
//!   there is nothing to do.
//! - `success` is false exactly when doctor exits 1: an `error`, or a `warn` under `--fail-on warn`.
//! - Check ids are stable (`oc llmd doctor --list`); `checks` is in catalogue order.
//!
//! Adding fields is compatible; renaming or removing one bumps `version`.

use serde::{Deserialize, Serialize};

/// The outcome of one check for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Error,
    Skipped,
    Info,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Info => "info",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub category: String,
    pub status: Status,
    pub subject: String,
    pub message: String,
    pub fix: Option<String>,
    pub hint: Option<String>,
}

impl CheckResult {
    /// A result; the engine fills `category` from the catalogue.
    pub fn new(
        id: &str,
        status: Status,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            category: String::new(),
            status,
            subject: subject.into(),
            message: message.into(),
            fix: None,
            hint: None,
        }
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub fn ok(id: &str, subject: impl Into<String>, message: impl Into<String>) -> CheckResult {
    CheckResult::new(id, Status::Ok, subject, message)
}
pub fn warn(id: &str, subject: impl Into<String>, message: impl Into<String>) -> CheckResult {
    CheckResult::new(id, Status::Warn, subject, message)
}
pub fn error(id: &str, subject: impl Into<String>, message: impl Into<String>) -> CheckResult {
    CheckResult::new(id, Status::Error, subject, message)
}
pub fn skipped(id: &str, subject: impl Into<String>, message: impl Into<String>) -> CheckResult {
    CheckResult::new(id, Status::Skipped, subject, message)
}
pub fn info(id: &str, subject: impl Into<String>, message: impl Into<String>) -> CheckResult {
    CheckResult::new(id, Status::Info, subject, message)
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub ok: usize,
    pub warn: usize,
    pub error: usize,
    pub skipped: usize,
    pub info: usize,
}

impl Summary {
    pub fn of(results: &[CheckResult]) -> Self {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Ok => s.ok += 1,
                Status::Warn => s.warn += 1,
                Status::Error => s.error += 1,
                Status::Skipped => s.skipped += 1,
                Status::Info => s.info += 1,
            }
        }
        s
    }

    /// `12 ok, 1 warning, 2 errors, 3 skipped` (`, 1 info` when there is any).
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{} ok, {}, {}, {} skipped",
            self.ok,
            plural(self.warn, "warning", "warnings"),
            plural(self.error, "error", "errors"),
            self.skipped
        );
        if self.info > 0 {
            line.push_str(&format!(", {} info", self.info));
        }
        line
    }
}

/// The document `-o json|yaml` prints (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub kind: String,
    pub version: u32,
    pub success: bool,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
}

impl Report {
    pub const KIND: &'static str = "DoctorReport";
    pub const VERSION: u32 = 1;

    /// Build a report; `fail_on_warn` makes warnings fail too.
    pub fn new(checks: Vec<CheckResult>, fail_on_warn: bool) -> Self {
        let summary = Summary::of(&checks);
        let success = summary.error == 0 && (!fail_on_warn || summary.warn == 0);
        Self {
            kind: Self::KIND.into(),
            version: Self::VERSION,
            success,
            summary,
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_pluralises() {
        let r = vec![
            ok("a", "", ""),
            warn("a", "", ""),
            error("a", "", ""),
            error("a", "", ""),
            info("a", "", ""),
        ];
        assert_eq!(
            Summary::of(&r).line(),
            "1 ok, 1 warning, 2 errors, 0 skipped, 1 info"
        );
    }

    #[test]
    fn success_follows_fail_on() {
        let r = vec![ok("a", "", ""), warn("b", "", "")];
        assert!(Report::new(r.clone(), false).success);
        assert!(!Report::new(r, true).success);
        assert!(!Report::new(vec![error("c", "", "")], false).success);
    }

    #[test]
    fn json_contract_shape() {
        let r = Report::new(vec![ok("cluster-reachable", "", "fine")], false);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], "DoctorReport");
        assert_eq!(v["version"], 1);
        assert_eq!(v["summary"]["ok"], 1);
        assert_eq!(v["checks"][0]["status"], "ok");
        assert!(v["checks"][0]["fix"].is_null());
        let keys: Vec<&String> = v["checks"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 7);
    }
}
