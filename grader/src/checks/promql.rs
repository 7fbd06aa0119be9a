//! Checks through a real Prometheus scraping the app.

use std::time::Duration;

use super::{Context, Outcome};
use crate::lang::both;
use crate::prometheus::APP_JOB;
use crate::spec::kinds;

/// How long Prometheus gets to scrape the app successfully (it scrapes every second).
const TARGET_UP_WITHIN: Duration = Duration::from_secs(10);

pub async fn target_up(cx: &mut Context<'_>) -> Outcome {
    let expected = both(
        format!("o Prometheus coleta o target `{APP_JOB}` (estado `up`, sem erro de coleta)"),
        format!("Prometheus scrapes target `{APP_JOB}` (state `up`, no scrape error)"),
    );
    let Some(prom) = cx.prometheus else {
        return super::not_started(expected);
    };
    match prom.wait_target_up(TARGET_UP_WITHIN).await {
        Ok(()) => Outcome::pass(expected, both("target up", "target up")),
        Err(seen) => {
            // Prometheus 3 refuses a body whose Content-Type it does not know (2.x read it
            // as text anyway); its scrape error says so, and so does the cause.
            let cause = if seen.en.contains("Content-Type")
                || seen.en.contains("fallback_scrape_protocol")
            {
                both(
                    "O Prometheus 3 só coleta um /metrics com Content-Type conhecido (`text/plain; version=0.0.4`, ou OpenMetrics); o 2.x aceitava qualquer um. Responda com `TextEncoder::format_type()` no cabeçalho Content-Type.",
                    "Prometheus 3 only scrapes a /metrics with a known Content-Type (`text/plain; version=0.0.4`, or OpenMetrics); 2.x took any. Answer with `TextEncoder::format_type()` in the Content-Type header.",
                )
            } else {
                both(
                    "“Target is down” (roteiro, Parte 9): o app está rodando? /metrics responde rápido e em texto válido? O Content-Type é aceito?",
                    "“Target is down” (roteiro, Parte 9): is the app running? Does /metrics answer quickly, with valid text? Is its Content-Type accepted?",
                )
            };
            Outcome::fail(expected, seen, Some(cause))
        }
    }
}

pub async fn query(cx: &mut Context<'_>, query: &str, min_series: usize) -> Outcome {
    let expected = both(
        format!("`{query}` no Prometheus devolve ao menos {min_series} série(s)"),
        format!("`{query}` in Prometheus returns at least {min_series} series"),
    );
    let Some(prom) = cx.prometheus else {
        return super::not_started(expected);
    };
    if let Some(Err(why)) = cx.config.map(|c| &c.loaded) {
        return Outcome::fail(expected, why.clone(), None);
    }
    // The series may land one scrape after the target came up: allow a few scrapes.
    let mut last = Err(both("", ""));
    for _ in 0..8 {
        last = prom.query(query).await;
        if matches!(last, Ok(n) if n >= min_series) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    match last {
        Ok(n) if n >= min_series => Outcome::pass(
            expected,
            both(format!("{n} série(s)"), format!("{n} series")),
        ),
        Ok(n) => Outcome::fail(
            expected,
            both(format!("{n} série(s)"), format!("{n} series")),
            Some(both(
                "“Métricas não aparecem” (roteiro, Parte 9): a métrica está em /metrics com esse nome e essas labels?",
                "“Metrics do not show” (roteiro, Parte 9): is the metric in /metrics with that name and those labels?",
            )),
        ),
        Err(seen) => Outcome::fail(expected, seen, None),
    }
}

impl super::Judge for kinds::TargetUp {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        target_up(cx).await
    }
}

impl super::Judge for kinds::Promql {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        query(cx, &self.query, self.min_series).await
    }
}
