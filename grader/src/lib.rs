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
pub mod scrape;
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
pub mod scenario;

// Front-ends: the commands and the documents they write.
pub mod bulk;
pub mod cli;
pub mod doctor;
pub mod hints;
pub mod load;
pub mod package;
pub mod platforms;
pub mod run_args;
pub mod watch;

use std::time::Duration;

use cli::{Cli, Command, Format, GradeArgs};
use course::{Course, Which};
use lang::Lang;
use spec::Spec;

/// The documented exit codes (see `grader --help`).
pub mod exit {
    pub const FULL_MARKS: u8 = 0;
    pub const CHECKS_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNGRADABLE: u8 = 3;
    pub const ENVIRONMENT: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

/// Runs the command; what it prints goes to stdout (results) and stderr (errors).
pub async fn run(cli: Cli) -> u8 {
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
            if ready {
                exit::FULL_MARKS
            } else {
                exit::ENVIRONMENT
            }
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
            let course = match locate_course(cli.grade.run.course.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            match Spec::all_builtin() {
                Ok(specs) => {
                    let state = progress::State::load(&course);
                    print!("{}", progress::overview(&specs, &state, lang));
                    exit::FULL_MARKS
                }
                Err(e) => {
                    eprintln!("grader: {e}");
                    exit::ENVIRONMENT
                }
            }
        }
        None => grade_command(cli.grade).await,
    }
}

/// `grader reset exN`: asks first (unless `yes`), then restores the starter.
fn reset(exercise: &str, yes: bool, lang: Lang, course: Option<&std::path::Path>) -> u8 {
    use std::io::{BufRead, IsTerminal, Write};
    let spec = match load_spec(None, Some(exercise), lang) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let course = match locate_course(course) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let dir = spec.starter.display();
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "grader: {}",
                lang.t(
                    "sem terminal para confirmar: passe --yes",
                    "no terminal to confirm on: pass --yes"
                )
            );
            return exit::USAGE;
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
            return exit::FULL_MARKS;
        }
    }
    match progress::reset(&course, &spec) {
        Ok(backup) => {
            println!(
                "{} {dir}; {} {}",
                lang.t("Restaurado:", "Restored:"),
                lang.t("sua versão está em", "your version is in"),
                backup.display()
            );
            exit::FULL_MARKS
        }
        Err(e) => {
            eprintln!("grader: {e}");
            exit::ENVIRONMENT
        }
    }
}

fn list(lang: Lang) -> u8 {
    match Spec::all_builtin() {
        Ok(specs) => {
            for s in specs {
                println!(
                    "{:<6} {:<12} {:>3} pts  {}",
                    s.id,
                    s.roteiro,
                    s.max_score(),
                    s.title.get(lang)
                );
            }
            exit::FULL_MARKS
        }
        Err(e) => {
            eprintln!("grader: {e}");
            exit::ENVIRONMENT
        }
    }
}

/// The spec to grade with: `--spec FILE`, else the built-in one for `exercise`; on failure,
/// the message is printed and the exit code returned.
pub(crate) fn load_spec(
    file: Option<&std::path::Path>,
    exercise: Option<&str>,
    lang: Lang,
) -> Result<Spec, u8> {
    let spec = match (file, exercise) {
        (Some(file), _) => Spec::from_file(file),
        (None, Some(id)) => Spec::builtin(id),
        (None, None) => {
            eprintln!(
                "grader: {}",
                lang.t(
                    "diga qual exercício avaliar, por exemplo `grader ex1` (veja `grader list`)",
                    "name the exercise to grade, e.g. `grader ex1` (see `grader list`)"
                )
            );
            return Err(exit::USAGE);
        }
    };
    spec.map_err(|e| {
        eprintln!("grader: {e}");
        match e {
            spec::SpecError::Unknown(..) => exit::USAGE,
            _ => exit::ENVIRONMENT,
        }
    })
}

/// The course, or the exit code after saying why it was not found.
pub(crate) fn locate_course(dir: Option<&std::path::Path>) -> Result<Course, u8> {
    Course::locate(dir).map_err(|e| {
        eprintln!("grader: {e}");
        exit::ENVIRONMENT
    })
}

async fn grade_command(args: GradeArgs) -> u8 {
    let lang = args.run.lang();
    let spec = match load_spec(args.spec.as_deref(), args.exercise.as_deref(), lang) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let spec = match args.track.map(|t| spec.for_track(t)) {
        None => spec,
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            eprintln!("grader: {e}");
            return exit::USAGE;
        }
    };
    let course = match locate_course(args.run.course.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let spec = match args.run.hidden {
        true => match hidden::for_run(&course, &spec, args.run.hidden_seed, lang) {
            Ok(s) => s,
            Err(code) => return code,
        },
        false => spec,
    };
    if let Some(url) = &args.url
        && let Err(e) = net::parse_loopback_url(url)
    {
        eprintln!("grader: {e}");
        return exit::USAGE;
    }
    // A batch job has no app to point at: the grader must build and run it.
    if args.url.is_some() && spec.job.is_some() {
        eprintln!(
            "grader: {}",
            lang.t(
                "este exercício é um job que o avaliador compila e executa duas vezes: --url não se aplica",
                "this exercise is a job the grader builds and runs twice: --url does not apply"
            )
        );
        return exit::USAGE;
    }
    if args.out.is_some() && args.format == Format::Text {
        eprintln!(
            "grader: {}",
            lang.t(
                "--out grava o documento de uma plataforma: use com --format json, classroom50 ou prairielearn",
                "--out writes a platform's document: use it with --format json, classroom50 or prairielearn"
            )
        );
        return exit::USAGE;
    }
    // Who is being graded comes from Classroom 50's runner: without it no valid result can be
    // written, so say so before building anything.
    let classroom50 = match args.format {
        Format::Classroom50 => match platforms::classroom50::Submission::from_env() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("grader: --format classroom50: {e}");
                return exit::USAGE;
            }
        },
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
            eprintln!("grader: {}", lang.t("interrompido", "interrupted"));
            if opts.backend != prometheus::BackendChoice::Native {
                let _ = tokio::time::timeout(Duration::from_secs(10), crate::docker::remove_own_containers()).await;
            }
            return exit::INTERRUPTED;
        }
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("grader: {}", e.describe().get(lang));
            return exit::ENVIRONMENT;
        }
    };
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
            if let Err(e) = written {
                eprintln!("grader: {}: {e}", file.display());
                return exit::ENVIRONMENT;
            }
            print!("{text}");
        }
    }
    // These platforms read the grade from the document; any other exit is the grader's own
    // failure.
    if args.format.document_only() {
        return exit::FULL_MARKS;
    }
    if report.ungradable.is_some() {
        exit::UNGRADABLE
    } else if report.full_marks() {
        exit::FULL_MARKS
    } else {
        exit::CHECKS_FAILED
    }
}
