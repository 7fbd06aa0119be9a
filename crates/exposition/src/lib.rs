//! A strict parser of the Prometheus text exposition format, version 0.0.4 — the body of
//! `GET /metrics` served with `Content-Type: text/plain; version=0.0.4`.
//!
//! It exists to grade students' `/metrics` endpoints, so it favours precise,
//! line-numbered error messages over speed, and it rejects what the official spec (or
//! Prometheus's own parser) rejects:
//!
//! ```
//! let err = exposition::parse("# TYPE up gauge\nup{=\"x\"} 1\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 2: expected a label name after '{', found '='");
//! ```
//!
//! On success it returns an [`Exposition`]: metric [`Family`]s (name, `HELP`, `TYPE`)
//! with their [`Sample`]s grouped as Prometheus groups them (`x_bucket`, `x_sum`,
//! `x_count` and `x_created` belong to histogram `x`, and so on):
//!
//! ```
//! let text = r#"# HELP http_requests_total Requests served.
//! ## TYPE http_requests_total counter
//! http_requests_total{method="GET",status="200"} 12
//! http_requests_total{method="POST",status="500"} 1
//! "#;
//! let exp = exposition::parse(text).unwrap();
//! let family = exp.family("http_requests_total").unwrap();
//! assert_eq!(family.kind, exposition::MetricKind::Counter);
//! let get = [("method".to_string(), "GET".to_string())];
//! let values: Vec<f64> = exp.select("http_requests_total", &get).map(|s| s.value).collect();
//! assert_eq!(values, [12.0]);
//! ```
//!
//! Beyond the syntax, [`parse`] enforces the spec's structure: one `TYPE` and one `HELP`
//! per family, both before its samples, all lines of a family in one group, the suffixes
//! and `le`/`quantile` labels each type requires, and no series listed twice.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

mod parser;
#[cfg(test)]
mod tests;

/// Parses a whole exposition (the body of a `/metrics` response).
///
/// Empty input (or only comments and blank lines) is valid and yields no families.
/// The first problem found is returned as a [`ParseError`] carrying its 1-based line.
pub fn parse(text: &str) -> Result<Exposition, ParseError> {
    parser::parse(text)
}

/// A parsed exposition: its metric families in the order they first appear.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposition {
    /// The families, in order of first appearance. Names are unique.
    pub families: Vec<Family>,
}

impl Exposition {
    /// The family named `name` (the name of its `TYPE`/`HELP` lines, e.g.
    /// `http_request_duration_seconds`, not `http_request_duration_seconds_count`).
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Every sample of every family, family by family.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.families.iter().flat_map(|f| f.samples.iter())
    }

    /// Samples whose sample name is `name` (e.g. `http_request_duration_seconds_count`)
    /// and whose labels include every `(k, v)` in `labels`.
    ///
    /// The samples borrow only from `self`, so `name` and `labels` may be temporaries.
    pub fn select<'a, 'q>(
        &'a self,
        name: &'q str,
        labels: &'q [(String, String)],
    ) -> impl Iterator<Item = &'a Sample> + 'q
    where
        'a: 'q,
    {
        self.samples().filter(move |s| {
            s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(v.as_str()))
        })
    }
}

/// A metric family: the samples described by one `TYPE` (and `HELP`) line, or a lone
/// untyped metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family name, as written in `TYPE`/`HELP` (or the sample name if untyped
    /// and undeclared).
    pub name: String,
    /// The `HELP` text, unescaped (`\\` and `\n`), if a `HELP` line was given.
    pub help: Option<String>,
    /// The `TYPE`, or [`MetricKind::Untyped`] if no `TYPE` line was given.
    pub kind: MetricKind,
    /// The samples, in input order.
    pub samples: Vec<Sample>,
}

impl Family {
    /// For a histogram family: one [`HistogramSeries`] per label set (ignoring `le`),
    /// sorted by label set, each with its buckets sorted by `le`. Empty for other kinds.
    ///
    /// `le` is compared as a number, so `le="1"` and `le="1.0"` are the same bucket.
    pub fn histograms(&self) -> Vec<HistogramSeries> {
        if self.kind != MetricKind::Histogram {
            return Vec::new();
        }
        let mut by_labels: BTreeMap<BTreeMap<String, String>, HistogramSeries> = BTreeMap::new();
        for sample in &self.samples {
            let Some(suffix) = sample.name.strip_prefix(self.name.as_str()) else {
                continue;
            };
            let mut labels = sample.labels.clone();
            let le = labels.remove("le");
            let series = by_labels
                .entry(labels.clone())
                .or_insert_with(|| HistogramSeries {
                    labels,
                    buckets: Vec::new(),
                    sum: None,
                    count: None,
                });
            match suffix {
                "_bucket" => {
                    if let Some(le) = le.as_deref().and_then(parser::parse_float_lenient) {
                        series.buckets.push((le, sample.value));
                    }
                }
                "_sum" => series.sum = Some(sample.value),
                "_count" => series.count = Some(sample.value),
                _ => {}
            }
        }
        let mut out: Vec<HistogramSeries> = by_labels.into_values().collect();
        for series in &mut out {
            series.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        out
    }
}

/// One labelled series of a histogram, as returned by [`Family::histograms`].
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSeries {
    /// The series' labels, without `le`.
    pub labels: BTreeMap<String, String>,
    /// `(le, cumulative count)` pairs sorted by `le`; `+Inf` is [`f64::INFINITY`].
    pub buckets: Vec<(f64, f64)>,
    /// The value of `x_sum`, if present.
    pub sum: Option<f64>,
    /// The value of `x_count`, if present.
    pub count: Option<f64>,
}

/// The type of a metric family, as named in a `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// `counter`
    Counter,
    /// `gauge`
    Gauge,
    /// `histogram`
    Histogram,
    /// `summary`
    Summary,
    /// `untyped`, also the kind of a metric with no `TYPE` line.
    Untyped,
}

impl MetricKind {
    /// The lowercase name used in `# TYPE` lines.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Summary => "summary",
            MetricKind::Untyped => "untyped",
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MetricKind {
    type Err = UnknownMetricKind;

    /// Parses the exact (lowercase) `TYPE` words, as Prometheus does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "counter" => Ok(MetricKind::Counter),
            "gauge" => Ok(MetricKind::Gauge),
            "histogram" => Ok(MetricKind::Histogram),
            "summary" => Ok(MetricKind::Summary),
            "untyped" => Ok(MetricKind::Untyped),
            _ => Err(UnknownMetricKind(s.to_string())),
        }
    }
}

/// The error of [`MetricKind::from_str`]: the word is not a text-format type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric type '{0}'; expected counter, gauge, histogram, summary or untyped")]
pub struct UnknownMetricKind(pub String);

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample name, with any suffix (e.g. `x_bucket`).
    pub name: String,
    /// The labels, unescaped (including `le` / `quantile` as written).
    pub labels: BTreeMap<String, String>,
    /// The value (`+Inf`, `-Inf` and `NaN` included).
    pub value: f64,
    /// The optional timestamp, in milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
    /// The 1-based line the sample was on.
    pub line: usize,
}

impl Sample {
    /// The value of label `k`, if present.
    pub fn label(&self, k: &str) -> Option<&str> {
        self.labels.get(k).map(String::as_str)
    }
}

/// Why an exposition was rejected; displays as `line N: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// The 1-based line of the problem.
    pub line: usize,
    /// What is wrong, in English, meant to be shown to the author of the output.
    pub message: String,
    /// The offending line, cut to about 120 characters.
    pub text: String,
}
