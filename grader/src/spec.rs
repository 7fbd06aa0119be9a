//! What an exercise demands, as data: one TOML file per exercise under `grader/specs/`,
//! embedded in the binary. An instructor may pass their own with `--spec FILE`.
//!
//! A spec lists checks; each check has an id, points, a title, an optional hint, and a `kind`
//! that one piece of the grader knows how to run (see [`CheckKind`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Text;
use kinds::Phase;

mod day;
mod extends;
pub mod hint;
pub mod kinds;
pub mod rule_tests;

pub use day::{BlackFridaySpec, DayFigure, DayPhase, DayUntil, Total, Windows};
pub use kinds::{
    CheckKind, Expect, JobRun, Measure, MetricType, PanelQuery, PushExpect, PushedIs, Quantity,
    Request, Selector,
};
pub use rule_tests::{Boundary, InputSeries};

/// The version of the spec format this grader reads.
pub const FORMAT_VERSION: u32 = 1;

const BUILTIN: &[(&str, &str)] = &[
    ("ex1", include_str!("../specs/ex1.toml")),
    ("ex2", include_str!("../specs/ex2.toml")),
    ("ex3", include_str!("../specs/ex3.toml")),
    ("ex4", include_str!("../specs/ex4.toml")),
    ("ex5", include_str!("../specs/ex5.toml")),
    ("ex6", include_str!("../specs/ex6.toml")),
    ("ex7", include_str!("../specs/ex7.toml")),
    ("ex8", include_str!("../specs/ex8.toml")),
    ("ex9", include_str!("../specs/ex9.toml")),
    ("final", include_str!("../specs/final.toml")),
];

/// The specs of the other tracks, by track and exercise (see [`Spec::for_track`]).
const TRACK_SPECS: &[(Track, &str, &str)] = &[
    (
        Track::Python,
        "ex1",
        include_str!("../specs/python/ex1.toml"),
    ),
    (
        Track::Python,
        "ex2",
        include_str!("../specs/python/ex2.toml"),
    ),
];

/// Which version of the course a spec grades: the Rust contract (`grader/specs/exN.toml`), or
/// the roteiro's own Flask apps with the Python libraries' names (`grader/specs/python/`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Track {
    #[default]
    Rust,
    Python,
}

