//! The kinds judged on the final project's Black Friday (see `crate::black_friday`).

use serde::Deserialize;

use super::{Kind, Needs, Phase, RULES_ON_PROMETHEUS};

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
        RULES_ON_PROMETHEUS
    }

    fn phase(&self) -> Phase {
        Phase::BlackFriday
    }
}

/// After the spec's Black Friday, the business metrics (through Prometheus) equal the
/// sales made: sales, units of each product bought, the flash product's stock, revenue.
#[derive(Debug, Clone, Deserialize)]
pub struct BlackFridaySales {}

impl Kind for BlackFridaySales {
    fn needs(&self) -> Needs {
        RULES_ON_PROMETHEUS
    }

    fn phase(&self) -> Phase {
        Phase::BlackFriday
    }
}
