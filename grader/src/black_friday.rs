//! The final project's Black Friday: one day of the shop in under a minute, in an app and a
//! Prometheus of its own (evaluating the submitted rules every second), while the grader
//! watches the alerts. The day is the spec's `[black_friday]` (see
//! [`crate::spec::BlackFridaySpec`]): its phases run one after the other as one timeline
//! (`crate::timeline`), each a load of the day's traffic (with a share of requests answered
//! 500, until the expected alerts fire, when it says so) or a product bought until it sells
//! out. The final's day: a surge in three steps, a flash sale, a payment fault.
//!
//! Then the verdicts: the alerts of `order` went active in that order (the order the
//! problems began) and each reached firing, the `quiet` ones never went active; and the
//! business metrics, read through Prometheus, moved exactly as the sales made (every
//! checkout answered 200 counted, units and revenue from the catalogue's prices). With
//! `--charts DIR`, the run's correlation report goes to `DIR/black-friday/`, each measured
//! phase with its intervals and operational-law checks over the day's `windows`.
//!
//! The flash sale and the payment fault are never measured: neither is a steady state (one
//! client buying until the stock runs out; half the requests refused with a 500 before any
//! handler, so they never hold a gateway connection and would bias the gateway's service
//! time the utilisation law pools over every window). The windows are batch means within one
//! run: consecutive windows are correlated, so even their interval is optimistic. The report
//! says so; the student's own analysis measures longer windows with `grader load --repeat`
//! (book: projeto-final.md, section 5).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::checks::Outcome;
use crate::correlation::{Step, Window};
use crate::lang::{Text, both};
use crate::options::{EnvError, Options};
use crate::prometheus::unix_now;
use crate::prometheus::{Backend, Prometheus};
use crate::rules::SubmittedRules;
use crate::sandbox::{AppSettings, Sandbox, SandboxError};
use crate::spec::kinds::Phase;
use crate::spec::{BlackFridaySpec, CheckKind, DayFigure, DayUntil, Spec, Windows};
use crate::timeline::{self, Done, Segment, Traffic};

/// What the run did and saw, for the checks.
#[derive(Debug, Default)]
struct Day {
    /// Alerts' first time in each state, seconds since the day began.
    timeline: Vec<(f64, String, String)>,
    /// When each named phase began, seconds since the day began.
    marks: Vec<(Text, f64)>,
    /// Checkouts answered 200, by product.
    sold: HashMap<u32, u64>,
    /// Unit price by product, from `GET /produtos`.
    prices: HashMap<u32, f64>,
    /// Each of the spec's totals as Prometheus read it, in their order.
    measured: Vec<Result<f64, Text>>,
    /// The report's note about the correlation report.
    note: Option<Text>,
}

