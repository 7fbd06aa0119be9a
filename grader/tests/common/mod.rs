//! Runs the real grader binary, as a student or an instructor would, and prepares its report
//! for snapshots (ports, paths, durations and versions redacted).
#![allow(dead_code)] // each test file uses part of this

pub mod running;

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Copies the folder `from` to `to` (Python's `__pycache__` left out): a submission made from
/// the course's files.
pub fn copy_dir(from: &Path, to: &Path) {
    grader::course::copy_tree(from, to, &["__pycache__"]).unwrap();
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `grader ARGS --lang en`, with the course located explicitly, and on the native backend
/// unless ARGS name one (what `auto` picks depends on the machine).
pub fn grader(args: &[&str]) -> Run {
    grader_env(args, &[])
}

/// [`grader`] with these environment variables set as well.
pub fn grader_env(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grader"));
    cmd.args(args).args(["--lang", "en"]);
    cmd.envs(env.iter().copied());
    let grading = args
        .first()
        .is_some_and(|a| a.starts_with("ex") || *a == "final" || a.starts_with("--"));
    if grading && !args.contains(&"--backend") {
        cmd.args(["--backend", "native"]);
    }
    let out = cmd
        .env("COURSE_ROOT", course_root())
        .output()
        .expect("the grader runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The insta settings every report snapshot uses.
pub fn redactions() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    let root = course_root().display().to_string();
    s.add_filter(&regex::escape(&root), "[course]");
    s.add_filter(r"/tmp/[A-Za-z0-9._/-]+", "[tmp]");
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(r"\(\d+\.\d+s\)", "([time])");
    s.add_filter(r"Prometheus \d+\.\d+\.\d+\S*", "Prometheus [version]");
    s.add_filter(r"Pushgateway \d+\.\d+\.\d+\S*", "Pushgateway [version]");
    s.add_filter(r"\((binary|container) [^)]+\)", "($1 [where])");
    s.add_filter(r"grader-ex\d-[0-9a-f]+", "grader-[stage]");
    // Prometheus 3's tools say more than 2.42's in the same places (tests/prometheus3.rs and
    // scripts/test.sh run the snapshots on both): promtool 3 does not name the unit-test file,
    // and its scrape parser quotes the token and the line it stopped at.
    s.add_filter(r"(?m)^ *Unit Testing: .*\n", "");
    s.add_filter(
        r#"got "[^"\n]*" \(("[A-Z_]+")\) while parsing: .*"#,
        "got $1",
    );
    // When an alert changed state depends on the machine's speed.
    s.add_filter(r"(after|após) \d+\.\d+s", "$1 [t]s");
    // The load's figures depend on the machine's speed.
    s.add_filter(
        r"Load applied: \d+ requests in [\d.]+s, \d+ failed",
        "Load applied: [n] requests in [time], [n] failed",
    );
    s.add_filter(
        r"(\d+) user\(s\): \d+ requests, \d+ failed",
        "$1 user(s): [n] requests, [n] failed",
    );
    s
}

/// A copy of a solution crate with `edits` applied (each `from` must be present), for
/// submissions that are the solution with one mistake.
pub fn mutated_solution(crate_dir: &str, edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = course_root().join(crate_dir).join("src");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join("src").join(entry.file_name())).unwrap();
    }
    for (file, from, to) in edits {
        let path = dir.path().join("src").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(from),
            "{file} no longer contains {from:?}: update this mutation"
        );
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }
    dir
}

