//! The course checks itself: every solution scores full marks, every starter scores below,
//! and the report a starter gets says what is missing.

mod common;

use common::{grader, redactions};
use grader::spec::Spec;

/// One test per exercise for its solution and one for its starter: each is its own verdict in
/// the run, and they run side by side.
macro_rules! every_exercise {
    ($($id:ident),* $(,)?) => {
        /// The exercises the tests below cover.
        const COVERED: &[&str] = &[$(stringify!($id)),*];
        mod solution {
            $(#[test]
            fn $id() {
                super::solution_scores_full_marks(stringify!($id));
            })*
        }
        mod starter {
            $(#[test]
            fn $id() {
                super::starter_scores_below_max_and_says_why(stringify!($id));
            })*
        }
    };
}

every_exercise!(ex1, ex2, ex3, ex4, ex5, ex6, ex7, ex8, ex9, final_);

/// A new exercise gets its two tests here, or this fails.
#[test]
fn every_exercise_has_its_solution_and_starter_test() {
    let ids: Vec<String> = Spec::all_builtin()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let covered: Vec<&str> = COVERED.iter().map(|id| id.trim_end_matches('_')).collect();
    assert_eq!(ids, covered);
}

fn solution_scores_full_marks(id: &str) {
    let id = id.trim_end_matches('_');
    let spec = Spec::builtin(id).unwrap();
    let run = grader(&[id, "--solution"]);
    assert_eq!(
        run.code, 0,
        "{id} solution:\n{}\n{}",
        run.stdout, run.stderr
    );
    let max = spec.max_score();
    assert!(
        run.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        run.stdout
    );
}

fn starter_scores_below_max_and_says_why(id: &str) {
    let id = id.trim_end_matches('_');
    let run = grader(&[id]);
    assert_eq!(run.code, 1, "{id} starter:\n{}\n{}", run.stdout, run.stderr);
    redactions().bind(|| insta::assert_snapshot!(format!("starter_{id}"), run.stdout));
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
    assert_eq!(
        v["extra_data"]["course"],
        common::course_root().display().to_string()
    );
}

/// Run inside another copy of the course, the grader grades that copy (here its ex4 answers,
/// the solution's), not the one it was built from, and its report says which course it graded.
#[test]
fn the_course_around_the_current_folder_is_the_one_graded() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("outro-curso");
    common::copy_dir(
        &common::course_root().join("grader/specs"),
        &copy.join("grader/specs"),
    );
    std::fs::copy(
        common::course_root().join("Cargo.toml"),
        copy.join("Cargo.toml"),
    )
    .unwrap();
    let answers = copy.join("exercises/ex4-promql");
    std::fs::create_dir_all(&answers).unwrap();
    std::fs::copy(
        common::course_root().join("solutions/ex4-promql/respostas.toml"),
        answers.join("respostas.toml"),
    )
    .unwrap();
    // The shop already running: nothing of the copy needs building.
    let app = common::running::run_solution("ex2-metricas-negocio-solucao");
    let url = format!("http://127.0.0.1:{}", app.1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .current_dir(&answers)
        .env_remove("COURSE_ROOT")
        .args(["ex4", "--url", &url, "--lang", "en", "--backend", "native"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().nth(1),
        Some(format!("Course: {}", copy.display()).as_str()),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The built-from course's starter answers only the first question.
    let max = Spec::builtin("ex4").unwrap().max_score();
    assert!(stdout.contains(&format!("Score: {max}/{max}")), "{stdout}");
}
