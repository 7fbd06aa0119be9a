//! The student's progress through the course: the best and the last score of each exercise,
//! kept in a small state file of the course folder (`.grader/estado.json`, ignored by git),
//! never in the student's sources. `grader` with no exercise shows it, with the next exercise
//! to do; `grader reset exN` puts a starter back as it was, keeping a backup.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::course::Course;
use crate::lang::Lang;
use crate::report::Report;
use crate::spec::Spec;

/// The state file, relative to the course root.
pub const STATE_FILE: &str = ".grader/estado.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub exercises: BTreeMap<String, Progress>,
    /// How many of each exercise's graded hints the student has opened (see
    /// [`crate::hints`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hints: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub last: u32,
    pub best: u32,
    pub max: u32,
}

impl State {
    pub fn path(course: &Course) -> PathBuf {
        course.root.join(STATE_FILE)
    }

    /// The saved state; an empty one when there is none or it cannot be read (it is a
    /// convenience, never a reason to refuse to grade).
    pub fn load(course: &Course) -> Self {
        std::fs::read_to_string(Self::path(course))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Records a grading of the student's own copy and saves the state.
    pub fn record(course: &Course, report: &Report) -> std::io::Result<()> {
        let mut state = Self::load(course);
        let (score, max) = (report.score(), report.max_score());
        let entry = state
            .exercises
            .entry(report.exercise.clone())
            .or_insert(Progress {
                last: 0,
                best: 0,
                max,
            });
        entry.last = score;
        entry.best = entry.best.max(score);
        entry.max = max;
        state.save(course)
    }

    /// Writes the state file.
    pub fn save(&self, course: &Course) -> std::io::Result<()> {
        let path = Self::path(course);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }
}

/// The course at a glance: each exercise with its part of the roteiro and its status, a
/// progress bar, and the next exercise to do.
pub fn overview(specs: &[Spec], state: &State, lang: Lang) -> String {
    let t = |pt, en| lang.t(pt, en);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\n",
        t(
            "Monitoramento com Prometheus — o seu progresso",
            "Monitoring with Prometheus — your progress"
        )
    );
    let mut done = 0;
    let mut next = None;
    for s in specs {
        let p = state.exercises.get(&s.id);
        let status = match p {
            Some(p) if p.best >= p.max && p.max > 0 => {
                done += 1;
                format!("✔ {:<14} {}/{}", t("concluído", "done"), p.best, p.max)
            }
            Some(p) => format!(
                "◐ {:<14} {}/{}",
                t("em andamento", "in progress"),
                p.best,
                p.max
            ),
            None => format!("· {}", t("não iniciado", "not started")),
        };
        if next.is_none() && !p.is_some_and(|p| p.best >= p.max && p.max > 0) {
            next = Some(s);
        }
        let _ = writeln!(
            out,
            "  {:<5} {:<12} {:<40} {status}",
            s.id,
            s.guide_part,
            s.title.get(lang)
        );
    }
    let total = specs.len().max(1);
    let filled = done * 20 / total;
    let _ = writeln!(
        out,
        "\n  [{}{}] {done}/{} {}",
        "█".repeat(filled),
        "░".repeat(20 - filled),
        specs.len(),
        t("exercícios concluídos", "exercises done")
    );
    match next {
        Some(s) => {
            let _ = writeln!(
                out,
                "\n{} {} — {}: cargo run -p grader -- {}",
                t("Próximo:", "Next:"),
                s.id,
                s.title.get(lang),
                s.id
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\n{}",
                t(
                    "Todos os exercícios com nota máxima. Parabéns!",
                    "Every exercise at full marks. Well done!"
                )
            );
        }
    }
    out
}

/// Puts the starter of `spec` back as the course shipped it (its files in git's last commit),
/// after moving the student's copy to a backup folder beside it; the backup's path.
pub fn reset(course: &Course, spec: &Spec) -> Result<PathBuf, String> {
    let dir = course.root.join(&spec.starter);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let backup = course
        .root
        .join(".grader/copias")
        .join(format!("{}-{stamp}", spec.id));
    crate::course::copy_tree(&dir, &backup, &[])
        .map_err(|e| format!("backup {}: {e}", backup.display()))?;
    // git restores the starter's tracked files as they were committed; new files stay (they
    // are in the backup too).
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&course.root)
        .args(["checkout", "HEAD", "--"])
        .arg(&spec.starter)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git checkout: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_names_the_next_exercise_and_counts_what_is_done() {
        let specs = Spec::all_builtin().unwrap();
        let mut state = State::default();
        let max = specs[0].max_score();
        state.exercises.insert(
            "ex1".into(),
            Progress {
                last: max,
                best: max,
                max,
            },
        );
        state.exercises.insert(
            "ex2".into(),
            Progress {
                last: 3,
                best: 8,
                max: 22,
            },
        );
        let text = overview(&specs, &state, Lang::En);
        assert!(text.contains("✔ done"), "{text}");
        assert!(text.contains("◐ in progress    8/22"), "{text}");
        assert!(text.contains("· not started"), "{text}");
        assert!(
            text.contains(&format!("] 1/{} exercises done", specs.len())),
            "{text}"
        );
        assert!(text.contains("Next: ex2"), "{text}");
    }
}
