//! A student's reading of a stepped load (ex7) against what Prometheus measured at each step
//! of the same load, run by the grader. The spec names the figure and the rule (see
//! [`Measure`]); this module reads the figure off each step and applies the rule.

use super::{Context, Outcome};
use crate::correlation::Reading;
use crate::lang::{Text, both};
use crate::spec::kinds::{self, Figure, Measure};

pub fn run(cx: &Context<'_>, check: &kinds::Reading) -> Outcome {
    let question = &check.question;
    let expected = both(
        format!("`{question}`: {}", check.asks.pt),
        format!("`{question}`: {}", check.asks.en),
    );
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
    let (measured, data) = match measured(&check.measure, readings) {
        Ok(m) => m,
        Err(why) => return Outcome::fail(expected, why, None),
    };
    if same(&check.measure, &answer, &measured) {
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

/// The answer the readings give, and the figures it comes from (for the report).
fn measured(measure: &Measure, r: &[Reading]) -> Result<(String, Text), Text> {
    let (first, last) = (&r[0], &r[r.len() - 1]);
    let steps = |figure: Figure| -> Text {
        let list: Vec<String> = r
            .iter()
            .map(|s| {
                let v = value(figure, s).map_or("–".into(), |v| shown(figure, v));
                format!("{}: {v}", s.users)
            })
            .collect();
        both(
            format!("por usuários, {}", list.join("; ")),
            format!("by users, {}", list.join("; ")),
        )
    };
    match measure {
        Measure::Trend {
            figure,
            up_at,
            down_at,
            up,
            flat,
            down,
        } => {
            let ratio = match (value(*figure, first), value(*figure, last)) {
                (Some(a), Some(b)) => b / a,
                _ => f64::NAN,
            };
            if !ratio.is_finite() {
                return Err(missing(*figure));
            }
            let trend = if ratio >= *up_at {
                up
            } else if ratio <= *down_at {
                down
            } else {
                flat
            };
            Ok((trend.clone(), steps(*figure)))
        }
        Measure::LargestGrowth { figure } => {
            let worst = last
                .p95_by_endpoint
                .iter()
                .filter_map(|(e, v)| Some((e, v - first.p95_by_endpoint.get(e)?)))
                .filter(|(_, d)| d.is_finite())
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((endpoint, growth)) = worst else {
                return Err(missing(*figure));
            };
            Ok((
                endpoint.clone(),
                both(
                    format!("o P95 de {endpoint} subiu {growth:.3} s"),
                    format!("{endpoint}'s P95 grew {growth:.3} s"),
                ),
            ))
        }
        Measure::FirstStepAtLeast { figure, at_least } => {
            if r.iter().all(|s| value(*figure, s).is_none()) {
                return Err(missing(*figure));
            }
            let users = r
                .iter()
                .find(|s| value(*figure, s).is_some_and(|v| v >= *at_least))
                .map_or(0, |s| s.users);
            Ok((users.to_string(), steps(*figure)))
        }
    }
}

/// The figure's value at one step; `None` when Prometheus had none (or, for a figure with one
/// value per endpoint, always: those are read by endpoint).
fn value(figure: Figure, s: &Reading) -> Option<f64> {
    let v = match figure {
        Figure::Rps => s.rps,
        Figure::Errors => s.errors,
        Figure::P50 => s.p50,
        Figure::P95 => s.p95,
        Figure::P99 => s.p99,
        Figure::Saturation => s.saturation?,
        Figure::P95ByEndpoint => return None,
    };
    v.is_finite().then_some(v)
}

/// A value of the figure as the steps' table shows it.
fn shown(figure: Figure, v: f64) -> String {
    match figure {
        Figure::Rps => format!("{v:.1} req/s"),
        Figure::Errors => format!("{:.1} % 5xx", v * 100.0),
        Figure::P50 => format!("P50 {v:.3} s"),
        Figure::P95 | Figure::P95ByEndpoint => format!("P95 {v:.3} s"),
        Figure::P99 => format!("P99 {v:.3} s"),
        Figure::Saturation => format!("{:.0} %", v * 100.0),
    }
}

/// Why the figure could not be read: the metric behind it has no series for the steps.
fn missing(figure: Figure) -> Text {
    let metric = match figure {
        Figure::Rps | Figure::Errors => "http_requests_total",
        Figure::P50 | Figure::P95 | Figure::P99 | Figure::P95ByEndpoint => {
            "http_request_duration_seconds"
        }
        Figure::Saturation => {
            return both(
                "o app não expõe ecommerce_gateway_conexoes_em_uso e ecommerce_gateway_conexoes_capacidade: acrescente os gauges de saturação ao seu ex2 (veja a página do exercício)",
                "the app exposes no ecommerce_gateway_conexoes_em_uso and ecommerce_gateway_conexoes_capacidade: add the saturation gauges to your ex2 (see the exercise's page)",
            );
        }
    };
    both(
        format!("o Prometheus não tem {metric} dos degraus"),
        format!("Prometheus has no {metric} for the steps"),
    )
}

/// Whether `answer` says what `measured` says: words without case or accents
/// (`Estável` is `estavel`), an endpoint with or without its leading `/`, numbers as numbers.
fn same(measure: &Measure, answer: &str, measured: &str) -> bool {
    let fold = crate::dashboard::fold;
    match measure {
        Measure::Trend { .. } => fold(answer) == fold(measured),
        Measure::LargestGrowth { .. } => {
            answer.trim_start_matches('/') == measured.trim_start_matches('/')
        }
        Measure::FirstStepAtLeast { .. } => {
            answer.parse::<f64>().ok() == measured.parse::<f64>().ok()
        }
    }
}

impl super::Judge for kinds::Reading {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, self)
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

    /// ex7's three measures, as its spec writes them.
    fn measure(toml: &str) -> Measure {
        toml::from_str::<toml::Table>(&format!("m = {toml}")).unwrap()["m"]
            .clone()
            .try_into()
            .unwrap()
    }

    fn trend() -> Measure {
        measure(
            r#"{ rule = "trend", figure = "p95", up_at = 1.25, down_at = 0.8, up = "sobe", flat = "estavel", down = "cai" }"#,
        )
    }

    fn growth() -> Measure {
        measure(r#"{ rule = "largest_growth", figure = "p95_by_endpoint" }"#)
    }

    fn saturated() -> Measure {
        measure(r#"{ rule = "first_step_at_least", figure = "saturation", at_least = 0.9 }"#)
    }

    #[test]
    fn each_measure_reads_the_steps() {
        let r = [
            step(1, 0.05, 0.09, Some(0.1)),
            step(4, 0.08, 0.1, Some(0.55)),
            step(12, 0.3, 0.4, Some(0.97)),
        ];
        let (word, data) = measured(&trend(), &r).unwrap();
        assert_eq!(word, "sobe");
        assert_eq!(
            data.en,
            "by users, 1: P95 0.050 s; 4: P95 0.080 s; 12: P95 0.300 s"
        );
        assert_eq!(measured(&growth(), &r).unwrap().0, "/checkout");
        let (users, data) = measured(&saturated(), &r).unwrap();
        assert_eq!(users, "12");
        assert_eq!(data.en, "by users, 1: 10 %; 4: 55 %; 12: 97 %");
        let flat = [
            step(1, 0.05, 0.09, Some(0.1)),
            step(2, 0.055, 0.09, Some(0.2)),
        ];
        assert_eq!(measured(&trend(), &flat).unwrap().0, "estavel");
        let falling = [step(1, 0.05, 0.09, None), step(2, 0.03, 0.09, None)];
        assert_eq!(measured(&trend(), &falling).unwrap().0, "cai");
        assert_eq!(measured(&saturated(), &flat).unwrap().0, "0");
        let without = [step(1, 0.05, 0.09, None), step(2, 0.05, 0.09, None)];
        let why = measured(&saturated(), &without).unwrap_err();
        assert!(why.en.contains("add the saturation gauges"), "{}", why.en);
        let no_latency = [step(1, f64::NAN, 0.09, None), step(2, 0.05, 0.09, None)];
        let why = measured(&trend(), &no_latency).unwrap_err();
        assert!(
            why.en.contains("http_request_duration_seconds"),
            "{}",
            why.en
        );
    }

    #[test]
    fn answers_compare_as_people_write_them() {
        assert!(same(&trend(), "Estável", "estavel"));
        assert!(!same(&trend(), "cai", "sobe"));
        assert!(same(&growth(), "checkout", "/checkout"));
        assert!(!same(&growth(), "/produtos", "/checkout"));
        assert!(same(&saturated(), "12", "12.0"));
        assert!(!same(&saturated(), "4", "12"));
    }

    #[test]
    fn a_rule_that_does_not_fit_its_figure_is_refused() {
        let invalid = |toml: &str| crate::spec::kinds::Reading {
            question: "q".into(),
            asks: Text::default(),
            measure: measure(toml),
        };
        use crate::spec::kinds::Kind;
        for (toml, why) in [
            (
                r#"{ rule = "largest_growth", figure = "p95" }"#,
                "one value per endpoint",
            ),
            (
                r#"{ rule = "first_step_at_least", figure = "p95_by_endpoint", at_least = 1 }"#,
                "one value per step",
            ),
            (
                r#"{ rule = "trend", figure = "p95", up_at = 0.8, down_at = 1.25, up = "a", flat = "b", down = "c" }"#,
                "down_at < up_at",
            ),
            (
                r#"{ rule = "trend", figure = "p95", up_at = 1.25, down_at = 0.8, up = "a", flat = "a", down = "c" }"#,
                "three different words",
            ),
        ] {
            let e = invalid(toml).validate().unwrap_err();
            assert!(e.contains(why), "{toml}: {e}");
        }
        assert!(
            invalid(r#"{ rule = "largest_growth", figure = "p95_by_endpoint" }"#)
                .validate()
                .is_ok()
        );
    }
}
