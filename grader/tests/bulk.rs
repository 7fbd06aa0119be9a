//! `grader bulk`: a class of five, graded two at a time, with its gradebook; a second run
//! resumes (skips everyone); `--force` grades again; nothing is left running.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{copy_dir, course_root, fixture};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// `grader bulk ARGS --lang en --backend native`, with its own TMPDIR.
fn bulk(args: &[&str], tmp: &Path) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("bulk")
        .args(args)
        .args(["--lang", "en", "--backend", "native"])
        .env("COURSE_ROOT", course_root())
        .env("TMPDIR", tmp)
        .output()
        .expect("the grader runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// alice: the solution's crate; bruno: the starter's; carla: a whole-course layout holding
/// the solution; davi: code that does not compile; eva: an empty folder.
fn class(root: &Path) -> PathBuf {
    let class = root.join("turma");
    let sol = course_root().join("solutions/ex1-metricas-http/src");
    copy_dir(&sol, &class.join("alice/src"));
    copy_dir(
        &course_root().join("exercises/ex1-metricas-http/src"),
        &class.join("bruno/src"),
    );
    copy_dir(&sol, &class.join("carla/exercises/ex1-metricas-http/src"));
    copy_dir(&fixture("nao-compila/src"), &class.join("davi/src"));
    std::fs::create_dir_all(class.join("eva")).unwrap();
    std::fs::create_dir_all(class.join(".git")).unwrap(); // hidden: not a student
    class
}

fn max_score() -> String {
    grader::spec::Spec::builtin("ex1")
        .unwrap()
        .max_score()
        .to_string()
}

/// The processes this run's TMPDIR names (the staged apps and Prometheus run from there).
fn processes_under(tmp: &Path) -> String {
    let out = Command::new("pgrep")
        .args(["-af", &tmp.display().to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn results_of(out: &Path) -> Vec<(String, String)> {
    let mut all: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path().join("results.json"))
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_class_is_graded_and_a_second_run_resumes() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = class(root.path());
    let out = root.path().join("ex1-results"); // the default: beside the class folder
    let max = max_score();

    let run = bulk(
        &[class.to_str().unwrap(), "--exercise", "ex1", "--jobs", "2"],
        &tmp,
    );
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.code, 3, "some submissions are ungradable: {all}");
    eprintln!("graded the class in {:.1}s", run.took.as_secs_f64());

    // The gradebook: a header, then one row per student in order.
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6, "{csv}");
    assert_eq!(rows[0][..4], ["student", "score", "max_score", "status"]);
    assert!(
        rows[0].contains(&"contador_http"),
        "a column per check: {csv}"
    );
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(row("alice")[1..4], [max.as_str(), &max, "graded"], "{csv}");
    assert_eq!(row("carla")[1..4], [max.as_str(), &max, "graded"], "{csv}");
    let bruno: u32 = row("bruno")[1].parse().unwrap();
    assert!(
        bruno < max.parse().unwrap(),
        "the starter is below max: {csv}"
    );
    assert_eq!(row("bruno")[3], "graded");
    for student in ["davi", "eva"] {
        assert_eq!(row(student)[1..4], ["0", &max, "ungradable"], "{csv}");
    }
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0]).collect();
    assert_eq!(names, ["alice", "bruno", "carla", "davi", "eva"]);

    // The summary, with the reasons.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let totals = &summary["totals"];
    assert_eq!(totals["count"], 5, "{summary:#}");
    assert_eq!(totals["graded"], 3, "{summary:#}");
    assert_eq!(totals["ungradable"], 2, "{summary:#}");
    assert_eq!(totals["full_marks"], 2, "{summary:#}");
    let reason = |i: usize| {
        summary["students"][i]["reason"]
            .as_str()
            .unwrap_or_default()
    };
    assert!(reason(3).contains("does not compile"), "{summary:#}");
    assert!(reason(4).contains("no exercise crate"), "{summary:#}");

    // JUnit XML: a suite per student, a case per check; the ungradable as errors.
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 5, "{junit}");
    let checks = grader::spec::Spec::builtin("ex1").unwrap().checks.len();
    let alice =
        format!("<testsuite name=\"alice\" tests=\"{checks}\" failures=\"0\" errors=\"0\">");
    assert!(junit.contains(&alice), "{junit}");
    assert!(
        junit.contains("<testsuite name=\"davi\" tests=\"1\" failures=\"0\" errors=\"1\">"),
        "{junit}"
    );
    assert!(
        junit.contains("<failure message=\"0/"),
        "bruno's failures: {junit}"
    );
    assert!(junit.contains("errors=\"2\""), "{junit}");

    // The HTML report: the class with its chart, a page per student with the feedback.
    let index = std::fs::read_to_string(out.join("relatorio/index.html")).unwrap();
    assert!(
        index.contains("<svg") && index.contains("5 alunos"),
        "{index}"
    );
    for student in ["alice", "bruno", "carla", "davi", "eva"] {
        assert!(
            index.contains(&format!("href=\"{student}.html\"")),
            "{index}"
        );
    }
    let davi = std::fs::read_to_string(out.join("relatorio/davi.html")).unwrap();
    assert!(davi.contains("does not compile"), "{davi}");
    let bruno = std::fs::read_to_string(out.join("relatorio/bruno.html")).unwrap();
    assert!(
        bruno.contains("✘") && bruno.contains("expected:"),
        "{bruno}"
    );

    // One Gradescope results.json per student, with the gradebook's data in extra_data.
    for student in ["alice", "bruno", "carla", "davi", "eva"] {
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(student).join("results.json")).unwrap(),
        )
        .unwrap();
        assert!(v["tests"].as_array().is_some_and(|t| !t.is_empty()));
        assert_eq!(v["extra_data"]["student"], student);
        assert!(out.join(student).join("report.txt").is_file());
    }
    assert!(
        !out.join(".git").exists(),
        "hidden folders are not students"
    );

    // Progress on stderr (who is being graded, then each result), the table on stdout.
    assert!(run.stderr.contains("[5/5]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("grading now: alice, bruno"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("davi: ungradable: the code in"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.lines().nth(1).unwrap().starts_with("alice"),
        "{}",
        run.stdout
    );

    // Nothing left running.
    let left = processes_under(&tmp);
    assert!(left.trim().is_empty(), "left running: {left}");

    // Again: everyone is skipped, quickly, and nothing changes.
    let before = results_of(&out);
    let again = bulk(&[class.to_str().unwrap(), "--exercise", "ex1"], &tmp);
    assert_eq!(again.code, 3, "{}{}", again.stdout, again.stderr);
    assert_eq!(
        again.stderr.matches("skipped, already graded").count(),
        5,
        "{}",
        again.stderr
    );
    assert!(again.took < Duration::from_secs(10), "{:?}", again.took);
    assert_eq!(
        results_of(&out),
        before,
        "a resumed run leaves results alone"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("grades.csv")).unwrap(),
        csv
    );
}

