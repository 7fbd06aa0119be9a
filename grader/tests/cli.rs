//! The command line itself: listing, usage errors, and the documented exit codes.

mod common;

use common::grader;

#[test]
fn list_names_every_exercise_with_its_points() {
    let run = grader(&["list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for spec in grader::spec::Spec::all_builtin().unwrap() {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(&spec.id))
            .expect("listed");
        assert!(
            line.contains(&spec.guide_part) && line.contains(&format!("{} pts", spec.max_score())),
            "{line}"
        );
    }
}

#[test]
fn an_unknown_exercise_is_a_usage_error() {
    let run = grader(&["ex99"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown exercise `ex99`"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_prometheus_is_an_environment_error_that_says_how_to_get_one() {
    let run = grader(&[
        "ex1",
        "--solution",
        "--prometheus-bin",
        "/nonexistent/prometheus",
    ]);
    assert_eq!(run.code, 4, "{}", run.stdout);
    assert!(
        run.stderr.contains("apt-get install prometheus"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for code in [
        "0  graded",
        "1  graded",
        "3  the submission",
        "4  the grader",
    ] {
        assert!(help.contains(code), "{help}");
    }
}

#[test]
fn doctor_says_ready_on_a_machine_that_can_grade() {
    let run = grader(&["doctor"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("[OK   ] Rust (cargo): cargo "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[OK   ] Prometheus to grade with"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[OK   ] Pushgateway binary (ex8): "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("Ready to grade.\n"), "{}", run.stdout);
}

#[test]
fn doctor_names_the_fix_for_what_is_missing() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .args([
            "doctor",
            "--lang",
            "en",
            "--prometheus-image",
            "course-local/no-such-image:0",
        ])
        .env("COURSE_ROOT", common::course_root())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains("[FAIL ] Rust (cargo): cargo not found: install Rust with rustup"),
        "{text}"
    );
    assert!(
        text.contains("[warn ] Prometheus binary: not found: `sudo apt-get install prometheus`"),
        "{text}"
    );
    assert!(
        text.contains("[FAIL ] Prometheus to grade with: no Prometheus available"),
        "{text}"
    );
    assert!(
        text.contains(
            "[warn ] Pushgateway binary (ex8): no Pushgateway found: `sudo apt-get install prometheus-pushgateway`"
        ),
        "{text}"
    );
    assert!(text.contains("Not ready to grade"), "{text}");
}

#[test]
fn doctor_names_the_prometheus_major_of_each_backend() {
    // The binary first on PATH (2.42, or 3.5 in the test command's second pass), an image by tag.
    let run = grader(&["doctor", "--prometheus-image", "prom/prometheus:v3.5.0"]);
    let major = common::native_major();
    assert!(
        run.stdout.contains(&format!(
            "Prometheus per backend: native: Prometheus {major} ("
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("docker: Prometheus 3 (tag of prom/prometheus:v3.5.0)"),
        "{}",
        run.stdout
    );
    // Debian's 3.5 named explicitly, beside a 2.42 image.
    let bin = common::prometheus3_bin_dir().join("prometheus");
    let run = grader(&[
        "doctor",
        "--prometheus-bin",
        &bin.display().to_string(),
        "--prometheus-image",
        "course-local/prometheus:2.42.0-ds-l2",
    ]);
    assert!(
        run.stdout.contains(
            "native: Prometheus 3 (3.5.3+ds1); docker: Prometheus 2 (tag of course-local/prometheus:2.42.0-ds-l2)"
        ),
        "{}",
        run.stdout
    );
}
