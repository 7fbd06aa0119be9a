//! What an exercise demands, as data: one TOML file per exercise under `grader/specs/`,
//! embedded in the binary. An instructor may pass their own with `--spec FILE`.
//!
//! A spec lists checks; each check has an id, points, a title, an optional hint, and a `kind`
//! that one piece of the grader knows how to run (see [`CheckKind`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Text;

/// The version of the spec format this grader reads.
pub const FORMAT_VERSION: u32 = 1;

const BUILTIN: &[(&str, &str)] = &[
    ("ex1", include_str!("../specs/ex1.toml")),
    ("ex2", include_str!("../specs/ex2.toml")),
    ("ex3", include_str!("../specs/ex3.toml")),
    ("ex4", include_str!("../specs/ex4.toml")),
    ("ex5", include_str!("../specs/ex5.toml")),
    ("ex6", include_str!("../specs/ex6.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("unknown exercise `{0}` (known: {1})")]
    Unknown(String, String),
    #[error("cannot read spec {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("spec {0} is not valid: {1}")]
    Invalid(String, String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub format_version: u32,
    pub id: String,
    /// Where in the roteiro this exercise comes from ("Parte 3").
    pub roteiro: String,
    pub title: Text,
    /// The starter crate, relative to the course root.
    pub starter: PathBuf,
    /// The reference solution, relative to the course root.
    pub solution: PathBuf,
    /// The files a submission consists of, when it is not a crate (a `prometheus.yml`, rule
    /// files, answers): the exercise folder must hold each of them. Empty for a crate.
    #[serde(default)]
    pub files: Vec<String>,
    /// The app to run when the submission is not itself a crate: the crate of an earlier
    /// exercise (see [`AppCrate`]).
    pub app: Option<AppCrate>,
    /// The submitted file Prometheus runs with (one of `files`), rewritten where it must be.
    pub prometheus_config: Option<String>,
    /// The submitted file of PromQL answers (one of `files`): TOML, `name = "query"`.
    pub answers: Option<String>,
    /// The submitted rule file (one of `files`): recording and alerting rules.
    pub rules: Option<String>,
    /// The submitted Grafana dashboard (one of `files`): JSON, as Grafana provisions it.
    pub dashboard: Option<String>,
    /// Load put on the app before the checks that go through Prometheus.
    pub load: Option<LoadSpec>,
    /// Requests made once, right after the app opens its port, so that series a client
    /// library only creates on first use exist before the checks look for them.
    #[serde(default)]
    pub warmup: Vec<Request>,
    pub checks: Vec<Check>,
}

/// Where the app of an exercise without a crate of its own comes from: the student's copy of
/// an earlier exercise (`starter`), or its reference (`solution`, for `--solution` and when
/// the student's copy is not there).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppCrate {
    /// The id of the exercise whose crate this is (names its build's staging folder).
    pub exercise: String,
    pub starter: PathBuf,
    pub solution: PathBuf,
}

/// A load of virtual users (see the `loadgen` crate), with faults injected in the app
/// through `/admin/falhas` while it runs. Every number is bounded: the run stops after
/// `seconds` or `max_requests`, whichever comes first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    pub users: u32,
    /// Milliseconds each user waits between requests, from..to.
    #[serde(default)]
    pub think_ms: [u64; 2],
    pub seconds: f64,
    pub max_requests: Option<u64>,
    #[serde(default)]
    pub seed: u64,
    /// Action name → weight (`navegar`, `produto`, `busca`, `carrinho`, `checkout`,
    /// `logout`; `checkout:2` pins a product).
    pub mix: BTreeMap<String, u32>,
    /// Share of shop requests answered 500 while the load runs.
    #[serde(default)]
    pub taxa_erro: f64,
    /// Extra latency of every shop request while the load runs.
    #[serde(default)]
    pub latencia_extra_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    pub id: String,
    #[serde(default = "one")]
    pub points: u32,
    pub title: Text,
    /// What to look at first when the check fails, in the student's terms.
    pub hint: Option<Text>,
    #[serde(flatten)]
    pub kind: CheckKind,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckKind {
    /// `GET /metrics` answers 200 with an exposition Content-Type and a body that parses.
    Exposition,
    /// A metric family exists with the right type, label names and buckets or quantiles.
    Series {
        metric: String,
        #[serde(rename = "type")]
        kind: MetricType,
        #[serde(default)]
        labels: Vec<String>,
        /// Histogram upper bounds, without +Inf.
        #[serde(default)]
        buckets: Vec<f64>,
        /// Summary quantiles.
        #[serde(default)]
        quantiles: Vec<f64>,
        /// The value every sample of the family must have (`app_info` is 1).
        value: Option<f64>,
    },
    /// Make requests and check series moved by exactly what they did.
    Delta {
        requests: Vec<Request>,
        expect: Vec<Expect>,
    },
    /// Every label set of `counter` has a `histogram` whose `_count` equals it.
    HistogramCount { histogram: String, counter: String },
    /// A real Prometheus scrapes the app: the target is up, with no scrape error.
    TargetUp,
    /// A query through Prometheus's HTTP API returns at least `min_series` series.
    Promql {
        query: String,
        #[serde(default = "one_usize")]
        min_series: usize,
    },
    /// The submitted Prometheus config passes `promtool check config` and Prometheus loads it.
    ConfigValid,
    /// A value of the submitted config, as written (durations compare as durations): `path`
    /// is dotted, e.g. `global.scrape_interval`.
    ConfigValue { path: String, value: String },
    /// The submitted config has a scrape job of this name, as asked; Prometheus scrapes it.
    ScrapeJob {
        job: String,
        /// The port its target has as written (the grader rewrites it to where the app is).
        target_port: Option<u16>,
        metrics_path: Option<String>,
        scrape_interval: Option<String>,
        /// Labels its targets must carry in Prometheus.
        #[serde(default)]
        labels: BTreeMap<String, String>,
    },
    /// The student's PromQL answer to `question` returns what `reference` returns, evaluated
    /// at the same instant on the same Prometheus after the spec's load: the same series
    /// (told apart by the labels `by`; one series without labels when empty) with the same
    /// values (to a relative 1e-6).
    Answer {
        question: String,
        reference: String,
        #[serde(default)]
        by: Vec<String>,
    },
    /// The submitted rule file passes `promtool check rules` and Prometheus loads it.
    RulesValid,
    /// At least `min` recording rules, named `level:metric:operations`, each giving series
    /// after the spec's load.
    RecordingRules {
        #[serde(default = "one")]
        min: u32,
    },
    /// A generated `promtool test rules`: on the `fire` series `alert` is firing once its
    /// `for:` is over; on the `quiet` series it is neither pending nor firing.
    RuleUnitTest {
        alert: String,
        fire: Vec<crate::rules::InputSeries>,
        quiet: Vec<crate::rules::InputSeries>,
    },
    /// A live scenario in an app and a Prometheus of its own: under the spec's load and no
    /// fault no alert is active; then under this fault `alert` goes pending and firing within
    /// the scenario's window, while the other `alert_fires` alerts of the spec stay silent.
    AlertFires {
        alert: String,
        /// Share of shop requests answered 500.
        #[serde(default)]
        taxa_erro: f64,
        /// Extra latency of every shop request.
        #[serde(default)]
        latencia_extra_ms: u64,
        /// Buy this product until it is sold out.
        drain: Option<u32>,
    },
    /// Every alert that fired in the spec's scenarios reached a webhook of the grader's
    /// through a real Alertmanager: the route from rule to notification works.
    AlertNotified,
    /// Every target of the loaded config is `up`, and these jobs have targets.
    TargetsUp {
        #[serde(default)]
        jobs: Vec<String>,
    },
    /// The submitted dashboard is one the course's Grafana loads and whose queries reach its
    /// provisioned Prometheus (see [`crate::dashboard`]).
    DashboardValid,
    /// The submitted dashboard has a panel titled `panel` (case, accents, punctuation and
    /// spacing aside), of one of the visualizations `type` (any when empty), whose visible
    /// queries meet `queries`, each by a query of its own, evaluated after the spec's load.
    Panel {
        panel: String,
        #[serde(rename = "type", default, deserialize_with = "one_or_many")]
        types: Vec<String>,
        #[serde(default)]
        queries: Vec<PanelQuery>,
    },
    /// Every visible query of every panel of the submitted dashboard runs on Prometheus and
    /// returns data after the spec's load.
    PanelQueries,
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

impl LoadSpec {
    /// The same load with no fault injected.
    pub fn clone_without_faults(&self) -> Self {
        Self {
            taxa_erro: 0.0,
            latencia_extra_ms: 0,
            ..self.clone()
        }
    }

    /// The load generator's plan for this load.
    pub fn plan(&self) -> Result<loadgen::Plan, String> {
        use std::time::Duration;
        let [min, max] = self.think_ms;
        let plan = loadgen::Plan {
            mode: loadgen::Mode::Users {
                users: self.users,
                // Every user at once: the grading window is short.
                spawn_rate: f64::from(self.users.max(1)) * 10.0,
                think_time: (Duration::from_millis(min), Duration::from_millis(max)),
            },
            duration: Duration::try_from_secs_f64(self.seconds).map_err(|e| e.to_string())?,
            max_requests: self.max_requests,
            seed: self.seed,
            mix: loadgen::Mix::from_weights(self.mix.iter().map(|(k, v)| (k, *v)))
                .map_err(|e| e.to_string())?,
            request_timeout: Duration::from_secs(5),
        };
        plan.validate().map_err(|e| e.to_string())?;
        if !(0.0..=1.0).contains(&self.taxa_erro) {
            return Err("taxa_erro goes from 0 to 1".into());
        }
        Ok(plan)
    }
}

impl CheckKind {
    /// Runs against Prometheus (so after the checks that read `/metrics` directly).
    pub fn needs_prometheus(&self) -> bool {
        matches!(
            self,
            CheckKind::TargetUp
                | CheckKind::Promql { .. }
                | CheckKind::Answer { .. }
                | CheckKind::RulesValid
                | CheckKind::RecordingRules { .. }
                | CheckKind::RuleUnitTest { .. }
                | CheckKind::AlertFires { .. }
                | CheckKind::AlertNotified
                | CheckKind::ConfigValid
                | CheckKind::ScrapeJob { .. }
                | CheckKind::TargetsUp { .. }
                | CheckKind::Panel { .. }
                | CheckKind::PanelQueries
        )
    }

    /// Makes requests to the app's fault injection (`/admin/...`).
    pub fn injects_faults(&self) -> bool {
        match self {
            CheckKind::Delta { requests, .. } => {
                requests.iter().any(|r| r.path.starts_with("/admin/"))
            }
            _ => false,
        }
    }

    /// Reads the submitted Prometheus config.
    fn needs_config(&self) -> bool {
        matches!(
            self,
            CheckKind::ConfigValid
                | CheckKind::ConfigValue { .. }
                | CheckKind::ScrapeJob { .. }
                | CheckKind::TargetsUp { .. }
        )
    }
}

fn one_usize() -> usize {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
        }
    }
}

/// A request the grader makes to the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default = "get")]
    pub method: String,
    pub path: String,
    /// A JSON body, as text.
    pub json: Option<String>,
    #[serde(default = "one")]
    pub times: u32,
    /// The status every answer must have; any status when left out.
    pub status: Option<u16>,
}

