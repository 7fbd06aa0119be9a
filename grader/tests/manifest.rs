//! The start manifest (`avaliador.toml`): an app in any language started as it says, within
//! the limits and the process group a Rust app gets, and gone when grading ends; metric names
//! renamed where the exercise allows it; a bad manifest is the submission's own verdict.

mod common;

use std::path::Path;

use common::{course_root, grader, grader_python, mutated_solution};

/// Files to write, as (name, contents).
type Files<'a> = &'a [(&'a str, &'a str)];

/// A folder holding `files` (name, contents).
/// Readable by every user: a grader running as root runs the app as `nobody`.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether process `pid` still runs (a zombie does not).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .trim()
        .to_string()
}

/// A shell script started from a manifest writes down its user, limits and process group,
/// leaves a child behind, then serves on the port it was given. It ran as a Rust app runs (as
/// `nobody` when the grader is root), and after grading neither it nor its child is left.
#[test]
fn a_manifest_app_gets_the_apps_limits_and_group_and_is_gone_after() {
    let dir = folder(&[
        (
            "avaliador.toml",
            "command = [\"sh\", \"app.sh\", \"--porta={port}\"]\nport_env = \"PORTA\"\n",
        ),
        (
            "app.sh",
            r#"cat /proc/self/limits > limites.txt
echo "$1 $PORTA $BIND" > porta.txt
cut -d' ' -f5 /proc/$$/stat > grupo.txt
id -u > usuario.txt
sleep 300 &
echo $! > filho.pid
echo $$ > app.pid
exec python3 -m http.server --bind 127.0.0.1 "$PORTA"
"#,
        ),
    ]);
    chmod(dir.path(), 0o777); // the app writes its findings there
    let run = grader(&["ex1", "--path", dir.path().to_str().unwrap()]);
    // Graded (a file server has none of the metrics), not refused.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "Started from avaliador.toml: `sh app.sh --porta={port}` (port in PORTA); graded on the rust track."
        ),
        "{}",
        run.stdout
    );
    let limits = read(dir.path(), "limites.txt");
    for (name, value) in [
        ("Max address space", 4u64 << 30),
        ("Max cpu time", 600),
        ("Max file size", 64 << 20),
    ] {
        let line = limits
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {limits}"));
        let soft: u64 = line[name.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(soft, value, "{line}");
    }
    let port = read(dir.path(), "porta.txt");
    let (arg, rest) = port.split_once(' ').unwrap();
    assert_eq!(arg, format!("--porta={}", rest.split(' ').next().unwrap()));
    assert!(port.ends_with(" 127.0.0.1"), "{port}");
    use std::os::unix::fs::MetadataExt;
    let ours = std::fs::metadata(dir.path().join("avaliador.toml"))
        .unwrap()
        .uid();
    let user = if ours == 0 {
        "65534".to_string()
    } else {
        ours.to_string()
    };
    assert_eq!(
        read(dir.path(), "usuario.txt"),
        user,
        "the user a Rust app runs as"
    );
    let app = read(dir.path(), "app.pid");
    assert_eq!(
        read(dir.path(), "grupo.txt"),
        app,
        "the app leads its own group"
    );
    assert!(!running(&app), "the app {app} still runs");
    let child = read(dir.path(), "filho.pid");
    assert!(!running(&child), "the app's child {child} still runs");
}

