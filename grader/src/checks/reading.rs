//! ex7: the student's reading of a stepped load against what Prometheus measured at each step
//! of the same load, run by the grader (see [`Measure`]).

use super::{Context, Outcome};
use crate::correlation::Reading;
use crate::lang::{Text, both};
use crate::spec::Measure;

/// The share of a step the gateway's connections must be in use, on average, to call it
/// saturated: a queue forms when they are all taken, and between steps the average jumps from
/// about a half to almost 1.
const SATURATED: f64 = 0.9;

pub fn run(cx: &Context<'_>, question: &str, measure: Measure) -> Outcome {
    let expected = expected(question, measure);
    let (Some(answers), Some(readings)) = (cx.answers, cx.readings) else {
        return super::not_started(expected);
    };
    let readings = match readings {
        Ok(r) if r.len() >= 2 => r,
        Ok(_) => {
            let seen = both(
                "menos de dois degraus medidos",
                "fewer than two steps measured",
            );
            return Outcome::fail(expected, seen, None);
        }
        Err(e) => return Outcome::fail(expected, e.clone(), None),
    };
    let answer = match answers.word(question) {
        Ok(a) => a,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let (measured, data) = match measured(measure, readings) {
        Ok(m) => m,
        Err(why) => return Outcome::fail(expected, why, None),
    };
    if same(measure, &answer, &measured) {
        Outcome::pass(
            expected,
            both(
                format!("`{answer}`, como medido ({})", data.pt),
                format!("`{answer}`, as measured ({})", data.en),
            ),
        )
    } else {
        Outcome::fail(
            expected,
            both(
                format!("`{answer}`, mas o medido foi `{measured}` ({})", data.pt),
                format!(
                    "`{answer}`, but the measurement says `{measured}` ({})",
                    data.en
                ),
            ),
            Some(both(
                "Rode a mesma carga em degraus com o relatório (veja a página do exercício) e leia a resposta na tabela dos degraus.",
                "Run the same stepped load with the report (see the exercise's page) and read the answer in the steps' table.",
            )),
        )
    }
}

fn expected(question: &str, measure: Measure) -> Text {
    let (pt, en) = match measure {
        Measure::LatencyTrend => (
            "como o P95 muda do primeiro ao último degrau (sobe, estavel ou cai)",
            "how the P95 moves from the first step to the last (sobe, estavel or cai)",
        ),
        Measure::MostAffectedEndpoint => (
            "o endpoint cujo P95 mais sobe do primeiro ao último degrau",
            "the endpoint whose P95 grows the most from the first step to the last",
        ),
        Measure::SaturationUsers => (
            "os usuários do primeiro degrau com o gateway de pagamento saturado (0 se nenhum)",
            "the users of the first step with the payment gateway saturated (0 if none)",
        ),
    };
    both(format!("`{question}`: {pt}"), format!("`{question}`: {en}"))
}

/// The answer the readings give, and the figures it comes from (for the report).
fn measured(measure: Measure, r: &[Reading]) -> Result<(String, Text), Text> {
    let (first, last) = (&r[0], &r[r.len() - 1]);
    let steps = |f: &dyn Fn(&Reading) -> String| -> Text {
        let list: Vec<String> = r.iter().map(|s| format!("{}: {}", s.users, f(s))).collect();
        both(
            format!("por usuários, {}", list.join("; ")),
            format!("by users, {}", list.join("; ")),
        )
    };
    match measure {
        Measure::LatencyTrend => {
            let ratio = last.p95 / first.p95;
            if !ratio.is_finite() {
                return Err(no_data("http_request_duration_seconds"));
            }
            let trend = if ratio >= 1.25 {
                "sobe"
            } else if ratio <= 0.8 {
                "cai"
            } else {
                "estavel"
            };
            Ok((trend.into(), steps(&|s| format!("P95 {:.3} s", s.p95))))
        }
        Measure::MostAffectedEndpoint => {
            let worst = last
                .p95_by_endpoint
                .iter()
                .filter_map(|(e, v)| Some((e, v - first.p95_by_endpoint.get(e)?)))
                .filter(|(_, d)| d.is_finite())
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((endpoint, growth)) = worst else {
                return Err(no_data("http_request_duration_seconds"));
            };
            Ok((
                endpoint.clone(),
                both(
                    format!("o P95 de {endpoint} subiu {growth:.3} s"),
                    format!("{endpoint}'s P95 grew {growth:.3} s"),
                ),
            ))
        }
        Measure::SaturationUsers => {
            if r.iter().all(|s| s.saturation.is_none()) {
                return Err(both(
                    "o app não expõe ecommerce_gateway_conexoes_em_uso e ecommerce_gateway_conexoes_capacidade: acrescente os gauges de saturação ao seu ex2 (veja a página do exercício)",
                    "the app exposes no ecommerce_gateway_conexoes_em_uso and ecommerce_gateway_conexoes_capacidade: add the saturation gauges to your ex2 (see the exercise's page)",
                ));
            }
            let users = r
                .iter()
                .find(|s| s.saturation.is_some_and(|v| v >= SATURATED))
                .map_or(0, |s| s.users);
            Ok((
                users.to_string(),
                steps(&|s| {
                    s.saturation
                        .map_or("–".into(), |v| format!("{:.0} %", v * 100.0))
                }),
            ))
        }
    }
}

fn no_data(metric: &str) -> Text {
    both(
        format!("o Prometheus não tem {metric} dos degraus"),
        format!("Prometheus has no {metric} for the steps"),
    )
}

/// Whether `answer` says what `measured` says: words without case or accents
/// (`Estável` is `estavel`), an endpoint with or without its leading `/`, numbers as numbers.
fn same(measure: Measure, answer: &str, measured: &str) -> bool {
    let fold = crate::dashboard::fold;
    match measure {
        Measure::LatencyTrend => fold(answer) == fold(measured),
        Measure::MostAffectedEndpoint => {
            answer.trim_start_matches('/') == measured.trim_start_matches('/')
        }
        Measure::SaturationUsers => answer.parse::<f64>().ok() == measured.parse::<f64>().ok(),
    }
}

impl super::Judge for crate::spec::kinds::Reading {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, &self.question, self.measure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(users: u64, p95: f64, checkout: f64, saturation: Option<f64>) -> Reading {
        Reading {
            users,
            end: 0.0,
            rps: 1.0,
            errors: 0.0,
            p50: p95 / 2.0,
            p95,
            p99: p95,
            p95_by_endpoint: [
                ("/checkout".to_string(), checkout),
                ("/produtos".to_string(), 0.02),
            ]
            .into(),
            saturation,
        }
    }

    #[test]
    fn each_measure_reads_the_steps() {
        let r = [
            step(1, 0.05, 0.09, Some(0.1)),
            step(4, 0.08, 0.1, Some(0.55)),
            step(12, 0.3, 0.4, Some(0.97)),
        ];
        assert_eq!(measured(Measure::LatencyTrend, &r).unwrap().0, "sobe");
        assert_eq!(
            measured(Measure::MostAffectedEndpoint, &r).unwrap().0,
            "/checkout"
        );
        assert_eq!(measured(Measure::SaturationUsers, &r).unwrap().0, "12");
        let flat = [
            step(1, 0.05, 0.09, Some(0.1)),
            step(2, 0.055, 0.09, Some(0.2)),
        ];
        assert_eq!(measured(Measure::LatencyTrend, &flat).unwrap().0, "estavel");
        assert_eq!(measured(Measure::SaturationUsers, &flat).unwrap().0, "0");
        let without = [step(1, 0.05, 0.09, None), step(2, 0.05, 0.09, None)];
        assert!(measured(Measure::SaturationUsers, &without).is_err());
    }

    #[test]
    fn answers_compare_as_people_write_them() {
        assert!(same(Measure::LatencyTrend, "Estável", "estavel"));
        assert!(!same(Measure::LatencyTrend, "cai", "sobe"));
        assert!(same(Measure::MostAffectedEndpoint, "checkout", "/checkout"));
        assert!(!same(
            Measure::MostAffectedEndpoint,
            "/produtos",
            "/checkout"
        ));
        assert!(same(Measure::SaturationUsers, "12", "12"));
        assert!(!same(Measure::SaturationUsers, "4", "12"));
    }
}
