//! Hidden checks (`--hidden`): read from the course at run time, never built in; values drawn
//! from a seed that the results record and that draws them again; students see a count, the
//! instructor everything; and a submission tuned to the public checks loses their points.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{course_root, grader, mutated_solution};
use grader::course::Course;
use grader::hidden::{Hidden, student_seed};
use grader::spec::{CheckKind, Spec};

fn course() -> Course {
    Course::locate(Some(&course_root())).unwrap()
}

/// What a drawn check does, to tell draws apart.
fn drawn(spec: &Spec) -> Vec<String> {
    spec.checks
        .iter()
        .filter(|c| c.hidden)
        .map(|c| format!("{:?}", c.kind))
        .collect()
}

#[test]
fn the_hidden_checks_of_ex1_and_ex2_draw_valid_and_varied_checks() {
    for id in ["ex1", "ex2"] {
        let spec = Spec::builtin(id).unwrap();
        let hidden = Hidden::load(&course(), id).unwrap();
        let ids: Vec<&str> = hidden.ids().collect();
        assert!(ids.len() >= 3, "{id}: {ids:?}");
        let mut draws = BTreeSet::new();
        for seed in 0..300 {
            let with = hidden.apply(&spec, seed).unwrap();
            assert_eq!(with.hidden_seed, Some(seed));
            assert_eq!(with.checks.len(), spec.checks.len() + ids.len());
            assert!(with.max_score() > spec.max_score());
            // Only delta checks, which make requests and compare, as grading runs them.
            assert!(
                with.checks
                    .iter()
                    .filter(|c| c.hidden)
                    .all(|c| matches!(c.kind, CheckKind::Delta { .. }))
            );
            draws.insert(drawn(&with));
        }
        assert!(
            draws.len() > 100,
            "{id}: only {} different draws",
            draws.len()
        );
        // The same seed, the same values.
        assert_eq!(
            drawn(&hidden.apply(&spec, 12345).unwrap()),
            drawn(&hidden.apply(&spec, 12345).unwrap())
        );
    }
}

#[test]
fn the_hidden_checks_are_not_in_the_binary_and_a_course_without_them_says_so() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_grader")).unwrap();
    for id in Hidden::load(&course(), "ex2").unwrap().ids() {
        let found = binary.windows(id.len()).any(|w| w == id.as_bytes());
        assert!(!found, "{id} is built into the grader");
    }

    // The students' edition: the course without grader/specs/ocultas.
    let students = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(students.path().join("grader/specs")).unwrap();
    std::fs::copy(
        course_root().join("Cargo.toml"),
        students.path().join("Cargo.toml"),
    )
    .unwrap();
    let run = grader(&[
        "ex1",
        "--hidden",
        "--course",
        students.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("no hidden checks for ex1: ")
            && run
                .stderr
                .contains("grader/specs/ocultas/ex1.toml does not exist"),
        "{}",
        run.stderr
    );
    let seed_alone = grader(&["ex1", "--hidden-seed", "3"]);
    assert_eq!(
        seed_alone.code, 2,
        "--hidden-seed needs --hidden: {}",
        seed_alone.stderr
    );
}

/// ex2's solution with a payment method hard-coded away: debit sales counted as credit. The
/// public checks only buy with pix, boleto and credito, so it passes all of them.
fn debit_as_credit() -> tempfile::TempDir {
    mutated_solution(
        "solutions/ex2-metricas-negocio",
        &[(
            "eventos.rs",
            "self.vendas.with_label_values(&[metodo_pagamento]).inc();",
            "let metodo = if metodo_pagamento == \"debito\" { \"credito\" } else { metodo_pagamento };\n        \
             self.vendas.with_label_values(&[metodo]).inc();",
        )],
    )
}

