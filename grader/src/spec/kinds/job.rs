//! The kinds judged on a batch job's runs (see `crate::job`): how they exit, what they pushed,
//! what Prometheus scraped from the Pushgateway, the course's alert.

use serde::Deserialize;

use super::metrics::MetricType;
use super::{Kind, Needs, Phase};

/// The batch job's runs end as they should: code 0 when it succeeds, another when made to
/// fail (see [`JobSpec`]).
#[derive(Debug, Clone, Deserialize)]
pub struct JobExits {}

impl Kind for JobExits {
    fn phase(&self) -> Phase {
        Phase::Job
    }
}

/// After `run`, the Pushgateway holds each `expect` metric exactly once, in any group, as
/// expected.
#[derive(Debug, Clone, Deserialize)]
pub struct Pushed {
    pub run: JobRun,
    pub expect: Vec<PushExpect>,
}

impl Kind for Pushed {
    fn phase(&self) -> Phase {
        Phase::Job
    }

    fn validate(&self) -> Result<(), String> {
        for e in &self.expect {
            if e.value.is_some() && e.is.is_some() {
                return Err(format!("`{}` has both `value` and `is`", e.metric));
            }
            if e.is == Some(PushedIs::Kept) && self.run != JobRun::Failure {
                return Err(
                    "`is = \"kept\"` compares with the run before, so it is for run = \"failure\""
                        .into(),
                );
            }
        }
        Ok(())
    }
}

/// After the successful run, the Pushgateway holds one group, labelled with the job's
/// `name` and `grouping` key and nothing else.
#[derive(Debug, Clone, Deserialize)]
pub struct PushGroup {}

impl Kind for PushGroup {
    fn phase(&self) -> Phase {
        Phase::Job
    }
}

/// After the successful run, Prometheus, scraping the Pushgateway with `honor_labels: true`,
/// has each metric once under the job's labels, with the Pushgateway's value.
#[derive(Debug, Clone, Deserialize)]
pub struct PushScraped {
    pub metrics: Vec<String>,
}

impl Kind for PushScraped {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            ..Needs::NONE
        }
    }

    fn phase(&self) -> Phase {
        Phase::Job
    }
}

/// The course's alert `alert` (in the job's `rules`) is silent after the successful run
/// and fires after the failed one.
#[derive(Debug, Clone, Deserialize)]
pub struct PushAlert {
    pub alert: String,
}

impl Kind for PushAlert {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            job_rules: true,
            ..Needs::NONE
        }
    }

    fn phase(&self) -> Phase {
        Phase::Job
    }
}

/// Which run of a batch job a check looks after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobRun {
    Success,
    Failure,
}

/// What one pushed metric must be: present at least, and of `type`, worth `value`, or
/// what `is` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushExpect {
    pub metric: String,
    #[serde(rename = "type")]
    pub kind: Option<MetricType>,
    pub value: Option<f64>,
    pub is: Option<PushedIs>,
}

/// A pushed value that depends on the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushedIs {
    /// A Unix time (seconds) within the run.
    RunTime,
    /// More than 0 and at most the run's wall time, in seconds.
    RunDuration,
    /// The value it had after the previous run (the successful one).
    Kept,
}
