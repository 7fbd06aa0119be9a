//! Building a submission.
//!
//! A submission contributes its sources, never its manifest: the grader copies the crate's
//! `src/` into a staging folder beside a manifest made from the course's own copy of the
//! exercise (dependencies resolved from the course workspace, path dependencies made absolute)
//! and the course's lockfile, then builds it into the course's target directory. So a student
//! cannot change what is compiled with it, every submission builds with the same versions, and
//! the dependencies compile once, not once per submission.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use toml_edit::{DocumentMut, Item, Table, value};

use crate::course::Course;

/// Files a submission may have under `src/` (more or bigger is refused, not copied).
const MAX_FILES: usize = 200;
const MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The student's code does not compile: the compiler's first error.
    #[error("{0}")]
    Compile(String),
    /// The submission's files could not be staged.
    #[error("{0}")]
    Stage(String),
    /// The build did not finish in time.
    #[error("the build took longer than {0:?}")]
    Timeout(Duration),
    /// Cargo itself could not run or failed outside the student's code.
    #[error("cargo failed: {0}")]
    Cargo(String),
}

/// Builds the crate at `submission` as exercise `exercise`, with the manifest of the course's
/// copy at `starter` (relative to the course), and copies the executable into `out_dir` (so a
/// later build of the same crate never replaces the program being graded).
pub async fn build(
    course: &Course,
    exercise: &str,
    starter: &Path,
    submission: &Path,
    out_dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, BuildError> {
    let tag = stage_tag(exercise, submission);
    let stages = course.target_dir().join("grader/stage");
    std::fs::create_dir_all(&stages)
        .map_err(|e| BuildError::Stage(format!("{}: {e}", stages.display())))?;
    // One build of a staging folder at a time: two runs grading the same crate wait in turn.
    let lock = std::fs::File::create(stages.join(format!("{tag}.lock")))
        .map_err(|e| BuildError::Stage(format!("{}: {e}", stages.display())))?;
    let waiting = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock));
    let lock = match tokio::time::timeout(timeout, waiting).await {
        Ok(Ok(Ok(lock))) => lock,
        Ok(Ok(Err(e))) => return Err(BuildError::Stage(format!("lock: {e}"))),
        Ok(Err(e)) => return Err(BuildError::Stage(e.to_string())),
        // Another run has been building the same crate for longer than a build may take.
        Err(_) => return Err(BuildError::Timeout(timeout)),
    };

    let stage = stage(course, starter, submission, &stages.join(&tag), &tag)?;
    let fut = cargo_build(course, &stage, submission);
    let exe = tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| BuildError::Timeout(timeout))??;
    let private = out_dir.join(exe.file_name().unwrap_or_default());
    std::fs::copy(&exe, &private)
        .map_err(|e| BuildError::Stage(format!("{}: {e}", exe.display())))?;
    drop(lock);
    Ok(private)
}

/// The name of a submission's staging folder and executable (`grader-<tag>`): one per
/// exercise and submission folder.
pub fn stage_tag(exercise: &str, submission: &Path) -> String {
    let mut h = DefaultHasher::new();
    submission.hash(&mut h);
    format!("{exercise}-{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Stages `submission` into `dir` and returns it.
fn stage(
    course: &Course,
    starter: &Path,
    submission: &Path,
    dir: &Path,
    tag: &str,
) -> Result<PathBuf, BuildError> {
    let src = submission.join("src");
    if !src.join("main.rs").is_file() {
        return Err(BuildError::Stage(format!(
            "{} has no src/main.rs",
            submission.display()
        )));
    }
    let mut budget = (MAX_FILES, MAX_BYTES);
    sync_tree(&src, &dir.join("src"), &mut budget)?;
    if !dir.join("src/main.rs").is_file() {
        return Err(BuildError::Stage(format!(
            "{}/src/main.rs is not a regular file (links are not followed)",
            submission.display()
        )));
    }

    let pristine = course.root.join(starter).join("Cargo.toml");
    let manifest = pristine_manifest(course, &pristine, &format!("grader-{tag}"))?;
    write(&dir.join("Cargo.toml"), &manifest)?;
    if let Ok(lock) = std::fs::read(course.root.join("Cargo.lock")) {
        write(&dir.join("Cargo.lock"), &String::from_utf8_lossy(&lock))?;
    }
    Ok(dir.to_path_buf())
}

/// Writes `text` unless the file already holds it, so cargo sees no change where there is none.
fn write(path: &Path, text: &str) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| BuildError::Stage(format!("{}: {e}", path.display())))
}