/// Runs the day when the spec has one; the outcomes of its checks by id, and a note for the
/// report. `Err` only when the environment fails (Prometheus does not start).
pub async fn run(
    spec: &Spec,
    rules: Option<&SubmittedRules>,
    backend: Option<&Backend>,
    exe: Option<&Path>,
    work: &Path,
    opts: &Options,
) -> Result<(HashMap<String, Outcome>, Option<Text>), EnvError> {
    let Some(bf) = &spec.black_friday else {
        return Ok((HashMap::new(), None));
    };
    let checks: Vec<_> = spec
        .checks
        .iter()
        .filter(|c| c.kind.props().phase() == Phase::BlackFriday)
        .collect();
    let fail_all = |why: Text| {
        checks
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    Outcome::fail(c.title.clone(), why.clone(), None),
                )
            })
            .collect::<HashMap<_, _>>()
    };
    let Some(exe) = exe else {
        let why = both(
            "a Black Friday inicia um app só dela; com --url o avaliador não inicia o app",
            "the Black Friday starts an app of its own; with --url the grader starts no app",
        );
        let skipped = checks
            .iter()
            .map(|c| (c.id.clone(), Outcome::skip(c.title.clone(), why.clone())))
            .collect();
        return Ok((skipped, None));
    };
    let (Some(rules), Some(backend)) = (rules, backend) else {
        return Ok((HashMap::new(), None));
    };
    let graded = match (&rules.loaded, &rules.graded) {
        (Ok(()), Some(g)) => g.as_str(),
        (Err(why), _) => return Ok((fail_all(why.clone()), None)),
        _ => {
            return Ok((
                fail_all(both("regras não carregadas", "rules not loaded")),
                None,
            ));
        }
    };
    let dir = work.join("black-friday");
    let settings = AppSettings {
        latency_scale: opts.latency_scale,
        startup_timeout: opts.startup_timeout,
        isolation: opts.isolation,
    };
    let sandbox = match Sandbox::start(backend, &dir, graded, None, exe, settings).await {
        Ok(s) => s,
        Err(SandboxError::Environment(why)) => return Err(EnvError::Prometheus(why)),
        Err(e) => return Ok((fail_all(e.text()), None)),
    };
    let port = sandbox.app.addr.port();
    // The payment fault ends once every alert the checks expect is firing.
    let expected: Vec<String> = checks
        .iter()
        .filter_map(|c| match &c.kind {
            CheckKind::BlackFridayAlerts(k) => Some(k.order.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let day = live(
        &sandbox.prom,
        &sandbox.app.url(""),
        bf,
        &expected,
        port,
        opts.charts.as_deref(),
    )
    .await;
    sandbox.stop().await;
    let day = match day {
        Ok(d) => d,
        Err(why) => return Ok((fail_all(why), None)),
    };
    let outcomes = checks
        .iter()
        .map(|c| {
            let o = match &c.kind {
                CheckKind::BlackFridayAlerts(k) => alerts_verdict(&day, &k.order, &k.quiet),
                _ => sales_verdict(&day, bf),
            };
            (c.id.clone(), o)
        })
        .collect();
    Ok((outcomes, day.note))
}

/// The three phases as one timeline (`crate::timeline`), the alerts watched throughout, then
/// the business metrics read back.
async fn live(
    prom: &Prometheus,
    base: &str,
    bf: &BlackFridaySpec,
    expected: &[String],
    port: u16,
    charts: Option<&Path>,
) -> Result<Day, Text> {
    prom.wait_target_up(Duration::from_secs(15)).await?;
    let mut day = Day {
        prices: prices(base).await?,
        ..Day::default()
    };
    // The day's phases, with the alerts' log across them.
    let segments: Vec<Segment> = bf
        .phases
        .iter()
        .map(|phase| {
            let traffic = match phase.sell_out {
                Some(product) => Traffic::SellOut(product),
                None => Traffic::Load(bf.load(phase)),
            };
            match phase.until {
                None => Segment::run(traffic),
                Some(DayUntil::AlertsFiring) => {
                    let expected = expected.to_vec();
                    Segment::until(traffic, move |log, _| {
                        let fired = |e: &String| {
                            log.iter().any(|(_, a)| a.name == *e && a.state == "firing")
                        };
                        !expected.is_empty() && expected.iter().all(fired)
                    })
                }
            }
        })
        .collect();
    let timeline = timeline::run(prom, base, &segments).await;
    // Each phase's windows for the report's intervals and law checks: the measured ones only.
    let (mut steps, mut windows) = (Vec::new(), Vec::new());
    let mut sold: HashMap<u32, u64> = HashMap::new();
    for (phase, ran) in bf.phases.iter().zip(&timeline.ran) {
        match &ran.outcome {
            Ok(Done::Load(report)) => add_sales(&mut sold, report, bf.everyday),
            Ok(Done::Sold(units)) => {
                *sold.entry(phase.sell_out.unwrap_or_default()).or_default() += units;
            }
            Err(why) => return Err(why.clone()),
        }
        windows.push(match (phase.measured, bf.windows) {
            (true, Some(w)) => crate::correlation::windows(
                ran.from + w.warmup_s,
                w.seconds,
                w.count,
                ran.end,
                &ran.in_flight,
            ),
            _ => Vec::new(),
        });
        // A sell-out has one buyer.
        let users = if phase.sell_out.is_some() {
            1
        } else {
            phase.users
        };
        steps.push(Step {
            users: u64::from(users),
            start: ran.from,
            end: ran.end,
        });
        if let Some(name) = &phase.name {
            day.marks.push((name.clone(), ran.began.as_secs_f64()));
        }
    }
    day.timeline = timeline
        .log
        .into_iter()
        .map(|(at, a)| (at.as_secs_f64(), a.name, a.state))
        .collect();
    day.sold = sold;
    // The last scrape after the last sale.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for total in &bf.totals {
        let query = &total.query;
        let value = prom
            .query_at(query, unix_now())
            .await
            .and_then(|s| match s.as_slice() {
                [one] => Ok(one.value),
                [] => Err(both(
                    format!("`{query}`: nenhuma série"),
                    format!("`{query}`: no series"),
                )),
                _ => Err(both(
                    format!("`{query}`: {} séries", s.len()),
                    format!("`{query}`: {} series", s.len()),
                )),
            });
        day.measured.push(value);
    }
    if let Some(dir) = charts {
        let dir = dir.join("black-friday");
        day.note = Some(report(prom, base, port, steps, &windows, bf, &dir).await);
    }
    Ok(day)
}

/// The catalogue's prices, as the shop lists them.
async fn prices(base: &str) -> Result<HashMap<u32, f64>, Text> {
    let failed = |e: String| {
        both(
            format!("GET /produtos falhou: {e}"),
            format!("GET /produtos failed: {e}"),
        )
    };
    let list: serde_json::Value = crate::net::client()
        .get(format!("{base}/produtos"))
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?
        .json()
        .await
        .map_err(|e| failed(e.to_string()))?;
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((u32::try_from(p["id"].as_u64()?).ok()?, p["preco"].as_f64()?)))
        .collect())
}

