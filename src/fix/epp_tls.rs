//! `fix epp-tls`: the scheduler (EPP) args the request-flow guide adds when a DestinationRule
//! originates TLS to the EPP (serving bug 3): `--secure-serving` and
//! `--cert-path /var/run/kserve/tls` (the service certificate KServe mounts there). Without them
//! Envoy's TLS handshake to a plain-text EPP fails and the EPP is never reached.
//!
//! Only what is missing is added; `--secure-serving=false` is turned into `--secure-serving`; a
//! `--cert-path` the user set is kept. Services where no DestinationRule expects TLS are left alone
//! (turning TLS on there would break plain-text clients).

use crate::cluster::Model;
use crate::cluster::relations::{ServiceRelations, bool_flag, flag_value};
use crate::doctor::checks::serving::tls_expected;
use crate::fix::change::{Change, ServiceFix, Verdict, args_site};

pub const SECURE_FLAG: &str = "--secure-serving";
pub const CERT_FLAG: &str = "--cert-path";
/// Where KServe mounts the scheduler's service certificate (the `tls-certs` volume).
pub const CERT_PATH: &str = "/var/run/kserve/tls";

/// Plan the fix for every service in the model (or only the one named `only`).
pub fn plan(m: &Model, only: Option<&str>) -> Vec<ServiceFix> {
    m.services
        .iter()
        .filter(|s| only.is_none_or(|n| n == s.isvc.name))
        .map(|s| ServiceFix::new(s, verdict(m, s)))
        .collect()
}