impl Track {
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Rust => "rust",
            Track::Python => "python",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("unknown exercise `{0}` (known: {1})")]
    Unknown(String, String),
    #[error("cannot read spec {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("spec {0} is not valid: {1}")]
    Invalid(String, String),
    #[error("exercise `{0}` has no {1} track (it has: {2})")]
    NoTrack(String, &'static str, String),
    #[error("name the exercise to grade, e.g. `grader ex1` (see `grader list`)")]
    NoneNamed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub format_version: u32,
    pub id: String,
    /// Where in the roteiro (the course's source guide) this exercise comes from ("Parte 3").
    #[serde(alias = "roteiro")]
    pub guide_part: String,
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
    /// Runs a real Node Exporter beside Prometheus (see [`crate::node_exporter`]): the
    /// submitted config's targets on port 9100 scrape it.
    #[serde(default)]
    pub node_exporter: bool,
    /// The final project's Black Friday, run for the `black_friday_*` checks (see
    /// [`crate::black_friday`]).
    pub black_friday: Option<BlackFridaySpec>,
    /// A stepped load instead: more users each step, read back step by step from
    /// Prometheus for the checks of kind `reading` (see [`StepsSpec`]).
    pub steps: Option<StepsSpec>,
    /// How long one PromQL query (an answer, a panel's query) may take before its check fails
    /// with "did not finish": 10 s when not given.
    pub query_timeout_s: Option<u64>,
    /// Requests made once, right after the app opens its port, so that series a client
    /// library only creates on first use exist before the checks look for them.
    #[serde(default)]
    pub warmup: Vec<Request>,
    /// A batch job: the submission is a program that runs once, pushes its metrics to a
    /// Pushgateway and exits (see [`JobSpec`] and `crate::job`), not an app to scrape.
    pub job: Option<JobSpec>,
    pub checks: Vec<Check>,
    /// Graded hints, opened one at a time: a nudge, the concept with its book section, what
    /// to use (see [`crate::hints`]).
    #[serde(default)]
    pub hints: Vec<hint::Hint>,
    /// The track this spec grades (`rust` when not given).
    #[serde(default)]
    pub track: Track,
    /// Metric names a submission's start manifest may rename (`[metrics]` in `avaliador.toml`),
    /// for apps whose library names them otherwise.
    #[serde(default)]
    pub renamable: Vec<String>,
    /// Shown in every report graded with this spec (how its track differs from the contract).
    pub note: Option<Text>,
    /// Built into the grader (not `--spec FILE`): a manifest may swap it for its track's.
    #[serde(skip)]
    pub builtin: bool,
    /// The seed the hidden checks among `checks` were drawn with (see [`crate::hidden`]).
    #[serde(skip)]
    pub hidden_seed: Option<u64>,
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
    /// Share of shop requests answered 500 while the load runs (the shop's `taxa_erro`).
    #[serde(default, alias = "taxa_erro")]
    pub error_rate: f64,
    /// Extra latency of every shop request while the load runs (its `latencia_extra_ms`).
    #[serde(default, alias = "latencia_extra_ms")]
    pub extra_latency_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    pub id: String,
    #[serde(default = "one")]
    pub points: u32,
    pub title: Text,
    /// What to look at first when the check fails, in the student's terms.
    pub hint: Option<Text>,
    /// Seconds the whole check may take before it fails with "did not finish within X s"
    /// (default: its kind's, see [`crate::checks::default_timeout`]).
    pub timeout_s: Option<f64>,
    /// An instructor's hidden check (see [`crate::hidden`]): set when it is drawn, never read
    /// from a spec file.
    #[serde(skip)]
    pub hidden: bool,
    #[serde(flatten)]
    pub kind: CheckKind,
}

fn one() -> u32 {
    1
}

/// How the grader runs a batch job, and the labels its pushes must carry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// The variable that gives the job the Pushgateway's URL (`http://127.0.0.1:PORT`).
    pub url_env: String,
    /// The variable that, set to `1`, makes the run fail (the job's documented switch).
    pub fail_env: String,
    /// The `job` label every push must carry.
    pub name: String,
    /// The grouping key beside `job`.
    #[serde(default)]
    pub grouping: BTreeMap<String, String>,
    /// The alerting rules the course ships for the job, relative to the course root: the
    /// grader evaluates the course's copy, never one from a submission.
    pub rules: Option<String>,
    /// Seconds one run may take.
    #[serde(default = "thirty")]
    pub timeout_s: u64,
}

fn thirty() -> u64 {
    30
}

/// A stepped load: `users[0]` users for `seconds`, then `users[1]`, and so on, with the same
/// think time, mix and seed; no fault injected. Each step is read from Prometheus at its end
/// over its own length (see [`crate::correlation`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepsSpec {
    pub users: Vec<u32>,
    /// The length of one measured window of a step.
    pub seconds: f64,
    /// Windows measured per step, one after the other in one run of its users: with more
    /// than one, each step's throughput, P95 and utilisation come with a 95 % interval and
    /// its operational laws are checked (see [`crate::correlation::StepStats`]).
    #[serde(default = "one")]
    pub repeat: u32,
    /// Seconds of each step run before its first window and not measured: the users start
    /// and the gateway's queue fills.
    #[serde(default)]
    pub warmup_s: f64,
    #[serde(default)]
    pub think_ms: [u64; 2],
    #[serde(default)]
    pub seed: u64,
    pub mix: BTreeMap<String, u32>,
}

impl StepsSpec {
    /// The users' mean think time Z, seconds (the think time is drawn uniformly from
    /// `think_ms`).
    pub fn think_s(&self) -> f64 {
        (self.think_ms[0] + self.think_ms[1]) as f64 / 2000.0
    }

