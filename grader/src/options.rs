//! A grading run's choices and bounds ([`Options`]), the one way it fails that is not the
//! submission's fault ([`EnvError`]), and why a grading stops before its checks ([`Halt`]):
//! shared by the pipeline, its phases and the commands.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::course::Which;
use crate::lang::{Text, both};
use crate::prometheus::{self, BackendChoice};

/// The bounds and choices of one grading run.
#[derive(Debug, Clone)]
pub struct Options {
    pub which: Which,
    pub backend: BackendChoice,
    pub prometheus_bin: Option<PathBuf>,
    pub prometheus_image: String,
    pub alertmanager_bin: Option<PathBuf>,
    pub alertmanager_image: String,
    pub pushgateway_bin: Option<PathBuf>,
    pub pushgateway_image: String,
    pub build_timeout: Duration,
    pub startup_timeout: Duration,
    pub request_timeout: Duration,
    /// Passed to the app as `LATENCY_SCALE`: the shop's simulated latencies times this.
    pub latency_scale: f64,
    /// An app already running at this loopback URL (`--url`): graded as it is, neither
    /// built, started nor stopped by the grader.
    pub url: Option<String>,
    /// Where to draw the dashboard's panels as PNG charts (`--charts`), for exercises with one.
    pub charts: Option<PathBuf>,
    /// Where the app runs: a limited process, or a container of its own (`--isolation`).
    pub isolation: crate::isolation::Isolation,
    /// Prometheus servers kept between gradings (`watch`, `bulk`): a grading that runs the
    /// grader's own scrape config borrows one instead of starting its own.
    pub kept: Option<std::sync::Arc<prometheus::Kept>>,
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
            pushgateway_bin: None,
            pushgateway_image: prometheus::DEFAULT_PUSHGATEWAY_IMAGE.to_string(),
            build_timeout: Duration::from_secs(900),
            startup_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(5),
            latency_scale: 0.1,
            url: None,
            charts: None,
            isolation: crate::isolation::Isolation::Process,
            kept: None,
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
    /// The app's isolation could not be set up (`--isolation container` without an engine).
    #[error("{}", .0.en)]
    Isolation(Text),
}

impl EnvError {
    pub fn describe(&self) -> Text {
        match self {
            EnvError::Prometheus(t) | EnvError::Isolation(t) => t.clone(),
            other => both(other.to_string(), other.to_string()),
        }
    }
}

/// Why a grading stopped before its checks could run: the submission cannot be graded (its
/// verdict, every check at 0 with the reason), or the grader's environment failed (no verdict
/// at all: the command reports an [`EnvError`]).
#[derive(Debug)]
pub enum Halt {
    Ungradable(Text),
    Environment(EnvError),
}

impl From<EnvError> for Halt {
    fn from(e: EnvError) -> Self {
        Halt::Environment(e)
    }
}

impl From<std::io::Error> for Halt {
    fn from(e: std::io::Error) -> Self {
        Halt::Environment(EnvError::Io(e))
    }
}

/// With `GRADER_TIMINGS` set, when each phase ended, on stderr (for `scripts/bench-grade.sh`).
pub fn timing(phase: &str, started: Instant) {
    if std::env::var_os("GRADER_TIMINGS").is_some() {
        eprintln!("timing: {phase} {:.3}", started.elapsed().as_secs_f64());
    }
}