fn verdict(m: &Model, s: &ServiceRelations) -> Verdict {
    let Some(dr) = tls_expected(m, s) else {
        return Verdict::Unchanged(
            "no DestinationRule expects TLS to the EPP: plain-text gRPC is consistent".into(),
        );
    };
    let site = match args_site(s) {
        Ok(site) => site,
        Err(reason) => return Verdict::Refused(reason),
    };
    let new_args = match tls_args(&site.words(), &site.args) {
        Err(reason) => return Verdict::Refused(reason),
        Ok(None) => {
            let mut why = format!("the scheduler args already carry {SECURE_FLAG} and {CERT_FLAG}");
            if site.from_pod.is_none() && bool_flag(&s.scheduler_args, SECURE_FLAG) != Some(true) {
                why.push_str(
                    " in the spec (the running scheduler pod has not picked them up yet: KServe rolls it)",
                );
            }
            return Verdict::Unchanged(why);
        }
        Ok(Some(a)) => a,
    };
    let added: Vec<&String> = new_args.iter().filter(|a| !site.args.contains(a)).collect();
    let summary = format!(
        "DestinationRule {dr} expects TLS: scheduler args gain {}",
        added
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let scheduler = s.isvc.scheduler_spec.clone().unwrap_or_default();
    match Change::new(
        &s.subject(),
        &scheduler,
        site.ops(&new_args),
        summary,
        site.note(),
    ) {
        Ok(c) => Verdict::Patch(c),
        Err(e) => Verdict::Refused(e),
    }
}

/// The args with the TLS flags added, None when nothing is missing, Err when the flags cannot be
/// edited safely. `words` is command + args (where flags are read), `args` what is written.
pub fn tls_args(words: &[String], args: &[String]) -> Result<Option<Vec<String>>, String> {
    if let Some(w) = words.iter().find(|w| {
        w.contains(char::is_whitespace) && (w.contains(SECURE_FLAG) || w.contains(CERT_FLAG))
    }) {
        return Err(format!(
            "the TLS flags sit inside a multi-word argument ({w:?}): edit the scheduler args by hand"
        ));
    }
    if words.last().is_some_and(|w| w == CERT_FLAG) {
        return Err(format!(
            "{CERT_FLAG} has no value: edit the scheduler args by hand"
        ));
    }
    let mut new = args.to_vec();
    match bool_flag(words, SECURE_FLAG) {
        Some(true) => {}
        None => new.push(SECURE_FLAG.to_string()),
        Some(false) => {
            let off = format!("{SECURE_FLAG}=");
            let mut found = false;
            for a in new.iter_mut().filter(|a| a.starts_with(&off)) {
                *a = SECURE_FLAG.to_string();
                found = true;
            }
            if !found {
                return Err(format!(
                    "{SECURE_FLAG}=false is set in the container command, not its args: edit it by hand"
                ));
            }
        }
    }
    if flag_value(words, CERT_FLAG).is_none() {
        new.push(CERT_FLAG.to_string());
        new.push(CERT_PATH.to_string());
    }
    Ok((new != args).then_some(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{DestinationRule, Snapshot};
    use serde_json::json;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn adds_only_what_is_missing() {
        let base = v(&["--pool-name", "p", "--grpc-port", "9002"]);
        assert_eq!(
            tls_args(&base, &base).unwrap().unwrap(),
            v(&[
                "--pool-name",
                "p",
                "--grpc-port",
                "9002",
                "--secure-serving",
                "--cert-path",
                CERT_PATH
            ])
        );
        // Partially right: secure serving on, no cert path.
        let half = v(&["--secure-serving", "--pool-name", "p"]);
        assert_eq!(
            tls_args(&half, &half).unwrap().unwrap(),
            v(&[
                "--secure-serving",
                "--pool-name",
                "p",
                "--cert-path",
                CERT_PATH
            ])
        );
        // Explicitly off: flipped in place; the user's own cert path is kept.
        let off = v(&["--secure-serving=false", "--cert-path=/etc/ssl/certs"]);
        assert_eq!(
            tls_args(&off, &off).unwrap().unwrap(),
            v(&["--secure-serving", "--cert-path=/etc/ssl/certs"])
        );
        // Already fixed.
        let done = v(&["--secure-serving", "--cert-path", "/etc/ssl/certs"]);
        assert_eq!(tls_args(&done, &done).unwrap(), None);
        // Flags in the command count; nothing is duplicated into args.
        let cmd = v(&["/app/epp", "--secure-serving=true"]);
        let mut words = cmd.clone();
        words.extend(v(&["--cert-path", "/x"]));
        assert_eq!(tls_args(&words, &v(&["--cert-path", "/x"])).unwrap(), None);
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        let shell = v(&["/app/epp --pool-name p --secure-serving=false"]);
        assert!(tls_args(&shell, &shell).unwrap_err().contains("multi-word"));
        let dangling = v(&["--secure-serving", "--cert-path"]);
        assert!(
            tls_args(&dangling, &dangling)
                .unwrap_err()
                .contains("no value")
        );
        let words = v(&["/app/epp", "--secure-serving=false"]);
        assert!(tls_args(&words, &[]).unwrap_err().contains("command"));
    }

    fn snapshot(scheduler: serde_json::Value, with_dr: bool) -> Snapshot {
        let mut snap = crate::cluster::sample::healthy();
        snap.llmisvcs[0].scheduler_spec = Some(scheduler);
        snap.destination_rules.clear();
        if with_dr {
            snap.destination_rules.push(DestinationRule {
                namespace: snap.llmisvcs[0].namespace.clone(),
                name: format!("{}-kserve-scheduler", snap.llmisvcs[0].name),
                host: String::new(),
                tls_mode: Some("SIMPLE".into()),
            });
        }
        snap
    }

    #[test]
    fn spec_args_are_replaced_under_a_test_op() {
        let snap = snapshot(
            json!({"template": {"containers": [{"name": "main", "args": ["--pool-name", "p"]}]}}),
            true,
        );
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(
            c.patch,
            json!([
                {"op": "test", "path": "/spec/router/scheduler/template/containers/0/args",
                 "value": ["--pool-name", "p"]},
                {"op": "replace", "path": "/spec/router/scheduler/template/containers/0/args",
                 "value": ["--pool-name", "p", "--secure-serving", "--cert-path", CERT_PATH]},
            ])
        );
        assert!(c.note.is_none());
        assert!(c.diff.contains("+    - --secure-serving\n"), "{}", c.diff);
    }

    #[test]
    fn an_empty_scheduler_spec_takes_the_pods_args() {
        let mut snap = snapshot(json!({}), true);
        for p in &mut snap.pods {
            for c in &mut p.containers {
                c.args.retain(|a| a != "--secure-serving");
                c.own_args.retain(|a| a != "--secure-serving");
            }
        }
        let plans = plan(&Model::new(&snap), None);
        let Verdict::Patch(c) = &plans[0].verdict else {
            panic!("{plans:?}")
        };
        assert_eq!(
            c.patch[0],
            json!({"op": "test", "path": "/spec/router/scheduler", "value": {}})
        );
        assert_eq!(c.patch[1]["op"], "add");
        assert_eq!(c.patch[1]["path"], "/spec/router/scheduler/template");
        let args = c.patch[1]["value"]["containers"][0]["args"]
            .as_array()
            .unwrap();
        assert!(args.iter().any(|a| a == "--pool-name"));
        assert!(args.iter().any(|a| a == "--secure-serving"));
        assert!(c.note.as_deref().unwrap().contains("running scheduler pod"));
    }

    #[test]
    fn nothing_to_do_without_a_tls_destination_rule_or_when_fixed() {
        let snap = snapshot(
            json!({"template": {"containers": [{"name": "main", "args": []}]}}),
            false,
        );
        assert!(
            matches!(&plan(&Model::new(&snap), None)[0].verdict, Verdict::Unchanged(r) if r.contains("no DestinationRule"))
        );
        let snap = snapshot(
            json!({"template": {"containers": [{"name": "main",
                "args": ["--secure-serving", "--cert-path", CERT_PATH]}]}}),
            true,
        );
        assert!(matches!(
            &plan(&Model::new(&snap), None)[0].verdict,
            Verdict::Unchanged(_)
        ));
        assert!(plan(&Model::new(&snap), Some("other")).is_empty());
    }

    #[test]
    fn unreadable_args_and_a_missing_scheduler_are_refused() {
        let snap = snapshot(
            json!({"template": {"containers": [{"name": "main", "args": "--secure-serving"}]}}),
            true,
        );
        assert!(
            matches!(&plan(&Model::new(&snap), None)[0].verdict, Verdict::Refused(r) if r.contains("not a list"))
        );
        let mut snap = snapshot(json!({}), true);
        snap.llmisvcs[0].scheduler_spec = None;
        assert!(
            matches!(&plan(&Model::new(&snap), None)[0].verdict, Verdict::Refused(r) if r.contains("no managed scheduler"))
        );
    }
}
