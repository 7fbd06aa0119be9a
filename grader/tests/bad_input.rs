//! Broken submissions: each gets its own verdict with the reason, grading never panics, and
//! nothing it started is left running.

mod common;

use common::{fixture, grader, mutated_solution, redactions};

fn grade_path(exercise: &str, dir: &std::path::Path, extra: &[&str]) -> common::Run {
    let mut args = vec![exercise, "--path", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    grader(&args)
}

/// No process of the submission may outlive the grader.
fn assert_nothing_left(marker: &str) {
    let ps = std::process::Command::new("pgrep")
        .args(["-f", marker])
        .output()
        .unwrap();
    let left = String::from_utf8_lossy(&ps.stdout);
    assert!(left.trim().is_empty(), "processes left running: {left}");
}

#[test]
fn code_that_does_not_compile_shows_the_first_error() {
    let run = grade_path("ex1", &fixture("nao-compila"), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("error[E0308]: mismatched types"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("fixtures/nao-compila does not compile"),
        "the verdict names the folder: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("src/main.rs:3:22"),
        "and the file and line: {}",
        run.stdout
    );
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn an_app_that_exits_at_start_is_reported_with_its_output() {
    let run = grade_path("ex1", &fixture("sai-ao-iniciar"), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("configuração inválida"),
        "{}",
        run.stdout
    );
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn an_app_that_never_opens_its_port_times_out_with_the_reason() {
    let run = grade_path(
        "ex1",
        &fixture("nunca-abre-a-porta"),
        &["--startup-timeout", "2"],
    );
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("did not open its port within 2s"),
        "{}",
        run.stdout
    );
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
    let submission = std::path::absolute(fixture("nunca-abre-a-porta")).unwrap();
    assert_nothing_left(&grader::compile::stage_tag("ex1", &submission));
}

#[test]
fn invalid_exposition_text_is_reported_with_its_line() {
    let run = grade_path("ex1", &fixture("metrics-invalido"), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("line 3: expected ',' or '}' after the value of label 'endpoint'"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 0/"), "{}", run.stdout);
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn a_hanging_metrics_endpoint_costs_one_timeout_not_one_per_check() {
    let started = std::time::Instant::now();
    let run = grade_path(
        "ex1",
        &fixture("metrics-trava"),
        &["--request-timeout", "1"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("did not answer in time"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 0/"), "{}", run.stdout);
    // Warm-up requests and every check would each wait 1 s if a hang were not remembered;
    // the bound is generous, it only catches a timeout per check (about 13 s more).
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn a_counter_declared_as_gauge_loses_the_type_check() {
    let sub = mutated_solution(
        "solutions/ex1-metricas-http",
        &[
            (
                "metricas.rs",
                "pub requisicoes: IntCounterVec,",
                "pub requisicoes: prometheus::IntGaugeVec,",
            ),
            (
                "metricas.rs",
                "let requisicoes = IntCounterVec::new(",
                "let requisicoes = prometheus::IntGaugeVec::new(",
            ),
        ],
    );
    let run = grade_path("ex1", sub.path(), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("✘ [0/1] counter http_requests_total"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("seen: type gauge"), "{}", run.stdout);
    // The rest still passes: only that check is lost.
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    assert!(
        run.stdout.contains(&format!("Score: {}/{max}", max - 1)),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_label_is_named() {
    let sub = mutated_solution(
        "solutions/ex1-metricas-http",
        &[
            (
                "metricas.rs",
                r#"pub const ROTULOS_HTTP: [&str; 3] = ["method", "endpoint", "status"];"#,
                r#"pub const ROTULOS_HTTP: [&str; 2] = ["method", "endpoint"];"#,
            ),
            (
                "http.rs",
                "let rotulos = [metodo.as_str(), endpoint.as_str(), status.as_str()];",
                "let _ = &status; let rotulos = [metodo.as_str(), endpoint.as_str()];",
            ),
        ],
    );
    let run = grade_path("ex1", sub.path(), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("missing [status]"), "{}", run.stdout);
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn a_counter_that_counts_twice_is_caught_and_explained() {
    let line = "metricas.requisicoes.with_label_values(&rotulos).inc();";
    let twice = format!("{line}\n    {line}");
    let sub = mutated_solution("solutions/ex1-metricas-http", &[("http.rs", line, &twice)]);
    let run = grade_path("ex1", sub.path(), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("moved by 10 (expected 5)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("moved twice as much"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("✘ [0/1] the histogram's _count equals the counter"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_folder_without_a_crate_is_ungradable_not_a_crash() {
    let empty = tempfile::tempdir().unwrap();
    let run = grade_path("ex1", empty.path(), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("no exercise crate in"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_main_rs_that_is_a_link_is_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let elsewhere = common::course_root().join("solutions/ex1-metricas-http/src/main.rs");
    std::os::unix::fs::symlink(elsewhere, dir.path().join("src/main.rs")).unwrap();
    let run = grade_path("ex1", dir.path(), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("is not a regular file (links are not followed)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_metrics_body_without_end_is_cut_with_the_reason() {
    let run = grade_path("ex1", &fixture("metrics-sem-fim"), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("/metrics went past 16 MiB without ending"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_app_that_floods_its_output_is_stopped_by_the_file_size_limit() {
    let run = grade_path("ex1", &fixture("inunda-a-saida"), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("the app exited right after starting")
            && run.stdout.contains("SIGXFSZ"),
        "{}",
        run.stdout
    );
}

#[test]
fn durations_observed_in_milliseconds_lose_the_points_with_a_hint_about_base_units() {
    let sub = mutated_solution(
        "solutions/ex2-metricas-negocio",
        &[
            (
                "eventos.rs",
                "self.checkout_duracao.observe(duracao.as_secs_f64());",
                "self.checkout_duracao.observe(duracao.as_millis() as f64);",
            ),
            (
                "eventos.rs",
                "self.busca_duracao.observe(duracao.as_secs_f64());",
                "self.busca_duracao.observe(duracao.as_millis() as f64);",
            ),
        ],
    );
    let run = grade_path("ex2", sub.path(), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        common::failed(&run.stdout),
        [
            "✘ [0/2] a pix checkout: sale +1, stock -1, duration observed",
            "✘ [0/1] searches counted by term and timed by the Summary",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("WRONG ecommerce_checkout_duracao_seconds_sum: moved by")
            && run.stdout.contains("(expected between 0.02 and 3)")
            && run
                .stdout
                .contains("A `_sum` a thousand times too big is milliseconds"),
        "{}",
        run.stdout
    );
}

#[test]
fn in_a_container_an_app_on_its_own_loopback_is_told_to_bind_to_bind() {
    // The address fixed at 127.0.0.1, whatever BIND says.
    let sub = mutated_solution(
        "solutions/ex1-metricas-http",
        &[(
            "main.rs",
            "let config = loja::Config::parse();",
            "let mut config = loja::Config::parse();\n    config.bind = std::net::IpAddr::from([127, 0, 0, 1]);",
        )],
    );
    let run = grade_path("ex1", sub.path(), &["--isolation", "container"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("on the container's own 127.0.0.1 only, where nothing outside reaches it")
            && run
                .stdout
                .contains("the address in the BIND variable (0.0.0.0 in the container)"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("did not open its port"),
        "{}",
        run.stdout
    );
}