/// The exporter's `defaults_prefix` renames its metrics: the manifest tells the grader, and
/// the reference scores full marks again; without the renames, the report names the missing
/// metric.
#[test]
fn renamed_metrics_are_read_under_their_new_names() {
    let reference = course_root().join("python/ex1-metricas-http");
    let app = std::fs::read_to_string(reference.join("app.py")).unwrap();
    let from = "PrometheusMetrics(app, group_by=\"url_rule\")";
    assert!(app.contains(from), "update this test: {from}");
    let app = app.replace(
        from,
        "PrometheusMetrics(app, group_by=\"url_rule\", defaults_prefix=\"loja\")",
    );
    let manifest = std::fs::read_to_string(reference.join("avaliador.toml")).unwrap();
    let renamed = format!(
        "{manifest}\n[metrics]\nflask_http_request_total = \"loja_http_request_total\"\n\
         flask_http_request_duration_seconds = \"loja_http_request_duration_seconds\"\n"
    );
    let dir = folder(&[("app.py", &app), ("avaliador.toml", &renamed)]);
    let run = grader_python(&["ex1", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("✔ [1/1] counter loja_http_request_total"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Metric names renamed by avaliador.toml: flask_http_request_duration_seconds → loja_http_request_duration_seconds, flask_http_request_total → loja_http_request_total."),
        "{}",
        run.stdout
    );

    std::fs::write(dir.path().join("avaliador.toml"), manifest).unwrap();
    let run = grader_python(&["ex1", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        common::block(&run.stdout, "counter flask_http_request_total")
            .contains("`flask_http_request_total` is not in /metrics"),
        "{}",
        run.stdout
    );
}

/// A Rust crate may carry a manifest without a command: it is built as always, and its
/// renames apply.
#[test]
fn a_rust_crate_with_a_manifest_is_built_and_renamed() {
    let dir = mutated_solution(
        "solutions/ex1-metricas-http",
        &[(
            "metricas.rs",
            "\"http_requests_total\"",
            "\"loja_requests_total\"",
        )],
    );
    std::fs::write(
        dir.path().join("avaliador.toml"),
        "[metrics]\nhttp_requests_total = \"loja_requests_total\"\n",
    )
    .unwrap();
    let run = grader(&["ex1", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("✔ [1/1] counter loja_requests_total"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("avaliador.toml: graded on the rust track."),
        "{}",
        run.stdout
    );
}

/// Each mistake in a manifest is the submission's verdict (exit 3), with its reason (each
/// part between `|` is in the report).
#[test]
fn a_bad_manifest_gets_its_own_verdict() {
    let cases: &[(&str, Files, &str)] = &[
        (
            "ex1",
            &[("avaliador.toml", "comando = [\"python3\", \"app.py\"]\n")],
            "unknown field `comando`, expected one of `track`, `command`, `workdir`, `port_env`, `metrics`",
        ),
        (
            "ex1",
            &[(
                "avaliador.toml",
                "command = [\"python3\"]\ntrack = \"java\"\n",
            )],
            "unknown variant `java`, expected `rust` or `python`",
        ),
        (
            "ex1",
            &[(
                "avaliador.toml",
                "track = \"python\"\ncommand = [\"python3\", \"app.py\"]\n[metrics]\napp_info = \"info\"\n",
            )],
            "exercise ex1 does not let `app_info` be renamed (renamable: flask_http_request_total, flask_http_request_duration_seconds)",
        ),
        (
            "ex1",
            &[(
                "avaliador.toml",
                "command = [\"python3\", \"app.py\"]\nworkdir = \"..\"\n",
            )],
            "`workdir` must be a folder inside the submission",
        ),
        (
            "ex1",
            &[(
                "avaliador.toml",
                "command = [\"./nao-existe\", \"{port}\"]\n",
            )],
            "the app could not be started: `./nao-existe`:",
        ),
        (
            "ex1",
            &[(
                "avaliador.toml",
                "command = [\"sh\", \"-c\", \"echo sem porta; exit 7\"]\n",
            )],
            "`sh -c \"echo sem porta; exit 7\"`|the app exited right after starting (exit status: 7). Output:\n  sem porta",
        ),
        (
            "ex3",
            &[
                ("prometheus.yml", "scrape_configs: []\n"),
                ("avaliador.toml", "track = \"python\"\n"),
            ],
            "avaliador.toml asks for the python track: exercise `ex3` has no python track (it has: ex1, ex2)",
        ),
        (
            "ex3",
            &[
                ("prometheus.yml", "scrape_configs: []\n"),
                ("avaliador.toml", "command = [\"python3\", \"app.py\"]\n"),
            ],
            "avaliador.toml says how to start an app, but ex3 is graded with the app of exercise ex2",
        ),
    ];
    for (exercise, files, reason) in cases {
        let dir = folder(files);
        let run = grader(&[exercise, "--path", dir.path().to_str().unwrap()]);
        assert_eq!(run.code, 3, "{files:?}\n{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains("COULD NOT BE GRADED:\n  avaliador.toml"),
            "{}",
            run.stdout
        );
        for part in reason.split('|') {
            assert!(
                run.stdout.contains(part),
                "{files:?}: want {part:?}\n{}",
                run.stdout
            );
        }
    }
}