#[test]
fn force_grades_again_and_out_chooses_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = root.path().join("turma");
    std::fs::create_dir_all(class.join("eva")).unwrap();
    let out = root.path().join("notas");
    let args = [
        class.to_str().unwrap(),
        "--exercise",
        "ex1",
        "--out",
        out.to_str().unwrap(),
    ];

    let first = bulk(&args, &tmp);
    assert_eq!(first.code, 3, "{}{}", first.stdout, first.stderr);
    assert!(out.join("eva/results.json").is_file());
    assert!(!root.path().join("ex1-results").exists());

    let skipped = bulk(&args, &tmp);
    assert!(
        skipped.stderr.contains("[1/1] eva: skipped"),
        "{}",
        skipped.stderr
    );

    let mut forced_args = args.to_vec();
    forced_args.push("--force");
    let forced = bulk(&forced_args, &tmp);
    assert_eq!(forced.code, 3, "{}{}", forced.stdout, forced.stderr);
    assert!(!forced.stderr.contains("skipped"), "{}", forced.stderr);
    assert!(
        forced
            .stderr
            .contains("[1/1] eva: ungradable: no exercise crate"),
        "{}",
        forced.stderr
    );
}

#[test]
fn a_missing_or_empty_class_is_a_usage_error() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nada");
    let run = bulk(
        &[missing.to_str().unwrap(), "--exercise", "ex1"],
        root.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);

    let empty = root.path().join("vazia");
    std::fs::create_dir_all(empty.join(".hidden")).unwrap();
    let run = bulk(&[empty.to_str().unwrap(), "--exercise", "ex1"], root.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("holds no student folder"),
        "{}",
        run.stderr
    );

    let run = bulk(
        &[empty.to_str().unwrap(), "--exercise", "ex99"],
        root.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn an_environment_error_stops_the_run_with_4() {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("turma");
    copy_dir(&fixture("nao-compila/src"), &class.join("davi/src"));
    let run = bulk(
        &[
            class.to_str().unwrap(),
            "--exercise",
            "ex1",
            "--prometheus-bin",
            "/nonexistent/prometheus",
        ],
        root.path(),
    );
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("grading the class stopped"),
        "{}",
        run.stderr
    );
    assert!(!root.path().join("ex1-results/davi/results.json").exists());
}

#[test]
fn ctrl_c_stops_every_grading_and_keeps_what_finished() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = root.path().join("turma");
    let sol = course_root().join("solutions/ex1-metricas-http/src");
    copy_dir(&sol, &class.join("alice/src"));
    copy_dir(&sol, &class.join("bruno/src"));
    std::fs::create_dir_all(class.join("aaron")).unwrap(); // no crate: done at once
    let mut child = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["bulk", class.to_str().unwrap(), "--exercise", "ex1"])
        .args(["--jobs", "2", "--lang", "en", "--backend", "native"])
        .env("COURSE_ROOT", course_root())
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let ps = processes_under(&tmp);
        if ps.contains("prometheus") && ps.contains("grader-ex1-") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never started: {ps}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let start = Instant::now();
    while !processes_under(&tmp).trim().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "left running: {}",
            processes_under(&tmp)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The gradebook covers what finished (aaron, graded first).
    let out = root.path().join("ex1-results");
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    assert!(csv.contains("\r\naaron,0,"), "{csv}");
    assert!(out.join("aaron/results.json").is_file());
}
