//! Every check has a time of its own: an app whose `/metrics` answers slowly fails the check
//! given too little time, with "did not finish within X s" and what it was waiting on, and the
//! checks after it still run and pass.

mod common;

use std::time::{Duration, Instant};

use common::{block, grader, mutated_solution};

/// ex1's solution, with a `/metrics` that takes 1.5 s to answer (a handler that sleeps).
fn slow_metrics() -> tempfile::TempDir {
    mutated_solution(
        "solutions/ex1-metricas-http",
        &[(
            "http.rs",
            "pub async fn expor(State(metricas): State<Metricas>) -> Response {\n",
            "pub async fn expor(State(metricas): State<Metricas>) -> Response {\n    \
             tokio::time::sleep(std::time::Duration::from_millis(1500)).await;\n",
        )],
    )
}

/// Three checks of ex1; the middle one reads /metrics twice (3 s here) but is given 2 s.
const SPEC: &str = r#"
format_version = 1
id = "ex1"
guide_part = "Parte 3"
title = { pt = "tempo por verificação", en = "a time per check" }
starter = "exercises/ex1-metricas-http"
solution = "solutions/ex1-metricas-http"

[[checks]]
id = "exposicao"
kind = "exposition"
title = { pt = "exposição", en = "exposition" }

[[checks]]
id = "lenta"
kind = "delta"
timeout_s = 2
title = { pt = "dois GET /produtos", en = "two GET /produtos" }
requests = [{ path = "/produtos", times = 2, status = 200 }]
expect = [{ series = 'http_requests_total{method="GET",endpoint="/produtos",status="200"}', delta = 2 }]

[[checks]]
id = "depois"
kind = "delta"
title = { pt = "um GET /produto/2", en = "one GET /produto/2" }
requests = [{ path = "/produto/2", status = 200 }]
expect = [{ series = 'http_requests_total{endpoint="/produto/{produto_id}",status="200"}', delta = 1 }]
"#;

#[test]
fn a_check_past_its_time_fails_with_the_reason_and_grading_goes_on() {
    let sub = slow_metrics();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ex1.toml");
    std::fs::write(&spec, SPEC).unwrap();

    let started = Instant::now();
    let run = grader(&[
        "--spec",
        spec.to_str().unwrap(),
        "--path",
        sub.path().to_str().unwrap(),
    ]);
    let took = started.elapsed();
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 1, "{all}");

    let slow = block(&run.stdout, "two GET /produtos");
    assert!(slow.starts_with("✘ [0/1]"), "{slow}");
    assert!(
        slow.contains("did not finish within 2 s; it was waiting on the app's answers"),
        "{slow}"
    );
    assert!(
        slow.contains("a /metrics that does too much work on every read"),
        "the likely cause: {slow}"
    );
    // One read of /metrics fits the default time of its kind; the check after the slow one ran.
    assert!(
        block(&run.stdout, "exposition").starts_with("✔ [1/1]"),
        "{all}"
    );
    assert!(
        block(&run.stdout, "one GET /produto/2").starts_with("✔ [1/1]"),
        "{all}"
    );
    assert!(run.stdout.contains("Score: 2/3"), "{all}");
    // The build is warm in the test suite; the bound only catches a check that was not cut.
    assert!(took < Duration::from_secs(240), "{took:?}");
}

#[test]
fn a_time_must_be_positive_and_scenarios_keep_their_own() {
    // A spec of files with rules, so that every kind of check may be in it.
    let with = |check: &str| {
        let text = format!(
            "format_version = 1\nid = \"x\"\nroteiro = \"r\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n\
             starter = \"a\"\nsolution = \"b\"\nfiles = [\"r.yml\"]\nrules = \"r.yml\"\n\
             app = {{ exercise = \"e\", starter = \"a\", solution = \"b\" }}\n\
             [[checks]]\nid = \"c\"\ntitle = {{ pt = \"t\", en = \"t\" }}\n{check}\n"
        );
        grader::spec::Spec::from_toml("t", &text).map(|s| grader::checks::timeout_of(&s.checks[0]))
    };
    assert_eq!(
        with("kind = \"exposition\"\ntimeout_s = 1.5").unwrap(),
        Duration::from_millis(1500)
    );
    assert_eq!(
        with("kind = \"exposition\"").unwrap(),
        grader::checks::default_timeout(&grader::spec::CheckKind::Exposition(
            grader::spec::kinds::Exposition {}
        ))
    );
    let zero = with("kind = \"exposition\"\ntimeout_s = 0").unwrap_err();
    assert!(
        zero.to_string().contains("timeout_s goes from 0 to 3600"),
        "{zero}"
    );
    let scenario = with("kind = \"alert_notified\"\ntimeout_s = 5").unwrap_err();
    assert!(
        scenario
            .to_string()
            .contains("does not apply to an alert scenario"),
        "{scenario}"
    );
}
