//! `grader hint exN`, as a student calls it: each call opens the next hint, in the spec's
//! order (a nudge, the concept with its book section, what to use); how many are open is
//! kept in the course's state file, so it carries over from one run of the grader to the next.

mod common;

use common::grader;
use grader::spec::Spec;

/// A course folder of its own (the grader needs only its Cargo.toml and grader/specs), so
/// the hints opened here touch no other test's state.
fn small_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::create_dir_all(dir.path().join("grader/specs")).unwrap();
    dir
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap()
}

#[test]
fn each_call_opens_the_next_hint_in_order_and_the_count_survives_a_restart() {
    let course = small_course();
    let path = course.path().to_str().unwrap();
    let spec = Spec::builtin("ex2").unwrap();
    let total = spec.hints.len();
    assert_eq!(total, 3);

    for (n, hint) in spec.hints.iter().enumerate() {
        // A new grader process each time: what it remembers is in the state file.
        let run = grader(&["hint", "ex2", "--course", path]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .starts_with(&format!("Hint {} of {total}", n + 1)),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(first_line(&hint.en)), "{}", run.stdout);
        for earlier in &spec.hints[..n] {
            assert!(
                !run.stdout.contains(first_line(&earlier.en)),
                "{}",
                run.stdout
            );
        }
        if let Some(book) = &hint.book {
            assert!(
                run.stdout.contains(&format!("Book: book/src/{book}")),
                "{}",
                run.stdout
            );
        }
    }
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(course.path().join(".grader/estado.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["hints"]["ex2"], 3, "{state}");

    // With every hint open, a call shows them all again, in order, and says so.
    let again = grader(&["hint", "ex2", "--course", path]);
    assert_eq!(again.code, 0);
    let at: Vec<usize> = spec
        .hints
        .iter()
        .map(|h| again.stdout.find(first_line(&h.en)).expect(&again.stdout))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", again.stdout);
    assert!(
        again.stdout.contains("Those are all the hints"),
        "{}",
        again.stdout
    );

    // Each exercise keeps its own count.
    let other = grader(&["hint", "ex1", "--course", path]);
    assert!(other.stdout.starts_with("Hint 1 of 3"), "{}", other.stdout);
}

#[test]
fn an_unknown_exercise_is_a_usage_error() {
    let course = small_course();
    let run = grader(&["hint", "ex99", "--course", course.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("unknown exercise"), "{}", run.stderr);
}
