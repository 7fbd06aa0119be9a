//! Little's law on the running shop: the student's PromQL for N, the requests inside the app,
//! evaluated at the end of every measured window of a repeated stepped load, against the mean
//! number of requests the load generator had in flight over the same windows. The two come
//! from different instruments (the app's histogram through Prometheus, the client's own
//! count), so only a query that really is X · R agrees with the other at every step.

use super::{Context, Outcome};
use crate::correlation::Window;
use crate::lang::{Text, both};

pub async fn run(cx: &Context<'_>, question: &str, tolerance: f64) -> Outcome {
    let pct = tolerance * 100.0;
    let expected = both(
        format!(
            "`{question}`: N = X · R em PromQL, a ±{pct:.0} % das requisições em andamento contadas pelo gerador de carga, em cada degrau"
        ),
        format!(
            "`{question}`: N = X · R in PromQL, within ±{pct:.0} % of the requests in flight the load generator counted, at every step"
        ),
    );
    let (Some(prom), Some(answers), Some(repeated)) = (cx.prometheus, cx.answers, cx.repeated)
    else {
        return super::not_started(expected);
    };
    let repeated = match repeated {
        Ok(r) => r,
        Err(e) => return Outcome::fail(expected, e.clone(), None),
    };
    let query = match answers.get(question) {
        Ok(q) => q,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let mut rows = Vec::new();
    for (stats, windows) in repeated.stats.iter().zip(&repeated.windows) {
        let Some(counted) = stats.little_n else {
            let seen = both(
                "o gerador de carga não mediu as requisições em andamento",
                "the load generator did not measure the requests in flight",
            );
            return Outcome::fail(expected, seen, None);
        };
        match answered(prom, query, windows).await {
            Ok(n) => rows.push((stats.users, n, counted)),
            Err(seen) => return Outcome::fail(expected, seen, Some(cause())),
        }
    }
    let list = |pt: bool| -> String {
        rows.iter()
            .map(|(users, n, counted)| {
                if pt {
                    format!("{users} usuário(s): a consulta dá {n:.3}, em andamento {counted:.3}")
                } else {
                    format!("{users} user(s): the query gives {n:.3}, in flight {counted:.3}")
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let seen = both(list(true), list(false));
    if rows.is_empty() {
        let seen = both("nenhum degrau medido", "no step measured");
        return Outcome::fail(expected, seen, None);
    }
    if rows
        .iter()
        .all(|(_, n, counted)| (n - counted).abs() <= tolerance * counted)
    {
        Outcome::pass(expected, seen)
    } else {
        Outcome::fail(expected, seen, Some(cause()))
    }
}

/// The query's mean over a step's windows, each read at its end: one series, one number.
async fn answered(
    prom: &dyn super::PrometheusProbe,
    query: &str,
    windows: &[Window],
) -> Result<f64, Text> {
    let mut values = Vec::new();
    for w in windows {
        let samples = prom.query_at(query, w.end).await.map_err(|e| {
            both(
                format!("a consulta falhou: {}", e.pt),
                format!("the query failed: {}", e.en),
            )
        })?;
        match samples[..] {
            [ref s] if s.value.is_finite() => values.push(s.value),
            [] => {
                return Err(both(
                    "a consulta não devolveu nada",
                    "the query returned nothing",
                ));
            }
            [_] => {
                return Err(both(
                    "a consulta deu um valor que não é número (NaN: divisão por zero?)",
                    "the query gave a value that is not a number (NaN: a division by zero?)",
                ));
            }
            _ => {
                return Err(both(
                    format!(
                        "a consulta devolveu {} séries; N é um número só (some com sum)",
                        samples.len()
                    ),
                    format!(
                        "the query returned {} series; N is one number (add them up with sum)",
                        samples.len()
                    ),
                ));
            }
        }
    }
    if values.is_empty() {
        return Err(both("nenhuma janela medida", "no window measured"));
    }
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

fn cause() -> Text {
    both(
        "Pela lei de Little, N = X · R: a vazão vezes o tempo de resposta médio. No histograma, X · R é a taxa do _sum (segundos de resposta por segundo), somada sobre as rotas. O P95 no lugar da média, ou a vazão sozinha, não dão N.",
        "By Little's law, N = X · R: the throughput times the mean response time. With the histogram, X · R is the rate of its _sum (seconds of response per second), summed over the routes. The P95 in place of the mean, or the throughput alone, do not give N.",
    )
}

impl super::Judge for crate::spec::kinds::LittleQuery {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, &self.question, self.tolerance).await
    }
}
