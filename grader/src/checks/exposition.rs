use super::{Context, Outcome};
use crate::lang::both;

/// `/metrics` answers with a Content-Type Prometheus accepts and a body that parses.
pub async fn run(cx: &mut Context<'_>) -> Outcome {
    let expected = both(
        "GET /metrics responde 200, com Content-Type `text/plain; version=0.0.4` e texto no formato de exposição",
        "GET /metrics answers 200, with Content-Type `text/plain; version=0.0.4` and text in the exposition format",
    );
    let scrape = match cx.scraper.scrape().await {
        Ok(s) => s,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let ct = scrape.content_type.unwrap_or_default();
    let accepted = (ct.starts_with("text/plain") && ct.contains("version=0.0.4"))
        || ct.starts_with("application/openmetrics-text");
    let n = scrape.exposition.families.len();
    if accepted {
        Outcome::pass(
            expected,
            both(
                format!("{n} famílias de métricas, Content-Type `{ct}`"),
                format!("{n} metric families, Content-Type `{ct}`"),
            ),
        )
    } else {
        let shown = if ct.is_empty() {
            "(nenhum / none)".to_string()
        } else {
            ct
        };
        Outcome::fail(
            expected,
            both(
                format!("Content-Type {shown}"),
                format!("Content-Type {shown}"),
            ),
            Some(both(
                "o Prometheus 3 recusa a coleta sem um Content-Type conhecido: use `TextEncoder::format_type()` no cabeçalho",
                "Prometheus 3 refuses to scrape without a known Content-Type: put `TextEncoder::format_type()` in the header",
            )),
        )
    }
}

impl super::Judge for crate::spec::kinds::Exposition {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx).await
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::probe::fake::{App, context, kind};
    use crate::checks::run;

    const BODY: &str = "# TYPE up_total counter\nup_total 1\n";

    #[tokio::test]
    async fn the_text_format_and_openmetrics_are_accepted() {
        for ct in [
            "text/plain; version=0.0.4; charset=utf-8",
            "application/openmetrics-text; version=1.0.0",
        ] {
            let mut app = App::serving(BODY);
            app.content_type = Some(ct.into());
            let o = run(&kind("kind = \"exposition\""), &mut context(&mut app, None)).await;
            assert!(o.passed, "{ct}: {:?}", o.seen);
        }
    }

    #[tokio::test]
    async fn a_missing_or_unknown_content_type_fails_with_the_prometheus_3_cause() {
        for ct in [None, Some("application/json"), Some("text/plain")] {
            let mut app = App::serving(BODY);
            app.content_type = ct.map(str::to_string);
            let o = run(&kind("kind = \"exposition\""), &mut context(&mut app, None)).await;
            assert!(!o.passed, "{ct:?} was accepted");
            assert!(o.cause.unwrap().en.contains("Prometheus 3"));
        }
    }
}
