//! Running one check of a spec. Each kind of check is a function that returns an
//! [`Outcome`]; what it expected and what it saw become the report's feedback.

mod answer;
mod catalog;
mod config;
mod dashboard;
mod deadline;
mod delta;
mod exposition;
pub mod le_label;
mod little;
mod prediction;
mod promql;
pub(crate) mod push;
mod reading;
pub(crate) mod rules;
mod runbook;
mod series;

use crate::answers::Answers;
use crate::dashboard::Dashboard;
use crate::lang::Text;
use crate::promconfig::Submitted;
use crate::prometheus::Prometheus;
use crate::rules::SubmittedRules;
use crate::scrape::Scraper;
use crate::spec::CheckKind;

pub use deadline::{default_timeout, run_within, timeout_of};

/// What one check found.
#[derive(Debug)]
pub struct Outcome {
    pub passed: bool,
    pub expected: Text,
    pub seen: Text,
    /// The most likely cause when it failed, from the grader (the spec's own hint comes after).
    pub cause: Option<Text>,
    /// Shown even when it passed.
    pub note: Option<Text>,
    /// Not run, for the reason in `seen`: it counts for nothing, neither way.
    pub skipped: bool,
}

impl Outcome {
    pub(crate) fn pass(expected: Text, seen: Text) -> Self {
        Self {
            passed: true,
            expected,
            seen,
            cause: None,
            note: None,
            skipped: false,
        }
    }

    /// Not run, for `reason` (it needs what this run cannot do).
    pub(crate) fn skip(expected: Text, reason: Text) -> Self {
        Self {
            skipped: true,
            ..Self::fail(expected, reason, None)
        }
    }

    /// Passed, with something the student should still read.
    pub(crate) fn pass_noting(expected: Text, seen: Text) -> Self {
        Self {
            note: Some(seen.clone()),
            ..Self::pass(expected, seen)
        }
    }

    pub(crate) fn fail(expected: Text, seen: Text, cause: Option<Text>) -> Self {
        Self {
            passed: false,
            expected,
            seen,
            cause,
            note: None,
            skipped: false,
        }
    }
}

/// What a check may use: the app over HTTP and, for the kinds that need them, Prometheus
/// and the submitted Prometheus config.
#[derive(Debug)]
pub struct Context<'a> {
    pub scraper: &'a mut Scraper,
    pub prometheus: Option<&'a Prometheus>,
    pub config: Option<&'a Submitted>,
    pub answers: Option<&'a Answers>,
    pub rules: Option<&'a SubmittedRules>,
    /// The instant (Unix seconds) answers are evaluated at, after the spec's load.
    pub at: Option<f64>,
    /// The submitted Grafana dashboard, for the kinds that read it.
    pub dashboard: Option<&'a Dashboard>,
    /// What Prometheus measured at each step of the spec's stepped load, or why it could not.
    pub readings: Option<&'a Result<Vec<crate::correlation::Reading>, Text>>,
    /// The stepped load's repetitions, with their intervals and law checks, when the spec
    /// repeats its steps.
    pub repeated: Option<&'a Result<crate::correlation::Repeated, Text>>,
    /// The submission's folder, for the kinds that read its documentation.
    pub submission: Option<&'a std::path::Path>,
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
        CheckKind::ConfigValid => config::valid(cx).await,
        CheckKind::ConfigValue { path, value } => config::value(cx, path, value),
        CheckKind::ScrapeJob {
            job,
            target_port,
            metrics_path,
            scrape_interval,
            labels,
        } => {
            config::scrape_job(
                cx,
                config::Wanted {
                    job,
                    target_port: *target_port,
                    metrics_path: metrics_path.as_deref(),
                    scrape_interval: scrape_interval.as_deref(),
                    labels,
                },
            )
            .await
        }
        CheckKind::Answer {
            question,
            reference,
            by,
            each_step,
        } => answer::run(cx, question, reference, by, *each_step).await,
        CheckKind::Reading { question, measure } => reading::run(cx, question, *measure),
        CheckKind::Prediction {
            question,
            quantity,
            tolerance,
        } => prediction::run(cx, question, *quantity, *tolerance),
        CheckKind::LittleQuery {
            question,
            tolerance,
        } => little::run(cx, question, *tolerance).await,
        // Prometheus 3 rewrites `le`/`quantile` values: said beside the verdict, on any major.
        CheckKind::RulesValid => le_label::noted(
            rules::valid(cx),
            cx.rules
                .and_then(|r| r.yaml.as_ref().ok())
                .and_then(|y| le_label::note(&le_label::rule_exprs(y))),
        ),
        CheckKind::RecordingRules { min } => rules::recording(cx, *min).await,
        CheckKind::RuleUnitTest {
            alert,
            fire,
            quiet,
            boundary,
        } => rules::unit(cx, alert, fire, quiet, boundary.as_ref()).await,
        // Scenarios run side by side before the other checks (see `grade`); one that reaches
        // here was not run.
        CheckKind::AlertNotified => Outcome::fail(
            crate::lang::both(
                "as notificações dos cenários",
                "the scenarios' notifications",
            ),
            crate::lang::both("não executado", "not run"),
            None,
        ),
        CheckKind::BlackFridayAlerts { .. } | CheckKind::BlackFridaySales => Outcome::fail(
            crate::lang::both("a Black Friday", "the Black Friday"),
            crate::lang::both("não executado", "not run"),
            None,
        ),
        CheckKind::AlertFires { alert, .. } => Outcome::fail(
            crate::lang::both(
                format!("o cenário de `{alert}`"),
                format!("the scenario of `{alert}`"),
            ),
            crate::lang::both("não executado", "not run"),
            None,
        ),
        CheckKind::TargetsUp { jobs } => config::targets_up(cx, jobs).await,
        CheckKind::DashboardValid => le_label::noted(
            dashboard::valid(cx),
            cx.dashboard
                .and_then(|d| le_label::note(&le_label::dashboard_exprs(d))),
        ),
        CheckKind::Panel {
            panel,
            types,
            queries,
        } => dashboard::panel(cx, panel, types, queries).await,
        CheckKind::PanelQueries => dashboard::queries(cx).await,
        CheckKind::MetricsDocumented { file, ignore } => catalog::run(cx, file, ignore).await,
        CheckKind::AlertsHaveRunbook { file } => runbook::run(cx, file),
        // A batch job's checks are judged on its runs (see `crate::job`); one that reaches here
        // was not run.
        CheckKind::JobExits
        | CheckKind::Pushed { .. }
        | CheckKind::PushGroup
        | CheckKind::PushScraped { .. }
        | CheckKind::PushAlert { .. } => Outcome::fail(
            crate::lang::both("as execuções do job", "the job's runs"),
            crate::lang::both("não executado", "not run"),
            None,
        ),
    }
}

/// Why a check that needs Prometheus saw nothing: there is none in this run.
fn not_started(expected: Text) -> Outcome {
    Outcome::fail(expected, prometheus_missing(), None)
}

fn prometheus_missing() -> Text {
    crate::lang::both(
        "o Prometheus não foi iniciado",
        "Prometheus was not started",
    )
}

/// A tool's answer for a report: without blank or repeated lines, at most 15 lines.
fn tidy(output: &str) -> String {
    let mut lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.dedup();
    lines[..lines.len().min(15)].join("\n")
}
