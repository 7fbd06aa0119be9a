//! The kinds that read the submitted Grafana dashboard.

use serde::Deserialize;

use super::{Kind, Needs};
use crate::lang::Text;

/// The dashboard's queries, run on Prometheus after the spec's load.
const QUERIES_AFTER_LOAD: Needs = Needs {
    prometheus: true,
    dashboard: true,
    load: true,
    ..Needs::NONE
};

/// The submitted dashboard is one the course's Grafana loads and whose queries reach its
/// provisioned Prometheus (see [`crate::dashboard`]).
#[derive(Debug, Clone, Deserialize)]
pub struct DashboardValid {}

impl Kind for DashboardValid {
    fn needs(&self) -> Needs {
        Needs {
            dashboard: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // A file already read and parsed.
        10
    }
}

/// The submitted dashboard has a panel titled `panel` (case, accents, punctuation and
/// spacing aside), of one of the visualizations `type` (any when empty), whose visible
/// queries meet `queries`, each by a query of its own, evaluated after the spec's load.
#[derive(Debug, Clone, Deserialize)]
pub struct Panel {
    pub panel: String,
    #[serde(rename = "type", default, deserialize_with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default)]
    pub queries: Vec<PanelQuery>,
}

impl Kind for Panel {
    fn needs(&self) -> Needs {
        QUERIES_AFTER_LOAD
    }

    fn default_timeout_s(&self) -> u64 {
        // Its queries on Prometheus.
        60
    }

    fn validate(&self) -> Result<(), String> {
        match self.queries.iter().find(|q| q.single && !q.by.is_empty()) {
            Some(q) => Err(format!(
                "a panel query is either `single` or `by` {:?}, not both",
                q.by
            )),
            None => Ok(()),
        }
    }
}

/// Every visible query of every panel of the submitted dashboard runs on Prometheus and
/// returns data after the spec's load.
#[derive(Debug, Clone, Deserialize)]
pub struct PanelQueries {}

impl Kind for PanelQueries {
    fn needs(&self) -> Needs {
        QUERIES_AFTER_LOAD
    }

    fn default_timeout_s(&self) -> u64 {
        // Every panel's queries on Prometheus.
        60
    }
}

/// What one query of a dashboard panel must give (see [`CheckKind::Panel`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelQuery {
    /// How the report names it ("P95"); the reference or the `uses` otherwise.
    pub name: Option<Text>,
    /// Equivalent reference queries: the query must return what one of them returns (the
    /// same series, told apart by `by`, with the same values).
    #[serde(default, deserialize_with = "one_or_many")]
    pub reference: Vec<String>,
    /// One series per value of these labels (without a reference: with any values).
    #[serde(default)]
    pub by: Vec<String>,
    /// Exactly one series (implied by a reference with no `by`).
    #[serde(default)]
    pub single: bool,
    /// Text the query must contain, spacing aside (a metric's name).
    #[serde(default)]
    pub uses: Vec<String>,
}

/// A string, or a list of strings.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}