fn copy_src(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The method the hidden sale of ex2 draws from `seed`.
fn method_drawn(seed: u64) -> String {
    let spec = Hidden::load(&course(), "ex2")
        .unwrap()
        .apply(&Spec::builtin("ex2").unwrap(), seed)
        .unwrap();
    let check = spec
        .checks
        .iter()
        .find(|c| c.id == "oculta_venda_metodo")
        .unwrap();
    let CheckKind::Delta(grader::spec::kinds::Delta { requests, .. }) = &check.kind else {
        panic!("a delta check")
    };
    let body = requests[0].json.as_deref().unwrap();
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["metodo_pagamento"].as_str().unwrap().to_string()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hidden_tests(results: &serde_json::Value) -> Vec<serde_json::Value> {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["visibility"] == "hidden")
        .cloned()
        .collect()
}

#[test]
fn a_class_graded_with_hidden_checks_shows_students_a_count_and_the_instructor_everything() {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("turma");
    copy_src(
        &course_root().join("solutions/ex2-metricas-negocio/src"),
        &class.join("alice/src"),
    );
    let bruno_sub = debit_as_credit();
    copy_src(&bruno_sub.path().join("src"), &class.join("bruno/src"));
    // A class seed whose draw for bruno buys with debit.
    let run_seed = (0..1000u64)
        .find(|s| method_drawn(student_seed(*s, "bruno")) == "debito")
        .unwrap();
    let bruno_seed = student_seed(run_seed, "bruno");
    let out = root.path().join("saida");

    let run = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["bulk", class.to_str().unwrap(), "--exercise", "ex2"])
        .args(["--out", out.to_str().unwrap(), "--jobs", "2", "--hidden"])
        .args(["--hidden-seed", &run_seed.to_string()])
        .args(["--lang", "en", "--backend", "native"])
        .env("COURSE_ROOT", course_root())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0), "{all}");
    assert!(
        all.contains(&format!("the class's seed {run_seed}")),
        "{all}"
    );

    let public = Spec::builtin("ex2").unwrap().max_score();
    let hidden = Hidden::load(&course(), "ex2").unwrap();
    let max = hidden
        .apply(&Spec::builtin("ex2").unwrap(), 0)
        .unwrap()
        .max_score();

    // The instructor's gradebook: a column per hidden check, alice full, bruno short of the
    // hidden sale only.
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    for id in hidden.ids() {
        col(id);
    }
    let sale = col("oculta_venda_metodo");
    assert_eq!(
        rows[1][..4],
        ["alice", &max.to_string(), &max.to_string(), "graded"],
        "{csv}"
    );
    assert_eq!(rows[1][sale], "2", "{csv}");
    assert_eq!(
        rows[2][..3],
        ["bruno", &(max - 2).to_string(), &max.to_string()],
        "every public check passes, the hidden sale does not: {csv}"
    );
    assert_eq!(rows[2][sale], "0", "{csv}");
    assert!(max > public);

    // results.json: each hidden check a Gradescope test never shown to students, with what was
    // drawn; one visible test with their count; the seed.
    let results = read_json(&out.join("bruno/results.json"));
    assert_eq!(
        results["extra_data"]["hidden_seed"], bruno_seed,
        "{results:#}"
    );
    let tests = hidden_tests(&results);
    assert_eq!(tests.len(), hidden.ids().count(), "{results:#}");
    let sale_test = tests
        .iter()
        .find(|t| {
            t["name"]
                .as_str()
                .unwrap()
                .starts_with("oculta_venda_metodo")
        })
        .unwrap();
    assert_eq!(sale_test["status"], "failed");
    assert!(
        sale_test["output"]
            .as_str()
            .unwrap()
            .contains("ecommerce_vendas_total{metodo_pagamento=\"debito\"}: moved by 0"),
        "{sale_test:#}"
    );
    let summary_test = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["extra_data"]["hidden_summary"] == true)
        .unwrap();
    assert_eq!(summary_test["visibility"], "visible");
    assert_eq!(summary_test["score"], max - public - 2);
    assert_eq!(
        summary_test["name"],
        "the instructor's hidden checks: 3 of 4 passed"
    );

    // What students read: the count and the points, nothing of what the checks are.
    let report = std::fs::read_to_string(out.join("bruno/report.txt")).unwrap();
    let page = std::fs::read_to_string(out.join("relatorio/bruno.html")).unwrap();
    for text in [&report, &page] {
        assert!(
            text.contains("the instructor's hidden checks: 3 of 4 passed"),
            "{text}"
        );
        assert!(!text.contains("oculta_"), "{text}");
        assert!(!text.contains("debito"), "{text}");
        assert!(!text.contains("drawn checkouts"), "{text}");
        assert!(text.contains(&bruno_seed.to_string()), "{text}");
    }
    assert!(
        report.contains(&format!(
            "✘ [{}/{}] the instructor's hidden checks",
            max - public - 2,
            max - public
        )),
        "{report}"
    );

    // The instructor's JUnit and summary have them in full.
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("oculta_venda_metodo"), "{junit}");
    assert!(
        !junit.contains("hidden checks: 3 of 4"),
        "the count is not a test case: {junit}"
    );
    let summary = read_json(&out.join("summary.json"));
    let listed: Vec<&str> = summary["hidden_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, hidden.ids().collect::<Vec<_>>());

    // A regrade of bruno alone with the seed his results name draws the same values.
    let again = grader(&[
        "ex2",
        "--path",
        class.join("bruno").to_str().unwrap(),
        "--hidden",
        "--hidden-seed",
        &bruno_seed.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    let names_outputs = |v: &[serde_json::Value]| -> Vec<(String, String)> {
        v.iter()
            .map(|t| (t["name"].to_string(), t["output"].to_string()))
            .collect()
    };
    assert_eq!(names_outputs(&hidden_tests(&again)), names_outputs(&tests));
}
