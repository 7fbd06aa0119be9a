//! Make requests, then check each series moved by exactly what they did.

use exposition::Exposition;

use super::{Context, Outcome};
use crate::lang::{Text, both};
use crate::spec::{Expect, Request, Selector};

pub async fn run(cx: &mut Context<'_>, requests: &[Request], expect: &[Expect]) -> Outcome {
    let expected = describe(requests, expect);
    let before = match cx.scraper.scrape().await {
        Ok(s) => s.exposition,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    for r in requests {
        if let Err(seen) = cx.scraper.request(r).await {
            return Outcome::fail(expected, seen, None);
        }
    }
    let after = match cx.scraper.scrape().await {
        Ok(s) => s.exposition,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let mut lines = (Vec::new(), Vec::new());
    let mut passed = true;
    let mut counted_twice = false;
    let mut unit_slip = false;
    for e in expect {
        let sel = Selector::parse(&e.series).expect("selectors are validated when the spec loads");
        let now = sum(&after, &sel);
        let exposed = after.select(&sel.name, &sel.labels).next().is_some();
        let (ok, pt, en) = if (e.value.is_some() || e.between.is_some()) && !exposed {
            (
                false,
                format!("{sel}: não aparece em /metrics"),
                format!("{sel}: not in /metrics"),
            )
        } else if let Some(d) = e.delta {
            let moved = now - sum(&before, &sel);
            counted_twice |= d > 0.0 && moved == 2.0 * d;
            (
                close(moved, d),
                format!("{sel}: variou {moved} (esperado {d})"),
                format!("{sel}: moved by {moved} (expected {d})"),
            )
        } else if let Some([lo, hi]) = e.delta_between {
            let moved = now - sum(&before, &sel);
            let ok = (lo..=hi).contains(&moved);
            // Nothing observed at all (no _count moved either) is not a unit mistake.
            let observed = moved != 0.0 || {
                let count = Selector {
                    name: sel.name.replace("_sum", "_count"),
                    labels: sel.labels.clone(),
                };
                sum(&after, &count) > sum(&before, &count)
            };
            unit_slip |= !ok && observed && in_base_units(&sel.name);
            (
                ok,
                format!("{sel}: variou {moved} (esperado entre {lo} e {hi})"),
                format!("{sel}: moved by {moved} (expected between {lo} and {hi})"),
            )
        } else if let Some(v) = e.value {
            (
                close(now, v),
                format!("{sel}: vale {now} (esperado {v})"),
                format!("{sel}: is {now} (expected {v})"),
            )
        } else if let Some([lo, hi]) = e.between {
            let ok = (lo..=hi).contains(&now);
            (
                ok,
                format!("{sel}: vale {now} (esperado entre {lo} e {hi})"),
                format!("{sel}: is {now} (expected between {lo} and {hi})"),
            )
        } else {
            let max = e.max_series.unwrap_or(usize::MAX);
            let n = after.select(&sel.name, &sel.labels).count();
            (
                n <= max,
                format!("{sel}: {n} séries (no máximo {max})"),
                format!("{sel}: {n} series (at most {max})"),
            )
        };
        passed &= ok;
        lines
            .0
            .push(format!("{} {pt}", if ok { "ok" } else { "ERRO" }));
        lines
            .1
            .push(format!("{} {en}", if ok { "ok" } else { "WRONG" }));
    }
    let seen = both(lines.0.join("\n"), lines.1.join("\n"));
    if passed {
        return Outcome::pass(expected, seen);
    }
    let cause = if unit_slip {
        both(
            "o `_sum` andou fora do plausível para o que o avaliador fez: observe na unidade base do nome, segundos como f64 (`duracao.as_secs_f64()`, não `as_millis()` nem `as_secs()`) e bytes. Um `_sum` mil vezes grande demais é milissegundo; um que não anda é segundo inteiro.",
            "the `_sum` moved by an implausible amount for what the grader did: observe in the name's base unit, seconds as f64 (`duracao.as_secs_f64()`, not `as_millis()` or `as_secs()`) and bytes. A `_sum` a thousand times too big is milliseconds; one that does not move is whole seconds.",
        )
    } else if counted_twice {
        both(
            "a série subiu o dobro: a métrica é incrementada duas vezes por evento (no middleware e no handler, ou duas camadas)?",
            "the series moved twice as much: is the metric incremented twice per event (in the middleware and the handler, or by two layers)?",
        )
    } else {
        both(
            "confirme que .inc(), .set() e .observe() são chamados uma vez por evento, com os valores de label certos",
            "check that .inc(), .set() and .observe() are called once per event, with the right label values",
        )
    };
    Outcome::fail(expected, seen, Some(cause))
}

/// A series whose name carries a base unit (Prometheus's naming: `_seconds`, `_bytes`).
fn in_base_units(name: &str) -> bool {
    let base = name.strip_suffix("_sum").unwrap_or(name);
    base.ends_with("_seconds") || base.ends_with("_bytes")
}

/// The sum of the samples a selector matches (none is 0, as for a counter not yet used).
fn sum(expo: &Exposition, sel: &Selector) -> f64 {
    expo.select(&sel.name, &sel.labels).map(|s| s.value).sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn describe(requests: &[Request], expect: &[Expect]) -> Text {
    let reqs: Vec<String> = requests
        .iter()
        .map(|r| {
            let body = r
                .json
                .as_deref()
                .map(|j| format!(" {j}"))
                .unwrap_or_default();
            format!("{}× {} {}{body}", r.times, r.method, r.path)
        })
        .collect();
    let n = expect.len();
    both(
        format!("após {}: {n} séries como pedido", reqs.join(", ")),
        format!("after {}: {n} series as asked", reqs.join(", ")),
    )
}

impl super::Judge for crate::spec::kinds::Delta {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, &self.requests, &self.expect).await
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::probe::fake::{App, context, kind};
    use crate::checks::run;

    fn counter(v: u32) -> Result<String, crate::lang::Text> {
        Ok(format!(
            "# TYPE ecommerce_vendas_total counter\necommerce_vendas_total{{status=\"ok\"}} {v}\n"
        ))
    }

    const FIVE_SALES: &str = "kind = \"delta\"\n\
        requests = [{ method = \"POST\", path = \"/checkout\", times = 5 }]\n\
        expect = [{ series = 'ecommerce_vendas_total{status=\"ok\"}', delta = 5 }]";

    #[tokio::test]
    async fn a_counter_that_moves_by_the_requests_made_passes_and_the_requests_are_made() {
        let mut app = App::answering([counter(3), counter(8)]);
        let o = run(&kind(FIVE_SALES), &mut context(&mut app, None)).await;
        assert!(o.passed, "{:?}", o.seen);
        assert_eq!(*app.requests.lock().unwrap(), ["/checkout"]);
    }

    #[tokio::test]
    async fn a_counter_that_moves_twice_as_much_is_said_to_count_each_event_twice() {
        let mut app = App::answering([counter(3), counter(13)]);
        let o = run(&kind(FIVE_SALES), &mut context(&mut app, None)).await;
        assert!(!o.passed);
        assert!(
            o.seen.en.contains("moved by 10 (expected 5)"),
            "{}",
            o.seen.en
        );
        assert!(o.cause.unwrap().en.contains("twice"));
    }

    #[tokio::test]
    async fn a_sum_in_milliseconds_is_named_as_a_unit_slip() {
        let body = |count: u32, sum: f64| {
            Ok(format!(
                "# TYPE checkout_seconds histogram\ncheckout_seconds_bucket{{le=\"+Inf\"}} {count}\n\
                 checkout_seconds_sum {sum}\ncheckout_seconds_count {count}\n"
            ))
        };
        let spec = kind(
            "kind = \"delta\"\nrequests = [{ method = \"POST\", path = \"/checkout\" }]\n\
             expect = [{ series = 'checkout_seconds_sum', delta_between = [0.01, 5.0] }]",
        );
        let mut app = App::answering([body(0, 0.0), body(1, 250.0)]);
        let o = run(&spec, &mut context(&mut app, None)).await;
        assert!(!o.passed);
        assert!(o.cause.unwrap().en.contains("base unit"));
    }

    #[tokio::test]
    async fn a_value_expected_of_a_series_not_exposed_says_so() {
        let spec = kind(
            "kind = \"delta\"\nrequests = []\n\
             expect = [{ series = 'ecommerce_estoque{produto=\"1\"}', value = 10 }]",
        );
        let mut app = App::answering([counter(0)]);
        let o = run(&spec, &mut context(&mut app, None)).await;
        assert!(!o.passed);
        assert!(o.seen.en.contains("not in /metrics"), "{}", o.seen.en);
    }
}