/// Makes `to` a copy of `from`: changed files rewritten, others left alone (their times too),
/// files gone from `from` removed.
fn sync_tree(from: &Path, to: &Path, budget: &mut (usize, u64)) -> Result<(), BuildError> {
    let err = |e: std::io::Error| BuildError::Stage(format!("{}: {e}", from.display()));
    std::fs::create_dir_all(to).map_err(err)?;
    let mut keep = std::collections::HashSet::new();
    for entry in std::fs::read_dir(from).map_err(err)? {
        let entry = entry.map_err(err)?;
        let ty = entry.file_type().map_err(err)?;
        let target = to.join(entry.file_name());
        if ty.is_dir() {
            sync_tree(&entry.path(), &target, budget)?;
        } else if ty.is_file() {
            let len = entry.metadata().map_err(err)?.len();
            budget.0 = budget.0.checked_sub(1).ok_or_else(|| too_big(from))?;
            budget.1 = budget.1.checked_sub(len).ok_or_else(|| too_big(from))?;
            let bytes = std::fs::read(entry.path()).map_err(err)?;
            if std::fs::read(&target).ok().as_deref() != Some(bytes.as_slice()) {
                std::fs::write(&target, &bytes).map_err(err)?;
            }
        } else {
            // Symbolic links are not followed: a submission cannot pull in files from elsewhere.
            continue;
        }
        keep.insert(entry.file_name());
    }
    for entry in std::fs::read_dir(to).map_err(err)?.flatten() {
        if !keep.contains(&entry.file_name()) {
            let p = entry.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
    Ok(())
}

fn too_big(dir: &Path) -> BuildError {
    BuildError::Stage(format!(
        "{} holds more than {MAX_FILES} files or {} MiB: not a source folder",
        dir.display(),
        MAX_BYTES / 1024 / 1024
    ))
}

/// The exercise's manifest made standalone: `workspace = true` entries resolved from the
/// course workspace, path dependencies absolute, the course's profiles (so the dependencies'
/// compiled artifacts are shared with the course's own build), and one binary named `bin`.
fn pristine_manifest(course: &Course, manifest: &Path, bin: &str) -> Result<String, BuildError> {
    let read = |p: &Path| -> Result<DocumentMut, BuildError> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| BuildError::Cargo(format!("{}: {e}", p.display())))?;
        text.parse::<DocumentMut>()
            .map_err(|e| BuildError::Cargo(format!("{}: {e}", p.display())))
    };
    let root = read(&course.root.join("Cargo.toml"))?;
    let mut doc = read(manifest)?;
    let ws = root.get("workspace").and_then(Item::as_table);
    let crate_dir = manifest.parent().unwrap_or(Path::new("."));

    if let Some(pkg) = doc.get_mut("package").and_then(Item::as_table_mut) {
        let inherited = ws.and_then(|w| w.get("package")).and_then(Item::as_table);
        for (key, item) in pkg.iter_mut() {
            if is_workspace_ref(item)
                && let Some(v) = inherited.and_then(|t| t.get(key.get()))
            {
                *item = v.clone();
            }
        }
        pkg.insert("autobins", value(false));
        pkg.insert("autoexamples", value(false));
        pkg.insert("autotests", value(false));
        pkg.insert("autobenches", value(false));
    }
    let ws_deps = ws
        .and_then(|w| w.get("dependencies"))
        .and_then(Item::as_table);
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = doc.get_mut(section).and_then(Item::as_table_like_mut) else {
            continue;
        };
        for (name, item) in deps.iter_mut() {
            let from_root = is_workspace_ref(item);
            let base = if from_root {
                course.root.as_path()
            } else {
                crate_dir
            };
            let mut dep = if from_root {
                let Some(d) = ws_deps.and_then(|t| t.get(name.get())) else {
                    return Err(BuildError::Cargo(format!(
                        "{name} is not a workspace dependency"
                    )));
                };
                merge_dep(d, item)
            } else {
                item.clone()
            };
            absolutize(&mut dep, base);
            *item = dep;
        }
    }
    doc.remove("lints");
    doc.remove("bench");
    doc.remove("test");
    doc.remove("example");
    let mut bin_table = Table::new();
    bin_table.insert("name", value(bin));
    bin_table.insert("path", value("src/main.rs"));
    let mut bins = toml_edit::ArrayOfTables::new();
    bins.push(bin_table);
    doc.insert("bin", Item::ArrayOfTables(bins));
    if let Some(profile) = root.get("profile") {
        doc.insert("profile", profile.clone());
    }
    doc.insert("workspace", Item::Table(Table::new()));
    Ok(doc.to_string())
}

fn is_workspace_ref(item: &Item) -> bool {
    item.as_table_like()
        .and_then(|t| t.get("workspace"))
        .and_then(Item::as_bool)
        .unwrap_or(false)
}

