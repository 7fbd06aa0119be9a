//! What an exercise demands, as data: one TOML file per exercise under `grader/specs/`,
//! embedded in the binary. An instructor may pass their own with `--spec FILE`.
//!
//! A spec lists checks; each check has an id, points, a title, an optional hint, and a `kind`
//! that one piece of the grader knows how to run (see [`CheckKind`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Text;

/// The version of the spec format this grader reads.
pub const FORMAT_VERSION: u32 = 1;

const BUILTIN: &[(&str, &str)] = &[
    ("ex1", include_str!("../specs/ex1.toml")),
    ("ex2", include_str!("../specs/ex2.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("unknown exercise `{0}` (known: {1})")]
    Unknown(String, String),
    #[error("cannot read spec {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("spec {0} is not valid: {1}")]
    Invalid(String, String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub format_version: u32,
    pub id: String,
    /// Where in the roteiro this exercise comes from ("Parte 3").
    pub roteiro: String,
    pub title: Text,
    /// The starter crate, relative to the course root.
    pub starter: PathBuf,
    /// The reference solution, relative to the course root.
    pub solution: PathBuf,
    /// Requests made once, right after the app opens its port, so that series a client
    /// library only creates on first use exist before the checks look for them.
    #[serde(default)]
    pub warmup: Vec<Request>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    pub id: String,
    #[serde(default = "one")]
    pub points: u32,
    pub title: Text,
    /// What to look at first when the check fails, in the student's terms.
    pub hint: Option<Text>,
    #[serde(flatten)]
    pub kind: CheckKind,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckKind {
    /// `GET /metrics` answers 200 with an exposition Content-Type and a body that parses.
    Exposition,
    /// A metric family exists with the right type, label names and buckets or quantiles.
    Series {
        metric: String,
        #[serde(rename = "type")]
        kind: MetricType,
        #[serde(default)]
        labels: Vec<String>,
        /// Histogram upper bounds, without +Inf.
        #[serde(default)]
        buckets: Vec<f64>,
        /// Summary quantiles.
        #[serde(default)]
        quantiles: Vec<f64>,
        /// The value every sample of the family must have (`app_info` is 1).
        value: Option<f64>,
    },
    /// Make requests and check series moved by exactly what they did.
    Delta {
        requests: Vec<Request>,
        expect: Vec<Expect>,
    },
    /// Every label set of `counter` has a `histogram` whose `_count` equals it.
    HistogramCount { histogram: String, counter: String },
    /// A real Prometheus scrapes the app: the target is up, with no scrape error.
    TargetUp,
    /// A query through Prometheus's HTTP API returns at least `min_series` series.
    Promql {
        query: String,
        #[serde(default = "one_usize")]
        min_series: usize,
    },
}

fn one_usize() -> usize {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
        }
    }
}

/// A request the grader makes to the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default = "get")]
    pub method: String,
    pub path: String,
    /// A JSON body, as text.
    pub json: Option<String>,
    #[serde(default = "one")]
    pub times: u32,
    /// The status every answer must have; any status when left out.
    pub status: Option<u16>,
}

fn get() -> String {
    "GET".into()
}

/// One thing a delta check expects of `/metrics` after its requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `name{label="value",...}`: the sum of every sample of that name whose labels include
    /// these. For `delta`, a series not exposed counts as 0 (a counter not used yet); `value`
    /// and `between` fail when no sample matches.
    pub series: String,
    /// Moved by exactly this much.
    pub delta: Option<f64>,
    /// Is exactly this.
    pub value: Option<f64>,
    /// Lies within [min, max].
    pub between: Option<[f64; 2]>,
    /// At most this many samples match.
    pub max_series: Option<usize>,
}

/// A parsed `name{label="value"}` selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

impl Selector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (name, rest) = match s.find('{') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(format!("bad metric name in selector `{s}`"));
        }
        let mut labels = Vec::new();
        if let Some(rest) = rest {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| format!("selector `{s}` lacks `}}`"))?;
            for pair in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("bad label `{pair}` in `{s}`"))?;
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .ok_or_else(|| format!("label value must be quoted in `{s}`"))?;
                labels.push((k.trim().to_string(), v.to_string()));
            }
        }
        Ok(Self {
            name: name.to_string(),
            labels,
        })
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            let l: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            write!(f, "{{{}}}", l.join(","))?;
        }
        Ok(())
    }
}

