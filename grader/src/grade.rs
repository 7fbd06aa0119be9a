//! Grading one submission: build it, start it, run the spec's checks, and report.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::checks::{self, Context};
use crate::compile::{self, BuildError};
use crate::course::{Course, Which};
use crate::lang::{Text, both};
use crate::prometheus::{self, Backend, BackendChoice, Prometheus};
use crate::report::{CheckResult, Report};
use crate::scrape::Scraper;
use crate::spec::{CheckKind, Spec};

/// The bounds and choices of one grading run.
#[derive(Debug, Clone)]
pub struct Options {
    pub which: Which,
    pub backend: BackendChoice,
    pub prometheus_bin: Option<PathBuf>,
    pub prometheus_image: String,
    pub build_timeout: Duration,
    pub startup_timeout: Duration,
    pub request_timeout: Duration,
    /// Passed to the app as `LATENCY_SCALE`: the shop's simulated latencies times this.
    pub latency_scale: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            which: Which::Starter,
            backend: BackendChoice::Auto,
            prometheus_bin: None,
            prometheus_image: prometheus::DEFAULT_IMAGE.to_string(),
            build_timeout: Duration::from_secs(900),
            startup_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(5),
            latency_scale: 0.1,
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

    // Prometheus first: it applies its scrape targets on a 5-second tick, so it starts before
    // the build and the direct checks and that wait overlaps them. The app's port is picked
    // now so Prometheus knows where to scrape. Until the app listens, its scrapes just fail.
    let port = crate::app::free_port()?;
    let prom = match &backend {
        Some(backend) => match Prometheus::start(
            backend,
            crate::app::loopback(port),
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

    let exe = match compile::build(course, spec, &submission, work.path(), opts.build_timeout).await
    {
        Ok(exe) => exe,
        Err(BuildError::Cargo(e)) => return Err(EnvError::Cargo(e)),
        Err(e @ BuildError::Compile(_)) => {
            let dir = submission.display();
            let reason = both(
                format!("o código em {dir} não compila:\n{e}"),
                format!("the code in {dir} does not compile:\n{e}"),
            );
            return Ok(ungradable(report, spec, reason, started));
        }
        Err(e) => {
            let reason = both(
                format!("não foi possível compilar: {e}"),
                format!("could not build: {e}"),
            );
            return Ok(ungradable(report, spec, reason, started));
        }
    };
    let app = match App::start(
        &exe,
        &work.path().join("app.log"),
        port,
        opts.latency_scale,
        opts.startup_timeout,
    )
    .await
    {
        Ok(app) => app,
        Err(e) => return Ok(ungradable(report, spec, e.describe(), started)),
    };

    let mut scraper = Scraper::new(app.url(""), opts.request_timeout);
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
    // Checks on /metrics first, then the ones through Prometheus, which by then has had time
    // to scrape.
    let (direct, through_prometheus): (Vec<_>, Vec<_>) = spec
        .checks
        .iter()
        .partition(|c| !matches!(c.kind, CheckKind::TargetUp | CheckKind::Promql { .. }));
    let mut results = Vec::new();
    for check in direct.into_iter().chain(through_prometheus) {
        let mut cx = Context {
            scraper: &mut scraper,
            prometheus: prom.as_ref(),
        };
        results.push((check, checks::run(&check.kind, &mut cx).await));
    }
    if let Some(p) = prom {
        p.stop().await;
    }
    app.process.stop(Duration::from_secs(2)).await;

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
        });
    }
    report.elapsed = started.elapsed();
    timing("verdict", started);
    Ok(report)
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
        })
        .collect();
    report.ungradable = Some(reason);
    report.elapsed = started.elapsed();
    report
}
