//! The options of a grading run, shared by the commands that grade (`grader exN`, `watch`,
//! `bulk`): which Prometheus, images and binaries, the time limits, the isolation, the language.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::course::Which;
use crate::lang::Lang;
use crate::options::Options;
use crate::prometheus::BackendChoice;

/// How a grading runs, for `grader exN` and `grader bulk` alike.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The course workspace (found on its own when the grader runs from it).
    #[arg(long, value_name = "DIR", env = "COURSE_ROOT")]
    pub course: Option<PathBuf>,

    /// How to run Prometheus: `auto` takes Docker when an engine answers, else the binary.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// The Prometheus binary for the native backend (default: `prometheus` on PATH).
    #[arg(long, value_name = "FILE")]
    pub prometheus_bin: Option<PathBuf>,

    /// The Prometheus image for the Docker backend.
    #[arg(long, value_name = "IMAGE", default_value = crate::prometheus::DEFAULT_IMAGE)]
    pub prometheus_image: String,

    /// The Alertmanager binary beside the native backend (default: `alertmanager` or
    /// `prometheus-alertmanager` on PATH).
    #[arg(long, value_name = "FILE")]
    pub alertmanager_bin: Option<PathBuf>,

    /// The Alertmanager image beside the Docker backend.
    #[arg(long, value_name = "IMAGE", default_value = crate::prometheus::DEFAULT_ALERTMANAGER_IMAGE)]
    pub alertmanager_image: String,

    /// The Pushgateway binary beside the native backend, for batch jobs (default:
    /// `pushgateway` or `prometheus-pushgateway` on PATH).
    #[arg(long, value_name = "FILE")]
    pub pushgateway_bin: Option<PathBuf>,

    /// The Pushgateway image beside the Docker backend, for batch jobs.
    #[arg(long, value_name = "IMAGE", default_value = crate::prometheus::DEFAULT_PUSHGATEWAY_IMAGE)]
    pub pushgateway_image: String,

    /// Language of the report (default: from the locale; pt for pt_* locales).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// Seconds the app gets to open its port.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub startup_timeout: u64,

    /// Seconds each HTTP request to the app may take.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub request_timeout: u64,

    /// Seconds the build may take (in `bulk`, builds also wait for each other's cargo lock).
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub build_timeout: u64,

    /// Where the student's app runs: `process` (limited: memory, CPU, file size, tasks) or
    /// `container` (a container of its own on Docker Engine, Linux: no network but its port,
    /// nothing mounted but the executable; see "Isolation" in docs/manual.md).
    #[arg(long, value_enum, default_value_t = crate::isolation::Isolation::Process)]
    pub isolation: crate::isolation::Isolation,

    /// Add the instructor's hidden checks (grader/specs/ocultas/<exercise>.toml in the
    /// course), their values drawn at random for this run; students see only their count and
    /// points.
    #[arg(long)]
    pub hidden: bool,

    /// The seed the hidden checks' values are drawn from (default: a new one per run, or per
    /// student in `bulk`, written in the results): the seed a result names draws its values
    /// again. In `bulk`, each student's seed is made from this one and their folder's name.
    #[arg(long, value_name = "N", requires = "hidden")]
    pub hidden_seed: Option<u64>,
}

impl RunArgs {
    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or_else(Lang::from_env)
    }

    /// The grading options these arguments ask for, grading `which`.
    pub fn options(&self, which: Which) -> Options {
        Options {
            which,
            backend: self.backend,
            prometheus_bin: self.prometheus_bin.clone(),
            prometheus_image: self.prometheus_image.clone(),
            alertmanager_bin: self.alertmanager_bin.clone(),
            alertmanager_image: self.alertmanager_image.clone(),
            pushgateway_bin: self.pushgateway_bin.clone(),
            pushgateway_image: self.pushgateway_image.clone(),
            build_timeout: Duration::from_secs(self.build_timeout),
            startup_timeout: Duration::from_secs(self.startup_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            isolation: self.isolation,
            ..Options::default()
        }
    }
}
