//! `grader package --student OUT`: the student edition of the course, the copy instructors
//! hand out (or make a Classroom 50 assignment's template from). It has the exercises, the book, the
//! grader, the crates they need and the scripts a student runs, and none of what would give
//! answers away or only serves instructors:
//!
//! - every folder a spec of `grader/specs` names as a `solution` (so `solutions/`, and the
//!   reference apps of other tracks), and `solutions/` itself;
//! - the instructor's hidden checks (`grader/specs/ocultas/`, read at run time, never built
//!   into the grader), and the instructor's guide (`docs/instrutor/`);
//! - the book's solution pages (`*-solucao.md`), with the links to them left as plain text;
//!   code a lesson includes from a left-out file is written into the page, as the lesson
//!   shows it (a page that still names a solution crate, `...-solucao`, stops the edition:
//!   the command it shows would fail there);
//! - what tests or measures the course against its solutions: the grader's own test suite
//!   (`grader/tests`), `crates/stack-tests`, `scripts/test.sh` and the benchmarks, the CI,
//!   and the suite's nextest configuration (`.config/nextest.toml` names those test binaries,
//!   and nextest refuses a filter that matches none).
//!
//! The edition keeps the README and the grader's manual (`docs/manual.md`): what they say of
//! grading, watch mode, the stack and `grader load` is for students too. Their links to pages
//! that stay with the course (the instructor's guide, `BENCHMARKS.md`) become plain text.
//!
//! The workspace keeps only the members that are there, its lockfile is pruned to match
//! (cargo, offline), and the edition is a git repository with one commit, so `grader reset`
//! can put a starter back. Its test command is `cargo test` (the default members: the support
//! crates and the grader's unit tests), written at the top of its README.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use crate::course::Course;

/// Parts of the course only instructors get, relative to its root (besides the solutions the
/// specs name, found at run time).
const INSTRUCTOR_ONLY: &[&str] = &[
    "solutions",
    crate::hidden::FOLDER,
    INSTRUCTOR_GUIDE,
    "grader/tests",
    "crates/stack-tests",
    ".config/nextest.toml",
    "scripts/test.sh",
    "scripts/book.sh",
    "scripts/locust-check.sh",
    "BENCHMARKS.md",
    ".ci",
    "book/book",
];

/// The instructor's guide (bulk grading, platforms, hidden checks, isolation): Markdown pages
/// outside the book, for whoever teaches the course.
pub const INSTRUCTOR_GUIDE: &str = "docs/instrutor";

/// Folders never copied, wherever they are: build output, history, the grader's state.
const NEVER: &[&str] = &["target", ".git", ".grader"];

/// The edition written: where, and what was left out (relative paths, sorted).
#[derive(Debug)]
pub struct Edition {
    pub dir: PathBuf,
    pub left_out: Vec<String>,
    /// What did not go as planned but leaves a usable edition (no git, say).
    pub notes: Vec<String>,
}

/// Writes the student edition of `course` into `out`, which must not exist or be empty.
pub fn write(course: &Course, out: &Path) -> Result<Edition, String> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{} already exists and is not an empty folder: choose a new one",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let out = std::fs::canonicalize(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let root = &course.root;

    let mut left_out: BTreeSet<PathBuf> = INSTRUCTOR_ONLY.iter().map(PathBuf::from).collect();
    left_out.extend(spec_solutions(root));
    // The edition may be written inside the course (under target/, say): never into itself.
    if let Ok(rel) = out.strip_prefix(root) {
        left_out.insert(rel.to_path_buf());
    }
    let mut skipped = BTreeSet::new();
    copy(root, &out, Path::new(""), &left_out, &mut skipped)
        .map_err(|e| format!("copying the course: {e}"))?;

    keep_present_members(&out)?;
    book(root, &out)?;
    write_readme(&out)?;
    unlink_left_out_docs(&out)?;
    let mut notes = Vec::new();
    prune_lockfile(&out)?;
    if let Err(e) = git_commit(&out) {
        notes.push(format!(
            "no git repository ({e}): `grader reset` needs one (git init, git add -A, git commit)"
        ));
    }
    if let Some(leak) = find_left_out(&out) {
        return Err(format!("{leak} is in the edition: it must not be"));
    }
    Ok(Edition {
        dir: out,
        left_out: skipped
            .into_iter()
            .map(|p| p.display().to_string())
            .collect(),
        notes,
    })
}

