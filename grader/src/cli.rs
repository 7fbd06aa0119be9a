//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::lang::Lang;
pub use crate::run_args::RunArgs;

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

impl Cli {
    /// The language the command was asked to speak (`--lang`), else the locale's.
    pub fn lang(&self) -> Lang {
        let chosen = match &self.command {
            Some(
                Command::List { lang } | Command::Doctor { lang, .. } | Command::Reset { lang, .. },
            ) => *lang,
            Some(Command::Bulk(a)) => return a.run.lang(),
            Some(Command::Watch(a)) => return a.run.lang(),
            Some(Command::Load(a)) => a.lang,
            Some(Command::Package(a)) => a.lang,
            Some(Command::Hint(a)) => a.lang,
            None => return self.grade.run.lang(),
        };
        chosen.unwrap_or_else(Lang::from_env)
    }
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
