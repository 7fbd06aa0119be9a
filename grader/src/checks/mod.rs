//! Running one check of a spec. Each kind of check is a function that returns an
//! [`Outcome`]; what it expected and what it saw become the report's feedback.

mod delta;
mod exposition;
mod promql;
mod series;

use crate::lang::Text;
use crate::prometheus::Prometheus;
use crate::scrape::Scraper;
use crate::spec::CheckKind;

/// What one check found.
#[derive(Debug)]
pub struct Outcome {
    pub passed: bool,
    pub expected: Text,
    pub seen: Text,
    /// The most likely cause when it failed, from the grader (the spec's own hint comes after).
    pub cause: Option<Text>,
}

impl Outcome {
    fn pass(expected: Text, seen: Text) -> Self {
        Self {
            passed: true,
            expected,
            seen,
            cause: None,
        }
    }

    fn fail(expected: Text, seen: Text, cause: Option<Text>) -> Self {
        Self {
            passed: false,
            expected,
            seen,
            cause,
        }
    }
}

/// What a check may use: the app over HTTP and, for the kinds that need it, Prometheus.
#[derive(Debug)]
pub struct Context<'a> {
    pub scraper: &'a mut Scraper,
    pub prometheus: Option<&'a Prometheus>,
}

pub async fn run(kind: &CheckKind, cx: &mut Context<'_>) -> Outcome {
    match kind {
        CheckKind::Exposition => exposition::run(cx).await,
        CheckKind::Series {
            metric,
            kind,
            labels,
            buckets,
            quantiles,
            value,
        } => {
            series::run(
                cx,
                series::Wanted {
                    metric,
                    kind: *kind,
                    labels,
                    buckets,
                    quantiles,
                    value: *value,
                },
            )
            .await
        }
        CheckKind::HistogramCount { histogram, counter } => {
            series::histogram_count(cx, histogram, counter).await
        }
        CheckKind::Delta { requests, expect } => delta::run(cx, requests, expect).await,
        CheckKind::TargetUp => promql::target_up(cx).await,
        CheckKind::Promql { query, min_series } => promql::query(cx, query, *min_series).await,
    }
}
