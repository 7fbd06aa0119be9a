//! The course platforms instructors grade with, through their real artefacts: Classroom 50's
//! `autograder.py` run as its runner runs it, `grader bulk` writing every platform's file, and
//! the documents checked against JSON Schemas written from each platform's contract
//! (`tests/fixtures/platforms`). PrairieLearn's image and Gradescope's box are in
//! `platform_images.rs`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{copy_dir, course_root, fixture, grader};
use serde_json::{Value, json};

fn schema(name: &str) -> jsonschema::Validator {
    let path = fixture("platforms").join(name);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&doc).unwrap()
}

/// What the schema finds wrong in `doc`, one line each.
fn violations(schema: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    schema
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// The environment Classroom 50's runner gives `autograder.py`.
const RUNNER_ENV: &[(&str, &str)] = &[
    ("CLASSROOM", "ads-2026"),
    ("ASSIGNMENT", "ex1"),
    ("ASSIGNMENT_TYPE", "individual"),
    ("SUBMISSION_TAG", "submit/2026-12-03T08-00-00Z-abc1234"),
    (
        "COMMIT_URL",
        "https://github.com/turma/ads-2026-ex1-ana/commit/abc1234",
    ),
    (
        "RELEASE_URL",
        "https://github.com/turma/ads-2026-ex1-ana/releases/tag/submit%2F1",
    ),
    (
        "REVIEW_URL",
        "https://github.com/turma/ads-2026-ex1-ana/compare/a...b",
    ),
    ("USERNAME", "ana"),
];

/// A way a document can be wrong, and what it does to a valid one.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn the_schemas_catch_a_missing_or_mistyped_field() {
    let c50 = schema("classroom50-result.schema.json");
    let valid = json!({
        "schema": "classroom50/result/v1", "classroom": "c", "assignment": "ex1",
        "assignment_type": "individual", "owner": "ana", "submission": "submit/x",
        "commit": "u", "release": "u", "review": "u", "datetime": "2026-12-03T08:00:00Z",
        "graded_at": "2026-12-03T08:01:00Z", "score": 3, "max-score": 5,
        "tests": [{ "test-name": "a", "passed": true, "score": 3, "max-score": 3, "hint": "x" }]
    });
    assert_eq!(violations(&c50, &valid), Vec::<String>::new());
    let mutations: [Mutation; 6] = [
        ("no owner", |d| {
            drop(d.as_object_mut().unwrap().remove("owner"))
        }),
        ("a score in text", |d| d["score"] = json!("3")),
        ("a fractional score", |d| d["max-score"] = json!(4.5)),
        ("a tag that is not submit/", |d| {
            d["submission"] = json!("v1")
        }),
        ("passed in text", |d| d["tests"][0]["passed"] = json!("yes")),
        ("a test without a name", |d| {
            drop(d["tests"][0].as_object_mut().unwrap().remove("test-name"))
        }),
    ];
    for (what, mutate) in mutations {
        let mut doc = valid.clone();
        mutate(&mut doc);
        assert!(
            !violations(&c50, &doc).is_empty(),
            "{what} passed the schema"
        );
    }

    let pl = schema("prairielearn-results.schema.json");
    let graded = json!({ "gradable": true, "score": 0.5, "tests": [
        { "name": "a", "points": 1, "max_points": 2, "output": "" } ] });
    assert_eq!(violations(&pl, &graded), Vec::<String>::new());
    let ungradable = json!({ "gradable": false, "format_errors": ["não compila"] });
    assert_eq!(violations(&pl, &ungradable), Vec::<String>::new());
    for bad in [
        json!({ "gradable": true }),
        json!({ "gradable": true, "score": 1.5 }),
        json!({ "gradable": false }),
        json!({ "gradable": true, "score": 1, "tests": [{ "name": "a", "points": "1", "max_points": 1 }] }),
    ] {
        assert!(!violations(&pl, &bad).is_empty(), "{bad} passed the schema");
    }
}

