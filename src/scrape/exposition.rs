//! A small, strict parser of the Prometheus text exposition format (version 0.0.4), as vLLM
//! (prometheus_client) and the EPP (client_golang) serve it. No regexes: one pass over each line.
//!
//! Accepted: `# HELP` / `# TYPE` / other comments, blank lines, and samples
//! `name{label="value",…} value [timestamp]` with `\\`, `\"` and `\n` escapes in label values,
//! values as floats or `+Inf`/`-Inf`/`NaN`. Anything else is an error naming the line, so a
//! garbled scrape is reported instead of being half-read.

use std::collections::BTreeMap;

/// Labels of one sample.
pub type Labels = BTreeMap<String, String>;

/// Metric type from a `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpoSample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

/// A parsed exposition: samples in order and the declared family types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    pub samples: Vec<ExpoSample>,
    pub types: BTreeMap<String, FamilyType>,
}

impl Exposition {
    /// Whether a sample is cumulative (counter, histogram or summary part), so it is rated.
    pub fn is_cumulative(&self, sample_name: &str) -> bool {
        if let Some(t) = self.types.get(sample_name) {
            return matches!(t, FamilyType::Counter);
        }
        for suffix in ["_bucket", "_sum", "_count", "_total"] {
            if let Some(base) = sample_name.strip_suffix(suffix)
                && let Some(t) = self.types.get(base)
            {
                return match t {
                    FamilyType::Histogram | FamilyType::Summary => suffix != "_total",
                    FamilyType::Counter => suffix == "_total",
                    _ => false,
                };
            }
        }
        sample_name.ends_with("_total")
    }
}

/// A parse failure: 1-based line number and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Parse a whole exposition.
pub fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut out = Exposition::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason: String| ParseError {
            line: i + 1,
            reason,
        };
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            if words.next() == Some("TYPE") {
                let name = words
                    .next()
                    .ok_or_else(|| err("TYPE without a metric name".into()))?;
                let kind = match words.next() {
                    Some("counter") => FamilyType::Counter,
                    Some("gauge") => FamilyType::Gauge,
                    Some("histogram") => FamilyType::Histogram,
                    Some("summary") => FamilyType::Summary,
                    Some("untyped") | Some("unknown") => FamilyType::Untyped,
                    other => return Err(err(format!("unknown TYPE {other:?}"))),
                };
                out.types.insert(name.to_string(), kind);
            }
            continue;
        }
        out.samples.push(parse_sample(line).map_err(err)?);
    }
    Ok(out)
}

fn parse_sample(line: &str) -> Result<ExpoSample, String> {
    let mut chars = line.char_indices().peekable();
    let name_end = loop {
        match chars.peek() {
            Some(&(0, c)) if !is_name_start(c) => {
                return Err(format!("a metric name cannot start with {c:?}"));
            }
            Some(&(i, c)) if !is_name_char(c) => break i,
            Some(_) => {
                chars.next();
            }
            None => return Err("a sample needs a value".into()),
        }
    };
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = Labels::new();
    if let Some(after) = rest.strip_prefix('{') {
        let (parsed, remaining) = parse_labels(after)?;
        labels = parsed;
        rest = remaining;
    }
    let mut fields = rest.split_whitespace();
    let value_text = fields
        .next()
        .ok_or_else(|| format!("{name}: missing value"))?;
    let value =
        parse_value(value_text).ok_or_else(|| format!("{name}: bad value {value_text:?}"))?;
    if let Some(ts) = fields.next()
        && ts.parse::<i64>().is_err()
    {
        return Err(format!("{name}: bad timestamp {ts:?}"));
    }
    if fields.next().is_some() {
        return Err(format!("{name}: trailing text"));
    }
    Ok(ExpoSample {
        name,
        labels,
        value,
    })
}

