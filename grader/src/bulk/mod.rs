//! Grading a whole class: `grader bulk DIR --exercise exN`.
//!
//! Every immediate, non-hidden folder of DIR is one student's submission (its name is the
//! student's id): a whole copy of the course, or just the exercise crate, as `--path` takes
//! them; or an app in any language with its start manifest (`avaliador.toml`, see
//! [`crate::manifest`]), graded by the spec of the track it names: a class may mix tracks. Up to `--jobs` submissions are graded at once, each with [`grade::grade`]; as each one
//! finishes, its `results.json` (Gradescope's shape, plus an `extra_data` object the gradebook
//! is rebuilt from) and `report.txt` are written under the output folder, by a rename, so a
//! file that is there is complete. A student whose `results.json` is there is skipped on the
//! next run unless `--force`; so an interrupted run resumes where it stopped. At the end,
//! `grades.csv` and `summary.json` are made again from every `results.json` in the output
//! folder.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::task::JoinSet;

use crate::course::{Course, Which};
use crate::grade::{self, EnvError, Options};
use crate::lang::Lang;
use crate::lang::Text;
use crate::prometheus::BackendChoice;
use crate::run_args::RunArgs;
use crate::spec::Spec;
use crate::{Error, exit};

mod gradebook;
pub(crate) mod html;
mod junit;
mod row;

use gradebook::{already_graded, error_results, error_row, gradebook, progress, render_table};
pub use gradebook::{csv_field, render_csv, results_json, row_from_results, summary};
pub use row::Row;
use row::{GRADED, write_atomic};

const BULK_HELP: &str = "\
A student folder with an avaliador.toml is started as it says and graded on its track (a
class may mix Rust crates and Python apps); the others are built as Rust crates.

Outputs (in OUT, default DIR/../<exercise>-results):
  <student>/results.json  Gradescope's results.json, with `extra_data` {student, status, reason, checks,
                          hidden_seed}; with --hidden, each hidden check is a test of visibility `hidden`
  <student>/report.txt    the readable report
  <student>/classroom50-result.json    with --classroom50 NAME: Classroom 50's result.json
  <student>/prairielearn-results.json  with --prairielearn: PrairieLearn's results.json
  grades.csv              student, score, max_score, status (graded|ungradable|error), one column per check
  summary.json            per student: score, max_score, status, reason; totals; the hidden checks

Exit codes:
  0  every submission was graded (whatever the scores)
  2  wrong usage (DIR missing or without submissions, unknown exercise)
  3  some submission could not be graded (does not build, no crate found, app does not start)
  4  the grader's environment is missing something (the run stops: it would fail for everyone)
  130 interrupted (Ctrl-C): what finished is kept, and the next run resumes";

/// `grader bulk`: the options.
#[derive(Debug, Args)]
#[command(after_help = BULK_HELP)]
pub struct BulkArgs {
    /// The class: one folder per student, named by the student's id.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The exercise to grade (ex1, ex2, ...; see `grader list`).
    #[arg(long, value_name = "ID", required_unless_present = "spec")]
    pub exercise: Option<String>,

    /// Use this spec file instead of the one built in.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// Where the results go (default: DIR/../<exercise>-results).
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,

    /// Submissions graded at once (default: the machine's cores, at most 4).
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// Grade again the students that already have results.
    #[arg(long)]
    pub force: bool,

    /// Also write each student's Classroom 50 `result.json` (`classroom50-result.json`) for
    /// this classroom; the assignment is the exercise's id, the owner the folder's name.
    #[arg(long, value_name = "CLASSROOM")]
    pub classroom50: Option<String>,

    /// Also write each student's PrairieLearn `results.json` (`prairielearn-results.json`).
    #[arg(long)]
    pub prairielearn: bool,

    /// Start a new Prometheus for every grading, as a single `grader EXERCISE` does, instead
    /// of keeping one between gradings (each grading then waits about 5 s more for
    /// Prometheus's first target update).
    #[arg(long)]
    pub fresh_prometheus: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

/// The default number of concurrent gradings: the machine's parallelism, at most 4.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(NonZeroUsize::get)
        .unwrap_or(1)
        .min(4)
}

