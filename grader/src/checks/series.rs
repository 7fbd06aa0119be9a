//! A metric family as `/metrics` shows it: present, right type, labels, buckets, quantiles.

use std::collections::{BTreeMap, BTreeSet};

use exposition::{Exposition, Family};

use super::{Context, Outcome};
use crate::lang::{Text, both};
use crate::spec::MetricType;
use crate::spec::kinds;

#[derive(Debug)]
pub struct Wanted<'a> {
    pub metric: &'a str,
    pub kind: MetricType,
    pub labels: &'a [String],
    pub buckets: &'a [f64],
    pub quantiles: &'a [f64],
    pub value: Option<f64>,
}

impl Wanted<'_> {
    fn describe(&self) -> Text {
        let mut pt = format!("{} `{}`", self.kind.as_str(), self.metric);
        let mut en = pt.clone();
        if !self.labels.is_empty() {
            pt += &format!(" com as labels {}", self.labels.join(", "));
            en += &format!(" with labels {}", self.labels.join(", "));
        }
        if !self.buckets.is_empty() {
            pt += &format!("; buckets {}", floats(self.buckets));
            en += &format!("; buckets {}", floats(self.buckets));
        }
        if !self.quantiles.is_empty() {
            pt += &format!("; quantis {}", floats(self.quantiles));
            en += &format!("; quantiles {}", floats(self.quantiles));
        }
        if let Some(v) = self.value {
            pt += &format!("; valor {v}");
            en += &format!("; value {v}");
        }
        both(pt, en)
    }
}

