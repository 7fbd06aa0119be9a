//! The kinds of check, one type each: its fields as a spec writes them, and its properties
//! through [`Kind`]: what it needs from a grading, the phase that decides it, how long it may
//! take, what it waits on, and what makes its own fields wrong. How each kind runs is in
//! `crate::checks`, which implements its `Judge` for every type of [`check_kinds!`].
//!
//! A new kind is a type in one of the files below (or a new one), with its `Kind` impl, its
//! name in [`check_kinds!`], and its `Judge` impl in `checks/`; the compiler asks for each.

use serde::Deserialize;

mod answers;
mod black_friday;
mod dashboard;
mod job;
mod metrics;
mod prometheus;
mod rules;

pub use answers::{Answer, Figure, LittleQuery, Measure, Prediction, Quantity, Reading};
pub use black_friday::{BlackFridayAlerts, BlackFridaySales};
pub use dashboard::{DashboardValid, Panel, PanelQueries, PanelQuery};
pub use job::{JobExits, JobRun, PushAlert, PushExpect, PushGroup, PushScraped, Pushed, PushedIs};
pub use metrics::{
    Delta, Expect, Exposition, HistogramCount, MetricType, MetricsDocumented, Request, Selector,
    Series,
};
pub use prometheus::{ConfigValid, ConfigValue, Promql, ScrapeJob, TargetUp, TargetsUp};
pub use rules::{
    AlertFires, AlertNotified, AlertsHaveRunbook, RecordingRules, RuleUnitTest, RulesValid,
};

/// Every kind of check, by the name of its type: `kind = "snake_case"` of the name in a spec.
/// Calls `$then!` with the list, so that the spec's enum here and the dispatch in
/// `crate::checks` come from this one list.
macro_rules! check_kinds {
    ($then:ident) => {
        $then! {
            Exposition, Series, HistogramCount, Delta, MetricsDocumented,
            TargetUp, Promql, ConfigValid, ConfigValue, ScrapeJob, TargetsUp,
            Answer, Reading, Prediction, LittleQuery,
            RulesValid, RecordingRules, RuleUnitTest, AlertFires, AlertNotified, AlertsHaveRunbook,
            DashboardValid, Panel, PanelQueries,
            JobExits, Pushed, PushGroup, PushScraped, PushAlert,
            BlackFridayAlerts, BlackFridaySales,
        }
    };
}
pub(crate) use check_kinds;

macro_rules! check_kind_enum {
    ($($kind:ident),* $(,)?) => {
        /// A check's kind and its fields (see each type).
        #[derive(Debug, Clone, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum CheckKind {
            $($kind($kind),)*
        }

        impl CheckKind {
            /// The kind's properties.
            pub fn props(&self) -> &dyn Kind {
                match self {
                    $(CheckKind::$kind(k) => k,)*
                }
            }
        }
    };
}
check_kinds!(check_kind_enum);

/// What a kind of check is, apart from how it runs.
pub trait Kind {
    /// What the spec must provide for it, and what the grading must start.
    fn needs(&self) -> Needs {
        Needs::NONE
    }

    /// The part of the grading that decides it.
    fn phase(&self) -> Phase {
        Phase::Checks
    }

    /// Seconds it may take when its spec gives no `timeout_s`: a few times what its own
    /// waits can add up to on a busy machine, so only a check that is really stuck meets it.
    /// A kind a phase decides is bounded by that phase's own window or waits.
    fn default_timeout_s(&self) -> u64 {
        match self.phase() {
            Phase::Checks => 60,
            Phase::Scenario | Phase::BlackFriday | Phase::Job => 300,
        }
    }

    /// What it waits on, said when it runs out of time.
    fn waits_on(&self) -> WaitsOn {
        match self.phase() {
            Phase::Scenario | Phase::BlackFriday => WaitsOn::Scenario,
            Phase::Checks | Phase::Job => WaitsOn::Prometheus,
        }
    }

    /// Makes requests to the app's fault injection (`/admin/...`).
    fn injects_faults(&self) -> bool {
        false
    }

    /// A file of the submission it reads beside a crate's `src/` (a catalogue, a runbook).
    fn file(&self) -> Option<&str> {
        None
    }

    /// What is wrong with its own fields, if anything.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// What a kind needs of the spec (a file, a load, repeated steps, a job's rules) and of the
/// grading (a Prometheus). The spec is refused when it lacks one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Runs against Prometheus (so after the checks that read `/metrics` directly).
    pub prometheus: bool,
    /// The submitted Prometheus config.
    pub config: bool,
    /// The submitted rule file.
    pub rules: bool,
    /// The submitted dashboard.
    pub dashboard: bool,
    /// The submitted answers file.
    pub answers: bool,
    /// The spec's `[load]`.
    pub load: bool,
    /// The spec's `[steps]`, with `repeat` above 1.
    pub repeated_steps: bool,
    /// The `rules` of the spec's `[job]`.
    pub job_rules: bool,
}

impl Needs {
    /// Nothing: the start of every kind's own (`..Needs::NONE`).
    pub const NONE: Needs = Needs {
        prometheus: false,
        config: false,
        rules: false,
        dashboard: false,
        answers: false,
        load: false,
        repeated_steps: false,
        job_rules: false,
    };
}

/// The submitted rules, loaded by a Prometheus.
const RULES_ON_PROMETHEUS: Needs = Needs {
    prometheus: true,
    rules: true,
    ..Needs::NONE
};

/// The part of a grading that decides a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The checks after the spec's load, one after the other.
    Checks,
    /// The alert scenarios, each in an app and a Prometheus of its own (`crate::scenario`).
    Scenario,
    /// The final project's Black Friday (`crate::black_friday`).
    BlackFriday,
    /// A batch job's runs (`crate::job`).
    Job,
}

/// What a check waits on, for the message when it runs out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitsOn {
    /// The app's answers: `/metrics` and the check's own requests.
    App,
    /// promtool and Prometheus loading a submitted file.
    Tools,
    /// A scenario's or the Black Friday's timeline.
    Scenario,
    /// Prometheus: its targets and queries.
    Prometheus,
}

impl CheckKind {
    /// Runs against Prometheus (so after the checks that read `/metrics` directly).
    pub fn needs_prometheus(&self) -> bool {
        self.props().needs().prometheus
    }

    /// Makes requests to the app's fault injection (`/admin/...`).
    pub fn injects_faults(&self) -> bool {
        self.props().injects_faults()
    }

    /// Judged on a batch job's runs (see `crate::job`).
    pub fn reads_job(&self) -> bool {
        self.props().phase() == Phase::Job
    }
}
