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

#[cfg(test)]
mod tests {
    use crate::checks::probe::fake::{App, Server, context, kind};
    use crate::checks::run;
    use crate::lang::both;

    #[tokio::test]
    async fn a_target_up_passes_and_a_refused_content_type_is_explained_for_prometheus_3() {
        let mut app = App::serving("");
        let up = Server::default();
        let o = run(
            &kind("kind = \"target_up\""),
            &mut context(&mut app, Some(&up)),
        )
        .await;
        assert!(o.passed);
        let refused = Server {
            up: Err(both(
                "received unsupported Content-Type \"application/json\"",
                "received unsupported Content-Type \"application/json\"",
            )),
            ..Server::default()
        };
        let o = run(
            &kind("kind = \"target_up\""),
            &mut context(&mut app, Some(&refused)),
        )
        .await;
        assert!(!o.passed);
        assert!(o.cause.unwrap().en.contains("Prometheus 3 only scrapes"));
    }

    #[tokio::test]
    async fn a_query_with_enough_series_passes() {
        let server = Server::default()
            .with("http_requests_total", &[("status", "200")], 3.0)
            .with("http_requests_total", &[("status", "500")], 1.0);
        let mut app = App::serving("");
        let spec = kind("kind = \"promql\"\nquery = \"http_requests_total\"\nmin_series = 2");
        let o = run(&spec, &mut context(&mut app, Some(&server))).await;
        assert!(o.passed, "{:?}", o.seen);
        assert_eq!(o.seen.en, "2 series");
    }

    // Paused time: the check allows a few scrapes before it fails.
    #[tokio::test(start_paused = true)]
    async fn a_query_short_of_series_fails_after_a_few_scrapes_with_the_roteiro_cause() {
        let server = Server::default().with("http_requests_total", &[("status", "200")], 3.0);
        let mut app = App::serving("");
        let spec = kind("kind = \"promql\"\nquery = \"http_requests_total\"\nmin_series = 2");
        let o = run(&spec, &mut context(&mut app, Some(&server))).await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "1 series");
        assert!(o.cause.unwrap().en.contains("Metrics do not show"));
        assert_eq!(server.asked.lock().unwrap().len(), 8);
    }
}
