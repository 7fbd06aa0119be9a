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
