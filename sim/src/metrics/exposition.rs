//! Prometheus text exposition (format 0.0.4) as the two client libraries print it.
//!
//! vLLM uses Python's `prometheus_client` ([`Style::Python`]): families in registration order,
//! labels sorted alphabetically with `le` among them, floats like `12.0` / `4.351016e+06`,
//! histogram `_count` before `_sum`. The EPP uses Go's `client_golang` ([`Style::Go`]): families
//! sorted by name, labels sorted with `le` last, floats like `12` / `1.048576e+06`, `_sum` before
//! `_count`. Also holds the log-normal distribution that shapes every simulated histogram.

use std::fmt::Write as _;

/// Which client library's formatting to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Python,
    Go,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One metric family: HELP/TYPE header plus its samples. `name` is the exposed family name
/// (counters include `_total`).
#[derive(Debug, Clone)]
pub struct Family {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

/// One line: `<family name><suffix>{labels} value`.
#[derive(Debug, Clone)]
pub struct Sample {
    pub suffix: &'static str,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

pub type Labels = Vec<(String, String)>;

/// Builds `Labels` from string pairs.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Family {
    pub fn new(name: &str, help: &str, kind: Kind) -> Self {
        Self {
            name: name.to_string(),
            help: help.to_string(),
            kind,
            samples: Vec::new(),
        }
    }

    /// Adds a counter or gauge sample.
    pub fn with(mut self, labels: Labels, value: f64) -> Self {
        self.samples.push(Sample {
            suffix: "",
            labels,
            value,
        });
        self
    }

    /// Adds one histogram series: `count` observations shaped by `dist` over `buckets`
    /// (upper bounds without `+Inf`), `_sum` = count × mean.
    pub fn with_histogram(
        mut self,
        labels: Labels,
        buckets: &[f64],
        count: f64,
        dist: &LogNormal,
    ) -> Self {
        let mut previous = 0.0_f64;
        for &le in buckets {
            let cumulative = (count * dist.cdf(le)).max(previous).min(count);
            previous = cumulative;
            let mut with_le = labels.clone();
            with_le.push(("le".to_string(), le.to_string()));
            self.samples.push(Sample {
                suffix: "_bucket",
                labels: with_le,
                value: cumulative,
            });
        }
        let mut inf = labels.clone();
        inf.push(("le".to_string(), "+Inf".to_string()));
        self.samples.push(Sample {
            suffix: "_bucket",
            labels: inf,
            value: count,
        });
        self.samples.push(Sample {
            suffix: "_count",
            labels: labels.clone(),
            value: count,
        });
        self.samples.push(Sample {
            suffix: "_sum",
            labels,
            value: count * dist.mean(),
        });
        self
    }
}

/// Renders families in the given style.
pub fn render(families: &[Family], style: Style) -> String {
    let mut ordered: Vec<&Family> = families.iter().collect();
    if style == Style::Go {
        ordered.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut out = String::new();
    for family in ordered {
        let kind = match family.kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(&family.help));
        let _ = writeln!(out, "# TYPE {} {kind}", family.name);
        let mut samples: Vec<&Sample> = family.samples.iter().collect();
        // Series are stored as buckets, _count, _sum (Python's order); Go prints _sum first.
        if style == Style::Go {
            for i in 1..samples.len() {
                if samples[i - 1].suffix == "_count" && samples[i].suffix == "_sum" {
                    samples.swap(i - 1, i);
                }
            }
        }
        for sample in samples {
            let _ = write!(out, "{}{}", family.name, sample.suffix);
            write_labels(&mut out, &sample.labels, style);
            let _ = writeln!(out, " {}", format_value(tidy(sample.value), style));
        }
    }
    out
}

fn write_labels(out: &mut String, labels: &[(String, String)], style: Style) {
    if labels.is_empty() {
        return;
    }
    let mut sorted: Vec<(&str, String)> = labels
        .iter()
        .map(|(k, v)| {
            let value = if k == "le" {
                format_le(v, style)
            } else {
                v.clone()
            };
            (k.as_str(), value)
        })
        .collect();
    sorted.sort_by(|a, b| match style {
        Style::Go if a.0 == "le" => std::cmp::Ordering::Greater,
        Style::Go if b.0 == "le" => std::cmp::Ordering::Less,
        _ => a.0.cmp(b.0),
    });
    out.push('{');
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"{}\"", escape_label(v));
    }
    out.push('}');
}