/// A workspace dependency, with the member's `features` and `optional` added.
fn merge_dep(root: &Item, member: &Item) -> Item {
    let mut table = toml_edit::InlineTable::new();
    match root {
        Item::Value(toml_edit::Value::String(v)) => {
            table.insert("version", v.value().as_str().into());
        }
        other => {
            if let Some(t) = other.as_table_like() {
                for (k, v) in t.iter() {
                    if let Some(v) = v.as_value() {
                        table.insert(k, v.clone());
                    }
                }
            }
        }
    }
    if let Some(m) = member.as_table_like() {
        if let Some(extra) = m.get("features").and_then(Item::as_array) {
            let mut features = table
                .get("features")
                .and_then(|f| f.as_array().cloned())
                .unwrap_or_default();
            for f in extra.iter() {
                features.push(f.clone());
            }
            table.insert("features", features.into());
        }
        if let Some(opt) = m.get("optional").and_then(Item::as_value) {
            table.insert("optional", opt.clone());
        }
    }
    Item::Value(toml_edit::Value::InlineTable(table))
}

fn absolutize(dep: &mut Item, base: &Path) {
    let Some(t) = dep.as_table_like_mut() else {
        return;
    };
    if let Some(p) = t.get("path").and_then(Item::as_str) {
        let abs = base.join(p);
        let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
        t.insert("path", value(abs.display().to_string()));
    }
}

async fn cargo_build(
    course: &Course,
    stage: &Path,
    submission: &Path,
) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(stage.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(course.target_dir())
        .arg("--message-format=json")
        .arg("--color=never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .map_err(|e| BuildError::Cargo(format!("could not run cargo: {e}")))?;
    // A build dropped before it ends takes cargo's rustc and linker with it.
    let group = crate::process::GroupKill::new(child.id());

    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_task = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut text = String::new();
        while let Ok(Some(l)) = lines.next_line().await {
            text.push_str(&l);
            text.push('\n');
        }
        text
    });

    let mut executable = None;
    let mut first_error = None;
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match msg["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(exe) = msg["executable"].as_str() {
                    executable = Some(PathBuf::from(exe));
                }
            }
            Some("compiler-message")
                if first_error.is_none() && msg["message"]["level"] == "error" =>
            {
                first_error = msg["message"]["rendered"].as_str().map(str::to_string);
            }
            _ => {}
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| BuildError::Cargo(e.to_string()))?;
    group.disarm();
    let stderr = stderr_task.await.unwrap_or_default();
    if status.success() {
        let exe =
            executable.ok_or_else(|| BuildError::Cargo("cargo built no executable".into()))?;
        let foreign = foreign_inputs(&exe, stage);
        if !foreign.is_empty() {
            return Err(BuildError::Stage(format!(
                "the code reads files that are not its own while it compiles (include_str!, \
                 include_bytes!, include!, #[path]): {}",
                foreign.join(", ")
            )));
        }
        return Ok(exe);
    }
    let shown = |text: &str| {
        shorten(&text.replace(
            &stage.display().to_string(),
            &submission.display().to_string(),
        ))
    };
    match first_error {
        Some(e) => Err(BuildError::Compile(shown(&e))),
        None => Err(BuildError::Cargo(shown(&stderr))),
    }
}

/// The files the compiler read for `exe` (cargo's dep-info beside it) that are neither the
/// submission's staged sources nor the course crates its manifest depends on: another
/// student's file, the hidden specs, anything the grading user can read. The build cannot be
/// kept from reading them (it runs as that user), so the submission is refused instead,
/// before its program runs.
fn foreign_inputs(exe: &Path, stage: &Path) -> Vec<String> {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut allowed = vec![real(stage)];
    if let Ok(manifest) = std::fs::read_to_string(stage.join("Cargo.toml"))
        && let Ok(doc) = manifest.parse::<DocumentMut>()
        && let Some(deps) = doc.get("dependencies").and_then(Item::as_table_like)
    {
        for (_, dep) in deps.iter() {
            let path = dep.as_table_like().and_then(|t| t.get("path"));
            if let Some(path) = path.and_then(Item::as_str) {
                allowed.push(real(Path::new(path)));
            }
        }
    }
    let Ok(info) = std::fs::read_to_string(exe.with_extension("d")) else {
        return Vec::new();
    };
    // `target: input input ...`, a space inside a path escaped with a backslash.
    let Some((_, inputs)) = info.lines().next().and_then(|l| l.split_once(": ")) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = inputs.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => paths.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    paths.push(current);
    paths
        .into_iter()
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let p = real(Path::new(p));
            !allowed.iter().any(|root| p.starts_with(root))
        })
        .collect()
}

/// At most 20 lines: the first error is what a student needs, not the whole wall.
fn shorten(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= 20 {
        return lines.join("\n");
    }
    format!(
        "{}\n... ({} more lines)",
        lines[..20].join("\n"),
        lines.len() - 20
    )
}
