//! The submission's catalogue of metrics (a Markdown file, one table row per metric) against
//! what its `/metrics` really exposes: every documented metric exists with the documented
//! type, and every metric the app exposes is documented, but for the `ignore` prefixes
//! (metrics a library adds, such as the process collector's `process_*`).

use std::path::Path;

use exposition::MetricKind;

use super::{Context, Outcome};
use crate::lang::{Text, both};

/// One documented metric: a table row whose first cell starts with the name in backticks,
/// and whose second cell, when it is a metric type, is its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Documented {
    pub name: String,
    pub kind: Option<MetricKind>,
}

/// The metrics documented in `text`, in order, each once.
pub fn parse(text: &str) -> Vec<Documented> {
    let mut out: Vec<Documented> = Vec::new();
    for line in text.lines() {
        let Some(row) = line.trim().strip_prefix('|') else {
            continue;
        };
        let mut cells = row.split('|').map(str::trim);
        let Some(name) = cells
            .next()
            .and_then(|c| c.strip_prefix('`'))
            .and_then(|c| c.split('`').next())
            .filter(|n| is_metric_name(n))
        else {
            continue;
        };
        let kind = cells.next().and_then(|c| {
            c.trim_matches('`')
                .split_whitespace()
                .next()
                .and_then(|w| w.to_lowercase().parse().ok())
        });
        if !out.iter().any(|d| d.name == name) {
            out.push(Documented {
                name: name.to_string(),
                kind,
            });
        }
    }
    out
}

fn is_metric_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

pub async fn run(cx: &mut Context<'_>, file: &str, ignore: &[String]) -> Outcome {
    let expected = both(
        format!(
            "cada métrica de {file} em /metrics, com o tipo documentado, e cada métrica do app em {file}"
        ),
        format!(
            "every metric of {file} on /metrics, with the documented type, and every metric of the app in {file}"
        ),
    );
    let documented = match read(cx.submission, file) {
        Ok(text) => parse(&text),
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    if documented.is_empty() {
        let seen = both(
            format!("{file} não tem nenhuma linha de tabela começando com `nome_da_metrica`"),
            format!("{file} has no table row starting with `metric_name`"),
        );
        return Outcome::fail(expected, seen, None);
    }
    let exposed = match cx.scraper.scrape().await {
        Ok(s) => s.exposition,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let exposed: Vec<(&str, MetricKind)> = exposed
        .families
        .iter()
        .filter(|f| !f.samples.is_empty())
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    let missing: Vec<&str> = documented
        .iter()
        .filter(|d| !exposed.iter().any(|(n, _)| *n == d.name))
        .map(|d| d.name.as_str())
        .collect();
    let undocumented: Vec<&str> = exposed
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !ignore.iter().any(|p| n.starts_with(p.as_str())))
        .filter(|n| !documented.iter().any(|d| d.name == *n))
        .collect();
    let wrong_type: Vec<String> = documented
        .iter()
        .filter_map(|d| {
            let (_, kind) = exposed.iter().find(|(n, _)| *n == d.name)?;
            let said = d.kind?;
            (said != *kind).then(|| format!("{} ({said} ≠ {kind})", d.name))
        })
        .collect();
    if missing.is_empty() && undocumented.is_empty() && wrong_type.is_empty() {
        return Outcome::pass(
            expected,
            both(
                format!(
                    "{} métricas documentadas, todas em /metrics",
                    documented.len()
                ),
                format!("{} documented metrics, all on /metrics", documented.len()),
            ),
        );
    }
    let (mut pt, mut en) = (Vec::new(), Vec::new());
    if !missing.is_empty() {
        pt.push(format!(
            "documentadas e não expostas: {}",
            missing.join(", ")
        ));
        en.push(format!("documented, not exposed: {}", missing.join(", ")));
    }
    if !undocumented.is_empty() {
        pt.push(format!(
            "expostas e não documentadas: {}",
            undocumented.join(", ")
        ));
        en.push(format!(
            "exposed, not documented: {}",
            undocumented.join(", ")
        ));
    }
    if !wrong_type.is_empty() {
        pt.push(format!(
            "tipo documentado diferente do exposto: {}",
            wrong_type.join(", ")
        ));
        en.push(format!(
            "documented type differs from the exposed one: {}",
            wrong_type.join(", ")
        ));
    }
    let cause = both(
        format!(
            "{file} e o código divergem: uma métrica nova sem linha no catálogo, um nome com erro de digitação, ou uma linha de uma métrica que o app ainda não registra (uma métrica com labels só aparece depois do primeiro uso: inicie suas séries com zero)"
        ),
        format!(
            "{file} and the code disagree: a new metric without a catalogue row, a misspelt name, or a row of a metric the app does not register yet (a labelled metric shows only after its first use: start its series at zero)"
        ),
    );
    Outcome::fail(expected, both(pt.join("; "), en.join("; ")), Some(cause))
}

/// The submitted file, or why it cannot be read.
pub(crate) fn read(submission: Option<&Path>, file: &str) -> Result<String, Text> {
    let Some(dir) = submission else {
        return Err(both(
            "a pasta da entrega não está disponível",
            "the submission's folder is not available",
        ));
    };
    let path = dir.join(file);
    std::fs::read_to_string(&path).map_err(|e| {
        both(
            format!("não consegui ler {}: {e}", path.display()),
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

impl super::Judge for crate::spec::kinds::MetricsDocumented {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, &self.file, &self.ignore).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_name_metrics_and_their_types() {
        let text = "# Catálogo\n\n| métrica | tipo |\n|---|---|\n\
            | `ecommerce_vendas_total` | counter | `metodo_pagamento` |\n\
            | `app_info` | Gauge | |\n\
            | `x_seconds` | histograma | |\n\
            | nome sem crases | counter |\n\
            | `não é nome` | gauge |\n\
            | `ecommerce_vendas_total` | gauge | repetida |\n\
            texto com `metrica_solta` fora de tabela\n";
        assert_eq!(
            parse(text),
            vec![
                Documented {
                    name: "ecommerce_vendas_total".into(),
                    kind: Some(MetricKind::Counter)
                },
                Documented {
                    name: "app_info".into(),
                    kind: Some(MetricKind::Gauge)
                },
                Documented {
                    name: "x_seconds".into(),
                    kind: None
                },
            ]
        );
    }
}
