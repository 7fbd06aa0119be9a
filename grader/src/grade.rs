//! Grading one submission: build it, start it, run the spec's checks, and report.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::answers::Answers;
use crate::app::App;
use crate::checks::{self, Context};
use crate::compile::{self, BuildError};
use crate::course::{Course, Which};
use crate::dashboard::Dashboard;
use crate::lang::{Text, both};
use crate::promconfig::Submitted;
use crate::prometheus::{self, Backend, BackendChoice, Prometheus};
use crate::report::{CheckResult, Report};
use crate::rules::SubmittedRules;
use crate::scrape::Scraper;
use crate::spec::Spec;

/// The bounds and choices of one grading run.
#[derive(Debug, Clone)]
pub struct Options {
    pub which: Which,
    pub backend: BackendChoice,
    pub prometheus_bin: Option<PathBuf>,
    pub prometheus_image: String,
    pub alertmanager_bin: Option<PathBuf>,
    pub alertmanager_image: String,
    pub build_timeout: Duration,
    pub startup_timeout: Duration,
    pub request_timeout: Duration,
    /// Passed to the app as `LATENCY_SCALE`: the shop's simulated latencies times this.
    pub latency_scale: f64,
    /// An app already running at this loopback URL (`--url`): graded as it is, neither
    /// built, started nor stopped by the grader.
    pub url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            which: Which::Starter,
            backend: BackendChoice::Auto,
            prometheus_bin: None,
            prometheus_image: prometheus::DEFAULT_IMAGE.to_string(),
            alertmanager_bin: None,
            alertmanager_image: prometheus::DEFAULT_ALERTMANAGER_IMAGE.to_string(),
            build_timeout: Duration::from_secs(900),
            startup_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(5),
            latency_scale: 0.1,
            url: None,
        }
    }
}

