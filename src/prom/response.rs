//! Prometheus HTTP API answers: typed results and the mapping of HTTP status and error bodies to
//! [`crate::error::Error`] (pure functions, tested with canned bodies).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Label set of one series.
pub type Labels = BTreeMap<String, String>;

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: Labels,
    pub timestamp: f64,
    pub value: f64,
}

/// One series of a range query.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub metric: Labels,
    pub values: Vec<(f64, f64)>,
}

/// The `data` of a query or query_range answer.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryData {
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
    Scalar { timestamp: f64, value: f64 },
    String { timestamp: f64, value: String },
}

/// A successful answer; `warnings` (and `infos`) are kept so partial answers can be surfaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    pub data: T,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

impl<T> Response<T> {
    /// True when Prometheus/Thanos said the answer may be incomplete.
    pub fn is_partial(&self) -> bool {
        !self.warnings.is_empty()
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Value,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

/// Check the HTTP status and the envelope; return the `data` value with warnings.
pub fn parse_envelope(url: &str, http_status: u16, body: &[u8]) -> Result<Response<Value>> {
    match http_status {
        401 => {
            return Err(Error::unreachable(format!(
                "authentication to Thanos/Prometheus at {url} failed (HTTP 401)"
            ))
            .with_hint("the token expired or was not accepted — token expired? run `oc login` (or pass a fresh --token)"));
        }
        403 => {
            return Err(Error::forbidden(format!("Thanos/Prometheus at {url} refused the query (HTTP 403)")).with_hint(
                "querying all namespaces needs the `cluster-monitoring-view` cluster role \
                 (`oc adm policy add-cluster-role-to-user cluster-monitoring-view <user>`); \
                 for one namespace use Thanos' tenancy port 9092 with -n <namespace> (needs `view` there)",
            ));
        }
        _ => {}
    }
    let envelope: Option<Envelope> = serde_json::from_slice(body).ok();
    let ok_status = (200..300).contains(&http_status);
    match envelope {
        Some(env) if env.status == "success" && ok_status => {
            Ok(Response { data: env.data, warnings: env.warnings, infos: env.infos })
        }
        Some(env) if env.status == "error" || !ok_status => {
            let kind = env.error_type.unwrap_or_else(|| "error".to_string());
            let message = env
                .error
                .map(|e| excerpt(e.as_bytes()))
                .unwrap_or_else(|| "no error message".to_string());
            Err(Error::failed(format!("Prometheus at {url} answered HTTP {http_status} ({kind}): {message}"))
                .with_hint(hint_for_status(http_status)))
        }
        _ if !ok_status => Err(Error::failed(format!(
            "Prometheus at {url} answered HTTP {http_status}: {}",
            excerpt(body)
        ))
        .with_hint(hint_for_status(http_status))),
        _ => Err(Error::failed(format!(
            "the answer from {url} is not a Prometheus API response: {}",
            excerpt(body)
        ))
        .with_hint("check that --prometheus-url points at a Prometheus-compatible API (Thanos Querier or Prometheus)")),
    }
}

fn hint_for_status(status: u16) -> &'static str {
    match status {
        400 | 422 => "the query was rejected; run with -v to see it",
        404 => "check that --prometheus-url is the API's base URL (without /api/v1)",
        503 | 504 => {
            "Prometheus/Thanos is overloaded or timed out; retry, or narrow the query (-n <namespace>)"
        }
        _ => "retry; if it persists, check the Thanos Querier pods in openshift-monitoring",
    }
}

/// The first 200 characters of a body (or of a server's error text), on one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_string();
    }
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn bad_data(url: &str, what: &str) -> Error {
    Error::failed(format!("unexpected data in the answer from {url}: {what}"))
        .with_hint("check that --prometheus-url points at a Prometheus-compatible API")
}

/// Parse a `/api/v1/query` or `/api/v1/query_range` answer.
pub fn parse_query(url: &str, http_status: u16, body: &[u8]) -> Result<Response<QueryData>> {
    let env = parse_envelope(url, http_status, body)?;
    let data = query_data(url, &env.data)?;
    Ok(Response {
        data,
        warnings: env.warnings,
        infos: env.infos,
    })
}

