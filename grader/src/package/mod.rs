//! `grader package`: what an instructor hands to a course platform or to the students.
//!
//! - `--gradescope exN`: a Gradescope autograder ([`gradescope`]);
//! - `--classroom50 exN`: the bundle of a Classroom 50 assignment ([`classroom50`]);
//! - `--prairielearn exN`: a PrairieLearn external-grader image ([`prairielearn`]);
//! - `--student OUT`: the student edition of the course ([`student`]).
//!
//! Each platform's package carries a copy of the course and builds the grader from it, so a
//! student's repository (which holds a copy of the grader too) can never change how it is
//! graded: the submission contributes only the exercise's sources or files.

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};

use crate::course::Course;
use crate::exit;
use crate::lang::Lang;
use crate::spec::Spec;

pub mod classroom50;
pub mod gradescope;
pub mod prairielearn;
pub mod student;

/// `grader package`: the options.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("what")
        .required(true)
        .args(["gradescope", "classroom50", "prairielearn", "student"])
))]
pub struct PackageArgs {
    /// A Gradescope autograder for this exercise, in OUT/gradescope-EXERCISE: zip its
    /// contents and upload it.
    #[arg(long, value_name = "EXERCISE")]
    pub gradescope: Option<String>,
    /// A Classroom 50 assignment's autograder for this exercise, in
    /// OUT/classroom50-EXERCISE: its contents go to CLASSROOM/autograders/ASSIGNMENT/, and its
    /// runtime.json is the assignment's `runtime` block.
    #[arg(long, value_name = "EXERCISE")]
    pub classroom50: Option<String>,
    /// A PrairieLearn external grader for this exercise, in OUT/prairielearn-EXERCISE: the
    /// image's Dockerfile and entrypoint, and the question's externalGradingOptions.
    #[arg(long, value_name = "EXERCISE")]
    pub prairielearn: Option<String>,
    /// The student edition of the course, into OUT: exercises, book and grader, without
    /// solutions and hidden checks (OUT must be new or empty).
    #[arg(long, value_name = "OUT")]
    pub student: Option<PathBuf>,
    /// With --prairielearn: a grader binary built for the image's system, copied into the
    /// image instead of building the grader there (the exercise's dependencies are still
    /// built in the image).
    #[arg(long, value_name = "FILE", requires = "prairielearn")]
    pub grader_bin: Option<PathBuf>,
    /// Where to write it.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    #[arg(long, value_name = "DIR", env = "COURSE_ROOT")]
    pub course: Option<PathBuf>,
}

/// Debian's packages grading needs beside Rust, as `scripts/setup.sh` installs them:
/// Prometheus (and promtool), Alertmanager (ex5), the Pushgateway (ex8), the Node Exporter
/// (final), and the OpenSSL headers ex8's push client builds with.
pub const APT_PACKAGES: &[&str] = &[
    "prometheus",
    "prometheus-alertmanager",
    "prometheus-pushgateway",
    "prometheus-node-exporter",
    "libssl-dev",
    "pkg-config",
];

/// Folders of the course a platform's copy does not need (build output, history, the book,
/// the grader's own state), wherever they are.
pub(crate) const COURSE_SKIPPED: &[&str] = &["target", ".git", ".grader", "book"];

/// `grader package`: writes what was asked and prints where it went.
pub fn run(args: PackageArgs) -> Result<u8, crate::Error> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let exercise = args
        .gradescope
        .as_deref()
        .or(args.classroom50.as_deref())
        .or(args.prairielearn.as_deref());
    let spec = exercise.map(Spec::builtin).transpose()?;
    let course = Course::locate(args.course.as_deref())?;
    let out = &args.out;
    let at = |e: std::io::Error| format!("{}: {e}", out.display());
    let written = match (&spec, &args.student) {
        (Some(spec), _) if args.gradescope.is_some() => {
            gradescope::write(&course, spec, out).map_err(at)
        }
        (Some(spec), _) if args.classroom50.is_some() => classroom50::write(&course, spec, out),
        (Some(spec), _) => prairielearn::write(&course, spec, out, args.grader_bin.as_deref()),
        (None, Some(dir)) => student::write(&course, dir).map(|edition| {
            eprintln!(
                "{} {}",
                lang.t("deixado de fora:", "left out:"),
                edition.left_out.join(", ")
            );
            for n in &edition.notes {
                eprintln!("grader: {n}");
            }
            edition.dir
        }),
        (None, None) => {
            return Err(crate::Error::usage(
                "diga o que empacotar: --gradescope, --classroom50, --prairielearn ou --student",
                "say what to package: --gradescope, --classroom50, --prairielearn or --student",
            ));
        }
    };
    let dir = written.map_err(crate::Error::environment)?;
    println!("{}", dir.display());
    Ok(exit::FULL_MARKS)
}

/// `out/<platform>-<exercise>`, emptied.
fn fresh_dir(out: &Path, platform: &str, exercise: &str) -> std::io::Result<PathBuf> {
    let dir = out.join(format!("{platform}-{exercise}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The Rust toolchain the course is built with (`rust-toolchain.toml`'s channel).
fn rust_channel(course: &crate::course::Course) -> Result<String, String> {
    let path = course.root.join("rust-toolchain.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    doc.get("toolchain")
        .and_then(|t| t.get("channel"))
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{}: no [toolchain] channel", path.display()))
}

fn write_script(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}