/// The local Prometheus image for the Docker backend: `GRADER_TEST_PROMETHEUS_IMAGE` when the
/// test command built it already, else built now by `scripts/build-images.sh`.
pub fn local_prometheus_image() -> String {
    if let Ok(image) = std::env::var("GRADER_TEST_PROMETHEUS_IMAGE") {
        return image;
    }
    let out = Command::new(course_root().join("scripts/build-images.sh"))
        .output()
        .expect("build-images.sh runs");
    assert!(
        out.status.success(),
        "building the local image failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The local Alertmanager image (`scripts/build-stack-images.sh`, from Debian's binary).
pub fn local_alertmanager_image() -> String {
    if let Ok(image) = std::env::var("GRADER_TEST_ALERTMANAGER_IMAGE") {
        return image;
    }
    let out = Command::new(course_root().join("scripts/build-stack-images.sh"))
        .env("APP", "ex2-metricas-negocio-solucao")
        .output()
        .expect("build-stack-images.sh runs");
    assert!(
        out.status.success(),
        "building the local images failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("LOCAL_ALERTMANAGER_IMAGE="))
        .expect("build-stack-images.sh names the Alertmanager image")
        .to_string()
}

/// The local Pushgateway image (`scripts/build-stack-images.sh`, from Debian's binary), for
/// ex8 on the Docker backend: `GRADER_TEST_PUSHGATEWAY_IMAGE` when the test command built it.
pub fn local_pushgateway_image() -> String {
    if let Ok(image) = std::env::var("GRADER_TEST_PUSHGATEWAY_IMAGE") {
        return image;
    }
    let out = Command::new(course_root().join("scripts/build-stack-images.sh"))
        .env("APP", "ex2-metricas-negocio-solucao")
        .output()
        .expect("build-stack-images.sh runs");
    assert!(
        out.status.success(),
        "building the local images failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("LOCAL_PUSHGATEWAY_IMAGE="))
        .expect("build-stack-images.sh names the Pushgateway image")
        .to_string()
}

/// Ids of the containers (running or not) whose labels include `label`.
pub fn containers_with_label(label: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label={label}")])
        .output()
        .expect("docker CLI");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A folder holding a copy of the solution file `file` (relative to the course) with `edits`
/// applied in order, each replacing the first occurrence of `from` (which must be there), as a
/// student would hand in the exercise with one mistake.
pub fn solution_file_with(file: &str, edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = course_root().join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    dir
}

/// The lines of the checks that failed.
pub fn failed(report: &str) -> Vec<&str> {
    report.lines().filter(|l| l.starts_with('✘')).collect()
}

/// The report's block for the check titled `title`: its line and the indented ones after it.
pub fn block(report: &str, title: &str) -> String {
    let mut lines = report.lines().skip_while(|l| !l.ends_with(title));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no check {title}:\n{report}"));
    std::iter::once(first)
        .chain(lines.take_while(|l| l.starts_with("    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Python track's virtual environment (Flask and the Prometheus libraries): the folder of
/// `GRADER_TEST_PYTHON`, the venv's python that scripts/test.sh exports, else made now by
/// `scripts/python-venv.sh`.
pub fn python_bin_dir() -> PathBuf {
    let python = match std::env::var_os("GRADER_TEST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let out = Command::new(course_root().join("scripts/python-venv.sh"))
                .output()
                .expect("python-venv.sh runs");
            assert!(
                out.status.success(),
                "making the Python venv failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        }
    };
    python
        .parent()
        .expect("the venv's bin folder")
        .to_path_buf()
}

/// `PATH` with the Python track's venv first, as for a student who activated it.
pub fn path_with_python() -> std::ffi::OsString {
    let mut dirs = vec![python_bin_dir()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH joins")
}

/// [`grader`] with the Python track's venv first on `PATH`.
pub fn grader_python(args: &[&str]) -> Run {
    grader_env(args, &[("PATH", &path_with_python())])
}

/// Prometheus 3.5 and Alertmanager 0.28.1 from Debian's archive (`scripts/prometheus3.sh`,
/// cached under target/prom3): the folder holding prometheus, promtool,
/// prometheus-alertmanager and amtool.
pub fn prometheus3_bin_dir() -> PathBuf {
    let out = Command::new(course_root().join("scripts/prometheus3.sh"))
        .output()
        .expect("prometheus3.sh runs");
    assert!(
        out.status.success(),
        "fetching Prometheus 3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("PROM3_BIN_DIR=").map(PathBuf::from))
        .expect("prometheus3.sh names its folder")
}

/// `PATH` with `dir` first, so the grader's native backend finds its Prometheus there.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH joins")
}

/// The Prometheus major the native backend of this test run finds first on `PATH` (the test
/// command puts Prometheus 3 first for its second pass).
pub fn native_major() -> u32 {
    let out = Command::new("prometheus")
        .arg("--version")
        .output()
        .expect("a prometheus binary on PATH");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.split("version ")
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .expect("prometheus --version names its version")
}