/// The checkouts a load run sold: its load buys only `produto`, one unit each.
fn add_sales(sold: &mut HashMap<u32, u64>, report: &loadgen::Report, produto: u32) {
    let ok = report
        .endpoints
        .iter()
        .filter(|e| e.name == "POST /checkout")
        .map(|e| e.statuses.get(&200).copied().unwrap_or(0))
        .sum::<u64>();
    *sold.entry(produto).or_default() += ok;
}

/// When `alert` was first active (in `state`, or in any), seconds since the day began.
fn first(day: &Day, alert: &str, state: Option<&str>) -> Option<f64> {
    day.timeline
        .iter()
        .filter(|(_, n, s)| n == alert && state.is_none_or(|w| w == s))
        .map(|(t, _, _)| *t)
        .reduce(f64::min)
}

/// The alerts of `order` went active in that order and each fired; `quiet` never went active.
fn alerts_verdict(day: &Day, order: &[String], quiet: &[String]) -> Outcome {
    let expected = both(
        format!(
            "disparam nesta ordem: {}; e nunca ficam ativos: {}",
            order.join(" → "),
            quiet.join(", ")
        ),
        format!(
            "fire in this order: {}; and never go active: {}",
            order.join(" → "),
            quiet.join(", ")
        ),
    );
    // Times since the day began, "após/after Xs" as every timing of the reports.
    let (marks_pt, marks_en): (Vec<String>, Vec<String>) = day
        .marks
        .iter()
        .map(|(name, at)| {
            (
                format!("{} após {at:.1}s", name.pt),
                format!("{} after {at:.1}s", name.en),
            )
        })
        .unzip();
    let lines: Vec<(String, String)> = order
        .iter()
        .map(|a| {
            let active = first(day, a, None);
            let firing = first(day, a, Some("firing"));
            match (active, firing) {
                (Some(p), Some(f)) => (
                    format!("{a}: ativo após {p:.1}s, firing após {f:.1}s"),
                    format!("{a}: active after {p:.1}s, firing after {f:.1}s"),
                ),
                (Some(p), None) => (
                    format!("{a}: ativo após {p:.1}s, nunca firing"),
                    format!("{a}: active after {p:.1}s, never firing"),
                ),
                _ => (format!("{a}: nunca ativo"), format!("{a}: never active")),
            }
        })
        .collect();
    let (pt, en): (Vec<String>, Vec<String>) = lines.into_iter().unzip();
    // The named phases first (none: the alerts alone).
    let lead = |marks: Vec<String>, lines: Vec<String>| {
        let marks = marks.join(", ");
        let lines = lines.join("; ");
        if marks.is_empty() {
            lines
        } else {
            format!("{marks}; {lines}")
        }
    };
    let mut seen_pt = lead(marks_pt, pt);
    let mut seen_en = lead(marks_en, en);
    let all_fired = order
        .iter()
        .all(|a| first(day, a, Some("firing")).is_some());
    let starts: Vec<Option<f64>> = order.iter().map(|a| first(day, a, None)).collect();
    let in_order = starts.windows(2).all(|w| match (w[0], w[1]) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    });
    let noisy: Vec<&str> = quiet
        .iter()
        .filter(|q| first(day, q, None).is_some())
        .map(String::as_str)
        .collect();
    if !noisy.is_empty() {
        seen_pt += &format!("; ativos sem motivo: {}", noisy.join(", "));
        seen_en += &format!("; active without cause: {}", noisy.join(", "));
    }
    let seen = both(seen_pt, seen_en);
    if all_fired && in_order && noisy.is_empty() {
        return Outcome::pass(expected, seen);
    }
    let cause = if !all_fired {
        both(
            "um alerta esperado não disparou: rode a expressão dele no Prometheus durante a mesma falha (o limiar, o `for:`, a métrica certa?)",
            "an expected alert did not fire: run its expression in Prometheus during the same fault (the threshold, the `for:`, the right metric?)",
        )
    } else if !in_order {
        both(
            "os alertas dispararam fora da ordem em que os problemas começaram: um deles olha para a métrica errada, ou tem um limiar que qualquer carga alcança?",
            "the alerts fired out of the order the problems began in: does one of them look at the wrong metric, or have a threshold any load reaches?",
        )
    } else {
        both(
            "um alerta disparou sem o problema dele: confira o limiar e o sentido da comparação",
            "an alert fired without its problem: check the threshold and the comparison's direction",
        )
    };
    Outcome::fail(expected, seen, Some(cause))
}