/// Parse an answer whose data is a list of strings (`/api/v1/label/<name>/values`).
pub fn parse_strings(url: &str, http_status: u16, body: &[u8]) -> Result<Response<Vec<String>>> {
    let env = parse_envelope(url, http_status, body)?;
    let data = match env.data {
        Value::Null => Vec::new(),
        other => serde_json::from_value(other)
            .map_err(|e| bad_data(url, &format!("expected a list of strings ({e})")))?,
    };
    Ok(Response {
        data,
        warnings: env.warnings,
        infos: env.infos,
    })
}

/// Parse a `/api/v1/series` answer (a list of label sets).
pub fn parse_series(url: &str, http_status: u16, body: &[u8]) -> Result<Response<Vec<Labels>>> {
    let env = parse_envelope(url, http_status, body)?;
    let data = match env.data {
        Value::Null => Vec::new(),
        other => serde_json::from_value(other)
            .map_err(|e| bad_data(url, &format!("expected label sets ({e})")))?,
    };
    Ok(Response {
        data,
        warnings: env.warnings,
        infos: env.infos,
    })
}

fn query_data(url: &str, data: &Value) -> Result<QueryData> {
    let result_type = data
        .get("resultType")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_data(url, "no resultType"))?;
    let result = data
        .get("result")
        .ok_or_else(|| bad_data(url, "no result"))?;
    match result_type {
        "vector" => {
            let items = result
                .as_array()
                .ok_or_else(|| bad_data(url, "vector result is not a list"))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let metric = labels(url, item.get("metric"))?;
                let (timestamp, value) = point(url, item.get("value"))?;
                out.push(Sample {
                    metric,
                    timestamp,
                    value,
                });
            }
            Ok(QueryData::Vector(out))
        }
        "matrix" => {
            let items = result
                .as_array()
                .ok_or_else(|| bad_data(url, "matrix result is not a list"))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let metric = labels(url, item.get("metric"))?;
                let raw = item
                    .get("values")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad_data(url, "series without values"))?;
                let values = raw
                    .iter()
                    .map(|p| point(url, Some(p)))
                    .collect::<Result<Vec<_>>>()?;
                out.push(RangeSeries { metric, values });
            }
            Ok(QueryData::Matrix(out))
        }
        "scalar" => {
            let (timestamp, value) = point(url, Some(result))?;
            Ok(QueryData::Scalar { timestamp, value })
        }
        "string" => {
            let pair = result
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| bad_data(url, "malformed string"))?;
            let timestamp = pair[0]
                .as_f64()
                .ok_or_else(|| bad_data(url, "timestamp is not a number"))?;
            let value = pair[1].as_str().unwrap_or_default().to_string();
            Ok(QueryData::String { timestamp, value })
        }
        other => Err(bad_data(url, &format!("unknown resultType `{other}`"))),
    }
}

fn labels(url: &str, value: Option<&Value>) -> Result<Labels> {
    match value {
        None | Some(Value::Null) => Ok(Labels::new()),
        Some(v) => {
            serde_json::from_value(v.clone()).map_err(|e| bad_data(url, &format!("labels ({e})")))
        }
    }
}

/// `[<unix seconds>, "<value>"]`; values are strings such as `"1.5"`, `"NaN"`, `"+Inf"`.
fn point(url: &str, value: Option<&Value>) -> Result<(f64, f64)> {
    let pair = value
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or_else(|| bad_data(url, "malformed sample"))?;
    let timestamp = pair[0]
        .as_f64()
        .ok_or_else(|| bad_data(url, "timestamp is not a number"))?;
    let text = pair[1]
        .as_str()
        .ok_or_else(|| bad_data(url, "sample value is not a string"))?;
    let value = parse_value(text)
        .ok_or_else(|| bad_data(url, &format!("sample value `{text}` is not a number")))?;
    Ok((timestamp, value))
}

