//! The platform packages that run in containers, run in containers: PrairieLearn's grader
//! image built from its package and run with networking off on a mounted `/grade`, and the
//! Gradescope autograder's `run_autograder` inside Gradescope's default box (half a CPU,
//! 768 MB). No registry is reachable here: both start from `course-local/grader-base`
//! (`scripts/build-grader-base.sh`: this machine's Debian, Rust and Prometheus packages),
//! standing in for the official Rust image plus Debian's packages.

mod common;

use std::path::Path;
use std::process::Command;

use common::{course_root, fixture, grader};
use serde_json::Value;

/// The base image: `GRADER_TEST_GRADER_BASE_IMAGE` when the test command built it, else built
/// now.
fn base_image() -> String {
    if let Ok(image) = std::env::var("GRADER_TEST_GRADER_BASE_IMAGE") {
        return image;
    }
    let out = Command::new(course_root().join("scripts/build-grader-base.sh"))
        .output()
        .expect("build-grader-base.sh runs");
    assert!(
        out.status.success(),
        "building the base image failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI runs")
}

/// Removes the image when the test ends, however it ends.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

fn copy_rs(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Runs the image on `grade` (mounted at /grade) with networking off, as PrairieLearn does;
/// the results.json it wrote.
fn grade_in(image: &str, grade: &Path) -> Value {
    let mount = format!("{}:/grade", grade.display());
    let name = format!("course-test-pl-{}", std::process::id());
    let out = docker(&[
        "run",
        "--rm",
        "--name",
        &name,
        "--network",
        "none",
        "-v",
        &mount,
        image,
    ]);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the grading container failed:\n{log}");
    let path = grade.join("results/results.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}\n{log}", path.display()));
    assert!(
        text.len() < 1_000_000,
        "results.json of {} bytes",
        text.len()
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_prairielearn_image_grades_submissions_with_networking_off() {
    let base = base_image();
    let tmp = tempfile::tempdir().unwrap();
    // The image carries this grader, built for this machine's Debian (the base's), so the
    // test builds only what every image builds: the exercise's dependencies.
    let run = grader(&[
        "package",
        "--prairielearn",
        "ex1",
        "--out",
        tmp.path().to_str().unwrap(),
        "--grader-bin",
        env!("CARGO_BIN_EXE_grader"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let pkg = tmp.path().join("prairielearn-ex1");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(pkg.join("info.json")).unwrap()).unwrap();
    let options = &info["externalGradingOptions"];
    assert_eq!(options["enableNetworking"], false);
    assert_eq!(options["entrypoint"], "/grader/entrypoint.sh");
    assert!(
        options["timeout"].as_u64().is_some_and(|t| t <= 600),
        "{info:#}"
    );

    let image = Image(format!(
        "course-local/prairielearn-ex1-test:{}",
        std::process::id()
    ));
    let build = Command::new("docker")
        .args([
            "build",
            "-q",
            "--build-arg",
            &format!("BASE={base}"),
            "-t",
            &image.0,
        ])
        .arg(&pkg)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "docker build failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );

    // A file-upload question: the crate's .rs files on their own, laid out as its src/.
    let solved = tempfile::tempdir().unwrap();
    copy_rs(
        &course_root().join("solutions/ex1-metricas-http/src"),
        &solved.path().join("student"),
    );
    let results = grade_in(&image.0, solved.path());
    assert_eq!(results["gradable"], true, "{results:#}");
    assert_eq!(results["score"], 1.0, "{results:#}");
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    assert_eq!(results["max_points"], max);
    assert_eq!(
        results["tests"].as_array().unwrap().len(),
        grader::spec::Spec::builtin("ex1").unwrap().checks.len()
    );

    // A crate that does not build is not graded, and PrairieLearn does not count the attempt.
    let broken = tempfile::tempdir().unwrap();
    copy_rs(
        &fixture("nao-compila/src"),
        &broken.path().join("student/src"),
    );
    let results = grade_in(&image.0, broken.path());
    assert_eq!(results["gradable"], false, "{results:#}");
    assert!(
        results["format_errors"][0]
            .as_str()
            .unwrap()
            .contains("compil"),
        "{results:#}"
    );
}

#[test]
fn the_gradescope_autograder_grades_inside_gradescope_s_default_box() {
    let base = base_image();
    let tmp = tempfile::tempdir().unwrap();
    let submission = tmp.path().join("entrega");
    copy_rs(
        &course_root().join("solutions/ex1-metricas-http/src"),
        &submission.join("src"),
    );
    let out = Command::new(course_root().join("scripts/gradescope-box.sh"))
        .args(["ex1"])
        .arg(&submission)
        .arg(tmp.path().join("caixa"))
        .env("GRADER", env!("CARGO_BIN_EXE_grader"))
        .env("GRADER_BASE_IMAGE", &base)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Half a CPU and 768 MB were enough: full marks, and the box's memory peak under its limit.
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("caixa/results/results.json")).unwrap(),
    )
    .unwrap();
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    assert_eq!(results["score"], max, "{results:#}");
    let peak: u64 = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("peak_mb="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stdout}"));
    assert!(peak > 0 && peak < 768, "{stdout}");
}