pub async fn run(args: BulkArgs) -> Result<u8, Error> {
    let lang = args.run.lang();
    let spec = Spec::chosen(args.spec.as_deref(), args.exercise.as_deref())?;
    if !args.dir.is_dir() {
        let d = args.dir.display();
        return Err(Error::usage(
            format!("{d} não existe ou não é uma pasta"),
            format!("{d} does not exist or is not a folder"),
        ));
    }
    let dir = std::path::absolute(&args.dir).unwrap_or_else(|_| args.dir.clone());
    let out = match &args.out {
        Some(o) => std::path::absolute(o).unwrap_or_else(|_| o.clone()),
        None => dir
            .parent()
            .unwrap_or(&dir)
            .join(format!("{}-results", spec.id)),
    };
    let students = students(&dir, &out).map_err(|e| Error::file(&dir, e))?;
    if students.is_empty() {
        let d = dir.display();
        return Err(Error::usage(
            format!("{d} não tem nenhuma pasta de aluno"),
            format!("{d} holds no student folder"),
        ));
    }
    std::fs::create_dir_all(&out).map_err(|e| Error::file(&out, e))?;
    let course = Course::locate(args.run.course.as_deref())?;
    let (spec, hidden) = match args.run.hidden {
        true => {
            let (draw, with) =
                crate::hidden::ClassDraw::load(&course, &spec, args.run.hidden_seed, lang)?;
            (with, Some(draw))
        }
        false => (spec, None),
    };
    let jobs = args.jobs.map_or_else(default_jobs, NonZeroUsize::get);
    // Each student's grading sets its own `which`.
    let mut opts = args.run.options(Which::Starter);
    // A Prometheus per grading slot, kept from one student to the next: each grading
    // forgets the samples before it, and skips a new server's target wait.
    if !args.fresh_prometheus {
        opts.kept = Some(Default::default());
    }
    eprintln!(
        "{} {} {} {}, {} {jobs} {}; {} {}",
        lang.t("avaliando", "grading"),
        students.len(),
        lang.t("entregas de", "submissions of"),
        spec.id,
        lang.t("até", "up to"),
        lang.t("por vez", "at once"),
        lang.t("resultados em", "results in"),
        out.display()
    );

    let ctx = Arc::new(Ctx {
        course,
        spec,
        hidden,
        opts,
        out: out.clone(),
        lang,
        classroom50: args.classroom50.clone(),
        prairielearn: args.prairielearn,
    });
    let outcome = grade_all(&ctx, students, jobs, args.force).await;
    if let Some(kept) = &ctx.opts.kept {
        kept.stop().await;
    }

    if outcome == Outcome::Interrupted && ctx.opts.backend != BackendChoice::Native {
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            crate::docker::remove_own_containers(),
        )
        .await;
    }
    // The gradebook covers every result there, this run's and earlier ones'.
    let rows = gradebook(&out, &ctx.spec, lang).map_err(|e| Error::file(&out, e))?;
    print!("{}", render_table(&rows, lang));
    match outcome {
        Outcome::Interrupted => Err(Error::Interrupted),
        Outcome::Environment(why) => Err(Error::Environment(why)),
        Outcome::Done if rows.iter().all(|r| r.status == GRADED) => Ok(exit::FULL_MARKS),
        Outcome::Done => Ok(exit::UNGRADABLE),
    }
}

#[derive(Debug)]
struct Ctx {
    course: Course,
    /// With `--hidden`, their checks drawn from the run's seed: the gradebook's columns.
    spec: Spec,
    /// With `--hidden`, each student's own draw of the hidden checks.
    hidden: Option<crate::hidden::ClassDraw>,
    opts: Options,
    out: PathBuf,
    lang: Lang,
    /// The classroom of the Classroom 50 results to write, if any.
    classroom50: Option<String>,
    prairielearn: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done,
    /// Grading stopped on the grader's environment, for this reason.
    Environment(Text),
    Interrupted,
}

/// The student folders of `dir`, sorted by name: not hidden, and not the output folder.
fn students(dir: &Path, out: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let out = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        if path.canonicalize().is_ok_and(|p| p == out) {
            continue;
        }
        found.push((name, path));
    }
    found.sort();
    Ok(found)
}

