//! `junit.xml`: the class as JUnit test results, for CI dashboards and LMS plugins that read
//! them (GitLab, Jenkins, GitHub test reporters). One `<testsuite>` per student, one
//! `<testcase>` per check with its points in the name; a failed check is a `<failure>` with the
//! grader's feedback, an ungradable submission one `<error>` with the reason.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::row::{Row, UNGRADABLE};

/// The XML for `rows`, reading each student's `results.json` in `out` for the checks.
pub fn render(out: &Path, exercise: &str, rows: &[Row]) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for row in rows {
        let results: Value = std::fs::read_to_string(out.join(&row.student).join("results.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let student = xml(&row.student);
        let mut cases = String::new();
        let (mut n, mut failed, mut errored) = (0, 0, 0);
        if row.status == UNGRADABLE || row.status != super::row::GRADED {
            n += 1;
            errored += 1;
            let reason = xml(row.reason.as_deref().unwrap_or(&row.status));
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{student}\" name=\"{}\">\n      <error message=\"{}\">{reason}</error>\n    </testcase>",
                xml(&row.status),
                xml(&row.status)
            );
        } else {
            for t in results["tests"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                // The count students see of the hidden checks, which are here in full.
                if t["extra_data"]["hidden_summary"] == true {
                    continue;
                }
                n += 1;
                let name = format!(
                    "{} [{}/{}]",
                    t["name"].as_str().unwrap_or("?"),
                    t["score"],
                    t["max_score"]
                );
                let _ = write!(
                    cases,
                    "    <testcase classname=\"{student}\" name=\"{}\"",
                    xml(&name)
                );
                if t["status"] == "passed" {
                    cases.push_str("/>\n");
                } else if t["status"].is_null() && t["max_score"] == 0 {
                    let reason = xml(t["output"].as_str().unwrap_or_default());
                    let _ = writeln!(
                        cases,
                        ">\n      <skipped message=\"{reason}\"/>\n    </testcase>"
                    );
                } else {
                    failed += 1;
                    let output = xml(t["output"].as_str().unwrap_or_default());
                    let _ = writeln!(
                        cases,
                        ">\n      <failure message=\"{}/{}\">{output}</failure>\n    </testcase>",
                        t["score"], t["max_score"]
                    );
                }
            }
        }
        let _ = write!(
            suites,
            "  <testsuite name=\"{student}\" tests=\"{n}\" failures=\"{failed}\" errors=\"{errored}\">\n{cases}  </testsuite>\n"
        );
        tests += n;
        failures += failed;
        errors += errored;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n",
        xml(exercise)
    )
}

/// Text as XML character data or an attribute value.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0, except tab and newlines.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            xml("a<b & \"c\"\u{1b}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
