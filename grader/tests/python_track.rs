//! The Python track: the roteiro's own Flask apps, graded with specs written from what
//! prometheus-flask-exporter and prometheus_client really expose. The references score full
//! marks; the roteiro's Parte 4 app, as the roteiro writes it, is graded and told what it
//! lacks; `--url` gives the verdicts a started app gets; a class mixing tracks is graded each
//! by its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    copy_dir, course_root, fixture, grader_python, path_with_python, python_bin_dir, redactions,
};
use grader::spec::{Spec, Track};

fn verdicts(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| l.starts_with('✔') || l.starts_with('✘') || l.starts_with('–'))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Python reference started by hand, as a student would; killed when dropped.
struct Running(Child, u16);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_reference(folder: &str) -> Running {
    let port = free_port();
    let child = Command::new(python_bin_dir().join("python3"))
        .arg("app.py")
        .current_dir(course_root().join(folder))
        .env("PORT", port.to_string())
        .env("LATENCY_SCALE", "0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{folder} never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Running(child, port)
}

#[test]
fn the_ex1_reference_scores_full_marks_on_the_python_track() {
    let dir = course_root().join("python/ex1-metricas-http");
    let run = grader_python(&["ex1", "--path", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let max = Spec::builtin("ex1")
        .unwrap()
        .for_track(Track::Python)
        .unwrap()
        .max_score();
    assert!(
        run.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Started from avaliador.toml: `python3 app.py` (port in PORT); graded on the python track."),
        "{}",
        run.stdout
    );
    // The report says how the track differs from the Rust contract.
    assert!(
        run.stdout
            .contains("Python track (Flask + prometheus-flask-exporter)"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_ex2_reference_scores_full_marks_with_track_and_solution() {
    let run = grader_python(&["ex2", "--track", "python", "--solution"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("ex2 — The shop's business metrics (Python track)"),
        "{}",
        run.stdout
    );
    let max = Spec::builtin("ex2")
        .unwrap()
        .for_track(Track::Python)
        .unwrap()
        .max_score();
    assert!(
        run.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        run.stdout
    );
    // A track without that exercise is a usage error, with the exercises it has.
    let run = grader_python(&["ex3", "--track", "python", "--solution"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("exercise `ex3` has no python track (it has: ex1, ex2)"),
        "{}",
        run.stderr
    );
}

/// The roteiro's Parte 4 app, exactly as written (started by `flask run` on the grader's port),
/// is graded to the end: what it lacks of the contract (Exercício 2's search and cart gauge) and
/// where it is wrong (users and stock below zero) are named, check by check.
#[test]
fn the_roteiros_parte4_app_is_graded_and_told_what_differs() {
    let copy = tempfile::tempdir().unwrap();
    readable(copy.path());
    copy_dir(&fixture("roteiro-parte4-flask"), copy.path());
    // Python would leave its __pycache__ in the submission, but the grader tells it not to.
    let run = common::grader_env(
        &["ex2", "--path", copy.path().to_str().unwrap()],
        &[
            ("PATH", &path_with_python()),
            ("PYTHONDONTWRITEBYTECODE", std::ffi::OsStr::new("")),
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    redactions().bind(|| insta::assert_snapshot!(run.stdout));
    let failed: Vec<&str> = common::failed(&run.stdout);
    for title in [
        "Exercício 2: counter ecommerce_buscas_total by term",
        "Exercício 2: gauge ecommerce_itens_carrinho",
        "active users never go negative",
        "stock stops at zero and a refused sale does not count",
        "arbitrary terms do not create endless series",
    ] {
        assert!(
            failed.iter().any(|l| l.ends_with(title)),
            "{title} should fail:\n{}",
            run.stdout
        );
    }
    assert!(
        common::block(&run.stdout, "active users never go negative")
            .contains("ecommerce_usuarios_ativos: is -7 (expected 0)"),
        "{}",
        run.stdout
    );
    let left: Vec<_> = std::fs::read_dir(copy.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "the submission is left as it was: {left:?}");
}

/// The same checks give the same verdicts to the reference started by the grader and to the
/// same app started by hand and graded with `--url`, fault injection included.
#[test]
fn url_gives_a_running_flask_app_the_verdicts_a_started_one_gets() {
    let app = run_reference("python/ex1-metricas-http");
    let url = format!("http://127.0.0.1:{}", app.1);
    let given = grader_python(&["ex1", "--track", "python", "--url", &url]);
    let dir = course_root().join("python/ex1-metricas-http");
    let started = grader_python(&["ex1", "--path", dir.to_str().unwrap()]);
    assert_eq!(given.code, 0, "{}{}", given.stdout, given.stderr);
    assert_eq!(started.code, 0, "{}{}", started.stdout, started.stderr);
    assert_eq!(verdicts(&given.stdout), verdicts(&started.stdout));
    assert!(
        !given.stdout.contains("skipped"),
        "the app has fault injection: nothing is skipped\n{}",
        given.stdout
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", app.1)).is_ok());
}

#[test]
fn the_references_stop_on_sigterm() {
    for folder in ["python/ex1-metricas-http", "python/ex2-metricas-negocio"] {
        let mut app = run_reference(folder);
        let pid = app.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = app.0.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{folder} still runs 5 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{folder}: {status}");
        let mut err = String::new();
        std::io::Read::read_to_string(app.0.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(err.contains("loja: encerrando"), "{folder}: {err}");
    }
}

/// Each Python spec loads, and its checks are the Rust spec's (same ids), minus the ones the
/// exporter cannot satisfy: a class mixing tracks shares one gradebook's columns.
#[test]
fn python_specs_keep_the_rust_check_ids() {
    for id in ["ex1", "ex2"] {
        let rust = Spec::builtin(id).unwrap();
        let python = rust.for_track(Track::Python).unwrap();
        assert_eq!(python.track, Track::Python);
        assert!(
            python.note.is_some(),
            "{id}: the report says how it differs"
        );
        // It extends the Rust spec (`extends`), whose hints name Rust APIs: they are replaced.
        assert!(
            python.hints.is_empty(),
            "{id}: Rust hints on the Python track"
        );
        for c in &python.checks {
            assert!(
                rust.checks.iter().any(|r| r.id == c.id),
                "{id}: python check `{}` is not a Rust check",
                c.id
            );
        }
        assert_eq!(python.for_track(Track::Rust).unwrap().track, Track::Rust);
    }
}

/// A grader running as root runs the app as `nobody`, which must be able to read its folder.
fn readable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A class of two: ana hands in the Rust solution's crate, beto the Python reference with its
/// avaliador.toml. Each is graded by its own track, to full marks on its own maximum.
#[test]
fn bulk_grades_a_mixed_class_each_by_its_track() {
    let root = tempfile::tempdir().unwrap();
    readable(root.path());
    let class: PathBuf = root.path().join("turma");
    copy_dir(
        &course_root().join("solutions/ex1-metricas-http/src"),
        &class.join("ana/src"),
    );
    copy_dir(
        &course_root().join("python/ex1-metricas-http"),
        &class.join("beto"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["bulk", class.to_str().unwrap(), "--exercise", "ex1"])
        .args(["--lang", "en", "--backend", "native", "--jobs", "2"])
        .env("COURSE_ROOT", course_root())
        .env("PATH", path_with_python())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let results = root.path().join("ex1-results");
    let rust_max = Spec::builtin("ex1").unwrap().max_score();
    let python_max = Spec::builtin("ex1")
        .unwrap()
        .for_track(Track::Python)
        .unwrap()
        .max_score();
    let csv = std::fs::read_to_string(results.join("grades.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&format!("ana,{rust_max},{rust_max},graded"))),
        "{csv}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&format!("beto,{python_max},{python_max},graded"))),
        "{csv}"
    );
    let ana = std::fs::read_to_string(results.join("ana/report.txt")).unwrap();
    let beto = std::fs::read_to_string(results.join("beto/report.txt")).unwrap();
    assert!(ana.contains("counter http_requests_total"), "{ana}");
    assert!(!ana.contains("python track"), "{ana}");
    assert!(beto.contains("counter flask_http_request_total"), "{beto}");
    assert!(beto.contains("graded on the python track"), "{beto}");
}
