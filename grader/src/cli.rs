//! Command-line interface.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::course::Which;
use crate::grade::Options;
use crate::lang::Lang;
use crate::prometheus::BackendChoice;

const EXIT_CODES: &str = "\
Exit codes:
  0  graded: full marks
  1  graded: some checks failed
  2  wrong usage (unknown option or exercise)
  3  the submission could not be graded: it does not build, or its app does not start
  4  the grader's environment is missing something (Prometheus, cargo, the course folder)
  130 interrupted (Ctrl-C)
With --format classroom50 or prairielearn, 0 means the platform's document was written
(whatever the score, even for a submission that could not be graded); 2, 4 and 130 as above.";

#[derive(Debug, Parser)]
#[command(
    name = "grader",
    version,
    about = "Grades the exercises of the Prometheus monitoring course against a real Prometheus",
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub grade: GradeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the exercises, with their roteiro part and points.
    List {
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Check this machine can grade: Rust, Docker and the image, the Prometheus binary, ports.
    Doctor {
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        #[arg(long, value_name = "DIR", env = "COURSE_ROOT")]
        course: Option<PathBuf>,
        #[arg(long, value_name = "IMAGE", default_value = crate::prometheus::DEFAULT_IMAGE)]
        prometheus_image: String,
        #[arg(long, value_name = "FILE")]
        prometheus_bin: Option<PathBuf>,
    },
    /// Grade a class: every folder in DIR is one student's submission (see `grader bulk --help`).
    Bulk(crate::bulk::BulkArgs),
    /// Put load on the app like Locust (virtual users or a constant rate, loopback only) and
    /// print Locust's table at the end.
    Load(crate::load::LoadArgs),
    /// Package an exercise's autograder for a course platform (Gradescope, Classroom 50,
    /// PrairieLearn), or write the student edition of the course.
    Package(crate::package::PackageArgs),
    /// Grade an exercise again each time you save one of its files; `h` opens the next
    /// hint, `r` grades again, `q` quits.
    Watch(crate::watch::WatchArgs),
    /// Open the next hint of an exercise (a nudge, then the concept with its book section,
    /// then what to use); the hints you opened are remembered.
    Hint(crate::hints::HintArgs),
    /// Put an exercise's starter back as the course shipped it; your copy is kept in
    /// `.grader/copias/`.
    Reset {
        /// The exercise (ex1, ex2, ...).
        exercise: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        #[arg(long, value_name = "DIR", env = "COURSE_ROOT")]
        course: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The exercise to grade (ex1, ex2, ...; see `grader list`). Without one, the grader shows
    /// your progress through the course and the next exercise to do.
    pub exercise: Option<String>,

    /// Grade the reference solution instead of the starter.
    #[arg(long, conflicts_with = "path")]
    pub solution: bool,

    /// Grade the exercise found in DIR: a copy of the course, or the exercise crate itself.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Grade an app already running at this loopback URL (http://127.0.0.1:PORT), in any
    /// language: it is neither built, started nor stopped; checks that need to start it or to
    /// inject faults it lacks are skipped, with the reason.
    #[arg(long, value_name = "URL", conflicts_with = "solution")]
    pub url: Option<String>,

    /// Grade with the built-in spec of this track: `python` for the roteiro's Flask apps
    /// (see python/). A folder with an avaliador.toml names its own track.
    #[arg(long, value_enum, value_name = "TRACK", conflicts_with = "spec")]
    pub track: Option<crate::spec::Track>,

    /// Use this spec file instead of the one built in (for instructors).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// Draw what each panel of the submitted dashboard shows during the load as PNG charts in
    /// DIR (with an index.html), before you open Grafana (ex6).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,

    /// Report format: the readable report, or the document a course platform reads.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the platform's document (`--format json|classroom50|prairielearn`) to FILE, and
    /// the readable report to stdout. Without it the document goes to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub run: RunArgs,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable report.
    Text,
    /// Gradescope's results.json.
    #[value(alias = "gradescope")]
    Json,
    /// Classroom 50's result.json (the runner's CLASSROOM, ASSIGNMENT, SUBMISSION_TAG,
    /// COMMIT_URL, RELEASE_URL and OWNER or USERNAME must be set). A submission that cannot
    /// be graded is a result too: the exit code is 0 whenever the file was written.
    Classroom50,
    /// PrairieLearn's results.json (`gradable: false` when the submission does not build or
    /// its app never starts). The exit code is 0 whenever the file was written.
    Prairielearn,
}

impl Format {
    /// Whether the platform reads the grade from the document alone, so any exit but 0 means
    /// the grader itself could not run (Classroom 50's and PrairieLearn's contracts).
    pub fn document_only(self) -> bool {
        matches!(self, Format::Classroom50 | Format::Prairielearn)
    }
}