pub async fn run(cx: &mut Context<'_>, want: Wanted<'_>) -> Outcome {
    let expected = want.describe();
    let scrape = match cx.scraper.scrape().await {
        Ok(s) => s,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    match judge(&scrape.exposition, &want) {
        Ok(seen) => Outcome::pass(expected, seen),
        Err((seen, cause)) => Outcome::fail(expected, seen, Some(cause)),
    }
}

fn judge(expo: &Exposition, want: &Wanted<'_>) -> Result<Text, (Text, Text)> {
    let Some(family) = expo.family(want.metric).filter(|f| !f.samples.is_empty()) else {
        let names: Vec<&str> = expo
            .families
            .iter()
            .map(|f| f.name.as_str())
            .take(12)
            .collect();
        return Err((
            both(
                format!(
                    "`{}` não aparece em /metrics (há: {})",
                    want.metric,
                    names.join(", ")
                ),
                format!(
                    "`{}` is not in /metrics (there is: {})",
                    want.metric,
                    names.join(", ")
                ),
            ),
            both(
                "a métrica foi criada e registrada no Registry que /metrics expõe? Uma métrica com labels só aparece depois do primeiro uso (.inc(), .set(), .observe())",
                "was the metric created and registered in the Registry that /metrics exposes? A metric with labels only shows after its first use (.inc(), .set(), .observe())",
            ),
        ));
    };
    let kind = family.kind.to_string();
    if kind != want.kind.as_str() {
        return Err((
            both(format!("tipo {kind}"), format!("type {kind}")),
            both(
                format!(
                    "declare `{}` como {}: o tipo decide quais funções do PromQL fazem sentido",
                    want.metric,
                    want.kind.as_str()
                ),
                format!(
                    "declare `{}` as a {}: the type decides which PromQL functions make sense",
                    want.metric,
                    want.kind.as_str()
                ),
            ),
        ));
    }
    let found = label_names(family);
    let wanted: BTreeSet<&str> = want.labels.iter().map(String::as_str).collect();
    if found != wanted {
        let missing: Vec<_> = wanted.difference(&found).copied().collect();
        let extra: Vec<_> = found.difference(&wanted).copied().collect();
        let shown = found.iter().copied().collect::<Vec<_>>().join(", ");
        return Err((
            both(
                format!(
                    "labels [{shown}]; faltam [{}]; sobram [{}]",
                    missing.join(", "),
                    extra.join(", ")
                ),
                format!(
                    "labels [{shown}]; missing [{}]; unexpected [{}]",
                    missing.join(", "),
                    extra.join(", ")
                ),
            ),
            both(
                "verifique se as labels estão corretas: os nomes vêm do Opts/HistogramOpts e os valores de with_label_values, na mesma ordem",
                "check the labels are right: names come from Opts/HistogramOpts and values from with_label_values, in the same order",
            ),
        ));
    }
    if !want.buckets.is_empty() {
        let got: Vec<f64> = family
            .histograms()
            .first()
            .map(|h| {
                h.buckets
                    .iter()
                    .map(|(le, _)| *le)
                    .filter(|le| le.is_finite())
                    .collect()
            })
            .unwrap_or_default();
        if !same_floats(&got, want.buckets) {
            return Err((
                both(
                    format!("buckets {}", floats(&got)),
                    format!("buckets {}", floats(&got)),
                ),
                both(
                    "passe os buckets pedidos em HistogramOpts::buckets",
                    "pass the asked buckets in HistogramOpts::buckets",
                ),
            ));
        }
    }
    if !want.quantiles.is_empty() {
        let got: Vec<f64> = family
            .samples
            .iter()
            .filter_map(|s| s.label("quantile").and_then(|q| q.parse().ok()))
            .collect::<Vec<f64>>();
        let mut got_unique = got.clone();
        got_unique.sort_by(f64::total_cmp);
        got_unique.dedup();
        if !same_floats(&got_unique, want.quantiles) {
            return Err((
                both(
                    format!("quantis {}", floats(&got_unique)),
                    format!("quantiles {}", floats(&got_unique)),
                ),
                both(
                    "o Summary deve calcular os quantis pedidos",
                    "the Summary must compute the asked quantiles",
                ),
            ));
        }
    }
    if let Some(v) = want.value
        && let Some(s) = family.samples.iter().find(|s| s.value != v)
    {
        return Err((
            both(
                format!("valor {} na linha {}", s.value, s.line),
                format!("value {} on line {}", s.value, s.line),
            ),
            both(
                format!("`{}` deve valer {v}", want.metric),
                format!("`{}` must be {v}", want.metric),
            ),
        ));
    }
    let n = family.samples.len();
    Ok(both(
        format!("{kind} com {n} amostras"),
        format!("{kind} with {n} samples"),
    ))
}

/// Label names of a family's samples, without the ones the type adds (`le`, `quantile`).
fn label_names(f: &Family) -> BTreeSet<&str> {
    f.samples
        .iter()
        .flat_map(|s| s.labels.keys())
        .map(String::as_str)
        .filter(|k| *k != "le" && *k != "quantile")
        .collect()
}

/// Each counter series has a histogram series with the same labels whose `_count` equals it:
/// both are recorded once per request, together.
pub async fn histogram_count(cx: &mut Context<'_>, histogram: &str, counter: &str) -> Outcome {
    let expected = both(
        format!(
            "para cada série de `{counter}`, `{histogram}_count` com as mesmas labels e o mesmo valor"
        ),
        format!("for every `{counter}` series, `{histogram}_count` with the same labels and value"),
    );
    let scrape = match cx.scraper.scrape().await {
        Ok(s) => s,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let counts: BTreeMap<_, f64> = scrape
        .exposition
        .samples()
        .filter(|s| s.name == format!("{histogram}_count"))
        .map(|s| (s.labels.clone(), s.value))
        .collect();
    let mut wrong = Vec::new();
    let mut total = 0;
    for s in scrape.exposition.samples().filter(|s| s.name == counter) {
        total += 1;
        match counts.get(&s.labels) {
            Some(c) if *c == s.value => {}
            other => wrong.push(format!(
                "{:?}: {counter} = {}, {histogram}_count = {}",
                s.labels,
                s.value,
                other.map_or("-".to_string(), f64::to_string)
            )),
        }
    }
    if total > 0 && wrong.is_empty() {
        return Outcome::pass(
            expected,
            both(
                format!("{total} séries coincidem"),
                format!("{total} series agree"),
            ),
        );
    }
    let seen = if total == 0 {
        both(
            format!("nenhuma série de `{counter}`"),
            format!("no `{counter}` series"),
        )
    } else {
        let list = wrong.iter().take(3).cloned().collect::<Vec<_>>().join("\n");
        both(list.clone(), list)
    };
    Outcome::fail(
        expected,
        seen,
        Some(both(
            "registre o contador e o histograma juntos, uma vez por requisição, com os mesmos valores de label",
            "record the counter and the histogram together, once per request, with the same label values",
        )),
    )
}

fn floats(v: &[f64]) -> String {
    v.iter().map(f64::to_string).collect::<Vec<_>>().join(" ")
}

fn same_floats(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
}

impl super::Judge for kinds::Series {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        let want = Wanted {
            metric: &self.metric,
            kind: self.kind,
            labels: &self.labels,
            buckets: &self.buckets,
            quantiles: &self.quantiles,
            value: self.value,
        };
        run(cx, want).await
    }
}

impl super::Judge for kinds::HistogramCount {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        histogram_count(cx, &self.histogram, &self.counter).await
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::probe::fake::{App, context, kind};
    use crate::checks::run;

    const SHOP: &str = "\
# TYPE http_requests_total counter
http_requests_total{method=\"GET\",endpoint=\"/produtos\",status=\"200\"} 3
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method=\"GET\",endpoint=\"/produtos\",status=\"200\",le=\"0.1\"} 2
http_request_duration_seconds_bucket{method=\"GET\",endpoint=\"/produtos\",status=\"200\",le=\"0.5\"} 3
http_request_duration_seconds_bucket{method=\"GET\",endpoint=\"/produtos\",status=\"200\",le=\"+Inf\"} 3
http_request_duration_seconds_sum{method=\"GET\",endpoint=\"/produtos\",status=\"200\"} 0.4
http_request_duration_seconds_count{method=\"GET\",endpoint=\"/produtos\",status=\"200\"} 3
";

    async fn series(body: &str, spec: &str) -> crate::checks::Outcome {
        let mut app = App::serving(body);
        let mut cx = context(&mut app, None);
        run(&kind(&format!("kind = \"series\"\n{spec}")), &mut cx).await
    }

    #[tokio::test]
    async fn a_family_of_the_right_type_labels_and_buckets_passes() {
        let o = series(
            SHOP,
            "metric = \"http_request_duration_seconds\"\ntype = \"histogram\"\n\
             labels = [\"method\", \"endpoint\", \"status\"]\nbuckets = [0.1, 0.5]",
        )
        .await;
        assert!(o.passed, "{:?}", o.seen);
        assert!(
            o.seen.en.contains("histogram with 5 samples"),
            "{}",
            o.seen.en
        );
    }

    #[tokio::test]
    async fn a_missing_family_names_those_there_and_says_labelled_series_need_a_first_use() {
        let o = series(SHOP, "metric = \"app_info\"\ntype = \"gauge\"").await;
        assert!(!o.passed);
        assert!(
            o.seen.en.contains("`app_info` is not in /metrics"),
            "{}",
            o.seen.en
        );
        assert!(o.seen.en.contains("http_requests_total"), "{}", o.seen.en);
        assert!(o.cause.unwrap().en.contains("first use"));
    }

    #[tokio::test]
    async fn the_wrong_type_fails_on_the_type() {
        let o = series(SHOP, "metric = \"http_requests_total\"\ntype = \"gauge\"\nlabels = [\"method\", \"endpoint\", \"status\"]").await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "type counter");
    }

    #[tokio::test]
    async fn a_missing_label_and_an_unexpected_one_are_both_named() {
        let o = series(
            SHOP,
            "metric = \"http_requests_total\"\ntype = \"counter\"\nlabels = [\"method\", \"rota\", \"status\"]",
        )
        .await;
        assert!(!o.passed);
        assert_eq!(
            o.seen.en,
            "labels [endpoint, method, status]; missing [rota]; unexpected [endpoint]"
        );
    }

    #[tokio::test]
    async fn other_buckets_than_asked_fail_and_show_the_ones_found() {
        let o = series(
            SHOP,
            "metric = \"http_request_duration_seconds\"\ntype = \"histogram\"\n\
             labels = [\"method\", \"endpoint\", \"status\"]\nbuckets = [0.1, 0.25, 0.5]",
        )
        .await;
        assert!(!o.passed);
        assert!(o.seen.en.starts_with("buckets 0.1"), "{}", o.seen.en);
    }

    #[tokio::test]
    async fn a_body_that_does_not_parse_is_what_the_check_saw() {
        let o = series(
            "http_requests_total{ 3\n",
            "metric = \"http_requests_total\"\ntype = \"counter\"",
        )
        .await;
        assert!(!o.passed);
        assert!(o.cause.is_none(), "a parse error explains itself");
    }

    #[tokio::test]
    async fn a_histogram_count_equal_to_its_counter_passes_and_a_different_one_fails() {
        let spec = kind(
            "kind = \"histogram_count\"\nhistogram = \"http_request_duration_seconds\"\ncounter = \"http_requests_total\"",
        );
        let mut app = App::serving(SHOP);
        let o = run(&spec, &mut context(&mut app, None)).await;
        assert!(o.passed, "{:?}", o.seen);
        let counted_twice = SHOP.replace(
            "status=\"200\"} 3\n# TYPE http_request_duration",
            "status=\"200\"} 6\n# TYPE http_request_duration",
        );
        let mut app = App::serving(&counted_twice);
        let o = run(&spec, &mut context(&mut app, None)).await;
        assert!(!o.passed, "{:?}", o.seen);
    }
}
