//! The kinds that read the submitted rules: promtool, recording rules, generated rule tests,
//! the live alert scenarios and their notifications, and the runbook the alerts lead to.

use serde::Deserialize;

use super::{Kind, Needs, Phase, RULES_ON_PROMETHEUS, WaitsOn};
use crate::spec::rule_tests::{Boundary, InputSeries};

/// The submitted rule file passes `promtool check rules` and Prometheus loads it.
#[derive(Debug, Clone, Deserialize)]
pub struct RulesValid {}

impl Kind for RulesValid {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn default_timeout_s(&self) -> u64 {
        // A file already read; promtool and Prometheus loading it.
        10
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Tools
    }
}

/// At least `min` recording rules, named `level:metric:operations`, each giving series
/// after the spec's load.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingRules {
    #[serde(default = "one")]
    pub min: u32,
}

impl Kind for RecordingRules {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn default_timeout_s(&self) -> u64 {
        // A query per rule after the load.
        60
    }
}

/// A generated `promtool test rules`: on the `fire` series `alert` is firing once its
/// `for:` is over; on the `quiet` series it is neither pending nor firing.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleUnitTest {
    pub alert: String,
    pub fire: Vec<InputSeries>,
    pub quiet: Vec<InputSeries>,
    /// Series exactly on the threshold, where the alert must stay quiet too.
    pub boundary: Option<Boundary>,
}

impl Kind for RuleUnitTest {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn default_timeout_s(&self) -> u64 {
        // promtool test rules.
        60
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Tools
    }
}

/// A live scenario in an app and a Prometheus of its own: under the spec's load and no
/// fault no alert is active; then under this fault `alert` goes pending and firing within
/// the scenario's window, while the other `alert_fires` alerts of the spec stay silent.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertFires {
    pub alert: String,
    /// Share of shop requests answered 500 (the shop's `taxa_erro`).
    #[serde(default, alias = "taxa_erro")]
    pub error_rate: f64,
    /// Extra latency of every shop request (its `latencia_extra_ms`).
    #[serde(default, alias = "latencia_extra_ms")]
    pub extra_latency_ms: u64,
    /// Buy this product until it is sold out.
    pub drain: Option<u32>,
}

impl Kind for AlertFires {
    fn needs(&self) -> Needs {
        Needs {
            load: true,
            ..RULES_ON_PROMETHEUS
        }
    }

    fn phase(&self) -> Phase {
        Phase::Scenario
    }
}

/// Every alert that fired in the spec's scenarios reached a webhook of the grader's
/// through a real Alertmanager: the route from rule to notification works.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertNotified {}

impl Kind for AlertNotified {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn phase(&self) -> Phase {
        Phase::Scenario
    }
}

/// Every alert of the submitted rules has a `runbook_url` annotation that leads to a
/// heading of the submission's runbook `file` (`RUNBOOK.md#alert-name`).
#[derive(Debug, Clone, Deserialize)]
pub struct AlertsHaveRunbook {
    pub file: String,
}

impl Kind for AlertsHaveRunbook {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn default_timeout_s(&self) -> u64 {
        // Files already read.
        10
    }

    fn file(&self) -> Option<&str> {
        Some(&self.file)
    }
}

fn one() -> u32 {
    1
}