/// Prometheus float text (Go's strconv formatting) → f64.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        other => other.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    const URL: &str = "https://thanos.example:9091";

    #[test]
    fn vector_with_warnings() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","pod":"a"},"value":[1700000000.5,"1"]},
            {"metric":{"pod":"b"},"value":[1700000000.5,"NaN"]}]},
            "warnings":["partial response: store unreachable"]}"#;
        let r = parse_query(URL, 200, body).unwrap();
        assert!(r.is_partial());
        assert_eq!(
            r.warnings,
            vec!["partial response: store unreachable".to_string()]
        );
        let QueryData::Vector(v) = r.data else {
            panic!("not a vector")
        };
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].metric["pod"], "a");
        assert_eq!(v[0].value, 1.0);
        assert_eq!(v[0].timestamp, 1_700_000_000.5);
        assert!(v[1].value.is_nan());
    }

    #[test]
    fn matrix_scalar_and_string() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"pod":"a"},"values":[[1,"1"],[2,"+Inf"]]}]}}"#;
        let QueryData::Matrix(m) = parse_query(URL, 200, body).unwrap().data else {
            panic!()
        };
        assert_eq!(m[0].values, vec![(1.0, 1.0), (2.0, f64::INFINITY)]);
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[3,"-Inf"]}}"#;
        assert_eq!(
            parse_query(URL, 200, body).unwrap().data,
            QueryData::Scalar {
                timestamp: 3.0,
                value: f64::NEG_INFINITY
            }
        );
        let body = br#"{"status":"success","data":{"resultType":"string","result":[3,"hi"]}}"#;
        assert_eq!(
            parse_query(URL, 200, body).unwrap().data,
            QueryData::String {
                timestamp: 3.0,
                value: "hi".into()
            }
        );
    }

    #[test]
    fn names_and_series() {
        let body = br#"{"status":"success","data":["vllm:num_requests_running","up"]}"#;
        assert_eq!(
            parse_strings(URL, 200, body).unwrap().data,
            vec!["vllm:num_requests_running", "up"]
        );
        let body = br#"{"status":"success","data":[{"__name__":"up","job":"x"}]}"#;
        assert_eq!(parse_series(URL, 200, body).unwrap().data[0]["job"], "x");
        let body = br#"{"status":"success","data":null}"#;
        assert!(parse_strings(URL, 200, body).unwrap().data.is_empty());
    }

    #[test]
    fn auth_errors() {
        let e = parse_query(URL, 401, b"Unauthorized").unwrap_err();
        assert_eq!(e.kind, Kind::Unreachable);
        assert_eq!(e.exit_code().code(), 3);
        assert!(e.message.contains(URL));
        assert!(e.hint.unwrap().contains("oc login"));
        let e = parse_query(URL, 403, b"Forbidden (user=x, verb=get)").unwrap_err();
        assert_eq!(e.exit_code().code(), 4);
        let hint = e.hint.unwrap();
        assert!(hint.contains("cluster-monitoring-view") && hint.contains("9092"));
    }

    #[test]
    fn prometheus_errors_keep_the_message() {
        let body =
            br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#;
        let e = parse_query(URL, 400, body).unwrap_err();
        assert_eq!(e.kind, Kind::Failed);
        assert!(
            e.message.contains("bad_data") && e.message.contains("parse error"),
            "{}",
            e.message
        );
        // status error with HTTP 200 (some proxies) is still an error
        let e = parse_query(URL, 200, body).unwrap_err();
        assert!(e.message.contains("parse error"));
        let e = parse_query(URL, 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(e.kind, Kind::Failed);
        assert!(e.message.contains("502") && e.message.contains("Bad Gateway"));
    }

    #[test]
    fn garbage_is_failed_not_a_panic() {
        for body in [&b"<html>login</html>"[..], b"", b"{\"status\":\"success\"}", b"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"x\"]}]}}"] {
            let e = parse_query(URL, 200, body).unwrap_err();
            assert_eq!(e.kind, Kind::Failed, "{}", e.message);
        }
    }
}
