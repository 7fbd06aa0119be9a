//! `grader package --student OUT`: the edition instructors give students. Written into a
//! temporary folder, it holds no solution, no hidden check, no instructor's guide and no book
//! page naming a solution crate; its own test command passes, and an exercise is graded from
//! it (full marks for a student who solved it). Its tests build in `target/student-edition` of
//! the course, kept between runs, so its dependencies compile once.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{course_root, grader};

/// Every file under `dir`, relative to it (build output and history aside).
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == ".git" || name == ".grader" {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn the_student_edition_has_no_answers_passes_its_own_tests_and_grades_an_exercise() {
    let tmp = tempfile::tempdir().unwrap();
    let edition = tmp.path().join("curso-aluno");
    let run = grader(&["package", "--student", edition.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let edition = std::fs::canonicalize(&edition).unwrap();
    assert_eq!(run.stdout.trim(), edition.display().to_string());
    let course = course_root();

    // Nothing that gives answers away: no solution folder, no hidden check, no solution page,
    // and no file whose text is a solution's. (A starter may hold an earlier exercise's
    // solution on purpose: ex2 starts from ex1 solved. Those are starters, and stay.)
    assert!(!edition.join("solutions").exists());
    assert!(!edition.join(grader::hidden::FOLDER).exists());
    // The instructor's guide stays with the course: bulk grading, hidden checks, isolation.
    let guide = grader::package::student::INSTRUCTOR_GUIDE;
    assert!(course.join(guide).join("README.md").is_file());
    assert!(!edition.join(guide).exists(), "{guide} is in the edition");
    let shipped = files(&edition);
    assert!(
        !shipped
            .iter()
            .any(|p| p.to_string_lossy().ends_with("-solucao.md")),
        "a solution page is in the edition"
    );
    let starters: Vec<Vec<u8>> = files(&course.join("exercises"))
        .iter()
        .map(|p| std::fs::read(course.join("exercises").join(p)).unwrap())
        .collect();
    let texts: Vec<Vec<u8>> = shipped
        .iter()
        .map(|p| std::fs::read(edition.join(p)).unwrap())
        .collect();
    let mut compared = 0;
    for sol in files(&course.join("solutions")) {
        let text = std::fs::read(course.join("solutions").join(&sol)).unwrap();
        if text.len() < 200 || starters.contains(&text) {
            continue;
        }
        compared += 1;
        assert!(
            !texts.contains(&text),
            "solutions/{} is in the edition",
            sol.display()
        );
    }
    assert!(compared > 5, "only {compared} solution files compared");
    // The exercises, the book, the grader and its specs are there.
    for kept in [
        "exercises/ex1-metricas-http/src/main.rs",
        "exercises/ex3-prometheus-yml/prometheus.yml",
        "book/src/exercicios/ex1.md",
        "grader/specs/ex1.toml",
        "grader/src/main.rs",
        "crates/loja/Cargo.toml",
        "scripts/setup.sh",
    ] {
        assert!(edition.join(kept).is_file(), "{kept} is missing");
    }

    // The workspace, the lockfile and the book name nothing that was left out.
    let manifest = std::fs::read_to_string(edition.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("\"solutions/"), "{manifest}");
    assert!(!manifest.contains("stack-tests"), "{manifest}");
    let lock = std::fs::read_to_string(edition.join("Cargo.lock")).unwrap();
    assert!(!lock.contains("-solucao\""));
    let summary = std::fs::read_to_string(edition.join("book/src/SUMMARY.md")).unwrap();
    assert!(!summary.contains("solucao"), "{summary}");
    assert!(summary.contains("exercicios/ex1.md"), "{summary}");
    let lesson = std::fs::read_to_string(edition.join("book/src/instrumentando.md")).unwrap();
    assert!(
        !lesson.contains("solutions/"),
        "an include of a solution is left"
    );
    assert!(
        lesson.contains("pub async fn expor("),
        "the lesson's code is inlined"
    );
    // No page of the edition's book names a solution crate (`cargo run -p ...-solucao`
    // would fail there: the crate is not in it).
    for page in shipped
        .iter()
        .filter(|p| p.starts_with("book/src") && p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(edition.join(page)).unwrap();
        let named = grader::package::student::solution_crates(&text);
        assert!(named.is_empty(), "{} names {named:?}", page.display());
    }
    let page = std::fs::read_to_string(edition.join("book/src/exercicios/ex1.md")).unwrap();
    assert!(
        !page.contains("-solucao.md"),
        "a link to a solution page is left"
    );
    let readme = std::fs::read_to_string(edition.join("README.md")).unwrap();
    assert!(readme.starts_with("# Edição do aluno"), "{readme}");
    assert!(readme.contains("`cargo test`"));
    // The grader's manual goes with it, and the links of the README and the manual lead to
    // files of the edition (those to the instructor's guide or BENCHMARKS.md became text).
    assert!(
        edition.join("docs/manual.md").is_file(),
        "the grader's manual is missing"
    );
    for doc in ["README.md", "docs/manual.md"] {
        let text = std::fs::read_to_string(edition.join(doc)).unwrap();
        let dir = edition.join(doc).parent().unwrap().to_path_buf();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || target.contains("://") {
                continue;
            }
            assert!(
                dir.join(file).exists(),
                "{doc} links to {target}, which is not in the edition"
            );
        }
    }

    // A git repository of its own (never the course's, even when the course is a git
    // worktree, whose `.git` is a file) with everything committed, so `grader reset` works.
    assert!(
        edition.join(".git").is_dir(),
        "the edition's .git is not a repository of its own"
    );
    let head = |dir: &Path| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--absolute-git-dir"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_ne!(
        head(&edition),
        head(&course),
        "the edition committed into the course's repository"
    );
    let status = Command::new("git")
        .arg("-C")
        .arg(&edition)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");

    // Its test command passes on its own. Its crates build in a target folder of their own:
    // cargo names a workspace crate's artifacts by its path relative to the workspace, so
    // building the edition's grader in the course's target folder would replace the course's.
    let tests = Command::new(env!("CARGO"))
        .arg("test")
        .arg("--quiet")
        .current_dir(&edition)
        .env("CARGO_TARGET_DIR", course.join("target/student-edition"))
        .output()
        .unwrap();
    assert!(
        tests.status.success(),
        "cargo test in the edition failed:\n{}\n{}",
        String::from_utf8_lossy(&tests.stdout),
        String::from_utf8_lossy(&tests.stderr)
    );

    // Grading builds a staged copy of the exercise (a package of its own, see
    // grader::compile): into the course's target folder, its dependencies are built already.
    std::os::unix::fs::symlink(course.join("target"), edition.join("target")).unwrap();

    // A student who solved ex1 gets full marks there, recorded in the edition's state file.
    let src = edition.join("exercises/ex1-metricas-http/src");
    for entry in std::fs::read_dir(course.join("solutions/ex1-metricas-http/src")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), src.join(entry.file_name())).unwrap();
    }
    let graded = grader(&["ex1", "--course", edition.to_str().unwrap()]);
    assert_eq!(graded.code, 0, "{}{}", graded.stdout, graded.stderr);
    let max = grader::spec::Spec::builtin("ex1").unwrap().max_score();
    assert!(
        graded.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        graded.stdout
    );
    assert!(edition.join(".grader/estado.json").is_file());

    // There is no reference to grade: said so, as an ungradable submission.
    let solution = grader(&["ex1", "--solution", "--course", edition.to_str().unwrap()]);
    assert_eq!(solution.code, 3, "{}{}", solution.stdout, solution.stderr);
    assert!(
        solution.stdout.contains("has no solution for ex1"),
        "{}",
        solution.stdout
    );
}
