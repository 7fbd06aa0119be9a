//! The GitHub Classroom workflow template (`classroom/autograding.yml`): it has the structure
//! GitHub Actions expects, and the command of its Grade step, run as written in a copy of the
//! course laid out like a student's repository, prints the report and `Points X/Y`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::course_root;
use serde_yaml::Value;

fn workflow() -> Value {
    let text = std::fs::read_to_string(course_root().join("classroom/autograding.yml")).unwrap();
    serde_yaml::from_str(&text).expect("the workflow is YAML")
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The step named `name` of the workflow's only job.
fn step<'a>(wf: &'a Value, name: &str) -> &'a Value {
    let jobs = wf["jobs"].as_mapping().unwrap();
    let job = jobs.values().next().unwrap();
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| str_of(s, "name") == Some(name))
        .unwrap_or_else(|| panic!("no step {name}"))
}

#[test]
fn the_workflow_has_the_structure_github_actions_expects() {
    let wf = workflow();
    assert!(str_of(&wf, "name").is_some());
    let on = wf
        .get("on")
        .expect("`on` (a string key, not YAML 1.1's true)");
    for event in ["push", "workflow_dispatch", "repository_dispatch"] {
        assert!(on.get(event).is_some(), "runs on {event}: {on:?}");
    }
    let jobs = wf["jobs"].as_mapping().expect("jobs is a mapping");
    assert_eq!(jobs.len(), 1);
    for (id, job) in jobs {
        let id = id.as_str().unwrap();
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{id}"
        );
        assert_eq!(str_of(job, "runs-on"), Some("ubuntu-latest"));
        assert!(job["timeout-minutes"].as_u64().is_some_and(|m| m > 0));
        let steps = job["steps"].as_sequence().expect("steps is a list");
        assert!(!steps.is_empty());
        for s in steps {
            // Each step is an action (`uses`) or a command (`run`), never both.
            assert!(s.get("uses").is_some() != s.get("run").is_some(), "{s:?}");
            assert!(str_of(s, "name").is_some(), "every step is named: {s:?}");
        }
        assert_eq!(
            str_of(&steps[0], "uses").map(|u| u.split('@').next().unwrap()),
            Some("actions/checkout"),
            "the repository is checked out first"
        );
    }
    // The exercise it grades is one the grader knows, and what it runs is in the course.
    let exercise = str_of(&wf["env"], "EXERCISE").unwrap();
    grader::spec::Spec::builtin(exercise).unwrap();
    let setup = str_of(step(&wf, "Install Prometheus and Alertmanager"), "run").unwrap();
    assert!(course_root().join(setup.trim()).is_file(), "{setup}");
    let build = str_of(step(&wf, "Build the grader"), "run").unwrap();
    assert!(
        build.contains("cargo build") && build.contains("-p grader"),
        "{build}"
    );
    // The Grade step runs the binary the build step makes (a debug build of the grader).
    let grade = str_of(step(&wf, "Grade"), "run").unwrap();
    let binary = grade.split_whitespace().next().unwrap();
    assert_eq!(
        course_root().join(binary),
        Path::new(env!("CARGO_BIN_EXE_grader")),
        "{grade}"
    );
    assert!(grade.contains("--format classroom"), "{grade}");
}

/// The workflow's `env`, as the runner gives it to the step in `workspace`.
fn env_of(wf: &Value, workspace: &Path) -> BTreeMap<String, String> {
    wf["env"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .unwrap()
                .replace("${{ github.workspace }}", workspace.to_str().unwrap());
            assert!(
                !v.contains("${{"),
                "an expression this test does not know: {v}"
            );
            (k.as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Runs the Grade step's command as GitHub Actions runs a `run` step, in `repo`.
fn grade_step(wf: &Value, repo: &Path) -> (i32, String) {
    let command = str_of(step(wf, "Grade"), "run").unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", command])
        .current_dir(repo)
        .envs(env_of(wf, repo))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The line `Points X/Y` of the output, and the notice Classroom reads.
fn points(stdout: &str) -> (String, String) {
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix}:\n{stdout}"))
            .to_string()
    };
    (
        line("Points "),
        line("::notice title=Autograding complete::"),
    )
}

#[test]
fn the_grade_step_reports_points_for_a_students_repository() {
    let wf = workflow();
    let exercise = str_of(&wf["env"], "EXERCISE").unwrap().to_string();
    let spec = grader::spec::Spec::builtin(&exercise).unwrap();
    let max = spec.max_score();

    // A student's repository: the course as shipped to them (no build, no history), built into
    // this workspace's target folder (through a link) so that nothing compiles twice; the
    // build step's binary is then this test's grader.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    grader::course::copy_tree(&course_root(), &repo, &["target", ".git", ".grader"]).unwrap();
    std::os::unix::fs::symlink(course_root().join("target"), repo.join("target")).unwrap();

    // The starter as the student got it: below full marks, and Points says the report's score.
    let (code, stdout) = grade_step(&wf, &repo);
    assert_eq!(code, 1, "{stdout}");
    let score = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Pontuação: "))
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no score line:\n{stdout}"))
        .to_string();
    let (line, notice) = points(&stdout);
    assert_eq!(line, format!("Points {score}"), "{stdout}");
    assert_eq!(
        notice,
        format!("::notice title=Autograding complete::Points {score}")
    );
    assert_ne!(score, format!("{max}/{max}"));

    // The exercise solved.
    let starter = repo.join(&spec.starter).join("src");
    std::fs::remove_dir_all(&starter).unwrap();
    grader::course::copy_tree(
        &course_root().join(&spec.solution).join("src"),
        &starter,
        &[],
    )
    .unwrap();
    let (code, stdout) = grade_step(&wf, &repo);
    assert_eq!(code, 0, "{stdout}");
    let (line, notice) = points(&stdout);
    assert_eq!(line, format!("Points {max}/{max}"), "{stdout}");
    assert_eq!(
        notice,
        format!("::notice title=Autograding complete::Points {max}/{max}")
    );
    // The report itself prints with workflow commands off, so nothing in it can pose as one.
    let first = stdout.lines().next().unwrap();
    let token = first.strip_prefix("::stop-commands::").unwrap();
    assert!(
        stdout.contains(&format!("\n::{token}::\nPoints ")),
        "{stdout}"
    );
}