/// The folders the course's specs name as solutions (`solution`, and `app.solution`),
/// relative to the course; the hidden checks' folder is not read.
fn spec_solutions(root: &Path) -> Vec<PathBuf> {
    let mut specs = Vec::new();
    let dir = root.join("grader/specs");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let hidden = root.join(crate::hidden::FOLDER);
        if path.is_dir() && path != hidden {
            specs.extend(
                std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            specs.push(path);
        }
    }
    let mut found = Vec::new();
    for spec in specs
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let Ok(value) = std::fs::read_to_string(spec)
            .map_err(|e| e.to_string())
            .and_then(|t| t.parse::<toml::Table>().map_err(|e| e.to_string()))
        else {
            continue;
        };
        let app = value.get("app").and_then(|a| a.get("solution"));
        for s in [value.get("solution"), app].into_iter().flatten() {
            if let Some(s) = s.as_str() {
                found.push(PathBuf::from(s));
            }
        }
    }
    found
}

/// Copies `from` (the course folder at `rel`) to `to`, leaving out what `left_out` names and
/// the book's solution pages; records what it left out in `skipped`. Links are not followed.
fn copy(
    from: &Path,
    to: &Path,
    rel: &Path,
    left_out: &BTreeSet<PathBuf>,
    skipped: &mut BTreeSet<PathBuf>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let rel = rel.join(&name);
        let kind = entry.file_type()?;
        // Whatever their kind: in a git worktree or a submodule `.git` is a file that points
        // at the course's own repository, and the edition's `git init` would commit into it.
        if NEVER.iter().any(|n| name == *n) {
            continue;
        }
        let solution_page =
            rel.starts_with("book/src") && name.to_string_lossy().ends_with("-solucao.md");
        // The benchmarks grade the solutions and fill BENCHMARKS.md, both left out.
        let benchmark = rel.starts_with("scripts") && name.to_string_lossy().starts_with("bench-");
        if left_out.contains(&rel) || solution_page || benchmark {
            skipped.insert(rel);
            continue;
        }
        if kind.is_dir() {
            copy(&entry.path(), &to.join(&name), &rel, left_out, skipped)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// The workspace's `members` and `default-members`, without those that were left out.
fn keep_present_members(out: &Path) -> Result<(), String> {
    let path = out.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    for key in ["members", "default-members"] {
        if let Some(list) = doc["workspace"].get_mut(key).and_then(|m| m.as_array_mut()) {
            list.retain(|m| {
                m.as_str()
                    .is_some_and(|m| out.join(m).join("Cargo.toml").is_file())
            });
        }
    }
    std::fs::write(&path, doc.to_string()).map_err(|e| format!("Cargo.toml: {e}"))
}

/// The book without its solution pages: the summary lines that list them go, links to them
/// become their text, and code a page includes from a left-out file is written into it.
fn book(course_root: &Path, out: &Path) -> Result<(), String> {
    let src = out.join("book/src");
    let mut pages = Vec::new();
    markdown_pages(&src, &mut pages);
    for page in pages {
        let text =
            std::fs::read_to_string(&page).map_err(|e| format!("{}: {e}", page.display()))?;
        let dir = page.parent().unwrap_or(&src);
        let rel = page.strip_prefix(out).unwrap_or(&page);
        let course_dir = course_root.join(rel.parent().unwrap_or(Path::new("")));
        let mut new = inline_missing_includes(&text, dir, &course_dir)
            .map_err(|e| format!("{}: {e}", rel.display()))?;
        if page.file_name().is_some_and(|n| n == "SUMMARY.md") {
            new = new
                .lines()
                .filter(|l| !links(l).iter().any(|t| missing_page(dir, t)))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        let new = unlink_missing_pages(&new, dir);
        if new != text {
            std::fs::write(&page, new).map_err(|e| format!("{}: {e}", page.display()))?;
        }
    }
    Ok(())
}

fn markdown_pages(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_pages(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// The targets of the Markdown links `[text](target)` of a line.
fn links(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

/// A relative link to a book page that is not in the edition.
fn missing_page(dir: &Path, target: &str) -> bool {
    let page = target.split('#').next().unwrap_or_default();
    page.ends_with(".md") && !page.contains("://") && !dir.join(page).is_file()
}

/// `[text](page.md#x)` becomes `text` when the page is not in the edition.
fn unlink_missing_pages(text: &str, dir: &Path) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let tail = &rest[open..];
        let parsed = tail.find("](").and_then(|close| {
            let label = &tail[1..close];
            let after = &tail[close + 2..];
            let end = after.find(')')?;
            let ok = !label.contains(['[', '\n']) && missing_page(dir, &after[..end]);
            ok.then_some((label, close + 2 + end + 1))
        });
        match parsed {
            Some((label, len)) => {
                out.push_str(&rest[..open]);
                out.push_str(label);
                rest = &rest[open + len..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `{{#include path}}` and `{{#include path:anchor}}` whose file is not in the edition (a
/// lesson showing a piece of a solution) become the text they include, taken from the course.
fn inline_missing_includes(text: &str, dir: &Path, course_dir: &Path) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let directive = &rest[start + 3..start + len];
        let argument = directive
            .strip_prefix("include ")
            .or_else(|| directive.strip_prefix("rustdoc_include "))
            .map(str::trim);
        out.push_str(&rest[..start]);
        let whole = &rest[start..start + len + 2];
        rest = &rest[start + len + 2..];
        let Some(argument) = argument else {
            out.push_str(whole);
            continue;
        };
        let (file, anchor) = match argument.split_once(':') {
            Some((f, a)) => (f, Some(a)),
            None => (argument, None),
        };
        if dir.join(file).exists() {
            out.push_str(whole);
            continue;
        }
        let source = std::fs::read_to_string(course_dir.join(file))
            .map_err(|e| format!("{{{{#include {argument}}}}}: {e}"))?;
        out.push_str(&included(&source, anchor).ok_or_else(|| {
            format!(
                "{{{{#include {argument}}}}}: only whole files and named anchors can be inlined"
            )
        })?);
    }
    out.push_str(rest);
    Ok(out)
}

/// What mdBook includes of `source`: all of it, or the lines between `ANCHOR: name` and
/// `ANCHOR_END: name`, without the lines of other anchors; None for what is not supported
/// here (line ranges) or an anchor that is not there.
fn included(source: &str, anchor: Option<&str>) -> Option<String> {
    let is_marker = |l: &str| l.contains("ANCHOR:") || l.contains("ANCHOR_END:");
    let Some(name) = anchor else {
        return Some(source.trim_end_matches('\n').to_string());
    };
    if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let begin = format!("ANCHOR: {name}");
    let end = format!("ANCHOR_END: {name}");
    let mut lines = source.lines();
    lines.find(|l| l.trim_end().ends_with(&begin))?;
    let mut taken = Vec::new();
    for l in lines {
        if l.trim_end().ends_with(&end) {
            return Some(taken.join("\n"));
        }
        if !is_marker(l) {
            taken.push(l);
        }
    }
    None
}

/// The course's README, after a note on what this edition is and how to test it.
fn write_readme(out: &Path) -> Result<(), String> {
    let path = out.join("README.md");
    let course = std::fs::read_to_string(&path).unwrap_or_default();
    let note = "\
# Edição do aluno

Esta é a edição do aluno do curso, feita com `grader package --student`: os exercícios, o
livro, o avaliador e os crates de apoio, sem as soluções (`solutions/` e as páginas de solução
do livro), sem as verificações ocultas e sem o guia do instrutor. O que está descrito mais
abaixo vale aqui, menos o que usa as soluções (`--solution`, `scripts/test.sh`, a suíte do
avaliador) e o que é só do instrutor (correção em lote, plataformas, verificações ocultas).

- Avaliar um exercício: `cargo run -p grader -- ex1`
- Avaliar de novo a cada arquivo salvo, com dicas na tecla `h`: `cargo run -p grader -- watch ex1`
- Uma dica de cada vez: `cargo run -p grader -- hint ex1`
- O seu progresso: `cargo run -p grader`
- Os testes desta edição: `cargo test` (os crates de apoio e o avaliador)
- O livro: `cargo install mdbook --version '~0.5' --locked`, depois `mdbook serve book`
- Todos os comandos do avaliador, a pilha do `docker-compose.yml` e `grader load`: o manual,
  `docs/manual.md` (em inglês)

*English:* this is the course's student edition (`grader package --student`): no solutions
and no hidden checks. Grade with `cargo run -p grader -- ex1`, watch with `... watch ex1`,
get hints with `... hint ex1`; the edition's tests are `cargo test`. Every command of the
grader is in its manual, `docs/manual.md`.

---

";
    std::fs::write(&path, format!("{note}{course}")).map_err(|e| format!("README.md: {e}"))
}

/// The README and the pages under `docs/` (the grader's manual) without links to pages that
/// were left out (the instructor's guide, BENCHMARKS.md): each such link becomes its text.
fn unlink_left_out_docs(out: &Path) -> Result<(), String> {
    let mut pages = vec![out.join("README.md")];
    markdown_pages(&out.join("docs"), &mut pages);
    for page in pages {
        let text =
            std::fs::read_to_string(&page).map_err(|e| format!("{}: {e}", page.display()))?;
        let new = unlink_missing_pages(&text, page.parent().unwrap_or(out));
        if new != text {
            std::fs::write(&page, new).map_err(|e| format!("{}: {e}", page.display()))?;
        }
    }
    Ok(())
}

/// Cargo.lock without the packages of the members left out: `cargo update --workspace`
/// re-locks only the workspace's own crates, offline, so every other version stays as it was.
fn prune_lockfile(out: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = std::process::Command::new(cargo)
        .args([
            "update",
            "--workspace",
            "--offline",
            "--quiet",
            "--manifest-path",
        ])
        .arg(out.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("cargo update: {e}"))?;
    if run.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the edition's workspace does not resolve: {}",
            String::from_utf8_lossy(&run.stderr).trim()
        ))
    }
}

/// A git repository holding the edition as its first commit.
fn git_commit(out: &Path) -> Result<(), String> {
    let git = |args: &[&str]| -> Result<(), String> {
        let run = std::process::Command::new("git")
            .arg("-C")
            .arg(out)
            .args(["-c", "user.name=Curso", "-c", "user.email=curso@localhost"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .map_err(|e| format!("git: {e}"))?;
        if run.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&run.stderr).trim().to_string())
        }
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "Edição do aluno"])
}

/// A path of the edition that should not be there, or a book page naming a solution crate
/// (a last check over the result).
fn find_left_out(out: &Path) -> Option<String> {
    let mut pages = Vec::new();
    markdown_pages(&out.join("book/src"), &mut pages);
    if let Some(p) = pages
        .iter()
        .find(|p| p.to_string_lossy().ends_with("-solucao.md"))
    {
        return Some(p.display().to_string());
    }
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap_or_default();
        if let Some(name) = solution_crates(&text).into_iter().next() {
            return Some(format!(
                "the solution crate `{name}` (named by {})",
                page.display()
            ));
        }
    }
    ["solutions", crate::hidden::FOLDER, INSTRUCTOR_GUIDE]
        .iter()
        .map(|p| out.join(p))
        .find(|p| p.exists())
        .map(|p| p.display().to_string())
}

/// The solution crates a text names: words ending in `-solucao` (`ex2-metricas-negocio-solucao`),
/// not the solution pages (`ex2-solucao.md`), which the edition unlinks.
pub fn solution_crates(text: &str) -> Vec<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut found = Vec::new();
    for (i, _) in text.match_indices("-solucao") {
        let end = i + "-solucao".len();
        let rest = &text[end..];
        if rest.starts_with(is_word) || rest.starts_with(".md") {
            continue;
        }
        let start = text[..i]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_word(c))
            .map_or(0, |(j, c)| j + c.len_utf8());
        found.push(&text[start..end]);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_git_file_is_never_copied_so_the_edition_is_a_repository_of_its_own() {
        let course = tempfile::tempdir().unwrap();
        std::fs::write(
            course.path().join(".git"),
            "gitdir: /elsewhere/.git/worktrees/x\n",
        )
        .unwrap();
        std::fs::create_dir_all(course.path().join("src/.git")).unwrap();
        std::fs::write(course.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        let out = tempfile::tempdir().unwrap();
        let mut skipped = BTreeSet::new();
        copy(
            course.path(),
            out.path(),
            Path::new(""),
            &BTreeSet::new(),
            &mut skipped,
        )
        .unwrap();
        assert!(out.path().join("src/main.rs").is_file());
        assert!(!out.path().join(".git").exists() && !out.path().join("src/.git").exists());
    }

    #[test]
    fn links_to_missing_pages_become_their_text_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ex1.md"), "").unwrap();
        let text = "veja a [solução](ex1-solucao.md#o-spec), o [exercício](ex1.md), \
                    o [site](https://prometheus.io/x.md) e `x[5m]`.";
        assert_eq!(
            unlink_missing_pages(text, dir.path()),
            "veja a solução, o [exercício](ex1.md), o [site](https://prometheus.io/x.md) e `x[5m]`."
        );
    }

    #[test]
    fn solution_crates_are_found_and_solution_pages_are_not() {
        let text = "rode `cargo run -p ex2-metricas-negocio-solucao -- --port 5000`, \
                    veja a [solução](ex2-solucao.md) e “ex1-metricas-http-solucao”.";
        assert_eq!(
            solution_crates(text),
            ["ex2-metricas-negocio-solucao", "ex1-metricas-http-solucao"]
        );
        assert!(solution_crates("a página ex5-solucao.md, e só").is_empty());
    }

    /// The course's own lessons (every page but the solution pages, which the edition leaves
    /// out) name no solution crate: a student's copy has none to run.
    #[test]
    fn the_lessons_name_no_solution_crate() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src");
        let mut pages = Vec::new();
        markdown_pages(&src, &mut pages);
        assert!(pages.len() > 20, "{}", src.display());
        let named: Vec<String> = pages
            .iter()
            .filter(|p| !p.to_string_lossy().ends_with("-solucao.md"))
            .flat_map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                solution_crates(&text)
                    .into_iter()
                    .map(|c| format!("{}: {c}", p.display()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            named.is_empty(),
            "lessons naming a solution crate: {named:#?}"
        );
    }

    #[test]
    fn an_anchor_includes_its_lines_without_other_markers() {
        let source = "a\n// ANCHOR: expor\nb\n// ANCHOR: dentro\nc\n// ANCHOR_END: dentro\n// ANCHOR_END: expor\nd\n";
        assert_eq!(included(source, Some("expor")).as_deref(), Some("b\nc"));
        assert_eq!(included(source, None).as_deref(), Some(source.trim_end()));
        assert_eq!(included(source, Some("nada")), None);
        assert_eq!(included(source, Some("2:4")), None);
    }
}