/// Grades every student not graded yet, `jobs` at a time, writing each one's results as it
/// finishes. Stops everything on an environment error or Ctrl-C; either way, nothing it
/// started is left running when it returns.
async fn grade_all(
    ctx: &Arc<Ctx>,
    students: Vec<(String, PathBuf)>,
    jobs: usize,
    force: bool,
) -> Outcome {
    let lang = ctx.lang;
    let total = students.len();
    let mut done = 0usize;
    let mut queue = std::collections::VecDeque::new();
    for (student, path) in students {
        match (force, already_graded(&ctx.out, &student)) {
            (false, Some(row)) => {
                done += 1;
                eprintln!(
                    "[{done}/{total}] {student}: {} ({})",
                    lang.t("pulado, já avaliado", "skipped, already graded"),
                    progress(&row, lang)
                );
            }
            _ => queue.push_back((student, path)),
        }
    }
    let mut set: JoinSet<Result<Row, EnvError>> = JoinSet::new();
    // Which student each task grades (a task that panics only has its id).
    let mut running: BTreeMap<tokio::task::Id, String> = BTreeMap::new();
    let mut spawn_next = |set: &mut JoinSet<_>, running: &mut BTreeMap<_, _>| {
        if let Some((student, path)) = queue.pop_front() {
            let ctx = Arc::clone(ctx);
            let name = student.clone();
            let handle = set.spawn(async move { grade_one(&ctx, &name, path).await });
            running.insert(handle.id(), student);
        }
    };
    // Who is being graded right now, each time that changes.
    let now_grading = |running: &BTreeMap<tokio::task::Id, String>| {
        if !running.is_empty() {
            let names: Vec<&str> = running.values().map(String::as_str).collect();
            eprintln!(
                "    {} {}",
                lang.t("avaliando agora:", "grading now:"),
                names.join(", ")
            );
        }
    };
    for _ in 0..jobs {
        spawn_next(&mut set, &mut running);
    }
    now_grading(&running);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let joined = tokio::select! {
            j = set.join_next_with_id() => j,
            _ = &mut ctrl_c => {
                stop(&mut set).await;
                return Outcome::Interrupted;
            }
        };
        let Some(joined) = joined else {
            return Outcome::Done;
        };
        done += 1;
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let student = running.remove(&id).unwrap_or_default();
        match joined {
            Ok((_, Ok(row))) => {
                eprintln!("[{done}/{total}] {student}: {}", progress(&row, lang));
            }
            Ok((_, Err(e))) => {
                stop(&mut set).await;
                let why = e.describe();
                return Outcome::Environment(crate::lang::both(
                    format!(
                        "{student}: {}\na avaliação da turma parou: o problema é do ambiente do avaliador, e seria o mesmo para todos",
                        why.pt
                    ),
                    format!(
                        "{student}: {}\ngrading the class stopped: the grader's environment is at fault, and would be for everyone",
                        why.en
                    ),
                ));
            }
            Err(e) => {
                // A grading that panicked: an `error` row, graded again on the next run.
                let row = error_row(&student, f64::from(ctx.spec.max_score()), e.to_string());
                let dir = ctx.out.join(&student);
                let written = std::fs::create_dir_all(&dir).and_then(|()| {
                    write_atomic(
                        &dir.join("results.json"),
                        format!("{:#}\n", error_results(&row, &ctx.spec.id)).as_bytes(),
                    )
                });
                if let Err(w) = written {
                    eprintln!("grader: {}: {w}", dir.display());
                }
                eprintln!("[{done}/{total}] {student}: {}", progress(&row, lang));
            }
        }
        spawn_next(&mut set, &mut running);
        now_grading(&running);
    }
}

/// Cancels every grading still running and waits until each is gone (dropping a grading
/// stops its app and its Prometheus).
async fn stop<T: 'static>(set: &mut JoinSet<T>) {
    set.abort_all();
    while set.join_next().await.is_some() {}
}

/// Grades one student and writes its results; `Err` only when the environment is at fault.
async fn grade_one(ctx: &Ctx, student: &str, path: PathBuf) -> Result<Row, EnvError> {
    let opts = Options {
        which: Which::Path(path),
        ..ctx.opts.clone()
    };
    let spec = match &ctx.hidden {
        Some(draw) => draw
            .spec_for(student)
            .map_err(|e| EnvError::Io(std::io::Error::other(e.to_string())))?,
        None => ctx.spec.clone(),
    };
    let folder = match &opts.which {
        Which::Path(p) => p.display().to_string(),
        _ => String::new(),
    };
    let report = grade::grade(&ctx.course, &spec, &opts).await?;
    let (results, row) = results_json(&report, student, ctx.lang);
    let dir = ctx.out.join(student);
    std::fs::create_dir_all(&dir)?;
    let text = report.render_text(ctx.lang);
    write_atomic(&dir.join("report.txt"), text.as_bytes())?;
    if let Some(classroom) = &ctx.classroom50 {
        let submission = crate::platforms::classroom50::Submission::for_bulk(
            classroom, &spec.id, student, &folder,
        );
        let doc = crate::platforms::classroom50::result(
            &report,
            &submission,
            ctx.lang,
            std::time::SystemTime::now(),
        );
        write_atomic(
            &dir.join("classroom50-result.json"),
            format!("{doc:#}\n").as_bytes(),
        )?;
    }
    if ctx.prairielearn {
        let doc = crate::platforms::prairielearn::results(&report, &text, ctx.lang);
        write_atomic(
            &dir.join("prairielearn-results.json"),
            format!("{doc:#}\n").as_bytes(),
        )?;
    }
    // Last: its presence means this student is done.
    write_atomic(
        &dir.join("results.json"),
        format!("{results:#}\n").as_bytes(),
    )?;
    Ok(row)
}
