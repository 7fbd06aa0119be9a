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
mod phased;
mod prediction;
pub mod probe;
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
use crate::rules::SubmittedRules;
use crate::spec::CheckKind;

pub use deadline::{default_timeout, run_within, timeout_of};
pub use probe::{AppProbe, PrometheusProbe};

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
    pub scraper: &'a mut dyn AppProbe,
    pub prometheus: Option<&'a dyn PrometheusProbe>,
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

/// How a kind of check runs: every type of [`crate::spec::kinds`] has its impl beside the code
/// of its check (`series.rs` for `Series`, ...), or in `phased.rs` for the kinds a phase of
/// the grading decides.
pub(crate) trait Judge {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome;
}

macro_rules! dispatch {
    ($($kind:ident),* $(,)?) => {
        /// Runs a check of any kind.
        pub async fn run(kind: &CheckKind, cx: &mut Context<'_>) -> Outcome {
            match kind {
                $(CheckKind::$kind(k) => k.judge(cx).await,)*
            }
        }
    };
}
crate::spec::kinds::check_kinds!(dispatch);

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
