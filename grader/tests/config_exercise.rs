//! ex3, a submission that is a `prometheus.yml`: each way of getting it wrong gets its own
//! verdict with the roteiro's advice, against a real Prometheus and the real promtool.

mod common;

use common::{failed, grader, redactions};

fn config_with(edits: &[(&str, &str)]) -> tempfile::TempDir {
    common::solution_file_with("solutions/ex3-prometheus-yml/prometheus.yml", edits)
}

fn grade(dir: &std::path::Path) -> common::Run {
    grader(&["ex3", "--path", dir.to_str().unwrap()])
}

#[test]
fn a_config_that_does_not_parse_gets_promtools_message() {
    // A tab where YAML wants spaces.
    let dir = config_with(&[("    metrics_path: /metrics", "\tmetrics_path: /metrics")]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("✘ [0/2] prometheus.yml valid (promtool) and loaded"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("never tabs"), "{}", run.stdout);
    // Nothing else can be judged, and each check says why.
    assert!(run.stdout.contains("is not valid YAML"), "{}", run.stdout);
    assert_eq!(failed(&run.stdout).len(), 8, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("✘ [0/2] every target `up` in Prometheus"),
        "{}",
        run.stdout
    );
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn a_target_on_the_wrong_port_is_down_with_the_reason() {
    let dir = config_with(&[("['localhost:5000']", "['localhost:5001']")]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] job `loja` scrapes the app every 5s at /metrics",
            "✘ [0/2] every target `up` in Prometheus (the app and Prometheus itself)",
            "✘ [0/1] the shop's series queryable with job=\"loja\"",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("connection refused"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the grader rewrites only those two ports"),
        "{}",
        run.stdout
    );
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn a_wrong_metrics_path_is_a_404_and_named() {
    let dir = config_with(&[("metrics_path: /metrics", "metrics_path: /metricas")]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] job `loja` scrapes the app every 5s at /metrics",
            "✘ [0/2] every target `up` in Prometheus (the app and Prometheus itself)",
            "✘ [0/1] the shop's series queryable with job=\"loja\"",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("metrics_path: /metricas"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("404"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Check `metrics_path`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_job_with_another_name_or_no_label_loses_exactly_those_points() {
    let dir = config_with(&[
        ("job_name: loja", "job_name: flask_app"),
        ("scrape_interval: 5s ", "scrape_interval: 15s "),
    ]);
    let run = grade(dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("jobs: prometheus, flask_app"),
        "{}",
        run.stdout
    );
    assert_eq!(failed(&run.stdout).len(), 4, "{}", run.stdout);

    let dir = config_with(&[("        labels:\n          ambiente: desenvolvimento\n", "")]);
    let run = grade(dir.path());
    assert_eq!(
        failed(&run.stdout),
        ["✘ [0/1] the shop's targets carry the label ambiente=\"desenvolvimento\""],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("label ambiente: —"), "{}", run.stdout);
}

#[test]
fn the_report_says_what_was_rewritten_and_nothing_leaves_the_machine() {
    let dir = config_with(&[
        (
            "['localhost:5000']",
            "['host.docker.internal:5000', '10.1.2.3:9100']",
        ),
        (
            "scrape_configs:",
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['alertmanager:9093']\n\nscrape_configs:",
        ),
    ]);
    let run = grade(dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for line in [
        "loja: target `host.docker.internal:5000` → `127.0.0.1:",
        "loja: target `10.1.2.3:9100` left out (not on this machine)",
        "`alerting` left out (the grader sends no data away)",
        "loja.scrape_interval: 5s → 1s",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
}

#[test]
fn a_folder_without_the_file_is_ungradable_with_the_reason() {
    let empty = tempfile::tempdir().unwrap();
    let run = grade(empty.path());
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("no exercise files in") && run.stdout.contains("prometheus.yml"),
        "{}",
        run.stdout
    );
}