/// Labels after `{` up to the closing `}`; returns the rest of the line.
fn parse_labels(text: &str) -> Result<(Labels, &str), String> {
    let mut labels = Labels::new();
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let end = rest
            .find(|c: char| !is_name_char(c))
            .ok_or("unterminated label set")?;
        let key = &rest[..end];
        if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit() || c == ':') {
            return Err(format!("bad label name at {:?}", rest.chars().next()));
        }
        rest = rest[end..].trim_start();
        rest = rest
            .strip_prefix('=')
            .ok_or_else(|| format!("label {key}: expected '='"))?
            .trim_start();
        rest = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("label {key}: expected a quoted value"))?;
        let mut value = String::new();
        let mut iter = rest.char_indices();
        let close = loop {
            match iter.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match iter.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => {
                        return Err(format!(
                            "label {key}: bad escape {:?}",
                            other.map(|(_, c)| c)
                        ));
                    }
                },
                Some((_, c)) => value.push(c),
                None => return Err(format!("label {key}: unterminated value")),
            }
        };
        if labels.insert(key.to_string(), value).is_some() {
            return Err(format!("label {key} given twice"));
        }
        rest = rest[close + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
        } else if !rest.starts_with('}') {
            return Err(format!("after label {key}: expected ',' or '}}'"));
        }
    }
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse::<f64>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_client_libraries() {
        let text = "# HELP vllm:num_requests_running Number of requests.\n\
                    # TYPE vllm:num_requests_running gauge\n\
                    vllm:num_requests_running{engine=\"0\",model_name=\"Qwen/Qwen3\"} 2.0\n\
                    # TYPE vllm:e2e_request_latency_seconds histogram\n\
                    vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"m\"} 12\n\
                    vllm:e2e_request_latency_seconds_sum{model_name=\"m\"} 3.5e1\n\
                    # TYPE inference_pool_ready_pods gauge\n\
                    inference_pool_ready_pods{name=\"p\"} 2 1700000000000\n\
                    up 1\n\
                    odd{a=\"x\\\"y\\\\z\\n\", b=\"\"} NaN\n";
        let e = parse(text).unwrap();
        assert_eq!(e.samples.len(), 6);
        assert_eq!(e.samples[0].labels["model_name"], "Qwen/Qwen3");
        assert_eq!(e.samples[1].value, 12.0);
        assert_eq!(e.samples[1].labels["le"], "+Inf");
        assert_eq!(e.samples[2].value, 35.0);
        assert_eq!(e.samples[3].value, 2.0);
        assert_eq!(e.samples[4].name, "up");
        assert_eq!(e.samples[5].labels["a"], "x\"y\\z\n");
        assert!(e.samples[5].value.is_nan());
        assert!(e.is_cumulative("vllm:e2e_request_latency_seconds_bucket"));
        assert!(!e.is_cumulative("vllm:num_requests_running"));
        assert!(e.is_cumulative("foo_total"));
    }

    #[test]
    fn rejects_garbage_with_the_line_number() {
        for (text, line) in [
            ("ok 1\n9bad 1\n", 2),
            ("m{a=\"1\" 2\n", 1),
            ("m{a=1} 2\n", 1),
            ("m{a=\"1\",a=\"2\"} 2\n", 1),
            ("m{a=\"\\x\"} 2\n", 1),
            ("m one\n", 1),
            ("m\n", 1),
            ("m 1 2 3\n", 1),
            ("# TYPE m histgram\n", 1),
            ("m{a=\"open} 1\n", 1),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A cheap deterministic fuzz: every prefix and byte-rotation of a tricky input.
        let seed = "a_b:c{x=\"1\\\\\",y=\"\\\"\"} -Inf 12\n# TYPE a_b:c counter\nz{}+Inf\n{}\"\\";
        for cut in 0..=seed.len() {
            if let Some(prefix) = seed.get(..cut) {
                let _ = parse(prefix);
            }
        }
        let bytes: Vec<char> = seed.chars().collect();
        for shift in 0..bytes.len() {
            let rotated: String = bytes[shift..].iter().chain(&bytes[..shift]).collect();
            let _ = parse(&rotated);
        }
    }
}