fn get() -> String {
    "GET".into()
}

/// One thing a delta check expects of `/metrics` after its requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `name{label="value",...}`: the sum of every sample of that name whose labels include
    /// these. For `delta`, a series not exposed counts as 0 (a counter not used yet); `value`
    /// and `between` fail when no sample matches.
    pub series: String,
    /// Moved by exactly this much.
    pub delta: Option<f64>,
    /// Is exactly this.
    pub value: Option<f64>,
    /// Lies within [min, max].
    pub between: Option<[f64; 2]>,
    /// At most this many samples match.
    pub max_series: Option<usize>,
}

/// A parsed `name{label="value"}` selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

impl Selector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (name, rest) = match s.find('{') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(format!("bad metric name in selector `{s}`"));
        }
        let mut labels = Vec::new();
        if let Some(rest) = rest {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| format!("selector `{s}` lacks `}}`"))?;
            for pair in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("bad label `{pair}` in `{s}`"))?;
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .ok_or_else(|| format!("label value must be quoted in `{s}`"))?;
                labels.push((k.trim().to_string(), v.to_string()));
            }
        }
        Ok(Self {
            name: name.to_string(),
            labels,
        })
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            let l: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            write!(f, "{{{}}}", l.join(","))?;
        }
        Ok(())
    }
}

