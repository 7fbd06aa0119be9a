//! The kinds that read the app's `/metrics` directly, and the requests they make.

use serde::Deserialize;

use super::{Kind, WaitsOn};

/// `GET /metrics` answers 200 with an exposition Content-Type and a body that parses.
#[derive(Debug, Clone, Deserialize)]
pub struct Exposition {}

impl Kind for Exposition {
    fn default_timeout_s(&self) -> u64 {
        // One GET /metrics, itself bounded by `--request-timeout` (5 s by default).
        20
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::App
    }
}

/// A metric family exists with the right type, label names and buckets or quantiles.
#[derive(Debug, Clone, Deserialize)]
pub struct Series {
    pub metric: String,
    #[serde(rename = "type")]
    pub kind: MetricType,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Histogram upper bounds, without +Inf.
    #[serde(default)]
    pub buckets: Vec<f64>,
    /// Summary quantiles.
    #[serde(default)]
    pub quantiles: Vec<f64>,
    /// The value every sample of the family must have (`app_info` is 1).
    pub value: Option<f64>,
}

impl Kind for Series {
    fn default_timeout_s(&self) -> u64 {
        // One GET /metrics, itself bounded by `--request-timeout` (5 s by default).
        20
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::App
    }
}

/// Every label set of `counter` has a `histogram` whose `_count` equals it.
#[derive(Debug, Clone, Deserialize)]
pub struct HistogramCount {
    pub histogram: String,
    pub counter: String,
}

impl Kind for HistogramCount {
    fn default_timeout_s(&self) -> u64 {
        // One GET /metrics, itself bounded by `--request-timeout` (5 s by default).
        20
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::App
    }
}

/// Make requests and check series moved by exactly what they did.
#[derive(Debug, Clone, Deserialize)]
pub struct Delta {
    pub requests: Vec<Request>,
    pub expect: Vec<Expect>,
}

impl Kind for Delta {
    fn default_timeout_s(&self) -> u64 {
        // Two reads of /metrics around the check's requests.
        60
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::App
    }

    fn injects_faults(&self) -> bool {
        self.requests.iter().any(|r| r.path.starts_with("/admin/"))
    }

    fn validate(&self) -> Result<(), String> {
        if self.requests.is_empty()
            && self
                .expect
                .iter()
                .any(|e| e.delta.is_some() || e.delta_between.is_some())
        {
            return Err("it expects a delta but makes no request".into());
        }
        for e in &self.expect {
            Selector::parse(&e.series)?;
            let set = [
                e.delta.is_some(),
                e.value.is_some(),
                e.between.is_some(),
                e.delta_between.is_some(),
                e.max_series.is_some(),
            ];
            if set.iter().filter(|b| **b).count() != 1 {
                return Err(
                    "each expect needs exactly one of delta, value, between, delta_between, max_series"
                        .into(),
                );
            }
        }
        Ok(())
    }
}

/// The submission's catalogue of metrics (`file`, Markdown: a table row per metric, its
/// name in backticks first, its type second) matches `/metrics`: every documented metric
/// is exposed with that type, and every exposed one is documented, but for names starting
/// with one of `ignore` (a library's own, such as `process_`).
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsDocumented {
    pub file: String,
    #[serde(default)]
    pub ignore: Vec<String>,
}

impl Kind for MetricsDocumented {
    fn default_timeout_s(&self) -> u64 {
        // One GET /metrics, itself bounded by `--request-timeout` (5 s by default).
        20
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Prometheus
    }

    fn file(&self) -> Option<&str> {
        Some(&self.file)
    }
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
    /// Moved by an amount within [min, max]: for a `_sum` whose observations the grader
    /// caused, the plausible range of what they measured, in the metric's base unit.
    pub delta_between: Option<[f64; 2]>,
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

fn one() -> u32 {
    1
}
