//! ex5, recording and alerting rules: promtool, generated unit tests and live scenarios. A
//! mutated rule file loses exactly the points of what it breaks, with the reason.

mod common;

use common::{failed, grader};

fn rules_with(edits: &[(&str, &str)]) -> tempfile::TempDir {
    common::solution_file_with("solutions/ex5-alertas/regras.yml", edits)
}

fn grade(dir: &std::path::Path) -> common::Run {
    grader(&["ex5", "--path", dir.to_str().unwrap()])
}

#[test]
fn an_inverted_threshold_fails_its_unit_test_and_never_fires() {
    let dir = rules_with(&[(
        "expr: job:http_requests_erros:razao1m > 0.05",
        "expr: job:http_requests_erros:razao1m < 0.05",
    )]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/1] unit test: TaxaDeErroAlta fires at 9 % errors, not at 1.6 %",
            "✘ [0/2] live: TaxaDeErroAlta fires with 30 % errors, and only it",
        ],
        "{}",
        run.stdout
    );
    // Under the fault the ratio climbs from 0 through the threshold: `< 0.05` may hold for a
    // moment (pending, never firing) or not at all; either way it never fires.
    assert!(
        run.stdout.contains("did not even go pending within 40s")
            || run.stdout.contains("but never firing within 40s"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_p95_without_sum_by_le_is_caught_by_the_unit_test() {
    let dir = rules_with(&[(
        "histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket[1m])))",
        "histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))",
    )]);
    let run = grade(dir.path());
    assert_eq!(
        failed(&run.stdout),
        ["✘ [0/1] unit test: LatenciaP95Alta fires with 20 % of requests slow, not with 3 %"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Below the threshold the alert fires too"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_alert_on_the_wrong_metric_fires_for_the_wrong_fault() {
    let dir = rules_with(&[(
        "expr: job:http_request_duration_seconds:p95_1m > 1",
        "expr: job:http_requests_erros:razao1m > 0.05",
    )]);
    let run = grade(dir.path());
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/1] unit test: LatenciaP95Alta fires with 20 % of requests slow, not with 3 %",
            "✘ [0/2] live: TaxaDeErroAlta fires with 30 % errors, and only it",
            "✘ [0/2] live: LatenciaP95Alta fires with +1.5 s per request, and only it",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`LatenciaP95Alta` went pending too"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_alert_that_always_fires_fails_its_baseline_only() {
    let dir = rules_with(&[(
        "expr: ecommerce_estoque_produto < 5",
        "expr: ecommerce_estoque_produto < 500",
    )]);
    let run = grade(dir.path());
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/1] unit test: EstoqueBaixo fires at 3 units, not at 20",
            "✘ [0/2] live: EstoqueBaixo fires when the Notebook sells out, and only it",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("with no fault at all, `EstoqueBaixo` went"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_for_longer_than_the_window_is_pending_not_failed() {
    let dir = rules_with(&[("for: 10s", "for: 5m")]);
    let run = grade(dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The report says when it would fire, under the passing check.
    assert!(
        run.stdout.contains("    note: pending after")
            && run.stdout.contains("would fire after")
            && run.stdout.contains("(for: 300s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn rules_that_do_not_parse_get_promtools_message() {
    let dir = rules_with(&[("    rules:\n", "    rules:\n\t")]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Score: 0/14"), "{}", run.stdout);
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
}

#[test]
fn an_inclusive_comparison_fires_on_the_threshold_and_loses_that_check_only() {
    let dir = rules_with(&[
        (
            "expr: ecommerce_estoque_produto < 5",
            "expr: ecommerce_estoque_produto <= 5",
        ),
        // A correct ratio written as `1 - ok / total`: exactly at 5 % it lands a hair above
        // 0.05, and its strict `>` keeps the points (with a note).
        (
            "sum by (job) (rate(http_requests_total{status=~\"5..\"}[1m]))\n            /",
            "1 - sum by (job) (rate(http_requests_total{status!~\"5..\"}[1m]))\n            /",
        ),
    ]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        ["✘ [0/1] unit test: EstoqueBaixo fires at 3 units, not at 20"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("exactly on the threshold (a stock of exactly 5, the threshold of “below 5”), the alert fired")
            && run.stdout.contains("`<` not `<=`")
            && run.stdout.contains("that is floating-point rounding, it does not count"),
        "{}",
        run.stdout
    );
}

#[test]
fn inclusive_error_and_latency_thresholds_lose_their_unit_tests() {
    let dir = rules_with(&[
        (
            "expr: job:http_requests_erros:razao1m > 0.05",
            "expr: job:http_requests_erros:razao1m >= 0.05",
        ),
        (
            "expr: job:http_request_duration_seconds:p95_1m > 1",
            "expr: job:http_request_duration_seconds:p95_1m >= 1",
        ),
    ]);
    let run = grade(dir.path());
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/1] unit test: TaxaDeErroAlta fires at 9 % errors, not at 1.6 %",
            "✘ [0/1] unit test: LatenciaP95Alta fires with 20 % of requests slow, not with 3 %",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("exactly on the threshold (5 % errors")
            && run
                .stdout
                .contains("exactly on the threshold (a P95 of exactly 1 s"),
        "{}",
        run.stdout
    );
}
