//! The student's loop around the grader: the course overview with the next exercise, kept in
//! a state file outside the sources; and `grader reset`, which restores a starter and keeps a
//! backup.

mod common;

use std::process::Command;

use common::{course_root, grader};

/// A course folder of its own (a git repository with the ex3 starter), so that resetting or
/// recording progress touches nothing the other tests use.
fn small_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::create_dir_all(root.join("grader/specs")).unwrap();
    let starter = root.join("exercises/ex3-prometheus-yml");
    std::fs::create_dir_all(&starter).unwrap();
    std::fs::copy(
        course_root().join("exercises/ex3-prometheus-yml/prometheus.yml"),
        starter.join("prometheus.yml"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["-c", "user.name=curso", "-c", "user.email=curso@localhost"])
            .args(args)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "curso"]);
    dir
}

fn in_course(course: &std::path::Path, args: &[&str]) -> common::Run {
    let mut all = args.to_vec();
    all.extend(["--course", course.to_str().unwrap()]);
    grader(&all)
}

#[test]
fn the_overview_follows_the_grades_and_names_the_next_exercise() {
    let course = small_course();
    let before = in_course(course.path(), &[]);
    assert_eq!(before.code, 0, "{}{}", before.stdout, before.stderr);
    assert!(before.stdout.contains("Next: ex1"), "{}", before.stdout);
    assert!(!before.stdout.contains("in progress"), "{}", before.stdout);

    // Graded once: its score is in the state file, not in the sources.
    let graded = grader(&[
        "ex3",
        "--course",
        course_root().to_str().unwrap(),
        "--path",
        course.path().to_str().unwrap(),
    ]);
    assert_eq!(graded.code, 1, "{}{}", graded.stdout, graded.stderr);
    // `--path` grades someone's copy: it is not the student's own progress.
    assert!(!course.path().join(".grader").exists());
    // The student's own copy is (here it cannot even run: this course has no ex2 app).
    let own = in_course(course.path(), &["ex3"]);
    assert_eq!(own.code, 3, "{}{}", own.stdout, own.stderr);
    let recorded = in_course(course.path(), &[]);
    assert!(
        recorded.stdout.contains("◐ in progress    0/11"),
        "{}",
        recorded.stdout
    );

    let state = course.path().join(".grader/estado.json");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::fs::write(
        &state,
        r#"{"exercises":{"ex1":{"last":14,"best":14,"max":14},"ex2":{"last":4,"best":9,"max":22}}}"#,
    )
    .unwrap();
    let after = in_course(course.path(), &[]);
    assert!(after.stdout.contains("✔ done"), "{}", after.stdout);
    assert!(
        after.stdout.contains("◐ in progress    9/22"),
        "{}",
        after.stdout
    );
    assert!(after.stdout.contains("Next: ex2"), "{}", after.stdout);
}

#[test]
fn reset_restores_the_starter_and_keeps_a_backup() {
    let course = small_course();
    let file = course
        .path()
        .join("exercises/ex3-prometheus-yml/prometheus.yml");
    let shipped = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, "# my work in progress\n").unwrap();

    // Without a terminal to ask on, nothing happens without --yes.
    let refused = in_course(course.path(), &["reset", "ex3"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# my work in progress\n"
    );

    let reset = in_course(course.path(), &["reset", "ex3", "--yes"]);
    assert_eq!(reset.code, 0, "{}{}", reset.stdout, reset.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), shipped);
    let backups: Vec<_> = std::fs::read_dir(course.path().join(".grader/copias"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read_to_string(backups[0].join("prometheus.yml")).unwrap(),
        "# my work in progress\n"
    );
}
