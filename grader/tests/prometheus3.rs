//! What changed in Prometheus 3, proven on a real 3.5 (Debian's, from scripts/prometheus3.sh)
//! beside the 2.42 on PATH: the same submission, graded natively by each, differs exactly where
//! the book's box on Prometheus 3 says, and the grader says why.

mod common;

use common::{
    block, grader_env, mutated_solution, path_with, prometheus3_bin_dir, solution_file_with,
};

/// `grader ARGS` natively on Prometheus 3.5 (its folder first on PATH).
fn on_prometheus3(args: &[&str]) -> common::Run {
    let path = path_with(&prometheus3_bin_dir());
    grader_env(args, &[("PATH", path.as_os_str())])
}

/// `grader ARGS` natively on the system's Prometheus 2.42: PATH without the 3.5 folder, which
/// the test command puts first for its second pass.
fn on_prometheus2(args: &[&str]) -> common::Run {
    let prom3 = prometheus3_bin_dir();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).filter(|d| *d != prom3);
    let path = std::env::join_paths(dirs).unwrap();
    grader_env(args, &[("PATH", path.as_os_str())])
}

#[test]
fn the_version_each_run_uses_is_the_one_asked_for() {
    let out = std::process::Command::new(prometheus3_bin_dir().join("prometheus"))
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("version 3.5."), "{text}");
}

/// A `/metrics` answered as bytes (`application/octet-stream`): 2.42 reads it as text anyway,
/// 3.5 refuses the scrape (no `fallback_scrape_protocol`); the exposition check fails on both.
#[test]
fn a_metrics_endpoint_without_a_known_content_type_is_down_on_3_only() {
    let sub = mutated_solution(
        "solutions/ex1-metricas-http",
        &[(
            "http.rs",
            "([(header::CONTENT_TYPE, tipo)], corpo).into_response()",
            "{ let _ = tipo; corpo.into_bytes().into_response() }",
        )],
    );
    let sub = sub.path().display().to_string();
    let args = ["ex1", "--path", &sub];
    let title = "a real Prometheus scrapes the app";

    let v3 = on_prometheus3(&args);
    let up3 = block(&v3.stdout, title);
    assert!(up3.starts_with('✘'), "{}", v3.stdout);
    assert!(
        up3.contains("Content-Type") && up3.contains("application/octet-stream"),
        "Prometheus 3's scrape error names the Content-Type:\n{up3}"
    );
    assert!(up3.contains("TextEncoder::format_type()"), "{up3}");

    let v2 = on_prometheus2(&args);
    assert!(block(&v2.stdout, title).starts_with('✔'), "{}", v2.stdout);
    for run in [&v3, &v2] {
        let exposition = block(&run.stdout, "/metrics in the exposition format");
        assert!(exposition.starts_with('✘'), "{}", run.stdout);
    }
}

/// A panel that pins `le="1"`: 2.42 has the series, 3.5 stores `le="1.0"` and the query is
/// empty; the grader notes the selector on both.
#[test]
fn a_query_on_le_1_finds_nothing_on_3_and_is_named_on_both() {
    let sub = solution_file_with(
        "solutions/ex6-dashboard/dashboard.json",
        &[(
            "sum(rate(http_request_duration_seconds_sum[5m])) / sum(rate(http_request_duration_seconds_count[5m]))",
            "sum(rate(http_request_duration_seconds_bucket{le=\\\"1\\\"}[5m])) / sum(rate(http_request_duration_seconds_count[5m]))",
        )],
    );
    let sub = sub.path().display().to_string();
    let args = ["ex6", "--path", &sub];
    let v3 = on_prometheus3(&args);
    let v2 = on_prometheus2(&args);
    for run in [&v3, &v2] {
        let valid = block(
            &run.stdout,
            "dashboard.json is a dashboard the course's Grafana loads",
        );
        assert!(
            valid.contains("`le=\"1\"`") && valid.contains("`le=\"1.0\"`"),
            "the note names the selector and what 3.x stores:\n{}",
            run.stdout
        );
    }
    let data = |r: &common::Run| {
        block(
            &r.stdout,
            "every query of every panel runs on Prometheus and has data",
        )
    };
    assert!(data(&v2).starts_with('✔'), "{}", v2.stdout);
    assert!(data(&v3).starts_with('✘'), "{}", v3.stdout);
}