    /// The load of the step with `users` users: its warm-up, then its windows.
    pub fn step(&self, users: u32) -> LoadSpec {
        LoadSpec {
            users,
            think_ms: self.think_ms,
            seconds: self.warmup_s + self.seconds * f64::from(self.repeat.max(1)),
            max_requests: None,
            seed: self.seed,
            mix: self.mix.clone(),
            error_rate: 0.0,
            extra_latency_ms: 0,
        }
    }
}

impl LoadSpec {
    /// The same load with no fault injected.
    pub fn clone_without_faults(&self) -> Self {
        Self {
            error_rate: 0.0,
            extra_latency_ms: 0,
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
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err("error_rate goes from 0 to 1".into());
        }
        Ok(plan)
    }
}

/// The kind of program a submission is, which decides how it is graded.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'s> {
    /// An app that listens on a port: started, scraped, loaded and probed while it runs
    /// (`crate::server`).
    Server,
    /// A program that runs to completion and pushes its metrics to a Pushgateway
    /// (`crate::job`).
    BatchJob(&'s JobSpec),
}

impl Spec {
    /// Reads a spec, filling in what it `extends` (see [`extends`]) from the built-in specs.
    pub fn from_toml(origin: &str, text: &str) -> Result<Self, SpecError> {
        let invalid = |e: String| SpecError::Invalid(origin.into(), e);
        let table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        // Read from the text when it extends nothing, so an error shows its line.
        let spec: Spec = if table.contains_key("extends") {
            let table = extends::resolve(table, |id| {
                BUILTIN.iter().find(|(k, _)| *k == id).map(|(_, t)| *t)
            })
            .map_err(invalid)?;
            table
                .try_into()
                .map_err(|e: toml::de::Error| invalid(e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| invalid(e.to_string()))?
        };
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
        Ok(Self {
            builtin: true,
            ..Self::from_toml(id, text)?
        })
    }

    /// The spec to grade with: `--spec FILE`, else the built-in one for `exercise`.
    pub fn chosen(file: Option<&Path>, exercise: Option<&str>) -> Result<Self, SpecError> {
        match (file, exercise) {
            (Some(file), _) => Self::from_file(file),
            (None, Some(id)) => Self::builtin(id),
            (None, None) => Err(SpecError::NoneNamed),
        }
    }

    /// The built-in spec of the same exercise on `track` (this one when it is that track's).
    pub fn for_track(&self, track: Track) -> Result<Self, SpecError> {
        if self.track == track {
            return Ok(self.clone());
        }
        if track == Track::Rust {
            return Self::builtin(&self.id);
        }
        let Some((_, id, text)) = TRACK_SPECS
            .iter()
            .find(|(t, id, _)| *t == track && *id == self.id)
        else {
            let ids: Vec<&str> = TRACK_SPECS
                .iter()
                .filter(|(t, _, _)| *t == track)
                .map(|(_, id, _)| *id)
                .collect();
            return Err(SpecError::NoTrack(
                self.id.clone(),
                track.as_str(),
                ids.join(", "),
            ));
        };
        Ok(Self {
            builtin: true,
            ..Self::from_toml(&format!("{}/{id}", track.as_str()), text)?
        })
    }

    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTIN.iter().map(|(k, _)| *k).collect()
    }

    pub fn all_builtin() -> Result<Vec<Self>, SpecError> {
        Self::builtin_ids().into_iter().map(Self::builtin).collect()
    }

