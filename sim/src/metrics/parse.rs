//! A strict-enough parser for Prometheus text exposition 0.0.4, used to read simulated output
//! back in tests (and usable by anyone checking a scrape): samples with labels, and TYPE lines.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed exposition: samples in order, and `# TYPE` per family.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    pub samples: Vec<ParsedSample>,
    pub types: BTreeMap<String, String>,
}

impl Exposition {
    /// Samples of series `name` whose labels include all of `matchers`.
    pub fn find<'a>(
        &'a self,
        name: &'a str,
        matchers: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a ParsedSample> {
        self.samples.iter().filter(move |s| {
            s.name == name
                && matchers
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    /// Sum of the values of matching samples.
    pub fn sum(&self, name: &str, matchers: &[(&str, &str)]) -> f64 {
        self.find(name, matchers).map(|s| s.value).sum()
    }
}

/// Parses exposition text; errors name the offending line.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut out = Exposition::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some(name), Some(kind)) => {
                    out.types.insert(name.to_string(), kind.to_string());
                }
                _ => return Err(format!("line {}: malformed TYPE: {line}", i + 1)),
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        out.samples
            .push(parse_sample(line).map_err(|e| format!("line {}: {e}: {line}", i + 1))?);
    }
    Ok(out)
}

fn parse_sample(line: &str) -> Result<ParsedSample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return Err("bad metric name".to_string());
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        let mut key = String::new();
        let mut end = None;
        while let Some((idx, c)) = chars.next() {
            match c {
                '}' if key.is_empty() => {
                    end = Some(idx);
                    break;
                }
                ',' if key.is_empty() => {}
                '=' => {
                    if chars.next().map(|(_, c)| c) != Some('"') {
                        return Err("label value not quoted".to_string());
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => value.push('\n'),
                                Some((_, c)) => value.push(c),
                                None => return Err("unterminated escape".to_string()),
                            },
                            Some((_, '"')) => break,
                            Some((_, c)) => value.push(c),
                            None => return Err("unterminated label value".to_string()),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                c if c.is_ascii_alphanumeric() || c == '_' => key.push(c),
                _ => return Err(format!("unexpected {c:?} in labels")),
            }
        }
        let end = end.ok_or("unterminated label set")?;
        rest = &body[end + 1..];
    }
    let value_text = rest.split_whitespace().next().ok_or("no value")?;
    let value = match value_text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v
            .parse::<f64>()
            .map_err(|e| format!("bad value {v:?}: {e}"))?,
    };
    Ok(ParsedSample {
        name: name.to_string(),
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_samples() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/reference/metrics/samples"
        );
        let Ok(entries) = std::fs::read_dir(dir) else {
            // The shared reference lives outside the repository; nothing to compare against.
            return;
        };
        let mut parsed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("prom") {
                let text = std::fs::read_to_string(&path).unwrap();
                let exp = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!exp.samples.is_empty());
                parsed += 1;
            }
        }
        assert!(parsed >= 4);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("foo{a=\"1\" 2").is_err());
        assert!(parse("foo bar").is_err());
        let e = parse("a_b{x=\"q\\\"z\",le=\"+Inf\"} +Inf\n").unwrap();
        assert_eq!(e.samples[0].labels["x"], "q\"z");
        assert!(e.samples[0].value.is_infinite());
    }
}