/// The business metrics read through Prometheus equal what the day sold.
fn sales_verdict(day: &Day, bf: &BlackFridaySpec) -> Outcome {
    let sold = |p: u32| day.sold.get(&p).copied().unwrap_or(0);
    let price = |p: u32| day.prices.get(&p).copied().unwrap_or(0.0);
    let flash_product = bf.flash().unwrap_or_default();
    let (flash, everyday) = (sold(flash_product), sold(bf.everyday));
    let revenue = flash as f64 * price(flash_product) + everyday as f64 * price(bf.everyday);
    let wanted = |figure: DayFigure| match figure {
        DayFigure::Sales => (flash + everyday) as f64,
        DayFigure::FlashUnits => flash as f64,
        DayFigure::EverydayUnits => everyday as f64,
        DayFigure::FlashStock => 0.0,
        DayFigure::Revenue => revenue,
    };
    // The figures depend on how fast the machine served the load: they show where they
    // differ, not in what was expected.
    let (sold_out_pt, sold_out_en) = match bf.flash() {
        Some(p) => (
            format!(", o produto {p} esgotado"),
            format!(", product {p} sold out"),
        ),
        None => (String::new(), String::new()),
    };
    let expected = both(
        format!(
            "pelo Prometheus, as vendas feitas: cada checkout 200 uma venda, as unidades de cada produto{sold_out_pt}, a receita pelos preços do catálogo"
        ),
        format!(
            "through Prometheus, the sales made: every checkout answered 200 a sale, the units of each product{sold_out_en}, the revenue at the catalogue's prices"
        ),
    );
    let mut ok = true;
    let (mut pt, mut en) = (Vec::new(), Vec::new());
    for (value, total) in day.measured.iter().zip(&bf.totals) {
        let (query, want) = (&total.query, wanted(total.equals));
        match value {
            Ok(v) if (v - want).abs() <= 1e-6 * want.abs().max(1.0) => {
                pt.push(format!("ok {query}"));
                en.push(format!("ok {query}"));
            }
            Ok(v) => {
                ok = false;
                pt.push(format!("ERRO {query} = {v} (esperado {want})"));
                en.push(format!("WRONG {query} = {v} (expected {want})"));
            }
            Err(e) => {
                ok = false;
                pt.push(format!("ERRO {}", e.pt));
                en.push(format!("WRONG {}", e.en));
            }
        }
    }
    let seen = both(pt.join("\n"), en.join("\n"));
    if ok {
        Outcome::pass(expected, seen)
    } else {
        Outcome::fail(
            expected,
            seen,
            Some(both(
                "cada checkout 200 é uma venda, com as unidades e o preço do produto; um checkout com erro ou recusado não conta",
                "every checkout answered 200 is a sale, with the product's units and price; a failed or refused checkout does not count",
            )),
        )
    }
}

