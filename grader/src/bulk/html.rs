//! The class as static HTML, for an instructor to open or publish: `relatorio/index.html` (the
//! class at a glance: totals, the score distribution as a chart, a row per student with a mark
//! per check) and `relatorio/<student>.html` (every check with its feedback). Self-contained:
//! inline CSS and SVG, no script, nothing fetched.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::row::{GRADED, Row, write_atomic};
use crate::html::esc;
use crate::spec::Spec;

/// Writes the report's pages under `out/relatorio`.
pub fn write(out: &Path, spec: &Spec, rows: &[Row]) -> std::io::Result<()> {
    let dir = out.join("relatorio");
    std::fs::create_dir_all(&dir)?;
    write_atomic(&dir.join("index.html"), index(spec, rows).as_bytes())?;
    for row in rows {
        let results: Value = std::fs::read_to_string(out.join(&row.student).join("results.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let page = student_page(spec, row, &results);
        write_atomic(
            &dir.join(format!("{}.html", file_name(&row.student))),
            page.as_bytes(),
        )?;
    }
    Ok(())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}\
th{background:#f3f3f3}.ok{color:#1a7f37}.no{color:#b42318}.muted{color:#777}\
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem;margin:.25rem 0}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"pt-BR\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

fn index(spec: &Spec, rows: &[Row]) -> String {
    let graded: Vec<&Row> = rows.iter().filter(|r| r.status == GRADED).collect();
    let max = f64::from(spec.max_score());
    let mut scores: Vec<f64> = graded.iter().map(|r| r.score).collect();
    scores.sort_by(f64::total_cmp);
    let mean = if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    let median = scores.get(scores.len() / 2).copied().unwrap_or(0.0);
    let full = graded.iter().filter(|r| r.score >= max).count();

    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>{} — {}</h1>\n<p>{} alunos: {} avaliados, {} não avaliáveis, {} com nota máxima. Média {:.1}, mediana {:.1} de {}.</p>",
        esc(&spec.id),
        esc(&spec.title.pt),
        rows.len(),
        graded.len(),
        rows.len() - graded.len(),
        full,
        mean,
        median,
        max
    );
    b.push_str(&histogram(&scores, max));
    b.push_str("<table>\n<tr><th>aluno</th><th>nota</th><th>situação</th>");
    for c in &spec.checks {
        let hidden = if c.hidden { " (oculta)" } else { "" };
        let _ = write!(
            b,
            "<th title=\"{}{hidden}\">{}</th>",
            esc(&c.title.pt),
            esc(&c.id)
        );
    }
    b.push_str("</tr>\n");
    for r in rows {
        let _ = write!(
            b,
            "<tr><td><a href=\"{}.html\">{}</a></td><td>{}/{}</td><td>{}</td>",
            esc(&file_name(&r.student)),
            esc(&r.student),
            r.score,
            r.max_score,
            esc(&r.status)
        );
        for c in &spec.checks {
            let cell = match r.checks.get(&c.id) {
                Some(s) if *s >= f64::from(c.points) => "<td class=\"ok\">✔</td>".to_string(),
                Some(_) => "<td class=\"no\">✘</td>".to_string(),
                None => "<td class=\"muted\">—</td>".to_string(),
            };
            b.push_str(&cell);
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    page(&format!("{} — turma", spec.id), &b)
}

/// The distribution of scores in ten bins of 10 % of the maximum, as an SVG bar chart with
/// its axes labelled.
fn histogram(scores: &[f64], max: f64) -> String {
    let mut bins = [0usize; 10];
    for s in scores {
        let i = if max > 0.0 {
            (s / max * 10.0).floor() as usize
        } else {
            0
        };
        bins[i.min(9)] += 1;
    }
    let top = bins.iter().copied().max().unwrap_or(0).max(1);
    let (w, h, left, bottom) = (520.0, 200.0, 40.0, 30.0);
    let bar = (w - left) / 10.0;
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" role=\"img\" aria-label=\"distribuição das notas\">\n",
        h + bottom
    );
    for (i, n) in bins.iter().enumerate() {
        let bh = (h - 20.0) * (*n as f64) / (top as f64);
        let x = left + bar * i as f64;
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4c78a8\"><title>{n}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}%</text>",
            x + 2.0,
            h - bh,
            bar - 4.0,
            x + bar / 2.0,
            h - bh - 3.0,
            x + bar / 2.0,
            h + 14.0,
            (i + 1) * 10
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" stroke=\"#333\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">nota (% da máxima, até)</text>\
         <text x=\"12\" y=\"{}\" font-size=\"11\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">alunos</text>",
        left + (w - left) / 2.0,
        h + bottom - 2.0,
        h / 2.0,
        h / 2.0
    );
    svg.push_str(
        "</svg><figcaption>Distribuição das notas dos alunos avaliados</figcaption></figure>\n",
    );
    svg
}

fn student_page(spec: &Spec, row: &Row, results: &Value) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<p><a href=\"index.html\">← turma</a></p>\n<h1>{} — {}</h1>\n<p>{}: {}/{} ({})</p>",
        esc(&row.student),
        esc(&spec.id),
        esc(&spec.title.pt),
        row.score,
        row.max_score,
        esc(&row.status)
    );
    if let Some(reason) = &row.reason {
        let _ = writeln!(
            b,
            "<h2>Não foi possível avaliar</h2>\n<pre>{}</pre>",
            esc(reason)
        );
    }
    for t in results["tests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        // A student's page: the instructor's hidden checks show only in their count.
        if t["visibility"] == "hidden" {
            continue;
        }
        let passed = t["status"] == "passed";
        let _ = writeln!(
            b,
            "<h3 class=\"{}\">{} [{}/{}] {}</h3>",
            if passed { "ok" } else { "no" },
            if passed { "✔" } else { "✘" },
            t["score"],
            t["max_score"],
            esc(t["name"].as_str().unwrap_or("?"))
        );
        if let Some(out) = t["output"].as_str().filter(|o| !o.is_empty()) {
            let _ = writeln!(b, "<pre>{}</pre>", esc(out));
        }
    }
    if let Some(out) = results["output"].as_str().filter(|o| !o.is_empty()) {
        let _ = writeln!(b, "<h2>Notas</h2>\n<pre>{}</pre>", esc(out));
    }
    page(&format!("{} — {}", row.student, spec.id), &b)
}

/// A student's folder name as a file name: anything but letters, digits, `-`, `_` and `.`
/// becomes `_` (the names come from folders, but a page must never escape its directory).
fn file_name(student: &str) -> String {
    let name: String = student
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') || name == "index" {
        format!("_{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_puts_each_score_in_its_tenth() {
        let svg = histogram(&[0.0, 7.0, 14.0, 14.0], 14.0);
        // 0 → first bin, 7 → sixth (50–60 %), 14 → last.
        assert_eq!(svg.matches("<title>2</title>").count(), 1, "{svg}");
        assert_eq!(svg.matches("<title>1</title>").count(), 2, "{svg}");
        assert!(svg.contains("alunos") && svg.contains("100%"), "{svg}");
    }

    #[test]
    fn names_and_text_cannot_break_out() {
        assert_eq!(file_name("../x"), "_.._x");
        assert_eq!(file_name("index"), "_index");
        assert_eq!(esc("<b>\"&"), "&lt;b&gt;&quot;&amp;");
    }
}