fn format_le(raw: &str, style: Style) -> String {
    match raw.parse::<f64>() {
        Ok(v) if raw != "+Inf" => format_value(v, style),
        _ => raw.to_string(),
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Rounds away float noise (`12.200000000000001`) at 1e-6, which no rate or quantile notices.
fn tidy(v: f64) -> f64 {
    if v.is_finite() && v.abs() < 1e12 {
        (v * 1e6).round() / 1e6
    } else {
        v
    }
}

/// Formats a sample value the way the client library does.
pub fn format_value(v: f64, style: Style) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // Shortest round-trip digits and decimal exponent, e.g. "1.048576e6".
    let sci = format!("{v:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    let exponent_form = |exp: i32| {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    };
    match style {
        Style::Go => {
            if v == 0.0 {
                "0".to_string()
            } else if !(-4..6).contains(&exp) {
                exponent_form(exp)
            } else {
                format!("{v}")
            }
        }
        Style::Python => {
            if v == 0.0 {
                "0.0".to_string()
            } else if !(-4..16).contains(&exp) || (v > 0.0 && exp >= 6) {
                // Python's repr switches at 1e16; prometheus_client switches positive values with
                // more than six integer digits to Go's exponent form.
                exponent_form(exp)
            } else {
                let plain = format!("{v}");
                if plain.contains('.') {
                    plain
                } else {
                    format!("{plain}.0")
                }
            }
        }
    }
}

/// A log-normal distribution, the shape of every simulated latency / size histogram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    pub mu: f64,
    pub sigma: f64,
}

/// z-score of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

impl LogNormal {
    /// Fitted to a median and a 95th percentile (p95 ≤ p50 gives a near-degenerate distribution).
    pub fn from_p50_p95(p50: f64, p95: f64) -> Self {
        let p50 = p50.max(1e-9);
        let sigma = ((p95.max(p50) / p50).ln() / Z95).max(1e-3);
        Self {
            mu: p50.ln(),
            sigma,
        }
    }

    /// With a given mean and the spread of a p95/p50 ratio (for token counts, where the mean
    /// is the ground truth).
    pub fn from_mean(mean: f64, p95_over_p50: f64) -> Self {
        let sigma = (p95_over_p50.max(1.0).ln() / Z95).max(1e-3);
        Self {
            mu: mean.max(1e-9).ln() - sigma * sigma / 2.0,
            sigma,
        }
    }

    pub fn mean(&self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    pub fn quantile(&self, q: f64) -> f64 {
        (self.mu + self.sigma * inverse_normal_cdf(q)).exp()
    }

    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        normal_cdf((x.ln() - self.mu) / self.sigma)
    }
}

/// Standard normal CDF via erfc (W. J. Cody's rational approximation as in Numerical Recipes' erfc,
/// relative error < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Inverse standard normal CDF by bisection on [`normal_cdf`] (only used for tests / quantiles).
pub fn inverse_normal_cdf(q: f64) -> f64 {
    let (mut lo, mut hi) = (-12.0_f64, 12.0_f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if normal_cdf(mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_formatting_matches_prometheus_client() {
        assert_eq!(format_value(12.0, Style::Python), "12.0");
        assert_eq!(format_value(0.4375, Style::Python), "0.4375");
        assert_eq!(format_value(4_351_016.0, Style::Python), "4.351016e+06");
        assert_eq!(format_value(1_000_000.0, Style::Python), "1e+06");
        assert_eq!(format_value(0.0, Style::Python), "0.0");
        assert_eq!(format_value(123_456.5, Style::Python), "123456.5");
    }

    #[test]
    fn go_float_formatting_matches_client_golang() {
        assert_eq!(format_value(6300.0, Style::Go), "6300");
        assert_eq!(format_value(1_048_576.0, Style::Go), "1.048576e+06");
        assert_eq!(format_value(27_407_285.0, Style::Go), "2.7407285e+07");
        assert_eq!(format_value(0.0001, Style::Go), "0.0001");
        assert_eq!(format_value(0.00001, Style::Go), "1e-05");
        assert_eq!(format_value(0.0, Style::Go), "0");
        assert_eq!(format_value(37394.383631625, Style::Go), "37394.383631625");
    }

    #[test]
    fn lognormal_fit_reproduces_its_quantiles() {
        let d = LogNormal::from_p50_p95(0.08, 0.3);
        assert!((d.quantile(0.5) - 0.08).abs() < 1e-6);
        assert!((d.quantile(0.95) - 0.3).abs() < 1e-4);
        assert!((d.cdf(0.3) - 0.95).abs() < 1e-5);
        let m = LogNormal::from_mean(200.0, 1.5);
        assert!((m.mean() - 200.0).abs() < 1e-9);
    }

    #[test]
    fn label_order_differs_per_style() {
        let f = Family::new("x", "h", Kind::Histogram).with_histogram(
            labels(&[("model_name", "m"), ("engine", "0")]),
            &[1.0],
            10.0,
            &LogNormal::from_p50_p95(1.0, 2.0),
        );
        let py = render(std::slice::from_ref(&f), Style::Python);
        assert!(
            py.contains("x_bucket{engine=\"0\",le=\"1.0\",model_name=\"m\"} 5.0"),
            "{py}"
        );
        assert!(py.find("x_count").unwrap() < py.find("x_sum").unwrap());
        let go = render(&[f], Style::Go);
        assert!(
            go.contains("x_bucket{engine=\"0\",model_name=\"m\",le=\"1\"} 5"),
            "{go}"
        );
        assert!(go.find("x_sum").unwrap() < go.find("x_count").unwrap());
    }
}
