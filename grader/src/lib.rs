//! The course's grader: builds a student's exercise, runs it, and checks it against its spec
//! with real HTTP requests and a real Prometheus.
//!
//! `main.rs` only parses arguments and maps the outcome of [`run`] to an exit code.

// The modules in layers, lowest first: each uses only its own layer and those below it
// (docs/ARCHITECTURE.md; tests/layers.rs keeps it so).

// Model: what an exercise demands, what a grading found, where the course is.
pub mod course;
pub mod hidden;
pub mod html;
pub mod lang;
pub mod progress;
pub mod report;
pub mod spec;

// Runtime: processes, the network, Docker, the student's app, Prometheus and its companions.
pub mod app;
pub mod compile;
pub mod docker;
pub mod isolation;
pub mod manifest;
pub mod net;
pub mod node_exporter;
pub mod process;
pub mod prometheus;
pub mod sandbox;
pub mod scrape;
pub mod timeline;
pub mod workload;

// Submitted files: prometheus.yml, rule files, the dashboard, the answers.
pub mod answers;
pub mod dashboard;
pub mod promconfig;
pub mod rules;

// Checks: one function per kind of check, judging what the runtime observed.
pub mod checks;
pub mod correlation;

// Engine: the grading pipeline and its phases.
pub mod black_friday;
pub mod build;
pub mod grade;
pub mod job;
pub mod options;
pub mod panel_charts;
pub mod phases;
pub mod scenario;
pub mod server;

// Front-ends: the commands and the documents they write.
pub mod bulk;
pub mod cli;
pub mod doctor;
pub mod error;
pub mod hints;
pub mod load;
pub mod package;
pub mod platforms;
pub mod run_args;
pub mod watch;

use std::time::Duration;

use cli::{Cli, Command, Format, GradeArgs};
use course::{Course, Which};
pub use error::{Error, exit};
use lang::Lang;
use spec::Spec;

/// Runs the command; what it prints goes to stdout (results) and stderr (errors). The exit
/// code is the command's outcome, or the [`Error`]'s (said once here, in the chosen language).
pub async fn run(cli: Cli) -> u8 {
    let lang = cli.lang();
    match command(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("grader: {}", e.text().get(lang));
            e.code()
        }
    }
}

async fn command(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Some(Command::List { lang }) => list(lang.unwrap_or_else(Lang::from_env)),
        Some(Command::Doctor {
            lang,
            course,
            prometheus_image,
            prometheus_bin,
        }) => {
            let findings = doctor::examine(
                course.as_deref(),
                &prometheus_image,
                prometheus_bin.as_deref(),
            )
            .await;
            let (text, ready) = doctor::render(&findings, lang.unwrap_or_else(Lang::from_env));
            print!("{text}");
            Ok(if ready {
                exit::FULL_MARKS
            } else {
                exit::ENVIRONMENT
            })
        }
        Some(Command::Bulk(args)) => bulk::run(args).await,
        Some(Command::Load(args)) => load::run(args).await,
        Some(Command::Package(args)) => package::run(args),
        Some(Command::Watch(args)) => watch::run(args).await,
        Some(Command::Hint(args)) => hints::run(args),
        Some(Command::Reset {
            exercise,
            yes,
            lang,
            course,
        }) => reset(
            &exercise,
            yes,
            lang.unwrap_or_else(Lang::from_env),
            course.as_deref(),
        ),
        None if cli.grade.exercise.is_none() && cli.grade.spec.is_none() => {
            let lang = cli.grade.run.lang();
            let course = Course::locate(cli.grade.run.course.as_deref())?;
            let specs = Spec::all_builtin()?;
            let state = progress::State::load(&course);
            print!("{}", progress::overview(&specs, &state, lang));
            Ok(exit::FULL_MARKS)
        }
        None => grade_command(cli.grade).await,
    }
}

/// `grader reset exN`: asks first (unless `yes`), then restores the starter.
fn reset(
    exercise: &str,
    yes: bool,
    lang: Lang,
    course: Option<&std::path::Path>,
) -> Result<u8, Error> {
    use std::io::{BufRead, IsTerminal, Write};
    let spec = Spec::builtin(exercise)?;
    let course = Course::locate(course)?;
    let dir = spec.starter.display();
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage(
                "sem terminal para confirmar: passe --yes",
                "no terminal to confirm on: pass --yes",
            ));
        }
        eprint!(
            "{} {dir} {} ",
            lang.t("Restaurar", "Restore"),
            lang.t(
                "como o curso o trouxe? Sua versão fica guardada em .grader/copias/. [s/N]",
                "as the course shipped it? Your version is kept in .grader/copias/. [y/N]"
            )
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(
            answer.trim().to_lowercase().as_str(),
            "s" | "sim" | "y" | "yes"
        ) {
            eprintln!("{}", lang.t("Nada foi mudado.", "Nothing was changed."));
            return Ok(exit::FULL_MARKS);
        }
    }
    let backup = progress::reset(&course, &spec).map_err(Error::environment)?;
    println!(
        "{} {dir}; {} {}",
        lang.t("Restaurado:", "Restored:"),
        lang.t("sua versão está em", "your version is in"),
        backup.display()
    );
    Ok(exit::FULL_MARKS)
}

