//! A student's prediction, or measurement, against what the grader measured over a stepped
//! load with repetitions (see [`Quantity`]): the operational laws, graded on real data.
//!
//! A wrong answer that matches a mistake the laws make easy (one connection instead of all of
//! them, the think time left out, the mean where the P95 is asked, one run and no interval)
//! gets the law that mistake breaks as its cause.

use super::{Context, Outcome};
use crate::correlation::{Estimate, Repeated};
use crate::lang::{Text, both};
use crate::spec::Quantity;
use crate::spec::kinds::Prediction;

/// What the grader measured for a quantity, in the form its answer takes.
#[derive(Debug, Clone, PartialEq)]
enum Measured {
    Number(f64),
    PerStep(Vec<(u64, f64)>),
    Word(&'static str),
    Estimate(Estimate),
}

pub fn run(cx: &Context<'_>, p: &Prediction) -> Outcome {
    let (question, quantity, tolerance) = (p.question.as_str(), p.quantity, p.tolerance);
    let expected = expected(p);
    let (Some(answers), Some(repeated)) = (cx.answers, cx.repeated) else {
        return super::not_started(expected);
    };
    let repeated = match repeated {
        Ok(r) if !r.stats.is_empty() => r,
        Ok(_) => {
            let seen = both("nenhum degrau medido", "no step measured");
            return Outcome::fail(expected, seen, None);
        }
        Err(e) => return Outcome::fail(expected, e.clone(), None),
    };
    let measured = match measured(quantity, p.saturated_at(), repeated) {
        Ok(m) => m,
        Err(why) => return Outcome::fail(expected, why, None),
    };
    let verdict = match &measured {
        Measured::Number(m) => answers
            .number(question)
            .map(|a| judge_number(quantity, a, *m, tolerance, repeated)),
        Measured::PerStep(m) => answers
            .numbers(question)
            .map(|a| judge_steps(&a, m, tolerance)),
        Measured::Word(m) => answers.word(question).map(|a| judge_word(&a, m)),
        Measured::Estimate(m) => answers
            .estimate(question)
            .map(|(mean, ci)| judge_estimate(quantity, mean, ci, m, tolerance, repeated)),
    };
    match verdict {
        Ok(Ok(seen)) => Outcome::pass(expected, seen),
        Ok(Err((seen, cause))) => Outcome::fail(expected, seen, Some(cause)),
        Err(seen) => Outcome::fail(expected, seen, None),
    }
}

/// Passed with what was seen, or failed with what was seen and why.
type Verdict = Result<Text, (Text, Text)>;

fn expected(p: &Prediction) -> Text {
    let (question, quantity, tolerance) = (&p.question, p.quantity, p.tolerance);
    let pct = tolerance * 100.0;
    // A whole percent as such (90, not 90.00000000000001), a finer one to its tenth (90.5).
    let saturated = format!("{:.1}", p.saturated_at() * 100.0)
        .trim_end_matches(".0")
        .to_string();
    let (pt, en) = match quantity {
        Quantity::ServiceTime => (
            format!("o tempo de serviço S do gateway, em segundos, a ±{pct:.0} % do medido"),
            format!(
                "the gateway's service time S, seconds, within ±{pct:.0} % of the measured one"
            ),
        ),
        Quantity::MaxThroughput => (
            format!(
                "a vazão máxima do gateway, X máx = c ÷ S em checkouts por segundo, a ±{pct:.0} % da medida no último degrau"
            ),
            format!(
                "the gateway's maximum throughput, X max = c ÷ S in checkouts per second, within ±{pct:.0} % of the one measured at the last step"
            ),
        ),
        Quantity::KneeUsers => (
            format!("os usuários no joelho, N* = (R₀ + Z) · X máx, a ±{pct:.0} % do medido"),
            format!(
                "the users at the knee, N* = (R₀ + Z) · X max, within ±{pct:.0} % of the measured one"
            ),
        ),
        Quantity::ResponseTime => (
            format!(
                "o tempo de resposta médio no último degrau, R = N ÷ X − Z, a ±{pct:.0} % do medido"
            ),
            format!(
                "the mean response time at the last step, R = N ÷ X − Z, within ±{pct:.0} % of the measured one"
            ),
        ),
        Quantity::Utilisation => (
            format!(
                "a utilização do gateway em cada degrau, de 0 a 1, a ±{:.2} da medida",
                tolerance
            ),
            format!(
                "the gateway's utilisation at each step, 0 to 1, within ±{:.2} of the measured one",
                tolerance
            ),
        ),
        Quantity::Bottleneck => (
            format!(
                "o gargalo: `gateway` se ele fica ocupado {saturated} % do tempo ou mais no último degrau, `nenhum` se não"
            ),
            format!(
                "the bottleneck: `gateway` if it is busy {saturated} % of the time or more at the last step, `nenhum` otherwise"
            ),
        ),
        Quantity::Throughput => (
            format!(
                "a vazão no último degrau (req/s) como {{ media, ic95 }} de execuções repetidas, a média a ±{pct:.0} % da medida"
            ),
            format!(
                "the throughput at the last step (req/s) as {{ media, ic95 }} from repeated runs, the mean within ±{pct:.0} % of the measured one"
            ),
        ),
        Quantity::P95 => (
            format!(
                "a latência P95 no último degrau (s) como {{ media, ic95 }} de execuções repetidas, a média a ±{pct:.0} % da medida"
            ),
            format!(
                "the P95 latency at the last step (s) as {{ media, ic95 }} from repeated runs, the mean within ±{pct:.0} % of the measured one"
            ),
        ),
    };
    both(format!("`{question}`: {pt}"), format!("`{question}`: {en}"))
}

/// The quantity as measured, or why it could not be.
/// `saturated`: the bottleneck's utilisation threshold.
fn measured(quantity: Quantity, saturated: f64, r: &Repeated) -> Result<Measured, Text> {
    let (first, last) = (&r.stats[0], &r.stats[r.stats.len() - 1]);
    let no_busy = || {
        both(
            "o app não expõe ecommerce_gateway_ocupado_seconds_total e ecommerce_gateway_conexoes_capacidade: sem eles não há utilização nem tempo de serviço (veja a página do exercício)",
            "the app exposes no ecommerce_gateway_ocupado_seconds_total and ecommerce_gateway_conexoes_capacidade: without them there is no utilisation nor service time (see the exercise's page)",
        )
    };
    let no_latency = || {
        both(
            "o Prometheus não tem http_requests_total e http_request_duration_seconds dos degraus",
            "Prometheus has no http_requests_total and http_request_duration_seconds for the steps",
        )
    };
    let number = |v: Option<f64>, none: Text| match v.filter(|v| v.is_finite()) {
        Some(v) => Ok(Measured::Number(v)),
        None => Err(none),
    };
    match quantity {
        Quantity::ServiceTime => number(first.service_time, no_busy()),
        Quantity::MaxThroughput => number(
            last.gateway_x.filter(|_| last.utilisation.is_some()),
            no_busy(),
        ),
        Quantity::KneeUsers => number(
            first
                .little_r
                .zip(last.rps)
                .map(|(r0, x)| (r0 + r.think_s) * x.mean),
            no_latency(),
        ),
        Quantity::ResponseTime => number(last.little_r, no_latency()),
        Quantity::Utilisation => r
            .stats
            .iter()
            .map(|s| Some((s.users, s.utilisation?.mean)))
            .collect::<Option<Vec<_>>>()
            .map(Measured::PerStep)
            .ok_or_else(no_busy),
        Quantity::Bottleneck => match last.utilisation {
            Some(u) if u.mean >= saturated => Ok(Measured::Word("gateway")),
            Some(_) => Ok(Measured::Word("nenhum")),
            None => Err(no_busy()),
        },
        Quantity::Throughput => last.rps.map(Measured::Estimate).ok_or_else(no_latency),
        Quantity::P95 => last.p95.map(Measured::Estimate).ok_or_else(no_latency),
    }
}

/// Whether `a` is within `tolerance` of `m`, relative to `m`.
fn near(a: f64, m: f64, tolerance: f64) -> bool {
    (a - m).abs() <= tolerance * m.abs()
}

fn judge_number(q: Quantity, a: f64, m: f64, tolerance: f64, r: &Repeated) -> Verdict {
    let seen = |verb: (&str, &str)| {
        both(
            format!("{a}, {} {m:.4}", verb.0),
            format!("{a}, {} {m:.4}", verb.1),
        )
    };
    if near(a, m, tolerance) {
        return Ok(seen(("e o medido foi", "and the measurement says")));
    }
    let last = &r.stats[r.stats.len() - 1];
    let users = last.users as f64;
    let (pt, en) = match q {
        Quantity::ServiceTime => (
            "S é o tempo que uma conexão do gateway fica ocupada por checkout: os segundos ocupados (a taxa do contador ecommerce_gateway_ocupado_seconds_total) divididos pelos checkouts atendidos, medidos com pouca carga. É a lei da utilização, U = X · S, lida ao contrário.".to_string(),
            "S is how long one gateway connection stays busy per checkout: the busy seconds (the rate of the counter ecommerce_gateway_ocupado_seconds_total) over the checkouts served, measured at low load. It is the utilisation law, U = X · S, read backwards.".to_string(),
        ),
        Quantity::MaxThroughput => {
            // Busy connections over utilisation: X · S ÷ U = c.
            let capacity = match (first_service_time(r), last.utilisation) {
                (Some(s), Some(u)) if u.mean > 0.0 => (m * s / u.mean).round(),
                _ => 0.0,
            };
            if capacity >= 2.0 && near(a * capacity, m, tolerance) {
                (
                    format!("o seu número é o de uma conexão só, 1 ÷ S. O gateway tem {capacity:.0} conexões atendendo ao mesmo tempo: pela lei do gargalo, X máx = c ÷ S."),
                    format!("your figure is that of one connection, 1 ÷ S. The gateway has {capacity:.0} connections serving at once: by the bottleneck law, X max = c ÷ S."),
                )
            } else {
                (
                    "Pela lei do gargalo, nenhum recurso atende mais que c ÷ S: as conexões do gateway divididas pelo tempo de serviço de um checkout.".to_string(),
                    "By the bottleneck law, no resource serves more than c ÷ S: the gateway's connections over one checkout's service time.".to_string(),
                )
            }
        }
        Quantity::KneeUsers => {
            let r0 = r.stats[0].little_r.unwrap_or(0.0);
            let without_z = m * r0 / (r0 + r.think_s);
            if r.think_s > 0.0 && near(a, without_z, tolerance) {
                (
                    format!("o seu número deixa de fora o tempo de pensar: N* = (R₀ + Z) · X máx, com Z = {} s. Quem pensa não está na loja, mas volta a pedir: conta no ciclo de cada usuário.", r.think_s),
                    format!("your figure leaves the think time out: N* = (R₀ + Z) · X max, with Z = {} s. Someone thinking is not in the shop, but asks again: it counts in each user's cycle.", r.think_s),
                )
            } else {
                (
                    "O joelho fica onde as duas assíntotas se cruzam: N ÷ (R₀ + Z), com pouca carga, e X máx, depois do gargalo. N* = (R₀ + Z) · X máx, com X máx a vazão da loja (não só do checkout).".to_string(),
                    "The knee is where the two asymptotes meet: N ÷ (R₀ + Z) at low load, and X max past the bottleneck. N* = (R₀ + Z) · X max, with X max the shop's throughput (not just the checkout's).".to_string(),
                )
            }
        }
        Quantity::ResponseTime => {
            let x = last.rps.map_or(0.0, |e| e.mean);
            if r.think_s > 0.0 && x > 0.0 && near(a, users / x, tolerance) {
                (
                    format!("o seu número é N ÷ X, sem tirar o tempo de pensar: numa carga fechada, R = N ÷ X − Z, e aqui Z = {} s.", r.think_s),
                    format!("your figure is N ÷ X, without taking the think time off: in a closed load, R = N ÷ X − Z, and here Z = {} s.", r.think_s),
                )
            } else {
                (
                    "Numa carga fechada, o tempo de resposta vem da lei do tempo de resposta interativo: R = N ÷ X − Z, com X a vazão no degrau.".to_string(),
                    "In a closed load, the response time comes from the interactive response time law: R = N ÷ X − Z, with X the step's throughput.".to_string(),
                )
            }
        }
        // Answered in other forms (see `measured`): never a bare number, but a verdict anyway.
        Quantity::Utilisation | Quantity::Bottleneck | Quantity::Throughput | Quantity::P95 => (
            "Compare o seu número com a medida, na tabela dos degraus do relatório da carga.".to_string(),
            "Compare your figure with the measurement, in the steps' table of the load's report.".to_string(),
        ),
    };
    Err((
        seen(("mas o medido foi", "but the measurement says")),
        both(pt, en),
    ))
}

/// The run's gateway service time, the same at every step.
fn first_service_time(r: &Repeated) -> Option<f64> {
    r.stats.iter().find_map(|s| s.service_time)
}

fn judge_steps(a: &[f64], m: &[(u64, f64)], tolerance: f64) -> Verdict {
    let list = |pt: bool| -> String {
        m.iter()
            .zip(a.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|((users, m), a)| {
                let a = a.map_or("–".to_string(), |a| a.to_string());
                if pt {
                    format!("{users} usuário(s): {a} contra {m:.3}")
                } else {
                    format!("{users} user(s): {a} against {m:.3}")
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let seen = both(list(true), list(false));
    if a.len() != m.len() {
        return Err((
            both(
                format!("{} números para {} degraus ({})", a.len(), m.len(), seen.pt),
                format!("{} numbers for {} steps ({})", a.len(), m.len(), seen.en),
            ),
            both(
                "Dê um número por degrau, na ordem dos degraus.",
                "Give one number per step, in the steps' order.",
            ),
        ));
    }
    if a.iter()
        .zip(m)
        .all(|(a, (_, m))| (a - m).abs() <= tolerance)
    {
        return Ok(seen);
    }
    let as_percent = a.iter().any(|x| *x > 1.5);
    let (pt, en) = if as_percent {
        (
            "A utilização vai de 0 a 1 (0,5 é metade do tempo), não em porcentagem.",
            "The utilisation goes from 0 to 1 (0.5 is half the time), not in percent.",
        )
    } else {
        (
            "Utilização é o tempo ocupado sobre o tempo medido, em média no degrau: U = X · S ÷ c, ou a taxa do contador de segundos ocupados dividida pela capacidade. Um gauge lido num instante diz 0 ou c, não a média.",
            "Utilisation is the busy time over the measured time, on average over the step: U = X · S ÷ c, or the busy-seconds counter's rate over the capacity. A gauge read at one instant says 0 or c, not the average.",
        )
    };
    Err((seen, both(pt, en)))
}

fn judge_word(a: &str, m: &str) -> Verdict {
    let fold = crate::dashboard::fold;
    let seen = both(
        format!("`{a}`, e a medida diz `{m}`"),
        format!("`{a}`, and the measurement says `{m}`"),
    );
    if fold(a) == fold(m) {
        return Ok(seen);
    }
    Err((
        seen,
        both(
            "O gargalo é o recurso de maior utilização: o que primeiro fica ocupado o tempo todo quando a carga cresce. Compare a utilização de cada recurso no último degrau.",
            "The bottleneck is the resource with the highest utilisation: the first to be busy all the time as the load grows. Compare each resource's utilisation at the last step.",
        ),
    ))
}

fn judge_estimate(
    q: Quantity,
    mean: f64,
    ci: Option<(f64, f64)>,
    m: &Estimate,
    tolerance: f64,
    r: &Repeated,
) -> Verdict {
    let measured_ci = m
        .ci95
        .map_or(String::new(), |(lo, hi)| format!(" [{lo:.4}, {hi:.4}]"));
    let given = match ci {
        Some((lo, hi)) => format!("{mean} [{lo}, {hi}]"),
        None => format!("{mean}"),
    };
    let seen = |verb: (&str, &str)| {
        both(
            format!(
                "{given}, {} {:.4}{measured_ci} em {} janelas",
                verb.0, m.mean, m.n
            ),
            format!(
                "{given}, {} {:.4}{measured_ci} over {} windows",
                verb.1, m.mean, m.n
            ),
        )
    };
    let Some((lo, hi)) = ci.filter(|(lo, hi)| lo < hi) else {
        return Err((
            seen(("e o medido foi", "and the measurement says")),
            both(
                "Uma execução só não dá intervalo: repita cada degrau (grader load --repeat 3) e dê a média com o intervalo de 95 %, média ± t · dp ÷ √n.",
                "One run gives no interval: repeat each step (grader load --repeat 3) and give the mean with its 95 % interval, mean ± t · sd ÷ √n.",
            ),
        ));
    };
    if !(lo <= mean && mean <= hi) {
        return Err((
            seen(("e o medido foi", "and the measurement says")),
            both(
                "O intervalo de 95 % é centrado na média: média ± t · dp ÷ √n.",
                "The 95 % interval is centred on the mean: mean ± t · sd ÷ √n.",
            ),
        ));
    }
    if near(mean, m.mean, tolerance) {
        return Ok(seen(("e o medido foi", "and the measurement says")));
    }
    let last = &r.stats[r.stats.len() - 1];
    let cause = match (q, last.little_r) {
        (Quantity::P95, Some(avg)) if near(mean, avg, tolerance) => both(
            "o seu número é a média do tempo de resposta, não o P95: 95 % das requisições terminam abaixo do P95, e numa fila a cauda fica bem acima da média. histogram_quantile(0.95, ...) sobre os buckets do degrau.",
            "your figure is the mean response time, not the P95: 95 % of requests finish below the P95, and in a queue the tail sits well above the mean. histogram_quantile(0.95, ...) over the step's buckets.",
        ),
        _ => both(
            "Meça o mesmo degrau, com a mesma carga (usuários, pausa, mistura), depois do aquecimento, e leia a média das repetições.",
            "Measure the same step, under the same load (users, think time, mix), after the warm-up, and read the mean of the repetitions.",
        ),
    };
    Err((
        seen(("mas o medido foi", "but the measurement says")),
        cause,
    ))
}

impl super::Judge for crate::spec::kinds::Prediction {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlation::StepStats;

    fn est(mean: f64) -> Option<Estimate> {
        Some(Estimate {
            n: 3,
            mean,
            sd: Some(mean / 50.0),
            ci95: Some((mean * 0.95, mean * 1.05)),
        })
    }

    /// What the shop measures with 4 connections, S = 0.075 s and Z = 0.05 s: 1, 8 and 32
    /// users, the last one past the knee.
    fn shop() -> Repeated {
        let step = |users, rps: f64, r: f64, u: f64, p95: f64| StepStats {
            users,
            repetitions: 3,
            rps: est(rps),
            p95: est(p95),
            utilisation: est(u),
            little_n: Some(rps * r),
            little_r: Some(r),
            little_xr: Some(rps * r),
            little_error: Some(0.0),
            gateway_x: Some(u * 4.0 / 0.075),
            service_time: Some(0.075),
            utilisation_xs: Some(u),
            utilisation_error: Some(0.0),
        };
        Repeated {
            stats: vec![
                step(1, 13.0, 0.027, 0.05, 0.09),
                step(8, 100.0, 0.03, 0.47, 0.1),
                step(32, 212.0, 0.1, 0.99, 0.3),
            ],
            windows: Vec::new(),
            think_s: 0.05,
        }
    }

    fn number(q: Quantity) -> f64 {
        match measured(q, 0.9, &shop()).unwrap() {
            Measured::Number(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_laws_read_the_measurements() {
        assert_eq!(number(Quantity::ServiceTime), 0.075);
        assert!((number(Quantity::MaxThroughput) - 52.8).abs() < 1e-9);
        // (0.027 + 0.05) · 212
        assert!((number(Quantity::KneeUsers) - 16.324).abs() < 1e-9);
        assert_eq!(number(Quantity::ResponseTime), 0.1);
        // The last step's gateway is busy 99 % of the time: the bottleneck at the spec's
        // threshold, not at a stricter one.
        assert_eq!(
            measured(Quantity::Bottleneck, 0.9, &shop()).unwrap(),
            Measured::Word("gateway")
        );
        assert_eq!(
            measured(Quantity::Bottleneck, 0.995, &shop()).unwrap(),
            Measured::Word("nenhum")
        );
    }

    #[test]
    fn the_bottleneck_s_threshold_reads_as_the_spec_wrote_it() {
        let said = |at: Option<f64>| {
            expected(&Prediction {
                question: "gargalo".into(),
                quantity: Quantity::Bottleneck,
                tolerance: 0.1,
                saturated_at: at,
            })
            .en
        };
        assert!(
            said(None).contains("busy 90 % of the time"),
            "{}",
            said(None)
        );
        assert!(said(Some(0.905)).contains("busy 90.5 % of the time"));
        assert!(said(Some(0.8)).contains("busy 80 % of the time"));
    }

    fn cause(v: Verdict) -> String {
        v.expect_err("a wrong reading must fail").1.en
    }

    #[test]
    fn a_prediction_off_by_the_connections_names_the_bottleneck_law() {
        let r = shop();
        let m = number(Quantity::MaxThroughput);
        assert!(judge_number(Quantity::MaxThroughput, 53.3, m, 0.15, &r).is_ok());
        let c = cause(judge_number(Quantity::MaxThroughput, 13.3, m, 0.15, &r));
        assert!(c.contains("one connection") && c.contains("c ÷ S"), "{c}");
    }

    #[test]
    fn leaving_the_think_time_out_names_it() {
        let r = shop();
        let knee = number(Quantity::KneeUsers);
        assert!(judge_number(Quantity::KneeUsers, 16.3, knee, 0.2, &r).is_ok());
        // R₀ · X max: 0.027 · 212
        let c = cause(judge_number(Quantity::KneeUsers, 5.7, knee, 0.2, &r));
        assert!(c.contains("leaves the think time out"), "{c}");
        let resp = number(Quantity::ResponseTime);
        assert!(judge_number(Quantity::ResponseTime, 0.1, resp, 0.2, &r).is_ok());
        // N ÷ X: 32 ÷ 212
        let c = cause(judge_number(Quantity::ResponseTime, 0.151, resp, 0.2, &r));
        assert!(c.contains("N ÷ X − Z"), "{c}");
    }

    #[test]
    fn the_mean_where_the_p95_is_asked_says_so() {
        let r = shop();
        let p95 = est(0.3).unwrap();
        assert!(judge_estimate(Quantity::P95, 0.3, Some((0.28, 0.32)), &p95, 0.25, &r).is_ok());
        let c = cause(judge_estimate(
            Quantity::P95,
            0.1,
            Some((0.09, 0.11)),
            &p95,
            0.25,
            &r,
        ));
        assert!(c.contains("mean response time, not the P95"), "{c}");
    }

    #[test]
    fn one_run_gives_no_interval() {
        let r = shop();
        let x = est(212.0).unwrap();
        for ci in [None, Some((212.0, 212.0))] {
            let c = cause(judge_estimate(Quantity::Throughput, 212.0, ci, &x, 0.1, &r));
            assert!(c.contains("One run gives no interval"), "{c}");
        }
        let c = cause(judge_estimate(
            Quantity::Throughput,
            212.0,
            Some((213.0, 220.0)),
            &x,
            0.1,
            &r,
        ));
        assert!(c.contains("centred on the mean"), "{c}");
    }

    #[test]
    fn utilisation_is_judged_step_by_step() {
        let m = [(1, 0.05), (8, 0.47), (32, 0.99)];
        assert!(judge_steps(&[0.06, 0.5, 1.0], &m, 0.1).is_ok());
        let c = cause(judge_steps(&[0.25, 0.75, 1.0], &m, 0.1));
        assert!(c.contains("A gauge read at one instant"), "{c}");
        let c = cause(judge_steps(&[6.0, 50.0, 100.0], &m, 0.1));
        assert!(c.contains("not in percent"), "{c}");
        let c = cause(judge_steps(&[0.06, 0.5], &m, 0.1));
        assert!(c.contains("one number per step"), "{c}");
    }
}
