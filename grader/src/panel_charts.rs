//! What each panel of a submitted dashboard would show, drawn as PNG charts from Prometheus
//! over the grading's load (`grader ex6 --charts DIR`): a student sees the panels before
//! opening Grafana, and an empty or flat chart points at the query to fix.
//!
//! Every panel is drawn as a time series, whatever its visualization: a gauge or a stat shows
//! the last point of the same line. Series are named as Grafana names them (`legendFormat`,
//! else their labels). The charts' words are in Portuguese, the course's language.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::dashboard::{Dashboard, Panel, Target};
use crate::html::esc;
use crate::lang::{Text, both};
use crate::prometheus::Prometheus;

/// The size of each chart, in pixels: small enough to sit beside a report.
const SIZE: (u32, u32) = (640, 320);
/// About this many points per series, whatever the load's length.
const POINTS: f64 = 120.0;

/// Draws every panel with a Prometheus query into `dir` (`01-title.png`, ... and an
/// `index.html` showing them all), from `from` to `to` (Unix seconds). The note says where
/// they are, and which queries could not be drawn and why.
pub async fn draw(
    prom: &Prometheus,
    dashboard: &Dashboard,
    from: f64,
    to: f64,
    dir: &Path,
) -> Text {
    let panels = match dashboard.panels() {
        Ok(p) => p,
        Err(e) => {
            return both(
                format!("Gráficos dos painéis: nenhum, {}", e.pt),
                format!("Panel charts: none, {}", e.en),
            );
        }
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return both(
            format!(
                "Gráficos dos painéis: {} não pôde ser criada: {e}",
                dir.display()
            ),
            format!("Panel charts: {} could not be created: {e}", dir.display()),
        );
    }
    let step = ((to - from) / POINTS).max(1.0);
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let drawable = panels
        .iter()
        .filter(|p| !p.is_row() && p.visible_queries().next().is_some());
    for (i, panel) in drawable.enumerate() {
        let mut series = Vec::new();
        for t in panel.visible_queries() {
            match series_of(prom, t, from, to, step).await {
                Ok(s) => series.extend(s),
                Err(e) => problems.push((panel.label(), t.ref_id.clone(), e)),
            }
        }
        let chart = charts::Chart {
            title: format!("{} ({})", panel.title, panel.kind),
            x_label: "segundos desde o início da carga".into(),
            y_label: unit_label(panel),
            series,
            no_data: "a consulta não devolveu dados".into(),
        };
        let name = format!("{:02}-{}.png", i + 1, slug(&panel.title));
        if let Err(e) = std::fs::write(dir.join(&name), chart.png(SIZE.0, SIZE.1)) {
            problems.push((
                panel.label(),
                String::new(),
                both(e.to_string(), e.to_string()),
            ));
            continue;
        }
        files.push((name, panel.title.clone()));
    }
    let _ = std::fs::write(dir.join("index.html"), index(&files));
    let mut pt = format!(
        "Gráficos dos painéis (o que cada um mostraria no Grafana durante a carga): {} gráfico(s) em {}",
        files.len(),
        dir.join("index.html").display()
    );
    let mut en = format!(
        "Panel charts (what each would show in Grafana during the load): {} chart(s) in {}",
        files.len(),
        dir.join("index.html").display()
    );
    for (panel, r, e) in problems {
        let _ = write!(pt, "\n  {panel} {r}: {}", e.pt);
        let _ = write!(en, "\n  {panel} {r}: {}", e.en);
    }
    both(pt, en)
}

async fn series_of(
    prom: &Prometheus,
    t: &Target,
    from: f64,
    to: f64,
    step: f64,
) -> Result<Vec<charts::Series>, Text> {
    let query = t.query()?;
    let found = prom.query_range(&query, from, to, step).await?;
    Ok(found
        .into_iter()
        .map(|s| {
            let label = legend(t.legend.as_deref(), &s.labels, &query);
            let points = s.points.iter().map(|(x, y)| (x - from, *y)).collect();
            charts::Series::line(label, points)
        })
        .collect())
}

/// A series' name as Grafana writes it: the `legendFormat` with each `{{label}}` replaced;
/// without one, its labels (`endpoint=/produtos`), or the query itself when it has none.
fn legend(format: Option<&str>, labels: &BTreeMap<String, String>, query: &str) -> String {
    if let Some(f) = format.filter(|f| !f.trim().is_empty() && *f != "__auto") {
        let mut out = f.to_string();
        for (k, v) in labels {
            for pattern in [format!("{{{{{k}}}}}"), format!("{{{{ {k} }}}}")] {
                out = out.replace(&pattern, v);
            }
        }
        return out;
    }
    let shown: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if shown.is_empty() {
        query.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        shown.join(", ")
    }
}

/// The y axis's words for Grafana's common units.
fn unit_label(panel: &Panel) -> String {
    match panel.unit.as_deref().unwrap_or_default() {
        "s" => "segundos".into(),
        "ms" => "milissegundos".into(),
        "reqps" => "requisições/s".into(),
        "percent" => "%".into(),
        "percentunit" => "fração (1 = 100%)".into(),
        "" | "short" | "none" => String::new(),
        other => other.into(),
    }
}

/// A file name from a title: lower-case ASCII letters and digits joined by `-`.
fn slug(title: &str) -> String {
    let folded = crate::dashboard::fold(title);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "painel".into()
    } else {
        words.join("-")
    }
}

fn index(files: &[(String, String)]) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"pt-BR\"><meta charset=\"utf-8\"><title>Painéis</title>\n<body style=\"font-family: sans-serif\">\n<h1>Painéis do dashboard</h1>\n",
    );
    for (file, title) in files {
        let _ = writeln!(
            html,
            "<figure><img src=\"{file}\" alt=\"{t}\"><figcaption>{t}</figcaption></figure>",
            t = esc(title)
        );
    }
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_named_as_grafana_names_them() {
        let labels: BTreeMap<String, String> = [
            ("endpoint".to_string(), "/produtos".to_string()),
            ("__name__".to_string(), "x".to_string()),
        ]
        .into();
        assert_eq!(legend(Some("{{endpoint}}"), &labels, "q"), "/produtos");
        assert_eq!(
            legend(Some("GET {{ endpoint }}"), &labels, "q"),
            "GET /produtos"
        );
        assert_eq!(legend(None, &labels, "q"), "endpoint=/produtos");
        assert_eq!(
            legend(Some("__auto"), &BTreeMap::new(), "sum(\n rate(x[1m]))"),
            "sum( rate(x[1m]))"
        );
    }

    #[test]
    fn titles_become_file_names() {
        assert_eq!(slug("Latência P95 (s)"), "latencia-p95-s");
        assert_eq!(slug("???"), "painel");
    }
}