/// The grader could not do its job, through no fault of the submission.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("{}", .0.en)]
    Prometheus(Text),
    #[error("{0}")]
    Cargo(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl EnvError {
    pub fn describe(&self) -> Text {
        match self {
            EnvError::Prometheus(t) => t.clone(),
            other => both(other.to_string(), other.to_string()),
        }
    }
}

pub async fn grade(course: &Course, spec: &Spec, opts: &Options) -> Result<Report, EnvError> {
    let started = Instant::now();
    let mut notes = Vec::new();
    let backend = if spec.needs_prometheus() {
        let (backend, fallback) = prometheus::choose(
            opts.backend,
            &opts.prometheus_image,
            opts.prometheus_bin.as_deref(),
        )
        .await
        .map_err(EnvError::Prometheus)?;
        notes.extend(fallback);
        Some(backend)
    } else {
        None
    };
    let mut report = Report {
        exercise: spec.id.clone(),
        title: spec.title.clone(),
        roteiro: spec.roteiro.clone(),
        ungradable: None,
        checks: Vec::new(),
        notes,
        elapsed: Duration::ZERO,
    };
    let work = tempfile::Builder::new().prefix("grader-").tempdir()?;
    let submission = match course.submission(spec, &opts.which) {
        Ok(dir) => dir,
        Err(reason) => {
            return Ok(ungradable(
                report,
                spec,
                both(reason.clone(), reason),
                started,
            ));
        }
    };

    if let Some(missing) = spec.files.iter().find(|f| !submission.join(f).is_file()) {
        let dir = submission.display();
        let reason = both(
            format!("falta {missing} em {dir}"),
            format!("{missing} is missing in {dir}"),
        );
        return Ok(ungradable(report, spec, reason, started));
    }

    // Prometheus first: it applies its scrape targets on a 5-second tick, so it starts before
    // the build and the direct checks and that wait overlaps them. The app's port is picked
    // now so Prometheus knows where to scrape. Until the app listens, its scrapes just fail.
    let given = match &opts.url {
        Some(url) => Some(
            crate::app::parse_loopback_url(url)
                .map_err(|e| EnvError::Io(std::io::Error::other(e)))?,
        ),
        None => None,
    };
    let addr = match &given {
        Some((_, addr)) => *addr,
        None => crate::app::loopback(crate::app::free_port()?),
    };
    let prom = match &backend {
        Some(backend) => match Prometheus::start(
            backend,
            addr,
            spec.prometheus_config.is_none(),
            work.path(),
            Duration::from_secs(30),
        )
        .await
        {
            Ok(p) => Some(p),
            Err(e) => return Err(EnvError::Prometheus(e)),
        },
        None => None,
    };
    if prom.is_some() {
        timing("prometheus ready", started);
    }
    // From here on, returning early drops `prom` and the app, which kills them.

    let (app, exe, base) = match given {
        Some((base, _)) => {
            report.notes.push(both(
                format!("App já em execução em {base} (--url): o avaliador não o compila, não o inicia nem o para."),
                format!("App already running at {base} (--url): the grader neither builds, starts nor stops it."),
            ));
            (None, None, base)
        }
        None => match build_and_start(course, spec, opts, &submission, work.path(), addr).await? {
            Ok((app, exe, note)) => {
                report.notes.extend(note);
                let base = app.url("");
                (Some(app), Some(exe), base)
            }
            Err(reason) => return Ok(ungradable(report, spec, reason, started)),
        },
    };
    let mut scraper = Scraper::new(base.clone(), opts.request_timeout);
    for r in &spec.warmup {
        // A failure here shows in the checks that follow, with their own explanation.
        let _ = scraper.request(r).await;
    }
    if let (Some(p), Some(backend)) = (&prom, &backend) {
        let v = p.version().await.unwrap_or_else(|| "?".into());
        report.notes.push(match backend {
            Backend::Native(bin) => both(
                format!("Avaliado com Prometheus {v} (binário {}).", bin.display()),
                format!("Graded with Prometheus {v} (binary {}).", bin.display()),
            ),
            Backend::Docker(image) => both(
                format!("Avaliado com Prometheus {v} (contêiner {image})."),
                format!("Graded with Prometheus {v} (container {image})."),
            ),
        });
    }
    // The submitted config replaces the grader's own, now that the app is up.
    let config = match (&spec.prometheus_config, &prom) {
        (Some(file), Some(p)) => {
            let sub = Submitted::load(p, &submission, file).await;
            if !sub.rewrites.is_empty() {
                report.notes.push(rewrites_note(&sub.rewrites));
            }
            Some(sub)
        }
        _ => None,
    };
    let rules = match (&spec.rules, &prom) {
        (Some(file), Some(p)) => {
            let r = SubmittedRules::load(p, &submission, file).await;
            if !r.rewrites.is_empty() {
                report.notes.push(rewrites_note(&r.rewrites));
            }
            Some(r)
        }
        _ => None,
    };
    // The spec's load, then an instant at which every answer is evaluated: late enough that
    // the last scrape after the load is in (Prometheus scrapes every second). The alert
    // scenarios run meanwhile, each in an app and a Prometheus of its own.
    // An app the grader did not start may have no fault injection: what needs it is skipped,
    // and the load runs without faults.
    let no_faults = opts.url.is_some() && !crate::workload::has_faults(&base).await;
    let main_load = async {
        let load = spec.load.as_ref()?;
        let without = load.clone_without_faults();
        let load = if no_faults { &without } else { load };
        // Load before the first scrape would leave rate() windows with one sample.
        if let Some(p) = &prom {
            let _ = p.wait_target_up(Duration::from_secs(15)).await;
        }
        let note = match crate::workload::apply(&base, load).await {
            Ok(r) => crate::workload::summary(&r),
            Err(e) => e,
        };
        tokio::time::sleep(Duration::from_secs(3)).await;
        Some((note, unix_now() - 1.5))
    };
    let scenarios = crate::scenario::run_all(
        spec,
        rules.as_ref(),
        backend.as_ref(),
        exe.as_deref(),
        work.path(),
        opts,
    );
    let (loaded, scenario_outcomes) = tokio::join!(main_load, scenarios);
    let mut scenario_outcomes = scenario_outcomes.map_err(EnvError::Prometheus)?;
    let at = loaded.map(|(note, at)| {
        report.notes.push(note);
        at
    });
    timing("load and scenarios", started);
    let answers = spec.answers.as_ref().map(|f| Answers::load(&submission, f));
    let dashboard = spec
        .dashboard
        .as_ref()
        .map(|f| Dashboard::load(&submission, f));
    // Checks on /metrics first, then the ones through Prometheus, which by then has had time
    // to scrape.
    let (through_prometheus, direct): (Vec<_>, Vec<_>) =
        spec.checks.iter().partition(|c| c.kind.needs_prometheus());
    let mut results = Vec::new();
    for check in direct.into_iter().chain(through_prometheus) {
        if let Some(outcome) = scenario_outcomes.remove(&check.id) {
            results.push((check, outcome));
            continue;
        }
        if no_faults && check.kind.injects_faults() {
            let reason = both(
                format!("{base}/admin/falhas não existe: este app não tem injeção de falhas"),
                format!("{base}/admin/falhas does not exist: this app has no fault injection"),
            );
            results.push((check, checks::Outcome::skip(check.title.clone(), reason)));
            continue;
        }
        let mut cx = Context {
            scraper: &mut scraper,
            prometheus: prom.as_ref(),
            config: config.as_ref(),
            answers: answers.as_ref(),
            dashboard: dashboard.as_ref(),
            rules: rules.as_ref(),
            at,
        };
        results.push((check, checks::run(&check.kind, &mut cx).await));
    }
    if let Some(p) = prom {
        p.stop().await;
    }
    if let Some(app) = app {
        app.process.stop(Duration::from_secs(2)).await;
    }

    // Report in the spec's order, whatever order they ran in.
    for check in &spec.checks {
        let Some((_, outcome)) = results.iter().find(|(c, _)| c.id == check.id) else {
            continue;
        };
        let hint = match (&outcome.cause, &check.hint, outcome.passed) {
            (_, _, true) => None,
            (Some(cause), Some(h), _) => Some(both(
                format!("{}\n{}", cause.pt, h.pt),
                format!("{}\n{}", cause.en, h.en),
            )),
            (c, h, _) => c.clone().or_else(|| h.clone()),
        };
        report.checks.push(CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            max_score: check.points,
            passed: outcome.passed,
            expected: Some(outcome.expected.clone()),
            seen: Some(outcome.seen.clone()),
            hint,
            note: outcome.note.clone(),
            skipped: outcome.skipped,
        });
    }
    report.elapsed = started.elapsed();
    timing("verdict", started);
    Ok(report)
}

