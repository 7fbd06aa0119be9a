//! The result of grading one submission, and its two renderings: a readable report and
//! Gradescope's `results.json` (the other platforms' documents are made from it in
//! `crate::platforms`).

use std::fmt::Write;
use std::time::Duration;

use serde_json::json;

use crate::lang::{Lang, Text};

#[derive(Debug, Clone)]
pub struct Report {
    pub exercise: String,
    pub title: Text,
    pub guide_part: String,
    /// `Some(reason)` when the submission could not be graded at all (it does not build, or
    /// the app does not come up): every check then scores 0 and says why.
    pub ungradable: Option<Text>,
    pub checks: Vec<CheckResult>,
    /// Facts about the run worth showing (which Prometheus graded it, ...).
    pub notes: Vec<Text>,
    pub elapsed: Duration,
    /// The seed the hidden checks among `checks` were drawn with (see [`crate::hidden`]).
    pub hidden_seed: Option<u64>,
    /// The copy of the course that graded it (its specs, starters and solutions).
    pub course: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub id: String,
    pub title: Text,
    pub max_score: u32,
    pub passed: bool,
    pub expected: Option<Text>,
    pub seen: Option<Text>,
    pub hint: Option<Text>,
    /// Worth knowing even when the check passed (an alert that would fire after the window).
    pub note: Option<Text>,
    /// Not run (the reason is in `seen`): worth nothing, out of the maximum too.
    pub skipped: bool,
    /// An instructor's hidden check: what students see of it is only counted with the other
    /// hidden checks (see [`Report::hidden_tally`]).
    pub hidden: bool,
}

impl CheckResult {
    pub fn score(&self) -> u32 {
        if self.passed { self.max_score } else { 0 }
    }

    /// What the check says beyond passing or not, one `label: text` line each, in the order a
    /// student reads them: the note, then (with `details`, for a failed check) expected, seen
    /// and the hint.
    pub fn feedback_lines(&self, lang: Lang, details: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(n) = &self.note {
            lines.push(format!("{} {}", lang.t("nota:", "note:"), n.get(lang)));
        }
        if details {
            for (label, text) in [
                (lang.t("esperado:", "expected:"), &self.expected),
                (lang.t("visto:", "seen:"), &self.seen),
                (lang.t("dica:", "hint:"), &self.hint),
            ] {
                if let Some(t) = text {
                    lines.push(format!("{label} {}", t.get(lang)));
                }
            }
        }
        lines
    }
}

impl Report {
    pub fn score(&self) -> u32 {
        self.checks.iter().map(CheckResult::score).sum()
    }

    pub fn max_score(&self) -> u32 {
        self.checks
            .iter()
            .filter(|c| !c.skipped)
            .map(|c| c.max_score)
            .sum()
    }

    /// The hidden checks counted, when the report has any.
    pub fn hidden_tally(&self) -> Option<HiddenTally> {
        let hidden: Vec<&CheckResult> = self.checks.iter().filter(|c| c.hidden).collect();
        if hidden.is_empty() {
            return None;
        }
        Some(HiddenTally {
            count: hidden.len(),
            passed: hidden.iter().filter(|c| c.passed).count(),
            skipped: hidden.iter().filter(|c| c.skipped).count(),
            score: hidden.iter().map(|c| c.score()).sum(),
            max_score: hidden
                .iter()
                .filter(|c| !c.skipped)
                .map(|c| c.max_score)
                .sum(),
        })
    }

    pub fn full_marks(&self) -> bool {
        self.ungradable.is_none() && self.score() == self.max_score()
    }

    /// The readable report.
    pub fn render_text(&self, lang: Lang) -> String {
        let mut out = String::new();
        let t = |pt, en| lang.t(pt, en);
        let _ = writeln!(
            out,
            "{} — {} ({} {})",
            self.exercise,
            self.title.get(lang),
            t("roteiro,", "roteiro,"),
            self.guide_part
        );
        if let Some(course) = &self.course {
            let _ = writeln!(out, "{} {}", t("Curso:", "Course:"), course.display());
        }
        if let Some(reason) = &self.ungradable {
            let _ = writeln!(
                out,
                "\n{}",
                t("NÃO FOI POSSÍVEL AVALIAR:", "COULD NOT BE GRADED:")
            );
            let _ = writeln!(out, "{}", indent(reason.get(lang), "  "));
        }
        out.push('\n');
        for c in &self.checks {
            if c.hidden {
                continue;
            }
            if c.skipped {
                let _ = writeln!(
                    out,
                    "– [{}] {}",
                    t("ignorada", "skipped"),
                    c.title.get(lang)
                );
                if let Some(s) = &c.seen {
                    let _ = writeln!(
                        out,
                        "{}",
                        labelled(t("motivo:", "reason:"), s.get(lang), "    ")
                    );
                }
                continue;
            }
            let mark = if c.passed { "✔" } else { "✘" };
            let _ = writeln!(
                out,
                "{mark} [{}/{}] {}",
                c.score(),
                c.max_score,
                c.title.get(lang)
            );
            if let Some(n) = &c.note {
                let _ = writeln!(
                    out,
                    "{}",
                    labelled(t("nota:", "note:"), n.get(lang), "    ")
                );
            }
            if c.passed || self.ungradable.is_some() {
                continue;
            }
            if let Some(e) = &c.expected {
                let _ = writeln!(
                    out,
                    "{}",
                    labelled(t("esperado:", "expected:"), e.get(lang), "    ")
                );
            }
            if let Some(s) = &c.seen {
                let _ = writeln!(
                    out,
                    "{}",
                    labelled(t("visto:", "seen:"), s.get(lang), "    ")
                );
            }
            if let Some(h) = &c.hint {
                let _ = writeln!(
                    out,
                    "{}",
                    labelled(t("dica:", "hint:"), h.get(lang), "    ")
                );
            }
        }
        if let Some(tally) = self.hidden_tally() {
            let (title, detail) = tally.describe(self.hidden_seed, lang);
            let mark = if tally.all_passed() { "✔" } else { "✘" };
            let _ = writeln!(
                out,
                "{mark} [{}/{}] {title}\n{}",
                tally.score,
                tally.max_score,
                labelled("", &detail, "   ")
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "\n{}", n.get(lang));
        }
        let _ = writeln!(
            out,
            "\n{} {}/{} ({:.1}s)",
            t("Pontuação:", "Score:"),
            self.score(),
            self.max_score(),
            self.elapsed.as_secs_f64()
        );
        out
    }