impl Spec {
    pub fn from_toml(origin: &str, text: &str) -> Result<Self, SpecError> {
        let spec: Spec =
            toml::from_str(text).map_err(|e| SpecError::Invalid(origin.into(), e.to_string()))?;
        spec.validate()
            .map_err(|e| SpecError::Invalid(origin.into(), e))?;
        Ok(spec)
    }

    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Read(path.into(), e))?;
        Self::from_toml(&path.display().to_string(), &text)
    }

    /// The spec shipped with the grader for `id`.
    pub fn builtin(id: &str) -> Result<Self, SpecError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(k, _)| *k == id)
            .ok_or_else(|| SpecError::Unknown(id.into(), Self::builtin_ids().join(", ")))?;
        Self::from_toml(id, text)
    }

    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTIN.iter().map(|(k, _)| *k).collect()
    }

    pub fn all_builtin() -> Result<Vec<Self>, SpecError> {
        Self::builtin_ids().into_iter().map(Self::builtin).collect()
    }

    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    pub fn needs_prometheus(&self) -> bool {
        self.checks
            .iter()
            .any(|c| matches!(c.kind, CheckKind::TargetUp | CheckKind::Promql { .. }))
    }

    fn validate(&self) -> Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version {} (this grader reads {FORMAT_VERSION})",
                self.format_version
            ));
        }
        let mut seen = BTreeMap::new();
        for c in &self.checks {
            if seen.insert(c.id.as_str(), ()).is_some() {
                return Err(format!("check id `{}` appears twice", c.id));
            }
            if c.points == 0 {
                return Err(format!("check `{}` is worth 0 points", c.id));
            }
            if let CheckKind::Delta { expect, requests } = &c.kind {
                if requests.is_empty() && expect.iter().any(|e| e.delta.is_some()) {
                    return Err(format!(
                        "check `{}` expects a delta but makes no request",
                        c.id
                    ));
                }
                for e in expect {
                    Selector::parse(&e.series).map_err(|m| format!("check `{}`: {m}", c.id))?;
                    let set = [
                        e.delta.is_some(),
                        e.value.is_some(),
                        e.between.is_some(),
                        e.max_series.is_some(),
                    ];
                    if set.iter().filter(|b| **b).count() != 1 {
                        return Err(format!(
                            "check `{}`: each expect needs exactly one of delta, value, between, max_series",
                            c.id
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_spec_loads() {
        for s in Spec::all_builtin().unwrap() {
            assert!(s.max_score() > 0, "{}", s.id);
        }
    }

    #[test]
    fn selectors_parse_and_print_back() {
        let s = Selector::parse(
            r#"http_requests_total{method="GET", endpoint="/produto/{produto_id}"}"#,
        )
        .unwrap();
        assert_eq!(s.name, "http_requests_total");
        assert_eq!(
            s.labels[1],
            ("endpoint".into(), "/produto/{produto_id}".into())
        );
        assert_eq!(
            s.to_string(),
            r#"http_requests_total{method="GET",endpoint="/produto/{produto_id}"}"#
        );
        assert!(Selector::parse("x{a=b}").is_err());
        assert!(Selector::parse("{a=\"b\"}").is_err());
    }

    #[test]
    fn invalid_specs_are_refused_with_the_reason() {
        let base = r#"
            format_version = 1
            id = "x"
            roteiro = "Parte 0"
            title = { pt = "t", en = "t" }
            starter = "a"
            solution = "b"
        "#;
        let dup = format!(
            "{base}\n[[checks]]\nid = \"a\"\nkind = \"exposition\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n\
             [[checks]]\nid = \"a\"\nkind = \"target_up\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n"
        );
        let err = Spec::from_toml("dup", &dup).unwrap_err().to_string();
        assert!(err.contains("appears twice"), "{err}");
        let v2 = base.replace("format_version = 1", "format_version = 2") + "checks = []";
        assert!(
            Spec::from_toml("v2", &v2)
                .unwrap_err()
                .to_string()
                .contains("format_version 2")
        );
    }
}