/// Writes the day's correlation report into `dir`, each step with its `windows` (the
/// day's, see [`BlackFridaySpec::windows`]); the note says where, or why not.
async fn report(
    prom: &Prometheus,
    base: &str,
    port: u16,
    steps: Vec<Step>,
    windows: &[Vec<Window>],
    bf: &BlackFridaySpec,
    dir: &Path,
) -> Text {
    let users = steps
        .iter()
        .flat_map(|s| [(s.start, s.users), (s.end, s.users)])
        .collect();
    let run = crate::correlation::Run {
        url: base.to_string(),
        description: "Black Friday: pico, venda relâmpago, falha de pagamento".into(),
        port,
        steps,
        users,
        window: Duration::from_secs(4),
        windows_note: windows_note(bf),
    };
    match crate::correlation::write_with_windows(prom.api(), &run, windows, dir).await {
        Ok(index) => both(
            format!("Relatório da Black Friday: {}", index.display()),
            format!("The Black Friday's report: {}", index.display()),
        ),
        Err(e) => both(
            format!("Relatório da Black Friday: não escrito, {}", e.pt),
            format!("The Black Friday's report: not written, {}", e.en),
        ),
    }
}

/// How the report's table of repetitions was measured, in the page's language: the day's
/// `windows` over its measured phases (the shortest named), when it has any.
fn windows_note(bf: &BlackFridaySpec) -> Option<String> {
    let Windows {
        warmup_s,
        count,
        seconds,
    } = bf.windows?;
    let shortest = bf.measured().map(|p| p.seconds).reduce(f64::min)?;
    let secs = |s: f64| format!("{s}").replace('.', ",");
    // The phases left out, by name (the final's: the flash sale and the payment fault).
    let unmeasured: Vec<&str> = bf
        .phases
        .iter()
        .filter(|p| !p.measured)
        .filter_map(|p| p.name.as_ref().map(|n| n.pt.as_str()))
        .collect();
    let left_out = match unmeasured.as_slice() {
        [] => String::new(),
        [one] => format!(" A fase {one} não entra nestas contas (não é regime estacionário)."),
        [rest @ .., last] => format!(
            " As fases {} e {last} não entram nestas contas (nenhuma é regime estacionário).",
            rest.join(", ")
        ),
    };
    Some(format!(
        "Cada degrau medido tem {n} janelas seguidas de {w} s, depois de {a} s de \
         aquecimento, que fica de fora.{left_out} São médias em lotes de um mesmo run: janelas vizinhas são \
         correlacionadas, o que deixa o intervalo mais estreito do que devia. Ao mesmo tempo, \
         {n} janelas dão {gl} grau(s) de liberdade, o t de Student é {t}, e o intervalo sai \
         largo: degraus de {d} s não dão para mais. Para afirmar algo sobre a loja, meça à \
         parte, com janelas mais longas e repetições (grader load --steps ... --repeat 3).",
        gl = count - 1,
        d = secs(shortest),
        n = count,
        w = secs(seconds),
        a = secs(warmup_s),
        t = format!("{:.3}", crate::correlation::t975(count as usize - 1)).replace('.', ","),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_note_says_how_the_final_s_day_is_measured() {
        let spec = Spec::builtin("final").unwrap();
        let note = windows_note(spec.black_friday.as_ref().unwrap()).unwrap();
        for said in [
            "Cada degrau medido tem 2 janelas seguidas de 2 s, depois de 1 s de aquecimento",
            "As fases venda relâmpago e falha de pagamento não entram nestas contas",
            "1 grau(s) de liberdade, o t de Student é 12,706",
            "degraus de 6 s não dão para mais",
        ] {
            assert!(note.contains(said), "{said}: {note}");
        }
    }
}