    /// Gradescope's `results.json`: one test per check, so partial credit and per-check
    /// feedback carry over.
    pub fn to_gradescope(&self, lang: Lang) -> serde_json::Value {
        let mut tests: Vec<_> = self
            .checks
            .iter()
            .map(|c| {
                if c.skipped {
                    // Gradescope has no skipped status: worth 0 of 0, with the reason.
                    let reason = c.seen.as_ref().map(|s| s.get(lang)).unwrap_or_default();
                    return json!({
                        "name": format!("{}: {}", c.id, c.title.get(lang)),
                        "score": 0,
                        "max_score": 0,
                        "output": format!("{} {reason}", lang.t("ignorada:", "skipped:")),
                        "visibility": visibility(c),
                    });
                }
                // A hidden check's test is the instructor's record of what was drawn.
                let output = c.feedback_lines(lang, !c.passed || c.hidden);
                json!({
                    "name": format!("{}: {}", c.id, c.title.get(lang)),
                    "score": c.score(),
                    "max_score": c.max_score,
                    "status": if c.passed { "passed" } else { "failed" },
                    "output": output.join("\n"),
                    "visibility": visibility(c),
                })
            })
            .collect();
        // Gradescope never shows a `hidden` test to students: they see this count instead.
        if let Some(tally) = self.hidden_tally() {
            let (title, detail) = tally.describe(self.hidden_seed, lang);
            tests.push(json!({
                "name": title,
                "score": tally.score,
                "max_score": tally.max_score,
                "status": if tally.all_passed() { "passed" } else { "failed" },
                "output": detail,
                "visibility": "visible",
                "extra_data": { "hidden_summary": true },
            }));
        }
        let mut output: Vec<String> = self
            .ungradable
            .iter()
            .map(|r| r.get(lang).to_string())
            .collect();
        output.extend(self.notes.iter().map(|n| n.get(lang).to_string()));
        json!({
            "score": self.score(),
            "max_score": self.max_score(),
            "execution_time": (self.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            "output": output.join("\n"),
            "visibility": "visible",
            "tests": tests,
            "extra_data": { "course": self.course.as_ref().map(|c| c.display().to_string()) },
        })
    }
}

/// Gradescope's visibility of a check's test: an instructor's hidden check is never shown to
/// students.
fn visibility(c: &CheckResult) -> &'static str {
    if c.hidden { "hidden" } else { "visible" }
}

/// The hidden checks of a report, as students see them: how many, how many passed, the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenTally {
    pub count: usize,
    pub passed: usize,
    pub skipped: usize,
    pub score: u32,
    pub max_score: u32,
}

impl HiddenTally {
    pub fn all_passed(&self) -> bool {
        self.passed + self.skipped == self.count
    }

    /// Its title line and a line saying their content is not shown, with the seed.
    pub fn describe(&self, seed: Option<u64>, lang: Lang) -> (String, String) {
        let (count, passed) = (self.count, self.passed);
        let skipped = match (self.skipped, lang) {
            (0, _) => String::new(),
            (n, Lang::Pt) => format!(", {n} ignorada(s)"),
            (n, Lang::En) => format!(", {n} skipped"),
        };
        let title = match lang {
            Lang::Pt => {
                format!("verificações ocultas do professor: {passed} de {count} passaram{skipped}")
            }
            Lang::En => {
                format!("the instructor's hidden checks: {passed} of {count} passed{skipped}")
            }
        };
        let seed = seed.map(|s| match lang {
            Lang::Pt => {
                format!("; semente {s} (`--hidden --hidden-seed {s}` sorteia os mesmos valores)")
            }
            Lang::En => format!("; seed {s} (`--hidden --hidden-seed {s}` draws the same values)"),
        });
        let detail = format!(
            "{}{}",
            lang.t(
                "o que cada uma verifica não é mostrado, e seus valores são sorteados a cada avaliação",
                "what each one checks is not shown, and their values are drawn anew for every grading"
            ),
            seed.unwrap_or_default()
        );
        (title, detail)
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `label text`, with the text's further lines hanging under its first.
fn labelled(label: &str, text: &str, prefix: &str) -> String {
    let hang = " ".repeat(label.chars().count() + 1);
    let body = text
        .lines()
        .collect::<Vec<_>>()
        .join(&format!("\n{prefix}{hang}"));
    format!("{prefix}{label} {body}")
}