fn list(lang: Lang) -> Result<u8, Error> {
    for s in Spec::all_builtin()? {
        println!(
            "{:<6} {:<12} {:>3} pts  {}",
            s.id,
            s.guide_part,
            s.max_score(),
            s.title.get(lang)
        );
    }
    Ok(exit::FULL_MARKS)
}

async fn grade_command(args: GradeArgs) -> Result<u8, Error> {
    let lang = args.run.lang();
    let spec = Spec::chosen(args.spec.as_deref(), args.exercise.as_deref())?;
    let spec = match args.track {
        Some(t) => spec.for_track(t)?,
        None => spec,
    };
    let course = Course::locate(args.run.course.as_deref())?;
    let spec = match args.run.hidden {
        true => hidden::for_run(&course, &spec, args.run.hidden_seed)?,
        false => spec,
    };
    if let Some(url) = &args.url
        && let Err(e) = net::parse_loopback_url(url)
    {
        return Err(Error::usage_as_is(e));
    }
    // A batch job has no app to point at: the grader must build and run it.
    if args.url.is_some() && spec.job.is_some() {
        return Err(Error::usage(
            "este exercício é um job que o avaliador compila e executa duas vezes: --url não se aplica",
            "this exercise is a job the grader builds and runs twice: --url does not apply",
        ));
    }
    if args.out.is_some() && args.format == Format::Text {
        return Err(Error::usage(
            "--out grava o documento de uma plataforma: use com --format json, classroom50 ou prairielearn",
            "--out writes a platform's document: use it with --format json, classroom50 or prairielearn",
        ));
    }
    // Who is being graded comes from Classroom 50's runner: without it no valid result can be
    // written, so say so before building anything.
    let classroom50 = match args.format {
        Format::Classroom50 => Some(
            platforms::classroom50::Submission::from_env()
                .map_err(|e| Error::usage_as_is(format!("--format classroom50: {e}")))?,
        ),
        _ => None,
    };
    let which = match (args.solution, args.path) {
        (true, _) => Which::Solution,
        (false, Some(p)) => Which::Path(p),
        (false, None) => Which::Starter,
    };
    let mut opts = args.run.options(which);
    opts.url = args.url.clone();
    opts.charts = args.charts.clone();
    eprintln!(
        "{} {} ...",
        lang.t(
            "avaliando (compila o exercício — a primeira vez leva minutos —, inicia o app e um Prometheus):",
            "grading (builds the exercise — minutes the first time —, starts the app and a Prometheus):",
        ),
        spec.id
    );
    let report = tokio::select! {
        r = grade::grade(&course, &spec, &opts) => r,
        _ = tokio::signal::ctrl_c() => {
            // Returning drops the grading future, and with it every process and container it
            // started; a container whose start was cut short is found by its label.
            if opts.backend != prometheus::BackendChoice::Native {
                let _ = tokio::time::timeout(Duration::from_secs(10), crate::docker::remove_own_containers()).await;
            }
            return Err(Error::Interrupted);
        }
    };
    let report = report?;
    // The student's own copy graded with the course's spec: remember how it went.
    if matches!(opts.which, Which::Starter)
        && args.spec.is_none()
        && opts.url.is_none()
        && !args.run.hidden
        && args.track.is_none()
        && let Err(e) = progress::State::record(&course, &report)
    {
        eprintln!("grader: {}: {e}", progress::STATE_FILE);
    }
    let text = report.render_text(lang);
    let document = match args.format {
        Format::Text => None,
        Format::Json => Some(report.to_gradescope(lang)),
        Format::Classroom50 => classroom50.as_ref().map(|submission| {
            platforms::classroom50::result(&report, submission, lang, std::time::SystemTime::now())
        }),
        Format::Prairielearn => Some(platforms::prairielearn::results(&report, &text, lang)),
    };
    match (document, &args.out) {
        (None, _) => print!("{text}"),
        (Some(doc), None) => println!("{doc:#}"),
        (Some(doc), Some(file)) => {
            let written = file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(file, format!("{doc:#}\n")));
            written.map_err(|e| Error::file(file, e))?;
            print!("{text}");
        }
    }
    // These platforms read the grade from the document; any other exit is the grader's own
    // failure.
    if args.format.document_only() {
        return Ok(exit::FULL_MARKS);
    }
    Ok(if report.ungradable.is_some() {
        exit::UNGRADABLE
    } else if report.full_marks() {
        exit::FULL_MARKS
    } else {
        exit::CHECKS_FAILED
    })
}
