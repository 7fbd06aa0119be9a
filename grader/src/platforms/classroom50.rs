//! Classroom 50's `result.json` (`"schema": "classroom50/result/v1"`).
//!
//! Classroom 50 grades each submission in GitHub Actions: its runner calls the assignment's
//! `autograder.py` in the student's checkout, with who and what is being graded in the
//! environment ([`Submission::from_env`]), and reads the `result.json` it leaves there. Scores
//! are whole numbers; a test is `{test-name, passed, score, max-score}`, and other per-test
//! fields are kept, so each check also carries its id and what the report says of it.
//! A submission that could not be graded is still a result (every check 0, the reason in
//! `ungradable` and in each test); the runner takes a non-zero exit of the autograder as a
//! failure of the autograder itself, never of the student.

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::lang::Lang;
use crate::report::Report;

pub const SCHEMA: &str = "classroom50/result/v1";

/// The file the runner reads, in the student's checkout.
pub const FILE: &str = "result.json";

/// Who and what a result is about: what Classroom 50's runner puts in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub classroom: String,
    pub assignment: String,
    /// `individual`, `group` or `team`.
    pub assignment_type: String,
    /// The repository's owner (the student, or the group).
    pub owner: String,
    /// The submission's tag, `submit/...`.
    pub submission: String,
    pub commit: String,
    pub release: String,
    pub review: String,
    /// When it was submitted (the graded commit's date when known), UTC.
    pub datetime: String,
}

/// The variables `from_env` needs, for the message when one is missing.
pub const REQUIRED_ENV: &[&str] = &[
    "CLASSROOM",
    "ASSIGNMENT",
    "SUBMISSION_TAG",
    "COMMIT_URL",
    "RELEASE_URL",
];

impl Submission {
    /// From the runner's environment: `CLASSROOM`, `ASSIGNMENT`, `SUBMISSION_TAG`,
    /// `COMMIT_URL`, `RELEASE_URL`, and `OWNER` or `USERNAME`; `REVIEW_URL` (default: the
    /// commit), `ASSIGNMENT_TYPE` (default `individual`) and `SUBMITTED_AT` (the commit's
    /// date, which `autograder.py` reads from git; default: now). `Err` names what is missing.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut missing: Vec<&str> = REQUIRED_ENV
            .iter()
            .copied()
            .filter(|k| get(k).is_none())
            .collect();
        let owner = get("OWNER").or_else(|| get("USERNAME"));
        if owner.is_none() {
            missing.push("OWNER (or USERNAME)");
        }
        if !missing.is_empty() {
            return Err(format!(
                "Classroom 50's runner sets these variables, missing here: {}",
                missing.join(", ")
            ));
        }
        let v = |k: &str| get(k).unwrap_or_default();
        let submission = v("SUBMISSION_TAG");
        if !submission.starts_with("submit/") {
            return Err(format!(
                "SUBMISSION_TAG must be a submit/... tag, not {submission:?}"
            ));
        }
        Ok(Self {
            classroom: v("CLASSROOM"),
            assignment: v("ASSIGNMENT"),
            assignment_type: get("ASSIGNMENT_TYPE").unwrap_or_else(|| "individual".into()),
            owner: owner.unwrap_or_default(),
            submission,
            review: get("REVIEW_URL").unwrap_or_else(|| v("COMMIT_URL")),
            commit: v("COMMIT_URL"),
            release: v("RELEASE_URL"),
            datetime: get("SUBMITTED_AT")
                .unwrap_or_else(|| super::utc_timestamp(SystemTime::now())),
        })
    }

    /// For `grader bulk`: a class graded outside Classroom 50, one folder per student. The
    /// student's folder stands for the commit, release and review links the runner would
    /// give, and the run's start for the submission's tag.
    pub fn for_bulk(classroom: &str, assignment: &str, student: &str, folder: &str) -> Self {
        let now = super::utc_timestamp(SystemTime::now());
        Self {
            classroom: classroom.into(),
            assignment: assignment.into(),
            assignment_type: "individual".into(),
            owner: student.into(),
            submission: format!("submit/bulk-{}", now.replace(':', "-")),
            commit: folder.into(),
            release: folder.into(),
            review: folder.into(),
            datetime: now,
        }
    }
}

