//! The Gradescope autograder `grader package --gradescope` builds: its scripts are valid, and
//! its `run_autograder`, run the way Gradescope runs it, grades a submission into
//! `results/results.json`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{course_root, grader};

fn bash(args: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_autograder_grades_a_submission_like_gradescope_runs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = grader(&[
        "package",
        "--gradescope",
        "ex1",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let pkg = tmp.path().join("gradescope-ex1");
    assert_eq!(run.stdout.trim(), pkg.display().to_string());
    for script in ["setup.sh", "run_autograder"] {
        let path = pkg.join(script);
        let mode = std::os::unix::fs::PermissionsExt::mode(&path.metadata().unwrap().permissions());
        assert!(mode & 0o111 != 0, "{script} is executable");
        let check = bash(&["-n", path.to_str().unwrap()], &[]);
        assert!(
            check.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let course = pkg.join("curso");
    assert!(course.join("grader/specs/ex1.toml").is_file());
    assert!(course.join("Cargo.lock").is_file());
    assert!(!course.join("target").exists() && !course.join(".git").exists());

    // Gradescope's layout: /autograder/{source,submission,results}. The course copy shares
    // this workspace's build folder so the test does not compile everything again.
    let ag = tmp.path().join("autograder");
    std::fs::create_dir_all(ag.join("source")).unwrap();
    std::os::unix::fs::symlink(&course, ag.join("source/curso")).unwrap();
    std::os::unix::fs::symlink(course_root().join("target"), course.join("target")).unwrap();
    let submission = ag.join("submission/src");
    std::fs::create_dir_all(&submission).unwrap();
    for entry in std::fs::read_dir(course_root().join("solutions/ex1-metricas-http/src")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), submission.join(entry.file_name())).unwrap();
    }
    let grader_bin = Path::new(env!("CARGO_BIN_EXE_grader"));
    let out = bash(
        &[pkg.join("run_autograder").to_str().unwrap()],
        &[("AUTOGRADER", &ag), ("GRADER", grader_bin)],
    );
    assert!(out.status.success());
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ag.join("results/results.json")).unwrap())
            .unwrap();
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    assert_eq!(results["score"], max, "{results:#}");
    assert_eq!(results["max_score"], max);

    // When the grader itself cannot run, Gradescope still gets a results.json saying why.
    let missing = tmp.path().join("no-such-grader");
    let out = bash(
        &[pkg.join("run_autograder").to_str().unwrap()],
        &[("AUTOGRADER", &ag), ("GRADER", &missing)],
    );
    assert!(out.status.success());
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ag.join("results/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 0, "{results:#}");
    assert!(
        results["output"]
            .as_str()
            .unwrap()
            .contains("não conseguiu rodar (código 127)"),
        "{results:#}"
    );
}
