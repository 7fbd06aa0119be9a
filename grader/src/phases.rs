//! The phases of a grading between starting the app and running its checks, chosen by the
//! spec and run side by side: the load on the app (one load, or a stepped load with its
//! windows), the alert scenarios and the final project's Black Friday (each in an app and a
//! Prometheus of their own). Each phase leaves what the checks read: verdicts of the checks it
//! decides, notes for the report, and, for the load on the app, when it ran.
//!
//! The phases belong to a server (`crate::server`); a batch job has no app to load, and is the
//! other kind of submission (`crate::spec::Subject`), graded by `crate::job`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::checks::Outcome;
use crate::correlation::{Reading, Repeated, Run, Step, Window};
use crate::lang::{Text, both};
use crate::options::{EnvError, Options};
use crate::prometheus::{Backend, Prometheus, unix_now};
use crate::rules::SubmittedRules;
use crate::spec::kinds::Phase as KindPhase;
use crate::spec::{LoadSpec, Spec, StepsSpec};

/// What the phases share: the app under grading and the grader's Prometheus, and what the
/// phases that start their own app and Prometheus need to do so.
#[derive(Debug)]
pub struct Stage<'a> {
    pub spec: &'a Spec,
    pub opts: &'a Options,
    /// The app's URL, `http://127.0.0.1:PORT`, and its port (Prometheus's queries keep to
    /// the target on it).
    pub base: &'a str,
    pub port: u16,
    pub prom: Option<&'a Prometheus>,
    pub rules: Option<&'a SubmittedRules>,
    pub backend: Option<&'a Backend>,
    /// The app's binary, when the grader built it (not with `--url`).
    pub exe: Option<&'a Path>,
    pub work: &'a Path,
    /// The app has no fault injection (`--url` to an app without `/admin/falhas`): the load
    /// runs without its faults.
    pub no_faults: bool,
}

/// What a phase leaves for the checks and the report.
#[derive(Debug, Default)]
pub struct Done {
    /// The verdicts of the checks it decides, by check id.
    pub outcomes: HashMap<String, Outcome>,
    pub notes: Vec<Text>,
    /// The load on the app, for the checks that read Prometheus after it.
    pub load: Option<Loaded>,
}

/// When the load on the app ran, and what Prometheus measured of a stepped load, as the
/// checks read them.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Its start (Unix seconds).
    pub from: f64,
    /// The instant answers are evaluated at: the load's end, or late in a stepped load's last
    /// step, while it is loaded; `None` without a load.
    pub at: Option<f64>,
    /// A stepped load's steps (their measured spans, after the warm-up), and each step's
    /// windows; empty for one load.
    pub steps: Vec<Step>,
    pub windows: Vec<Vec<Window>>,
    /// What Prometheus measured at each step (ex7's readings), or why it could not.
    pub readings: Option<Result<Vec<Reading>, Text>>,
    /// With repeated steps, their intervals and operational laws (ex9's predictions).
    pub repeated: Option<Result<Repeated, Text>>,
}

/// The correlation report's view of the load on the app on `port`.
pub fn correlation_run(base: &str, port: u16, loaded: &Loaded) -> Run {
    Run {
        url: base.to_string(),
        description: String::new(),
        port,
        steps: loaded.steps.clone(),
        users: Vec::new(),
        window: Duration::from_secs(4),
        windows_note: None,
    }
}

/// A phase of the grading.
pub trait Phase: Send + Sync {
    /// Runs it; an error is the grader's environment failing, not the submission.
    fn run<'a>(&'a self, stage: &'a Stage<'a>) -> BoxFuture<'a, Result<Done, EnvError>>;
}

/// The phases the spec asks for, in the order their notes go to the report.
pub fn chosen(spec: &Spec) -> Vec<Box<dyn Phase + '_>> {
    let mut phases: Vec<Box<dyn Phase + '_>> = Vec::new();
    if spec
        .checks
        .iter()
        .any(|c| c.kind.props().phase() == KindPhase::Scenario)
    {
        phases.push(Box::new(AlertScenarios));
    }
    if spec.black_friday.is_some() {
        phases.push(Box::new(BlackFriday));
    }
    if let Some(steps) = &spec.steps {
        phases.push(Box::new(SteppedLoad(steps)));
    } else if let Some(load) = &spec.load {
        phases.push(Box::new(OneLoad(load)));
    }
    phases
}

/// Runs every phase side by side; what they left, merged (the first error, if any).
pub async fn run_all(phases: &[Box<dyn Phase + '_>], stage: &Stage<'_>) -> Result<Done, EnvError> {
    let each = futures_util::future::join_all(phases.iter().map(|p| p.run(stage))).await;
    let mut all = Done::default();
    for done in each {
        let done = done?;
        all.outcomes.extend(done.outcomes);
        all.notes.extend(done.notes);
        all.load = all.load.or(done.load);
    }
    Ok(all)
}

/// The alert scenarios (see `crate::scenario`).
struct AlertScenarios;

impl Phase for AlertScenarios {
    fn run<'a>(&'a self, st: &'a Stage<'a>) -> BoxFuture<'a, Result<Done, EnvError>> {
        Box::pin(async move {
            let outcomes =
                crate::scenario::run_all(st.spec, st.rules, st.backend, st.exe, st.work, st.opts)
                    .await?;
            Ok(Done {
                outcomes,
                ..Done::default()
            })
        })
    }
}

