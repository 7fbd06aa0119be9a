//! ex8, a batch job that pushes its metrics to a Pushgateway: the grader runs it twice (a
//! success, then a run made to fail) beside a real Pushgateway and a real Prometheus. The
//! solution with one mistake loses exactly the points of what the mistake breaks, with the
//! reason. (The solution's full marks, on both backends, are in `course.rs` and `backends.rs`.)

mod common;

use common::{failed, grader, mutated_solution};

/// Grades the solution with `edits` applied, each `(file under src/, from, to)`.
fn grade_with(edits: &[(&str, &str, &str)]) -> common::Run {
    let dir = mutated_solution("solutions/ex8-job-batch", edits);
    let run = grader(&["ex8", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run
}

const EXITS: &str = "✘ [0/1] the job exits with 0 when it succeeds and with an error when it fails";
const PUSHED: &str =
    "✘ [0/2] after the successful run, the four metrics are in the Pushgateway, as gauges";
const GROUP: &str =
    "✘ [0/2] one group, with job=\"reconciliacao_estoque\" and deposito=\"central\"";
const SUCCESS_VALUES: &str =
    "✘ [0/2] successful run: failed 0, 4 items, this run's duration and time";
const FAILURE_VALUES: &str =
    "✘ [0/2] failed run: failed 1, this run's duration, and the last success kept";
const SCRAPED: &str = "✘ [0/1] Prometheus scrapes the Pushgateway with honor_labels and sees the series under the job and the warehouse";
const ALERT: &str = "✘ [0/2] the ReconciliacaoSemSucesso alert is silent after the success and fires after the failure";

#[test]
fn a_job_that_pushes_nothing_loses_every_check_but_its_exit_codes() {
    let run = grade_with(&[(
        "main.rs",
        "metricas::enviar(&url, &resultado, duracao)",
        "Ok::<(), prometheus::Error>(())",
    )]);
    assert_eq!(
        failed(&run.stdout),
        [
            PUSHED,
            GROUP,
            SUCCESS_VALUES,
            FAILURE_VALUES,
            SCRAPED,
            ALERT
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 1/12"), "{}", run.stdout);
    assert!(
        run.stdout.contains("groups: none")
            && run
                .stdout
                .contains("The job pushed nothing to the Pushgateway."),
        "{}",
        run.stdout
    );
    // Nothing pushed: the alert's `absent()` keeps it firing even after the good run.
    assert!(
        run.stdout
            .contains("after the successful run, `ReconciliacaoSemSucesso` was firing"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_job_that_pushes_to_the_wrong_job_loses_the_group_the_scrape_and_the_alert() {
    let run = grade_with(&[(
        "metricas.rs",
        "pub const JOB: &str = \"reconciliacao_estoque\";",
        "pub const JOB: &str = \"reconciliacao\";",
    )]);
    assert_eq!(
        failed(&run.stdout),
        [GROUP, SCRAPED, ALERT],
        "{}",
        run.stdout
    );
    // The report shows where the metrics went, here and as Prometheus sees them.
    assert!(
        run.stdout
            .contains("groups: {deposito=\"central\",job=\"reconciliacao\"}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(it has: reconciliacao_falhou{deposito=\"central\",job=\"reconciliacao\"})"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_job_that_never_records_failure_loses_the_failure_values_and_the_alert() {
    let run = grade_with(&[(
        "metricas.rs",
        "prometheus::push_add_metrics(JOB, agrupamento(), url, registro.gather(), None)",
        "Ok(())",
    )]);
    assert_eq!(
        failed(&run.stdout),
        [FAILURE_VALUES, ALERT],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`reconciliacao_falhou` is 0, not 1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("after the failed run: not even pending within 10s"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_put_on_failure_deletes_the_last_success_and_loses_only_that() {
    let run = grade_with(&[(
        "metricas.rs",
        "prometheus::push_add_metrics(JOB,",
        "prometheus::push_metrics(JOB,",
    )]);
    assert_eq!(failed(&run.stdout), [FAILURE_VALUES], "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "✗ `reconciliacao_ultimo_sucesso_timestamp_seconds` is not in the Pushgateway"
        ) && run
            .stdout
            .contains("On failure, push with POST (`push_add_metrics`)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_failure_that_exits_with_0_loses_the_exit_check_only() {
    let run = grade_with(&[(
        "main.rs",
        "            ExitCode::FAILURE\n",
        "            ExitCode::SUCCESS\n",
    )]);
    assert_eq!(failed(&run.stdout), [EXITS], "{}", run.stdout);
    assert!(
        run.stdout
            .contains("normal: exit code 0; with SIMULAR_FALHA=1: exit code 0"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_success_time_in_milliseconds_is_named() {
    let run = grade_with(&[(
        "metricas.rs",
        "ultimo_sucesso.set(agora());",
        "ultimo_sucesso.set(agora() * 1000.0);",
    )]);
    assert_eq!(failed(&run.stdout), [SUCCESS_VALUES], "{}", run.stdout);
    assert!(
        run.stdout.contains("The value looks like milliseconds"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_courses_alert_file_is_valid() {
    let rules = common::course_root().join("exercises/ex8-job-batch/alertas.yml");
    let out = std::process::Command::new("promtool")
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("promtool runs (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_job_cannot_be_graded_at_a_url() {
    let run = grader(&["ex8", "--url", "http://127.0.0.1:5000"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("this exercise is a job the grader builds and runs twice"),
        "{}",
        run.stderr
    );
}