/// A student's checkout of the course with ex1's `src/` taken from `src` (a git repository,
/// as Classroom 50 checks it out).
fn checkout(dir: &Path, src: &Path) {
    let crate_dir = dir.join("exercises/ex1-metricas-http");
    copy_dir(src, &crate_dir.join("src"));
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=Ana",
            "-c",
            "user.email=ana@example.test",
            "commit",
            "-qm",
            "entrega",
        ],
    ] {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `python3 autograder.py` in `checkout`, with the runner's environment less `without`.
fn run_autograder(bundle: &Path, checkout: &Path, without: &[&str]) -> std::process::Output {
    let course = course_root();
    let mut cmd = Command::new("python3");
    cmd.arg(bundle.join("autograder.py"))
        .current_dir(checkout)
        // The bundle's grader builds where the student edition's does (its dependencies are
        // there already); see the `editions` test group.
        .env("CARGO_TARGET_DIR", course.join("target/student-edition"))
        .env("CLASSROOM50_BUNDLE_DIR", bundle);
    for (k, v) in RUNNER_ENV.iter().filter(|(k, _)| !without.contains(k)) {
        cmd.env(k, v);
    }
    for k in without {
        cmd.env_remove(k);
    }
    cmd.output().unwrap()
}

#[test]
fn the_classroom50_autograder_grades_checkouts_as_its_runner_runs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = grader(&[
        "package",
        "--classroom50",
        "ex1",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let bundle = tmp.path().join("classroom50-ex1");
    assert_eq!(run.stdout.trim(), bundle.display().to_string());

    // The assignment's runtime block: the course's toolchain and setup.sh's packages.
    let runtime = read_json(&bundle.join("runtime.json"));
    let toolchain = std::fs::read_to_string(course_root().join("rust-toolchain.toml")).unwrap();
    let channel = runtime["rust"].as_str().unwrap();
    assert!(
        toolchain.contains(&format!("channel = \"{channel}\"")),
        "{runtime}"
    );
    let apt: Vec<&str> = runtime["apt"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for pkg in [
        "prometheus",
        "prometheus-alertmanager",
        "prometheus-node-exporter",
    ] {
        assert!(apt.contains(&pkg), "{runtime}");
    }
    // The course copy is the student edition: no solutions, no hidden checks, and small
    // enough for Classroom 50's 10 MB bundles.
    let course = bundle.join("curso");
    assert!(course.join("grader/specs/ex1.toml").is_file());
    assert!(!course.join("solutions").exists() && !course.join("grader/specs/ocultas").exists());
    let tar = Command::new("tar")
        .args(["czf", "-", "-C"])
        .arg(&bundle)
        .arg(".")
        .output()
        .unwrap();
    assert!(tar.status.success());
    assert!(
        tar.stdout.len() < 10 * 1024 * 1024,
        "bundle of {} bytes",
        tar.stdout.len()
    );
    // Grading builds the submission into the copy's target folder: the course's, where the
    // dependencies are built already.
    std::os::unix::fs::symlink(course_root().join("target"), course.join("target")).unwrap();

    let c50 = schema("classroom50-result.schema.json");
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    let cases = [
        (
            "completa",
            course_root().join("solutions/ex1-metricas-http/src"),
        ),
        (
            "parcial",
            course_root().join("exercises/ex1-metricas-http/src"),
        ),
        ("nao-compila", fixture("nao-compila/src")),
    ];
    for (name, src) in cases {
        let dir = tmp.path().join(name);
        checkout(&dir, &src);
        let out = run_autograder(&bundle, &dir, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let result = read_json(&dir.join("result.json"));
        assert_eq!(
            violations(&c50, &result),
            Vec::<String>::new(),
            "{name}: {result:#}"
        );
        assert_eq!(result["owner"], "ana");
        assert_eq!(result["assignment"], "ex1");
        assert_eq!(result["max-score"], max);
        let score = result["score"].as_u64().unwrap();
        let body = std::fs::read_to_string(dir.join("release-body.md")).unwrap();
        match name {
            "completa" => {
                assert_eq!(score, u64::from(max), "{result:#}");
                assert!(
                    result["tests"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|t| t["passed"] == true)
                );
            }
            "parcial" => {
                assert!(score > 0 && score < u64::from(max), "{result:#}");
                // A failed check keeps what the report says of it.
                let failed = result["tests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["passed"] == false)
                    .expect("a failed check");
                assert!(
                    failed["expected"].is_string() && failed["hint"].is_string(),
                    "{failed:#}"
                );
            }
            _ => {
                assert_eq!(score, 0, "{result:#}");
                assert!(
                    result["ungradable"].as_str().unwrap().contains("compil"),
                    "{result:#}"
                );
            }
        }
        assert!(body.contains("Pontuação"), "{name}: {body}");
    }

    // Without the runner's environment the autograder cannot say who it graded: that is its
    // own failure (non-zero), and it leaves no result behind.
    let dir = tmp.path().join("sem-ambiente");
    checkout(&dir, &course_root().join("solutions/ex1-metricas-http/src"));
    let out = run_autograder(&bundle, &dir, &["CLASSROOM", "SUBMISSION_TAG"]);
    assert!(!out.status.success());
    assert!(!dir.join("result.json").exists());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CLASSROOM") && stderr.contains("SUBMISSION_TAG"),
        "{stderr}"
    );
}

#[test]
fn bulk_writes_every_platform_s_file_for_each_student() {
    let class = tempfile::tempdir().unwrap();
    copy_dir(
        &course_root().join("solutions/ex1-metricas-http/src"),
        &class.path().join("ana/src"),
    );
    copy_dir(&fixture("nao-compila/src"), &class.path().join("bia/src"));
    let out = class.path().join("resultados");
    let run = grader(&[
        "bulk",
        class.path().to_str().unwrap(),
        "--exercise",
        "ex1",
        "--out",
        out.to_str().unwrap(),
        "--classroom50",
        "ads-2026",
        "--prairielearn",
        "--backend",
        "native",
    ]);
    // bia's submission does not build: the class is graded, with one ungradable.
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let (c50, pl) = (
        schema("classroom50-result.schema.json"),
        schema("prairielearn-results.schema.json"),
    );
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    for student in ["ana", "bia"] {
        let result = read_json(&out.join(student).join("classroom50-result.json"));
        assert_eq!(
            violations(&c50, &result),
            Vec::<String>::new(),
            "{result:#}"
        );
        assert_eq!(
            (result["owner"].as_str(), result["classroom"].as_str()),
            (Some(student), Some("ads-2026"))
        );
        let results = read_json(&out.join(student).join("prairielearn-results.json"));
        assert_eq!(
            violations(&pl, &results),
            Vec::<String>::new(),
            "{results:#}"
        );
        assert!(out.join(student).join("results.json").is_file());
        if student == "ana" {
            assert_eq!(result["score"], max);
            assert_eq!(
                (results["gradable"].as_bool(), results["score"].as_f64()),
                (Some(true), Some(1.0))
            );
        } else {
            assert_eq!(result["score"], 0);
            assert_eq!(results["gradable"], false, "{results:#}");
        }
    }
}
