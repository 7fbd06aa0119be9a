//! The course checks itself: every solution scores full marks, every starter scores below,
//! and the report a starter gets says what is missing.

mod common;

use common::{grader, redactions};
use grader::spec::Spec;

#[test]
fn every_solution_scores_full_marks() {
    for spec in Spec::all_builtin().unwrap() {
        let run = grader(&[&spec.id, "--solution"]);
        assert_eq!(
            run.code, 0,
            "{} solution:\n{}\n{}",
            spec.id, run.stdout, run.stderr
        );
        let max = spec.max_score();
        assert!(
            run.stdout.contains(&format!("Score: {max}/{max}")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn every_starter_scores_below_max_and_says_why() {
    for spec in Spec::all_builtin().unwrap() {
        let run = grader(&[&spec.id]);
        assert_eq!(
            run.code, 1,
            "{} starter:\n{}\n{}",
            spec.id, run.stdout, run.stderr
        );
        redactions().bind(|| insta::assert_snapshot!(format!("starter_{}", spec.id), run.stdout));
    }
}

#[test]
fn json_output_has_the_gradescope_shape() {
    let run = grader(&["ex1", "--solution", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let max = Spec::builtin("ex1").unwrap().max_score();
    assert_eq!(v["score"], max);
    assert_eq!(v["max_score"], max);
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), Spec::builtin("ex1").unwrap().checks.len());
    for t in tests {
        assert_eq!(t["status"], "passed", "{t}");
        assert_eq!(t["score"], t["max_score"]);
        assert!(t["name"].as_str().unwrap().contains(':'));
        assert_eq!(t["visibility"], "visible");
    }
}
