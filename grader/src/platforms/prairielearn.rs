//! PrairieLearn's external-grading `results.json`.
//!
//! PrairieLearn runs the grader's image with the submission in `/grade/student`, networking
//! off and a timeout, and reads `/grade/results/results.json`. A submission that does not
//! build or whose app never starts is `"gradable": false` with the reason in
//! `format_errors`: PrairieLearn then neither grades it nor counts the attempt. Otherwise
//! `score` is the fraction of the points (0 to 1) and `tests` has one entry per check. The
//! file must stay under 1 MB whatever the submission prints, so every text in it is clamped
//! and the whole is checked once more ([`LIMIT`]).

use serde_json::{Value, json};

use super::clamp;
use crate::lang::Lang;
use crate::report::Report;

/// PrairieLearn's limit on `results.json`, with room to spare.
pub const LIMIT: usize = 1_000_000;

/// Where the file goes inside the grading container.
pub const FILE: &str = "/grade/results/results.json";

/// At most this much of one check's feedback, and of the whole report in `output`.
const PER_TEST: usize = 16 * 1024;
const OUTPUT: usize = 256 * 1024;

/// The `results.json` of `report`; `text` is its readable report (shown as `output`).
pub fn results(report: &Report, text: &str, lang: Lang) -> Value {
    if let Some(reason) = &report.ungradable {
        let reason = clamp(reason.get(lang), PER_TEST * 4);
        return json!({
            "gradable": false,
            "format_errors": [reason],
            "message": lang.t(
                "A entrega não pôde ser avaliada (não compila, ou o app não subiu): corrija e envie de novo; esta tentativa não conta.",
                "The submission could not be graded (it does not build, or its app did not start): fix it and submit again; this attempt does not count."
            ),
            "output": clamp(text, OUTPUT),
        });
    }
    let mut tests: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| !c.hidden)
        .map(|c| {
            let mut test = json!({
                "name": format!("{}: {}", c.id, c.title.get(lang)),
                "points": c.score(),
                "max_points": if c.skipped { 0 } else { c.max_score },
                "output": clamp(&c.feedback_lines(lang, !c.passed).join("\n"), PER_TEST),
            });
            if c.skipped {
                let reason = c.seen.as_ref().map(|s| s.get(lang)).unwrap_or_default();
                test["message"] = json!(clamp(
                    &format!("{} {reason}", lang.t("ignorada:", "skipped:")),
                    PER_TEST
                ));
            } else if let Some(h) = c.hint.as_ref().filter(|_| !c.passed) {
                test["message"] = json!(clamp(h.get(lang), PER_TEST));
            }
            test
        })
        .collect();
    // Students see the tests: hidden checks only as their count and points.
    if let Some(tally) = report.hidden_tally() {
        let (title, detail) = tally.describe(report.hidden_seed, lang);
        tests.push(json!({
            "name": title,
            "points": tally.score,
            "max_points": tally.max_score,
            "output": detail,
        }));
    }
    let (points, max) = (report.score(), report.max_score());
    let score = if max == 0 {
        1.0
    } else {
        f64::from(points) / f64::from(max)
    };
    let doc = json!({
        "gradable": true,
        "score": score,
        "points": points,
        "max_points": max,
        "message": format!("{} {points}/{max}", lang.t("Pontuação:", "Score:")),
        "output": clamp(text, OUTPUT),
        "tests": tests,
    });
    within_limit(doc)
}

/// The document as it is when it fits [`LIMIT`]; else without the readable report and the
/// tests' output, which the clamps above make unreachable but a spec with thousands of
/// checks could still need.
fn within_limit(mut doc: Value) -> Value {
    if doc.to_string().len() <= LIMIT {
        return doc;
    }
    doc["output"] = json!("[cortado / truncated]");
    if let Some(tests) = doc["tests"].as_array_mut() {
        for t in tests {
            t["output"] = json!("");
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::both;
    use crate::report::CheckResult;
    use std::time::Duration;

    fn check(id: &str, passed: bool, seen: &str) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: both(id, id),
            max_score: 5,
            passed,
            expected: Some(both("1", "1")),
            seen: Some(both(seen, seen)),
            hint: Some(both("dica", "hint")),
            note: None,
            skipped: false,
            hidden: false,
        }
    }

    fn report(checks: Vec<CheckResult>) -> Report {
        Report {
            exercise: "ex1".into(),
            title: both("t", "t"),
            guide_part: "Parte 3".into(),
            ungradable: None,
            checks,
            notes: vec![],
            elapsed: Duration::from_secs(1),
            hidden_seed: None,
            course: None,
        }
    }

    #[test]
    fn the_score_is_the_fraction_of_the_points_with_a_test_per_check() {
        let r = report(vec![check("a", true, "1"), check("b", false, "2")]);
        let doc = results(&r, "relatório", Lang::Pt);
        assert_eq!(doc["gradable"], true);
        assert_eq!(doc["score"], 0.5);
        assert_eq!(doc["tests"][1]["points"], 0);
        assert_eq!(doc["tests"][1]["max_points"], 5);
        assert_eq!(doc["tests"][1]["message"], "dica");
        assert!(
            doc["tests"][1]["output"]
                .as_str()
                .unwrap()
                .contains("visto: 2")
        );
    }

    #[test]
    fn whatever_a_submission_prints_the_document_stays_under_one_megabyte() {
        let flood = "x".repeat(5_000_000);
        let checks = (0..40)
            .map(|i| check(&format!("c{i}"), false, &flood))
            .collect();
        let doc = results(&report(checks), &flood, Lang::En);
        assert!(doc.to_string().len() <= LIMIT, "{}", doc.to_string().len());
        let mut ungradable = report(vec![check("a", false, "1")]);
        ungradable.ungradable = Some(both(flood.clone(), flood.clone()));
        let doc = results(&ungradable, &flood, Lang::En);
        assert_eq!(doc["gradable"], false);
        assert!(doc["format_errors"][0].as_str().unwrap().starts_with("xxx"));
        assert!(doc.to_string().len() <= LIMIT);
    }
}
