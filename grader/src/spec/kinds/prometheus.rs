//! The kinds that ask the main Prometheus, after the spec's load: its targets, a query, the
//! submitted config it runs.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Kind, Needs, WaitsOn};

/// A real Prometheus scrapes the app: the target is up, with no scrape error.
#[derive(Debug, Clone, Deserialize)]
pub struct TargetUp {}

impl Kind for TargetUp {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Up to 10 s for the target to come up, then a query.
        30
    }
}

/// A query through Prometheus's HTTP API returns at least `min_series` series.
#[derive(Debug, Clone, Deserialize)]
pub struct Promql {
    pub query: String,
    #[serde(default = "one_usize")]
    pub min_series: usize,
}

impl Kind for Promql {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Up to 10 s for the target to come up, then a query.
        30
    }
}

/// The submitted Prometheus config passes `promtool check config` and Prometheus loads it.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigValid {}

impl Kind for ConfigValid {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            config: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // promtool, then Prometheus reloading the file.
        60
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Tools
    }
}

/// A value of the submitted config, as written (durations compare as durations): `path`
/// is dotted, e.g. `global.scrape_interval`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigValue {
    pub path: String,
    pub value: String,
}

impl Kind for ConfigValue {
    fn needs(&self) -> Needs {
        Needs {
            config: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // A file already read and parsed.
        10
    }
}

/// The submitted config has a scrape job of this name, as asked; Prometheus scrapes it.
#[derive(Debug, Clone, Deserialize)]
pub struct ScrapeJob {
    pub job: String,
    /// The port its target has as written (the grader rewrites it to where the app is).
    pub target_port: Option<u16>,
    pub metrics_path: Option<String>,
    pub scrape_interval: Option<String>,
    /// Labels its targets must carry in Prometheus.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Kind for ScrapeJob {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            config: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Prometheus reloading the file, then its targets (up to 15 s).
        60
    }
}

/// Every target of the loaded config is `up`, and these jobs have targets.
#[derive(Debug, Clone, Deserialize)]
pub struct TargetsUp {
    #[serde(default)]
    pub jobs: Vec<String>,
}

impl Kind for TargetsUp {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            config: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Prometheus's targets (up to 15 s), then a query.
        60
    }
}

fn one_usize() -> usize {
    1
}