/// The final project's Black Friday (see `crate::black_friday`).
struct BlackFriday;

impl Phase for BlackFriday {
    fn run<'a>(&'a self, st: &'a Stage<'a>) -> BoxFuture<'a, Result<Done, EnvError>> {
        Box::pin(async move {
            let (outcomes, note) =
                crate::black_friday::run(st.spec, st.rules, st.backend, st.exe, st.work, st.opts)
                    .await?;
            Ok(Done {
                outcomes,
                notes: note.into_iter().collect(),
                load: None,
            })
        })
    }
}

/// The spec's `[load]` on the app, its faults injected unless the app has none.
struct OneLoad<'s>(&'s LoadSpec);

impl Phase for OneLoad<'_> {
    fn run<'a>(&'a self, st: &'a Stage<'a>) -> BoxFuture<'a, Result<Done, EnvError>> {
        Box::pin(async move {
            let without = self.0.clone_without_faults();
            let load = if st.no_faults { &without } else { self.0 };
            // Load before the first scrape would leave rate() windows with one sample.
            if let Some(p) = st.prom {
                let _ = p.wait_target_up(Duration::from_secs(15)).await;
            }
            let from = unix_now();
            let note = match crate::workload::apply(st.base, load).await {
                Ok(r) => crate::workload::summary(&r),
                Err(e) => e,
            };
            // Answers are evaluated at the load's end, once its last seconds are scraped: a
            // rate window that fits in the load then sees load only, never the idle time
            // after it.
            let at = unix_now();
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(Done {
                notes: vec![note],
                load: Some(Loaded {
                    from,
                    at: Some(at),
                    ..Loaded::default()
                }),
                ..Done::default()
            })
        })
    }
}

/// The spec's `[steps]` on the app: each step one run of its users, warmed up, then measured
/// in its windows with the requests in flight sampled (see [`StepsSpec`]).
struct SteppedLoad<'s>(&'s StepsSpec);

impl Phase for SteppedLoad<'_> {
    fn run<'a>(&'a self, st: &'a Stage<'a>) -> BoxFuture<'a, Result<Done, EnvError>> {
        Box::pin(async move {
            let (note, mut loaded) = stepped_load(st.base, self.0, st.prom).await;
            if let Some(p) = st.prom {
                let run = correlation_run(st.base, st.port, &loaded);
                loaded.readings = Some(crate::correlation::read_steps(p.api(), &run).await);
                // Each step's repetitions, their intervals and the operational laws, for the
                // checks that compare a student's predictions with what was measured.
                if self.0.repeat > 1 {
                    let stats =
                        crate::correlation::read_repetitions(p.api(), &run, &loaded.windows).await;
                    loaded.repeated = Some(stats.map(|stats| Repeated {
                        stats,
                        windows: loaded.windows.clone(),
                        think_s: self.0.think_s(),
                    }));
                }
            }
            Ok(Done {
                notes: vec![note],
                load: Some(loaded),
                ..Done::default()
            })
        })
    }
}

/// Runs the steps one after the other (after Prometheus first scraped the app), and waits for
/// Prometheus to scrape the last one: the report's note, and the load as the checks read it.
async fn stepped_load(base: &str, steps: &StepsSpec, prom: Option<&Prometheus>) -> (Text, Loaded) {
    if let Some(p) = prom {
        let _ = p.wait_target_up(Duration::from_secs(15)).await;
    }
    let from = unix_now();
    let (mut spans, mut windows) = (Vec::new(), Vec::new());
    let (mut pt, mut en) = (Vec::new(), Vec::new());
    for &users in &steps.users {
        let start = unix_now();
        let (report, in_flight) =
            crate::workload::apply_sampled(base, &steps.step(users), std::future::pending()).await;
        match report {
            Ok(r) => {
                let (n, failed) = (r.total.requests, r.total.failures);
                pt.push(format!(
                    "{users} usuário(s): {n} requisições, {failed} com falha"
                ));
                en.push(format!("{users} user(s): {n} requests, {failed} failed"));
            }
            Err(e) => {
                pt.push(format!("{users} usuário(s): {}", e.pt));
                en.push(format!("{users} user(s): {}", e.en));
            }
        }
        let end = unix_now();
        let measured = (start + steps.warmup_s).min(end);
        windows.push(crate::correlation::windows(
            measured,
            steps.seconds,
            steps.repeat.max(1),
            end,
            &in_flight,
        ));
        spans.push(Step {
            users: u64::from(users),
            start: measured,
            end,
        });
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let at = spans.last().map_or(from, |w| w.end - 1.0);
    let note = if steps.repeat > 1 {
        both(
            format!(
                "Carga em degraus, {} s de aquecimento e {} × {} s por degrau: {}.",
                steps.warmup_s,
                steps.repeat,
                steps.seconds,
                pt.join("; ")
            ),
            format!(
                "Stepped load, {} s of warm-up and {} × {} s a step: {}.",
                steps.warmup_s,
                steps.repeat,
                steps.seconds,
                en.join("; ")
            ),
        )
    } else {
        both(
            format!(
                "Carga em degraus de {} s: {}.",
                steps.seconds,
                pt.join("; ")
            ),
            format!(
                "Stepped load, {} s a step: {}.",
                steps.seconds,
                en.join("; ")
            ),
        )
    };
    let loaded = Loaded {
        from,
        at: Some(at),
        steps: spans,
        windows,
        ..Loaded::default()
    };
    (note, loaded)
}