/// Builds the app this grading runs (the submission's crate, or for a submission of files the
/// crate of the earlier exercise it configures) and starts it on `addr`. `Ok(Err(reason))`
/// when the submission cannot be graded; with the app, a note naming it when it is not the
/// submission itself.
async fn build_and_start(
    course: &Course,
    spec: &Spec,
    opts: &Options,
    submission: &std::path::Path,
    work: &std::path::Path,
    addr: std::net::SocketAddr,
) -> Result<Result<(App, PathBuf, Option<Text>), Text>, EnvError> {
    let (crate_dir, exercise, starter, note) = match &spec.app {
        Some(app) => {
            let dir = course.app_crate(app, &opts.which);
            let note = both(
                format!(
                    "App avaliado: {} (exercício {}).",
                    dir.display(),
                    app.exercise
                ),
                format!(
                    "App graded with: {} (exercise {}).",
                    dir.display(),
                    app.exercise
                ),
            );
            (
                dir,
                app.exercise.as_str(),
                app.starter.as_path(),
                Some(note),
            )
        }
        None => (
            submission.to_path_buf(),
            spec.id.as_str(),
            spec.starter.as_path(),
            None,
        ),
    };
    let built = compile::build(
        course,
        exercise,
        starter,
        &crate_dir,
        work,
        opts.build_timeout,
    )
    .await;
    let exe = match built {
        Ok(exe) => exe,
        Err(BuildError::Cargo(e)) => return Err(EnvError::Cargo(e)),
        Err(e @ BuildError::Compile(_)) => {
            let dir = crate_dir.display();
            return Ok(Err(both(
                format!("o código em {dir} não compila:\n{e}"),
                format!("the code in {dir} does not compile:\n{e}"),
            )));
        }
        Err(e) => {
            return Ok(Err(both(
                format!("não foi possível compilar: {e}"),
                format!("could not build: {e}"),
            )));
        }
    };
    let started = App::start(
        &exe,
        &work.join("app.log"),
        addr.port(),
        opts.latency_scale,
        opts.startup_timeout,
    )
    .await;
    Ok(match started {
        Ok(app) => Ok((app, exe, note)),
        Err(e) => Err(e.describe()),
    })
}

/// The report's note listing what the grader changed in its copy of a submitted file.
fn rewrites_note(rewrites: &[Text]) -> Text {
    let (pt, en): (Vec<_>, Vec<_>) = rewrites
        .iter()
        .map(|r| (format!("  - {}", r.pt), format!("  - {}", r.en)))
        .unzip();
    both(
        format!(
            "Reescrito na cópia que o Prometheus do avaliador usa (o seu arquivo não muda):\n{}",
            pt.join("\n")
        ),
        format!(
            "Rewritten in the copy the grader's Prometheus runs (your file is unchanged):\n{}",
            en.join("\n")
        ),
    )
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// With `GRADER_TIMINGS` set, when each phase ended, on stderr (for `scripts/bench-grade.sh`).
fn timing(phase: &str, started: Instant) {
    if std::env::var_os("GRADER_TIMINGS").is_some() {
        eprintln!("timing: {phase} {:.3}", started.elapsed().as_secs_f64());
    }
}

/// Every check scores 0 and the report says why nothing could be checked.
fn ungradable(mut report: Report, spec: &Spec, reason: Text, started: Instant) -> Report {
    report.checks = spec
        .checks
        .iter()
        .map(|c| CheckResult {
            id: c.id.clone(),
            title: c.title.clone(),
            max_score: c.points,
            passed: false,
            expected: None,
            seen: Some(both("não executado", "not run")),
            hint: None,
            note: None,
            skipped: false,
        })
        .collect();
    report.ungradable = Some(reason);
    report.elapsed = started.elapsed();
    report
}