    /// See [`Spec::query_timeout_s`].
    pub fn query_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.query_timeout_s.unwrap_or(10))
    }

    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Runs Prometheus, or beside it the Pushgateway of a batch job (one backend for both).
    pub fn needs_prometheus(&self) -> bool {
        self.prometheus_config.is_some()
            || self.job.is_some()
            || self.checks.iter().any(|c| c.kind.needs_prometheus())
    }

    /// What the submission is: a batch job when the spec has `[job]`, a server otherwise.
    pub fn subject(&self) -> Subject<'_> {
        match &self.job {
            Some(job) => Subject::BatchJob(job),
            None => Subject::Server,
        }
    }

    /// The submission is a set of files, not a crate: it runs the app of `app`.
    pub fn is_files(&self) -> bool {
        !self.files.is_empty()
    }

    /// The files a crate's checks read beside its `src/` (the final project's config, rules,
    /// dashboard and documentation), relative to the crate.
    pub fn files_beside_crate(&self) -> Vec<&str> {
        let named = self.checks.iter().filter_map(|c| c.kind.props().file());
        let mut files: Vec<&str> = self
            .prometheus_config
            .iter()
            .chain(&self.rules)
            .chain(&self.dashboard)
            .map(String::as_str)
            .chain(named)
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// A batch job is a crate of its own that runs twice: no app, no load, no files; its
    /// alert needs the course's rules, and only the failed run can keep a value.
    fn validate_job(&self) -> Result<(), String> {
        let Some(job) = &self.job else {
            return Ok(());
        };
        if self.is_files() || self.load.is_some() || !self.warmup.is_empty() {
            return Err(
                "a [job] spec runs the job itself: no `files`, `app`, `load` or `warmup`".into(),
            );
        }
        if job.name.is_empty() || job.name.contains('/') {
            return Err(format!(
                "job name `{}` must be non-empty, without `/`",
                job.name
            ));
        }
        Ok(())
    }

    /// What is wrong with one check in this spec: what its kind needs that the spec lacks,
    /// its own fields, a `timeout_s` its phase does not take.
    fn validate_check(&self, c: &Check) -> Result<(), String> {
        let kind = c.kind.props();
        let needs = kind.needs();
        let lacks = [
            (
                needs.config && self.prometheus_config.is_none(),
                "it reads the submitted Prometheus config, but the spec has no prometheus_config",
            ),
            (
                needs.rules && self.rules.is_none(),
                "it reads the rules, but the spec has no rules file",
            ),
            (
                needs.dashboard && self.dashboard.is_none(),
                "it reads the dashboard, but the spec has no dashboard file",
            ),
            (
                needs.answers && self.answers.is_none(),
                "it reads an answer, but the spec has no answers file",
            ),
            (
                needs.load && self.load.is_none(),
                "it runs after the spec's [load], which it lacks",
            ),
            (
                needs.repeated_steps && self.steps.as_ref().is_none_or(|s| s.repeat <= 1),
                "it compares with repeated measurements: the spec's [steps] needs a `repeat` above 1",
            ),
            (
                needs.job_rules && self.job.as_ref().is_none_or(|j| j.rules.is_none()),
                "it watches an alert, but [job] names no `rules` file",
            ),
            (
                kind.phase() == Phase::Job && self.job.is_none(),
                "it judges a batch job, but the spec has no [job]",
            ),
            (
                kind.phase() == Phase::BlackFriday && self.black_friday.is_none(),
                "it judges the Black Friday, but the spec has no [black_friday]",
            ),
        ];
        if let Some((_, why)) = lacks.iter().find(|(lacking, _)| *lacking) {
            return Err((*why).into());
        }
        kind.validate()?;
        if let Some(t) = c.timeout_s {
            if !(t > 0.0 && t <= 3600.0) {
                return Err("timeout_s goes from 0 to 3600 seconds".into());
            }
            match kind.phase() {
                Phase::Checks => {}
                Phase::Scenario | Phase::BlackFriday => {
                    return Err(
                        "timeout_s does not apply to an alert scenario, bounded by its own window"
                            .into(),
                    );
                }
                Phase::Job => {
                    return Err("timeout_s does not apply to a batch job's check: [job] timeout_s bounds each run".into());
                }
            }
        }
        Ok(())
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version {} (this grader reads {FORMAT_VERSION})",
                self.format_version
            ));
        }
        if self.is_files() != self.app.is_some() {
            return Err("`files` and `app` go together: a submission of files runs the app of an earlier exercise".into());
        }
        // A crate may carry its own config, rules and dashboard beside `src/` (the final
        // project): they are read from the crate's folder, and one that is missing fails its
        // checks instead of making the crate ungradable.
        let files_of_crate = self.app.is_none();
        for f in self
            .prometheus_config
            .iter()
            .chain(&self.answers)
            .chain(&self.rules)
            .chain(&self.dashboard)
        {
            if !files_of_crate && !self.files.contains(f) {
                return Err(format!("`{f}` is not one of `files`"));
            }
        }
        if let Some(load) = &self.load {
            load.plan().map_err(|e| format!("load: {e}"))?;
        }
        if let Some(bf) = &self.black_friday {
            bf.validate().map_err(|e| format!("[black_friday]: {e}"))?;
        }
        if self.node_exporter && self.prometheus_config.is_none() {
            return Err("`node_exporter` is scraped through the submitted config: the spec needs a prometheus_config".into());
        }
        hint::validate(&self.hints).map_err(|e| format!("hints: {e}"))?;
        self.validate_job()?;
        let mut seen = BTreeMap::new();
        for c in &self.checks {
            if seen.insert(c.id.as_str(), ()).is_some() {
                return Err(format!("check id `{}` appears twice", c.id));
            }
            if c.points == 0 {
                return Err(format!("check `{}` is worth 0 points", c.id));
            }
            self.validate_check(c)
                .map_err(|e| format!("check `{}`: {e}", c.id))?;
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
            guide_part = "Parte 0"
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

    #[test]
    fn the_bottleneck_s_threshold_is_the_spec_s_and_only_the_bottleneck_s() {
        let ex9 = include_str!("../specs/ex9.toml");
        let saturated = |s: &Spec| {
            s.checks.iter().find_map(|c| match &c.kind {
                CheckKind::Prediction(p) if p.quantity == Quantity::Bottleneck => {
                    Some(p.saturated_at())
                }
                _ => None,
            })
        };
        assert_eq!(saturated(&Spec::from_toml("ex9", ex9).unwrap()), Some(0.9));
        let stricter = ex9.replace("saturated_at = 0.9", "saturated_at = 0.95");
        assert_eq!(
            saturated(&Spec::from_toml("ex9", &stricter).unwrap()),
            Some(0.95)
        );
        for (wrong, why) in [
            (
                ex9.replace("saturated_at = 0.9", "saturated_at = 90"),
                "at most 1",
            ),
            (
                ex9.replace(
                    "quantity = \"p95\"\n",
                    "quantity = \"p95\"\nsaturated_at = 0.9\n",
                ),
                "threshold of the quantity `bottleneck`",
            ),
        ] {
            assert_ne!(wrong, ex9);
            let err = Spec::from_toml("ex9", &wrong).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
    }

    #[test]
    fn the_portuguese_keys_of_earlier_specs_still_read() {
        let ex5 = include_str!("../specs/ex5.toml");
        let old = ex5
            .replace("\nguide_part = ", "\nroteiro = ")
            .replace("\nerror_rate = ", "\ntaxa_erro = ")
            .replace("\nextra_latency_ms = ", "\nlatencia_extra_ms = ");
        assert_ne!(old, ex5);
        let (old, new) = (
            Spec::from_toml("old", &old).unwrap(),
            Spec::from_toml("new", ex5).unwrap(),
        );
        assert_eq!(old.guide_part, new.guide_part);
        let load = |s: &Spec| s.load.as_ref().map(|l| (l.error_rate, l.extra_latency_ms));
        assert_eq!(load(&old), load(&new));
        assert!(load(&new).is_some_and(|(rate, _)| rate > 0.0));
        let faults = |s: &Spec| {
            s.checks
                .iter()
                .filter_map(|c| match &c.kind {
                    CheckKind::AlertFires(k) => Some((k.error_rate, k.extra_latency_ms)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(faults(&old), faults(&new));
        assert!(faults(&new).iter().any(|&(_, ms)| ms > 0));
    }
}
