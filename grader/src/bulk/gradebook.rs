//! The class's gradebook: a row per student, read back from their `results.json`, and what is
//! made of the rows (`grades.csv`, `summary.json`, `junit.xml`, the HTML report, the table
//! printed at the end).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::row::{ERROR, GRADED, Row, UNGRADABLE, write_atomic};
use crate::lang::Lang;
use crate::report::Report;
use crate::spec::Spec;

/// Gradescope's `results.json` for a report, with `extra_data` holding what the gradebook
/// needs; and that gradebook row.
pub fn results_json(report: &Report, student: &str, lang: Lang) -> (Value, Row) {
    let status = if report.ungradable.is_some() {
        UNGRADABLE
    } else {
        GRADED
    };
    let reason = report.ungradable.as_ref().map(|r| r.get(lang).to_string());
    let checks: BTreeMap<String, f64> = report
        .checks
        .iter()
        .map(|c| (c.id.clone(), f64::from(c.score())))
        .collect();
    let mut v = report.to_gradescope(lang);
    v["extra_data"] = json!({
        "student": student,
        "exercise": report.exercise,
        "status": status,
        "reason": reason,
        "checks": checks.iter().map(|(k, s)| (k.clone(), number(*s))).collect::<serde_json::Map<_, _>>(),
        // `grader exN --path ... --hidden --hidden-seed S` draws this student's values again.
        "hidden_seed": report.hidden_seed,
    });
    let row = Row {
        student: student.to_string(),
        score: f64::from(report.score()),
        max_score: f64::from(report.max_score()),
        status: status.to_string(),
        reason,
        checks,
    };
    (v, row)
}