/// The `result.json` of `report` for `submission`, graded at `graded_at`.
pub fn result(
    report: &Report,
    submission: &Submission,
    lang: Lang,
    graded_at: SystemTime,
) -> Value {
    let ungradable = report.ungradable.as_ref().map(|r| r.get(lang).to_string());
    let mut tests: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| !c.hidden)
        .map(|c| {
            let mut test = json!({
                "test-name": format!("{}: {}", c.id, c.title.get(lang)),
                // A check not run is worth nothing either way: not a failure.
                "passed": c.passed || c.skipped,
                "score": c.score(),
                "max-score": if c.skipped { 0 } else { c.max_score },
                "id": c.id,
            });
            let obj = test.as_object_mut().expect("a test is an object");
            if c.skipped {
                obj.insert("skipped".into(), json!(true));
            }
            for (key, text) in [
                ("note", &c.note),
                ("expected", &c.expected),
                ("seen", &c.seen),
                ("hint", &c.hint),
            ] {
                // What it expected and saw matters only when it failed; a note always.
                if let Some(t) = text
                    && (key == "note" || !c.passed)
                {
                    obj.insert(key.into(), json!(super::clamp(t.get(lang), 8 * 1024)));
                }
            }
            if let Some(reason) = &ungradable {
                obj.insert("seen".into(), json!(super::clamp(reason, 8 * 1024)));
            }
            test
        })
        .collect();
    // The release page is the student's: hidden checks only as their count and points.
    if let Some(tally) = report.hidden_tally() {
        let (title, detail) = tally.describe(report.hidden_seed, lang);
        tests.push(json!({
            "test-name": title,
            "passed": tally.all_passed(),
            "score": tally.score,
            "max-score": tally.max_score,
            "note": detail,
        }));
    }
    let mut doc = json!({
        "schema": SCHEMA,
        "classroom": submission.classroom,
        "assignment": submission.assignment,
        "assignment_type": submission.assignment_type,
        "owner": submission.owner,
        "submission": submission.submission,
        "commit": submission.commit,
        "release": submission.release,
        "review": submission.review,
        "datetime": submission.datetime,
        "graded_at": super::utc_timestamp(graded_at),
        "score": report.score(),
        "max-score": report.max_score(),
        "tests": tests,
        "exercise": report.exercise,
    });
    if let Some(reason) = ungradable {
        doc["ungradable"] = json!(super::clamp(&reason, 64 * 1024));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const RUNNER: &[(&str, &str)] = &[
        ("CLASSROOM", "ads-2026"),
        ("ASSIGNMENT", "ex1"),
        ("SUBMISSION_TAG", "submit/2026-12-03T08-00-00Z-abc1234"),
        ("COMMIT_URL", "https://example.test/c"),
        ("RELEASE_URL", "https://example.test/r"),
        ("USERNAME", "ana"),
    ];

    #[test]
    fn the_runner_environment_makes_a_submission_with_its_defaults() {
        let s = Submission::from_lookup(env(RUNNER)).unwrap();
        assert_eq!(s.owner, "ana");
        assert_eq!(s.review, "https://example.test/c");
        assert_eq!(s.assignment_type, "individual");
        let mut with_owner = RUNNER.to_vec();
        with_owner.push(("OWNER", "grupo-3"));
        with_owner.push(("SUBMITTED_AT", "2026-12-01T10:00:00Z"));
        let s = Submission::from_lookup(env(&with_owner)).unwrap();
        assert_eq!(
            (s.owner.as_str(), s.datetime.as_str()),
            ("grupo-3", "2026-12-01T10:00:00Z")
        );
    }

    #[test]
    fn a_missing_or_wrong_variable_is_named() {
        let e = Submission::from_lookup(env(&RUNNER[1..5])).unwrap_err();
        assert!(e.contains("CLASSROOM") && e.contains("OWNER"), "{e}");
        let mut bad = RUNNER.to_vec();
        bad[2] = ("SUBMISSION_TAG", "v1.0");
        let e = Submission::from_lookup(env(&bad)).unwrap_err();
        assert!(e.contains("submit/"), "{e}");
    }
}
