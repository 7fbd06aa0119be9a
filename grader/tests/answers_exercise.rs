//! ex4, answers in PromQL: each answer is compared with its reference query on the same data,
//! so a wrong one loses exactly its own points, with Prometheus's words or the shape it got.

mod common;

use common::{block, grader};

fn answers_with(edits: &[(&str, &str)]) -> tempfile::TempDir {
    common::solution_file_with("solutions/ex4-promql/respostas.toml", edits)
}

fn grade(dir: &std::path::Path) -> common::Run {
    grader(&["ex4", "--path", dir.to_str().unwrap()])
}

#[test]
fn each_wrong_answer_loses_exactly_its_points_and_says_why() {
    let dir = answers_with(&[
        // The roteiro's P95: quantiles per series, not of the whole shop.
        (
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[30s])))",
            "histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[30s]))",
        ),
        // One total where one series per endpoint is asked.
        (
            "requisicoes_por_endpoint = 'sum by (endpoint) (http_requests_total)'",
            "requisicoes_por_endpoint = 'sum(http_requests_total)'",
        ),
        // Another computation on the same data.
        (
            "taxa_requisicoes = 'sum(rate(http_requests_total[30s]))'",
            "taxa_requisicoes = 'sum(rate(http_requests_total[15s])) * 2'",
        ),
        // Not PromQL.
        (
            "vendas_por_metodo = 'sum by (metodo_pagamento) (ecommerce_vendas_total)'",
            "vendas_por_metodo = 'sum by (metodo_pagamento) (ecommerce_vendas_total'",
        ),
    ]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let failed: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('✘')).collect();
    assert_eq!(
        failed,
        [
            "✘ [0/1] requests per endpoint",
            "✘ [0/1] requests per second (30 s)",
            "✘ [0/2] P95 latency of every request",
            "✘ [0/1] sales per payment method",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 9/14"), "{}", run.stdout);

    let per_endpoint = block(&run.stdout, "requests per endpoint");
    assert!(
        per_endpoint.contains("expected one series per endpoint, got 1 without labels"),
        "{per_endpoint}"
    );
    let p95 = block(&run.stdout, "P95 latency of every request");
    assert!(
        p95.contains("series") && p95.contains("sum by (le)"),
        "{p95}"
    );
    let rate = block(&run.stdout, "requests per second (30 s)");
    assert!(rate.contains("(the reference gives"), "{rate}");
    // The right answer is the shop's real throughput: what the grader's own load did.
    let reference = number_after(&rate, "(the reference gives ");
    let requests = number_after(&run.stdout, "Load applied: ");
    let seconds = number_after(&run.stdout, " requests in ");
    let real = requests / seconds;
    assert!(
        (reference - real).abs() <= 0.15 * real,
        "the reference gives {reference} req/s, the load made {real} req/s\n{}",
        run.stdout
    );
    let syntax = block(&run.stdout, "sales per payment method");
    assert!(syntax.contains("Prometheus refused the query"), "{syntax}");
    assert!(
        syntax.contains("unclosed") || syntax.contains("parse error"),
        "{syntax}"
    );
}

/// The number that starts right after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> f64 {
    let rest = &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"))
        + marker.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].trim_end_matches('.').parse().unwrap()
}

#[test]
fn a_file_that_is_not_toml_fails_every_answer_with_the_reason() {
    let dir = answers_with(&[(
        "total_requisicoes = 'sum(http_requests_total)'",
        "total_requisicoes = sum(",
    )]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Score: 0/14"), "{}", run.stdout);
    assert!(
        run.stdout.contains("respostas.toml could not be read"),
        "{}",
        run.stdout
    );
}

/// A query that costs Prometheus millions of points (a subquery with a 10 ms step over two
/// days, about 25 s on the course's 2-core machine) fails its own check with the time it was
/// given, and the grading ends with every other answer graded. The spec's `query_timeout_s`
/// (2 s here) keeps the test short and far from the query's real cost.
#[test]
fn a_query_that_does_not_finish_in_time_gets_its_own_verdict() {
    let spec_dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(common::course_root().join("grader/specs/ex4.toml"))
        .unwrap()
        .replacen(
            "format_version = 1\n",
            "format_version = 1\nquery_timeout_s = 2\n",
            1,
        );
    assert!(spec.contains("query_timeout_s = 2"));
    let spec_file = spec_dir.path().join("ex4.toml");
    std::fs::write(&spec_file, spec).unwrap();
    // The last question, so the query Prometheus keeps evaluating slows no other answer.
    let dir = answers_with(&[(
        "top3_mais_lentos = '''\ntopk(3,",
        "top3_mais_lentos = '''\ncount_over_time(vector(1)[2d:10ms]) or topk(3,",
    )]);
    let run = grader(&[
        "ex4",
        "--path",
        dir.path().to_str().unwrap(),
        "--spec",
        spec_file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        common::failed(&run.stdout),
        ["✘ [0/2] the 3 endpoints with the highest average latency"],
        "{}",
        run.stdout
    );
    let slow = block(
        &run.stdout,
        "the 3 endpoints with the highest average latency",
    );
    assert!(
        slow.contains("the query did not finish within 2 s"),
        "{slow}"
    );
    assert!(run.stdout.contains("Score: 12/14"), "{}", run.stdout);
}