/// The row a `results.json` holds, when it is one this command wrote.
pub fn row_from_results(student: &str, v: &Value) -> Option<Row> {
    let extra = v.get("extra_data")?;
    let status = extra.get("status")?.as_str()?.to_string();
    let checks = extra
        .get("checks")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, s)| Some((k.clone(), s.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    Some(Row {
        student: student.to_string(),
        score: v.get("score")?.as_f64()?,
        max_score: v.get("max_score")?.as_f64()?,
        status,
        reason: extra
            .get("reason")
            .and_then(Value::as_str)
            .map(str::to_string),
        checks,
    })
}

/// The student's finished result, when there is one (an `error` one is graded again).
pub(super) fn already_graded(out: &Path, student: &str) -> Option<Row> {
    let text = std::fs::read_to_string(out.join(student).join("results.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    row_from_results(student, &v).filter(|r| r.status != ERROR)
}

/// `14/14`, or `ungradable: <the reason's first line>`.
pub(super) fn progress(row: &Row, lang: Lang) -> String {
    match (row.status.as_str(), &row.reason) {
        (GRADED, _) => format!("{}/{}", row.score, row.max_score),
        (status, reason) => {
            let first = reason
                .as_deref()
                .and_then(|r| r.lines().next())
                .unwrap_or("")
                .trim_end_matches(':');
            let status = match (status, lang) {
                (UNGRADABLE, Lang::Pt) => "não avaliável",
                (s, _) => s,
            };
            format!("{status}: {first}")
        }
    }
}

/// Reads every `<student>/results.json` in `out` and writes `grades.csv`, `summary.json`,
/// `junit.xml` and the HTML report (`relatorio/`).
/// A `results.json` that cannot be read is a row with status `error`.
pub(super) fn gradebook(out: &Path, spec: &Spec, lang: Lang) -> std::io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        let student = entry.file_name().to_string_lossy().into_owned();
        let file = entry.path().join("results.json");
        if student.starts_with('.') || !file.is_file() {
            continue;
        }
        let row = std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
            .and_then(|v| {
                row_from_results(&student, &v).ok_or_else(|| {
                    lang.t(
                        "sem extra_data: não foi escrito por `grader bulk`",
                        "no extra_data: not written by `grader bulk`",
                    )
                    .to_string()
                })
            });
        rows.push(row.unwrap_or_else(|e| {
            error_row(
                &student,
                f64::from(spec.max_score()),
                format!("{}: {e}", file.display()),
            )
        }));
    }
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    let ids: Vec<&str> = spec.checks.iter().map(|c| c.id.as_str()).collect();
    write_atomic(&out.join("grades.csv"), render_csv(&rows, &ids).as_bytes())?;
    write_atomic(
        &out.join("summary.json"),
        format!("{:#}\n", summary(&rows, spec)).as_bytes(),
    )?;
    write_atomic(
        &out.join("junit.xml"),
        super::junit::render(out, &spec.id, &rows).as_bytes(),
    )?;
    super::html::write(out, spec, &rows)?;
    Ok(rows)
}

/// The gradebook as CSV (RFC 4180: CRLF line ends, fields quoted when they need it).
pub fn render_csv(rows: &[Row], check_ids: &[&str]) -> String {
    let mut out = String::new();
    let header: Vec<String> = ["student", "score", "max_score", "status"]
        .iter()
        .map(|s| s.to_string())
        .chain(check_ids.iter().map(|s| s.to_string()))
        .collect();
    push_record(&mut out, &header);
    for r in rows {
        let mut fields = vec![
            r.student.clone(),
            r.score.to_string(),
            r.max_score.to_string(),
            r.status.clone(),
        ];
        fields.extend(check_ids.iter().map(|id| {
            r.checks
                .get(*id)
                .map(f64::to_string)
                .unwrap_or_else(|| if r.status == GRADED { "" } else { "0" }.to_string())
        }));
        push_record(&mut out, &fields);
    }
    out
}

pub(super) fn push_record(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    let _ = write!(out, "{}\r\n", line.join(","));
}

/// One CSV field, quoted (with its quotes doubled) when it holds a comma, a quote or a line
/// break, or starts or ends with a space.
pub fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\r', '\n']) || f.starts_with(' ') || f.ends_with(' ') {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// `summary.json`: every student, and the totals.
pub fn summary(rows: &[Row], spec: &Spec) -> Value {
    let count = rows.len();
    let of = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let full = rows
        .iter()
        .filter(|r| r.status == GRADED && r.score >= r.max_score)
        .count();
    let mean = if count == 0 {
        0.0
    } else {
        rows.iter().map(|r| r.score).sum::<f64>() / count as f64
    };
    json!({
        "exercise": spec.id,
        "max_score": spec.max_score(),
        "students": rows.iter().map(|r| json!({
            "student": r.student,
            "score": number(r.score),
            "max_score": number(r.max_score),
            "status": r.status,
            "reason": r.reason,
        })).collect::<Vec<_>>(),
        "totals": {
            "count": count,
            "graded": of(GRADED),
            "ungradable": of(UNGRADABLE),
            "error": of(ERROR),
            "full_marks": full,
            "mean_score": (mean * 100.0).round() / 100.0,
        },
        // With `--hidden`: the instructor's checks, in full (each student's values are in
        // their results.json, with the seed they were drawn from).
        "hidden_checks": spec.checks.iter().filter(|c| c.hidden).map(|c| json!({
            "id": c.id,
            "points": c.points,
            "title": c.title.pt,
        })).collect::<Vec<_>>(),
    })
}

/// A score as JSON: an integer when it is one.
pub(super) fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The table printed at the end: student, score, status.
pub fn render_table(rows: &[Row], lang: Lang) -> String {
    let head = [
        lang.t("aluno", "student"),
        lang.t("nota", "score"),
        lang.t("situação", "status"),
    ];
    let scores: Vec<String> = rows
        .iter()
        .map(|r| format!("{}/{}", r.score, r.max_score))
        .collect();
    let w0 = rows
        .iter()
        .map(|r| r.student.chars().count())
        .chain([head[0].chars().count()])
        .max()
        .unwrap_or(0);
    let w1 = scores
        .iter()
        .map(String::len)
        .chain([head[1].chars().count()])
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(out, "{:<w0$}  {:>w1$}  {}", head[0], head[1], head[2]);
    for (r, s) in rows.iter().zip(&scores) {
        let _ = writeln!(out, "{:<w0$}  {s:>w1$}  {}", r.student, r.status);
    }
    out
}

pub(super) fn error_row(student: &str, max_score: f64, reason: String) -> Row {
    Row {
        student: student.to_string(),
        score: 0.0,
        max_score,
        status: ERROR.to_string(),
        reason: Some(reason),
        checks: BTreeMap::new(),
    }
}

/// A `results.json` for a grading that failed inside the grader.
pub(super) fn error_results(row: &Row, exercise: &str) -> Value {
    json!({
        "score": 0,
        "max_score": row.max_score,
        "output": format!("grader error: {}", row.reason.as_deref().unwrap_or("")),
        "visibility": "visible",
        "tests": [],
        "extra_data": {
            "student": row.student,
            "exercise": exercise,
            "status": ERROR,
            "reason": row.reason,
            "checks": {},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_need_it() {
        assert_eq!(csv_field("maria"), "maria");
        assert_eq!(csv_field("Silva, Maria"), "\"Silva, Maria\"");
        assert_eq!(csv_field("o \"Zé\""), "\"o \"\"Zé\"\"\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
        assert_eq!(csv_field("João"), "João");
    }

    #[test]
    fn the_csv_has_a_column_per_check_and_crlf_line_ends() {
        let row = Row {
            student: "Silva, Ana".into(),
            score: 3.0,
            max_score: 4.0,
            status: GRADED.into(),
            reason: None,
            checks: [("a".to_string(), 1.0), ("b".to_string(), 2.0)].into(),
        };
        let gone = Row {
            student: "zé".into(),
            score: 0.0,
            max_score: 4.0,
            status: UNGRADABLE.into(),
            reason: Some("no crate".into()),
            checks: BTreeMap::new(),
        };
        assert_eq!(
            render_csv(&[row, gone], &["b", "a", "c"]),
            "student,score,max_score,status,b,a,c\r\n\
             \"Silva, Ana\",3,4,graded,2,1,\r\n\
             zé,0,4,ungradable,0,0,0\r\n"
        );
    }

    #[test]
    fn a_row_survives_its_results_json() {
        let row = Row {
            student: "ana".into(),
            score: 2.0,
            max_score: 2.0,
            status: GRADED.into(),
            reason: None,
            checks: [("a".to_string(), 2.0)].into(),
        };
        let v = json!({
            "score": 2, "max_score": 2, "tests": [],
            "extra_data": {"student": "ana", "status": "graded", "reason": null, "checks": {"a": 2}},
        });
        assert_eq!(row_from_results("ana", &v), Some(row));
        assert_eq!(row_from_results("ana", &json!({"score": 1})), None);
    }
}
