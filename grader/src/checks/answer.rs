//! A PromQL answer against the reference query: both evaluated at the same instant on the same
//! Prometheus, after the same load, so they must return the same series with the same values.

use std::collections::BTreeMap;

use super::{Context, Outcome};
use crate::lang::{Text, both};
use crate::prometheus::Sample;

/// How far apart two values may be, relative to the reference: rounding only. Two queries
/// that mean the same thing give the same number on the same data.
const RELATIVE_TOLERANCE: f64 = 1e-6;

pub async fn run(
    cx: &mut Context<'_>,
    question: &str,
    reference: &str,
    by: &[String],
    each_step: bool,
) -> Outcome {
    let shape = shape(by);
    let when = if each_step {
        both(" no fim de cada degrau", " at the end of every step")
    } else {
        both("", "")
    };
    let expected = both(
        format!(
            "`{question}`: {}, igual ao resultado da consulta de referência{}",
            shape.pt, when.pt
        ),
        format!(
            "`{question}`: {}, equal to the reference query's result{}",
            shape.en, when.en
        ),
    );
    let (Some(prom), Some(answers), Some(at)) = (cx.prometheus, cx.answers, cx.at) else {
        return super::not_started(expected);
    };
    let query = match answers.get(question) {
        Ok(q) => q,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    // The instants to compare at, each with what to call it in the report.
    let instants: Vec<(f64, Option<u64>)> = match (each_step, cx.readings) {
        (true, Some(Ok(r))) if !r.is_empty() => r.iter().map(|s| (s.end, Some(s.users))).collect(),
        (true, Some(Err(e))) => return Outcome::fail(expected, e.clone(), None),
        _ => vec![(at, None)],
    };
    let mut n = 0;
    for (at, users) in instants {
        let step = |t: Text| match users {
            Some(u) => both(
                format!("no fim do degrau de {u} usuário(s): {}", t.pt),
                format!("at the end of the {u}-user step: {}", t.en),
            ),
            None => t,
        };
        let wanted = match prom.query_at(reference, at).await {
            Ok(w) if !w.is_empty() => w,
            // The app, not the answer, is missing something: say so rather than fail the
            // student for an empty comparison.
            Ok(_) => {
                return Outcome::fail(
                    expected,
                    step(both(
                        "a consulta de referência não devolveu nada neste app",
                        "the reference query returned nothing on this app",
                    )),
                    Some(both(
                        "O app avaliado (o seu ex2) expõe todas as métricas do contrato? Termine o ex2 antes.",
                        "Does the graded app (your ex2) expose every metric of the contract? Finish ex2 first.",
                    )),
                );
            }
            Err(e) => return Outcome::fail(expected, e, None),
        };
        let got = match prom.query_at(query, at).await {
            Ok(g) => g,
            Err(e) => {
                return Outcome::fail(
                    expected,
                    e,
                    Some(both(
                        "Teste a consulta na aba Graph do Prometheus (http://localhost:9090) antes de entregar.",
                        "Try the query in Prometheus's Graph tab (http://localhost:9090) before handing it in.",
                    )),
                );
            }
        };
        if let Err((seen, cause)) = compare(&got, &wanted, by) {
            return Outcome::fail(expected, step(seen), cause);
        }
        n = got.len();
    }
    Outcome::pass(
        expected,
        both(
            format!("{n} série(s), iguais à referência"),
            format!("{n} series, equal to the reference"),
        ),
    )
}

fn shape(by: &[String]) -> Text {
    if by.is_empty() {
        both("um único número", "a single number")
    } else {
        let l = by.join(", ");
        both(format!("uma série por {l}"), format!("one series per {l}"))
    }
}

/// What differs, and its most likely cause.
pub(super) type Mismatch = (Text, Option<Text>);

/// The answer's series, told apart by `by`, against the reference's.
fn compare(got: &[Sample], wanted: &[Sample], by: &[String]) -> Result<(), Mismatch> {
    if got.is_empty() {
        return Err((
            both("nenhuma série", "no series"),
            Some(both(
                "A consulta não casou com nenhuma série: confira o nome da métrica e as labels no /metrics.",
                "The query matched no series: check the metric's name and labels in /metrics.",
            )),
        ));
    }
    if by.is_empty() {
        if got.len() != 1 {
            return Err((
                both(
                    format!("{} séries", got.len()),
                    format!("{} series", got.len()),
                ),
                Some(both(
                    "Um único número pede uma agregação sem `by`, como sum(...).",
                    "A single number needs an aggregation without `by`, such as sum(...).",
                )),
            ));
        }
    } else {
        shape_by(got, by)?;
    }
    same_values(got, wanted, by)
}

/// One series per value of the labels `by`, each carrying them.
pub(super) fn shape_by(got: &[Sample], by: &[String]) -> Result<(), Mismatch> {
    let labels = by.join(", ");
    if let Some(bare) = got
        .iter()
        .find(|s| by.iter().any(|l| !s.labels.contains_key(l)))
    {
        let without = if bare.labels.is_empty() {
            both("sem labels", "without labels")
        } else {
            let names: Vec<&str> = bare.labels.keys().map(String::as_str).collect();
            both(
                format!("só com {}", names.join(", ")),
                format!("with only {}", names.join(", ")),
            )
        };
        return Err((
            both(
                format!(
                    "esperava uma série por {labels}, veio {} {}",
                    got.len(),
                    without.pt
                ),
                format!(
                    "expected one series per {labels}, got {} {}",
                    got.len(),
                    without.en
                ),
            ),
            Some(both(
                format!("Agregue mantendo a label: `sum by ({labels}) (...)`."),
                format!("Aggregate keeping the label: `sum by ({labels}) (...)`."),
            )),
        ));
    }
    let mut keys = std::collections::BTreeSet::new();
    if got.iter().any(|s| !keys.insert(key(s, by))) {
        return Err((
            both(
                format!("mais de uma série com o mesmo {labels}"),
                format!("more than one series with the same {labels}"),
            ),
            Some(both(
                format!("Some as séries de cada {labels}: `sum by ({labels}) (...)`."),
                format!("Sum the series of each {labels}: `sum by ({labels}) (...)`."),
            )),
        ));
    }
    Ok(())
}

fn key(s: &Sample, by: &[String]) -> Vec<String> {
    by.iter()
        .map(|l| s.labels.get(l).cloned().unwrap_or_default())
        .collect()
}

/// The same series (told apart by `by`; with no `by`, the one number) with the same values as
/// the reference, to [`RELATIVE_TOLERANCE`]. Shapes are checked before.
pub(super) fn same_values(got: &[Sample], want: &[Sample], by: &[String]) -> Result<(), Mismatch> {
    let show = |k: &Vec<String>| -> String {
        by.iter()
            .zip(k)
            .map(|(l, v)| format!("{l}=\"{v}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mine: BTreeMap<Vec<String>, f64> = got.iter().map(|s| (key(s, by), s.value)).collect();
    let theirs: BTreeMap<Vec<String>, f64> = want.iter().map(|s| (key(s, by), s.value)).collect();
    let missing: Vec<String> = theirs
        .keys()
        .filter(|k| !mine.contains_key(*k))
        .map(show)
        .collect();
    let extra: Vec<String> = mine
        .keys()
        .filter(|k| !theirs.contains_key(*k))
        .map(show)
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let list = |v: &[String]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join("; ")
            }
        };
        return Err((
            both(
                format!("faltam: {}; sobram: {}", list(&missing), list(&extra)),
                format!("missing: {}; extra: {}", list(&missing), list(&extra)),
            ),
            Some(both(
                "Séries a mais ou a menos costumam vir de um filtro de label ({status=...}) ou de um topk/bottomk diferente do pedido.",
                "Series too many or too few usually come from a label filter ({status=...}) or a topk/bottomk other than asked.",
            )),
        ));
    }
    for (k, w) in &theirs {
        let g = mine[k];
        let close = (g.is_nan() && w.is_nan())
            || g == *w
            || (g - w).abs() <= RELATIVE_TOLERANCE * w.abs().max(f64::MIN_POSITIVE);
        if !close {
            let at = if by.is_empty() {
                String::new()
            } else {
                format!("{}: ", show(k))
            };
            return Err((
                both(
                    format!("{at}{g} (a referência dá {w})"),
                    format!("{at}{g} (the reference gives {w})"),
                ),
                Some(both(
                    "Os dados são os mesmos: o cálculo difere. Confira a janela ([5m], [1m]), rate vs irate, e se a soma vem antes da divisão.",
                    "The data is the same: the computation differs. Check the window ([5m], [1m]), rate vs irate, and whether the sum comes before the division.",
                )),
            ));
        }
    }
    Ok(())
}

impl super::Judge for crate::spec::kinds::Answer {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(
            cx,
            &self.question,
            &self.reference,
            &self.by,
            self.each_step,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    #[test]
    fn one_series_without_labels_is_not_one_per_endpoint() {
        let by = vec!["endpoint".to_string()];
        let wanted = [
            s(&[("endpoint", "/")], 3.0),
            s(&[("endpoint", "/produtos")], 2.0),
        ];
        let (seen, _) = compare(&[s(&[], 5.0)], &wanted, &by).unwrap_err();
        assert_eq!(
            seen.en,
            "expected one series per endpoint, got 1 without labels"
        );
    }

    #[test]
    fn series_match_by_key_labels_whatever_else_they_carry() {
        let by = vec!["endpoint".to_string()];
        let wanted = [
            s(&[("endpoint", "/")], 3.0),
            s(&[("endpoint", "/produtos")], 2.0),
        ];
        let got = [
            s(&[("endpoint", "/produtos"), ("job", "loja")], 2.000_000_1),
            s(&[("endpoint", "/"), ("job", "loja")], 3.0),
        ];
        assert!(compare(&got, &wanted, &by).is_ok());
        let off = [
            s(&[("endpoint", "/")], 3.0),
            s(&[("endpoint", "/produtos")], 2.5),
        ];
        let (seen, _) = compare(&off, &wanted, &by).unwrap_err();
        assert_eq!(
            seen.en,
            "endpoint=\"/produtos\": 2.5 (the reference gives 2)"
        );
        let (seen, _) = compare(&wanted[..1], &wanted, &by).unwrap_err();
        assert_eq!(seen.en, "missing: endpoint=\"/produtos\"; extra: —");
    }

    #[test]
    fn a_single_number_must_be_one_series() {
        let (seen, _) = compare(&[s(&[], 1.0), s(&[], 2.0)], &[s(&[], 3.0)], &[]).unwrap_err();
        assert_eq!(seen.en, "2 series");
        assert!(compare(&[s(&[("job", "loja")], 3.0)], &[s(&[], 3.0)], &[]).is_ok());
        assert!(compare(&[s(&[], f64::NAN)], &[s(&[], f64::NAN)], &[]).is_ok());
    }
}
