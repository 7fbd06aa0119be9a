//! The kinds judged on the final project's Black Friday (see `crate::black_friday`).

use serde::Deserialize;

use super::{Kind, Needs, Phase, WaitsOn};

/// In the spec's Black Friday, the alerts of `order` go active in that order and each
/// fires; the `quiet` ones never go active.
#[derive(Debug, Clone, Deserialize)]
pub struct BlackFridayAlerts {
    pub order: Vec<String>,
    #[serde(default)]
    pub quiet: Vec<String>,
}

impl Kind for BlackFridayAlerts {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            rules: true,
            ..Needs::NONE
        }
    }

    fn phase(&self) -> Phase {
        Phase::BlackFriday
    }

    fn default_timeout_s(&self) -> u64 {
        // Decided in the Black Friday, bounded by its own timeline.
        300
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Scenario
    }
}

/// After the spec's Black Friday, the business metrics (through Prometheus) equal the
/// sales made: sales, units of each product bought, the flash product's stock, revenue.
#[derive(Debug, Clone, Deserialize)]
pub struct BlackFridaySales {}

impl Kind for BlackFridaySales {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            rules: true,
            ..Needs::NONE
        }
    }

    fn phase(&self) -> Phase {
        Phase::BlackFriday
    }

    fn default_timeout_s(&self) -> u64 {
        // Decided in the Black Friday, bounded by its own timeline.
        300
    }

    fn waits_on(&self) -> WaitsOn {
        WaitsOn::Scenario
    }
}
