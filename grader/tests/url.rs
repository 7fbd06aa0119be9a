//! `--url`: grading an app that is already running, which the grader neither builds, starts
//! nor stops. The same checks give the same verdicts as when the grader starts the app; what
//! needs to start apps of its own is skipped with the reason, not failed.

mod common;

use common::running::run_solution;
use common::{course_root, grader};

fn verdicts(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| l.starts_with('✔') || l.starts_with('✘') || l.starts_with('–'))
        .collect()
}

#[test]
fn a_running_app_gets_the_verdicts_a_started_one_gets() {
    let app = run_solution("ex1-metricas-http-solucao");
    let url = format!("http://127.0.0.1:{}", app.1);
    let given = grader(&["ex1", "--url", &url]);
    let started = grader(&["ex1", "--solution"]);
    assert_eq!(given.code, 0, "{}{}", given.stdout, given.stderr);
    assert_eq!(verdicts(&given.stdout), verdicts(&started.stdout));
    assert!(
        given
            .stdout
            .contains(&format!("App already running at {url} (--url)")),
        "{}",
        given.stdout
    );
    // The grader did not stop it.
    assert!(std::net::TcpStream::connect(("127.0.0.1", app.1)).is_ok());
}

#[test]
fn what_needs_to_start_apps_is_skipped_with_the_reason() {
    let app = run_solution("ex2-metricas-negocio-solucao");
    let url = format!("http://localhost:{}/", app.1);
    let run = grader(&["ex5", "--solution", "--url", &url]);
    assert_eq!(
        run.code, 2,
        "--url and --solution do not go together: {}",
        run.stderr
    );

    let run = grader(&[
        "ex5",
        "--path",
        course_root()
            .join("solutions/ex5-alertas")
            .to_str()
            .unwrap(),
        "--url",
        &url,
    ]);
    let skipped: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('–')).collect();
    assert_eq!(skipped.len(), 4, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "each scenario starts an app of its own; with --url the grader starts no app"
        ),
        "{}",
        run.stdout
    );
    // Skipped checks are out of the maximum: the rest scores full marks.
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Score: 7/7"), "{}", run.stdout);
}

#[test]
fn only_an_app_on_this_machine_can_be_graded() {
    let run = grader(&["ex1", "--url", "http://10.1.2.3:5000"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("only an app on this machine"),
        "{}",
        run.stderr
    );
}