impl Spec {
    pub fn from_toml(origin: &str, text: &str) -> Result<Self, SpecError> {
        let spec: Spec =
            toml::from_str(text).map_err(|e| SpecError::Invalid(origin.into(), e.to_string()))?;
        spec.validate()
            .map_err(|e| SpecError::Invalid(origin.into(), e))?;
        Ok(spec)
    }

    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Read(path.into(), e))?;
        Self::from_toml(&path.display().to_string(), &text)
    }

    /// The spec shipped with the grader for `id`.
    pub fn builtin(id: &str) -> Result<Self, SpecError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(k, _)| *k == id)
            .ok_or_else(|| SpecError::Unknown(id.into(), Self::builtin_ids().join(", ")))?;
        Self::from_toml(id, text)
    }

    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTIN.iter().map(|(k, _)| *k).collect()
    }

    pub fn all_builtin() -> Result<Vec<Self>, SpecError> {
        Self::builtin_ids().into_iter().map(Self::builtin).collect()
    }

    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    pub fn needs_prometheus(&self) -> bool {
        self.prometheus_config.is_some() || self.checks.iter().any(|c| c.kind.needs_prometheus())
    }

    /// The submission is a set of files, not a crate: it runs the app of `app`.
    pub fn is_files(&self) -> bool {
        !self.files.is_empty()
    }

    fn validate(&self) -> Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version {} (this grader reads {FORMAT_VERSION})",
                self.format_version
            ));
        }
        if self.is_files() != self.app.is_some() {
            return Err("`files` and `app` go together: a submission of files runs the app of an earlier exercise".into());
        }
        for f in self
            .prometheus_config
            .iter()
            .chain(&self.answers)
            .chain(&self.rules)
            .chain(&self.dashboard)
        {
            if !self.files.contains(f) {
                return Err(format!("`{f}` is not one of `files`"));
            }
        }
        if let Some(load) = &self.load {
            load.plan().map_err(|e| format!("load: {e}"))?;
        }
        let mut seen = BTreeMap::new();
        for c in &self.checks {
            let reads_rules = matches!(
                c.kind,
                CheckKind::RulesValid
                    | CheckKind::RecordingRules { .. }
                    | CheckKind::RuleUnitTest { .. }
                    | CheckKind::AlertFires { .. }
                    | CheckKind::AlertNotified
            );
            if reads_rules && self.rules.is_none() {
                return Err(format!(
                    "check `{}` reads the rules, but the spec has no rules file",
                    c.id
                ));
            }
            if matches!(c.kind, CheckKind::AlertFires { .. }) && self.load.is_none() {
                return Err(format!(
                    "check `{}` runs a scenario, which needs the spec's [load]",
                    c.id
                ));
            }
            if matches!(c.kind, CheckKind::Answer { .. }) && self.answers.is_none() {
                return Err(format!(
                    "check `{}` reads an answer, but the spec has no answers file",
                    c.id
                ));
            }
            let reads_dashboard = matches!(
                c.kind,
                CheckKind::DashboardValid | CheckKind::Panel { .. } | CheckKind::PanelQueries
            );
            if reads_dashboard && self.dashboard.is_none() {
                return Err(format!(
                    "check `{}` reads the dashboard, but the spec has no dashboard file",
                    c.id
                ));
            }
            if matches!(c.kind, CheckKind::Panel { .. } | CheckKind::PanelQueries)
                && self.load.is_none()
            {
                return Err(format!(
                    "check `{}` runs queries after the spec's [load], which it lacks",
                    c.id
                ));
            }
            if let CheckKind::Panel { queries, .. } = &c.kind
                && let Some(q) = queries.iter().find(|q| q.single && !q.by.is_empty())
            {
                return Err(format!(
                    "check `{}`: a panel query is either `single` or `by` {:?}, not both",
                    c.id, q.by
                ));
            }
            if c.kind.needs_config() && self.prometheus_config.is_none() {
                return Err(format!(
                    "check `{}` reads the submitted Prometheus config, but the spec has no prometheus_config",
                    c.id
                ));
            }
            if seen.insert(c.id.as_str(), ()).is_some() {
                return Err(format!("check id `{}` appears twice", c.id));
            }
            if c.points == 0 {
                return Err(format!("check `{}` is worth 0 points", c.id));
            }
            if let CheckKind::Delta { expect, requests } = &c.kind {
                if requests.is_empty() && expect.iter().any(|e| e.delta.is_some()) {
                    return Err(format!(
                        "check `{}` expects a delta but makes no request",
                        c.id
                    ));
                }
                for e in expect {
                    Selector::parse(&e.series).map_err(|m| format!("check `{}`: {m}", c.id))?;
                    let set = [
                        e.delta.is_some(),
                        e.value.is_some(),
                        e.between.is_some(),
                        e.max_series.is_some(),
                    ];
                    if set.iter().filter(|b| **b).count() != 1 {
                        return Err(format!(
                            "check `{}`: each expect needs exactly one of delta, value, between, max_series",
                            c.id
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_spec_loads() {
        for s in Spec::all_builtin().unwrap() {
            assert!(s.max_score() > 0, "{}", s.id);
        }
    }

    #[test]
    fn selectors_parse_and_print_back() {
        let s = Selector::parse(
            r#"http_requests_total{method="GET", endpoint="/produto/{produto_id}"}"#,
        )
        .unwrap();
        assert_eq!(s.name, "http_requests_total");
        assert_eq!(
            s.labels[1],
            ("endpoint".into(), "/produto/{produto_id}".into())
        );
        assert_eq!(
            s.to_string(),
            r#"http_requests_total{method="GET",endpoint="/produto/{produto_id}"}"#
        );
        assert!(Selector::parse("x{a=b}").is_err());
        assert!(Selector::parse("{a=\"b\"}").is_err());
    }

    #[test]
    fn invalid_specs_are_refused_with_the_reason() {
        let base = r#"
            format_version = 1
            id = "x"
            roteiro = "Parte 0"
            title = { pt = "t", en = "t" }
            starter = "a"
            solution = "b"
        "#;
        let dup = format!(
            "{base}\n[[checks]]\nid = \"a\"\nkind = \"exposition\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n\
             [[checks]]\nid = \"a\"\nkind = \"target_up\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n"
        );
        let err = Spec::from_toml("dup", &dup).unwrap_err().to_string();
        assert!(err.contains("appears twice"), "{err}");
        let v2 = base.replace("format_version = 1", "format_version = 2") + "checks = []";
        assert!(
            Spec::from_toml("v2", &v2)
                .unwrap_err()
                .to_string()
                .contains("format_version 2")
        );
    }
}
