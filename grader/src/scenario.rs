//! Alert scenarios: does an alert fire under the fault it is for, and only then?
//!
//! Each scenario runs in an app and a Prometheus of its own, so that one fault's traces (a
//! rate window still full of errors) never leak into another's verdict, and the scenarios of
//! an exercise run side by side. A scenario has two phases, each a timeline of its own
//! (`crate::timeline`), so that each phase's log of the alerts starts empty:
//! 1. **baseline**: the spec's load, no fault, for its duration. The alert may not be
//!    pending or firing: if it is, it fires without cause.
//! 2. **fault**: the same load with the fault injected through the app's `/admin/falhas` (or
//!    purchases of one product until its stock runs out), for at most [`WINDOW`]. The alert
//!    must go pending, then firing; the other alerts of the exercise must stay silent (those
//!    already active at baseline fail their own scenario, not this one). An
//!    alert whose `for:` would end after the window passes once pending, and the report says
//!    when it would fire.

use std::path::Path;
use std::time::Duration;

use std::collections::HashMap;

use crate::checks::Outcome;
use crate::lang::{Text, both};
use crate::options::{EnvError, Options};
use crate::prometheus::Alertmanager;
use crate::prometheus::{Backend, Prometheus, Webhook};
use crate::rules::{Alert, SubmittedRules};
use crate::sandbox::{AppSettings, Sandbox};
use crate::spec::kinds::Phase;
use crate::spec::{CheckKind, LoadSpec, Spec};
use crate::timeline::{self, AlertLog, Segment, Traffic};

/// How long the fault phase may take: long enough for a `for:` of 15 s after the rate
/// windows fill, short enough that a verdict comes within a minute.
pub const WINDOW: Duration = Duration::from_secs(40);
/// How long a firing alert's notification may take to reach the grader's webhook.
pub const NOTIFY_WITHIN: Duration = Duration::from_secs(10);

/// What to inject.
#[derive(Debug, Clone, Default)]
pub struct Fault {
    pub error_rate: f64,
    pub extra_latency_ms: u64,
    pub drain: Option<u32>,
}

impl Fault {
    fn describe(&self) -> Text {
        let mut pt = Vec::new();
        let mut en = Vec::new();
        if self.error_rate > 0.0 {
            let p = self.error_rate * 100.0;
            pt.push(format!("{p:.0} % das requisições com erro 500"));
            en.push(format!("{p:.0} % of requests answered 500"));
        }
        if self.extra_latency_ms > 0 {
            let ms = self.extra_latency_ms;
            pt.push(format!("+{ms} ms em cada requisição"));
            en.push(format!("+{ms} ms on every request"));
        }
        if let Some(id) = self.drain {
            pt.push(format!("compras do produto {id} até esgotar"));
            en.push(format!("purchases of product {id} until sold out"));
        }
        both(pt.join(", "), en.join(", "))
    }
}

/// What a scenario runs with.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub backend: &'a Backend,
    pub exe: &'a Path,
    /// The rule file Prometheus evaluates (the grader's copy).
    pub rules: &'a str,
    pub baseline: &'a LoadSpec,
    pub latency_scale: f64,
    pub startup_timeout: Duration,
    pub isolation: crate::isolation::Isolation,
    /// Where Prometheus sends alerts (`host:port`), and the webhook Alertmanager posts to.
    pub alertmanager: Option<(&'a str, &'a Webhook)>,
}

/// Whether a scenario's alert fired and, with an Alertmanager, how soon its notification
/// reached the grader's webhook.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delivery {
    pub fired: bool,
    pub notified_after: Option<Duration>,
}

/// Runs the scenario of `alert` in a folder of its own under `dir`. `others` are the alerts
/// that must stay silent under this fault.
pub async fn run(
    env: Env<'_>,
    dir: &Path,
    alert: &Alert,
    fault: &Fault,
    others: &[String],
) -> (Outcome, Delivery) {
    let expected = both(
        format!(
            "sem falha, `{}` em silêncio; com {}, `{}` pending e firing em até {}s, e {} em silêncio",
            alert.name,
            fault.describe().pt,
            alert.name,
            WINDOW.as_secs(),
            silent_list(others, true)
        ),
        format!(
            "`{}` silent without a fault; with {}, `{}` pending and firing within {}s, and {} silent",
            alert.name,
            fault.describe().en,
            alert.name,
            WINDOW.as_secs(),
            silent_list(others, false)
        ),
    );
    match phases(env, dir, alert, fault, others).await {
        Ok((seen, false, d)) => (Outcome::pass(expected, seen), d),
        Ok((seen, true, d)) => (Outcome::pass_noting(expected, seen), d),
        Err((seen, cause)) => (Outcome::fail(expected, seen, cause), Delivery::default()),
    }
}

fn silent_list(others: &[String], pt: bool) -> String {
    match (others.is_empty(), pt) {
        (true, true) => "os demais".into(),
        (true, false) => "the others".into(),
        _ => others.join(", "),
    }
}

type Failed = (Text, Option<Text>);

fn broke(e: Text) -> Failed {
    (e, None)
}

async fn phases(
    env: Env<'_>,
    dir: &Path,
    alert: &Alert,
    fault: &Fault,
    others: &[String],
) -> Result<(Text, bool, Delivery), Failed> {
    let settings = AppSettings {
        latency_scale: env.latency_scale,
        startup_timeout: env.startup_timeout,
        isolation: env.isolation,
    };
    let am = env.alertmanager.map(|(target, _)| target);
    let sandbox = Sandbox::start(env.backend, dir, env.rules, am, env.exe, settings)
        .await
        .map_err(|e| broke(e.text()))?;
    let (prom, app) = (&sandbox.prom, &sandbox.app);
    let base = app.url("");
    let result = async {
        prom.wait_target_up(Duration::from_secs(15))
            .await
            .map_err(broke)?;

        // Baseline: the load, no fault; nothing may fire.
        let mut baseline = env.baseline.clone_without_faults();
        // The alerts are watched while the load runs: a load capped by a number of requests
        // runs its whole duration here, so the calm phase is watched for all of it.
        baseline.max_requests = None;
        let calm = [Segment::run(Traffic::Load(baseline.clone()))];
        let seen = timeline::run(prom, &base, &calm).await.log;
        if let Some((at, a)) = seen.iter().find(|(_, a)| a.name == alert.name) {
            return Err((
                both(
                    format!(
                        "sem falha nenhuma, `{}` ficou {} após {:.1}s (valor {})",
                        a.name,
                        a.state,
                        at.as_secs_f64(),
                        a.value
                    ),
                    format!(
                        "with no fault at all, `{}` went {} after {:.1}s (value {})",
                        a.name,
                        a.state,
                        at.as_secs_f64(),
                        a.value
                    ),
                ),
                Some(both(
                    "Um alerta que dispara sem falha não diz nada: confira o sentido da comparação (> ou <) e o limiar.",
                    "An alert that fires without a fault says nothing: check the comparison's direction (> or <) and the threshold.",
                )),
            ));
        }
        // Another alert already active without a fault is its own scenario's failure, not a
        // reaction to this fault.
        let noisy: Vec<String> = seen.into_iter().map(|(_, a)| a.name).collect();

        // The fault, until the alert fires or the window is over.
        let mut faulty = baseline.clone();
        faulty.seconds = WINDOW.as_secs_f64();
        faulty.max_requests = None;
        faulty.error_rate = fault.error_rate;
        faulty.extra_latency_ms = fault.extra_latency_ms;
        if let Some(id) = fault.drain {
            faulty.mix = [(format!("checkout:{id}"), 1)].into_iter().collect();
            faulty.users = 1;
        }
        // It ends once the alert fires, or once it is pending and its `for:` would end after
        // the window.
        let (name, hold) = (alert.name.clone(), alert.hold);
        let done = move |log: &AlertLog, began: Duration| {
            log.iter().any(|(at, a)| {
                a.name == name
                    && (a.state == "firing"
                        || (a.state == "pending" && at.saturating_sub(began) + hold > WINDOW))
            })
        };
        let faulted = timeline::run(prom, &base, &[Segment::until(Traffic::Load(faulty), done)]).await;
        let fault_start = faulted.start;
        let timeline = faulted.log;
        let first = |name: &str, state: &str| {
            timeline
                .iter()
                .find(|(_, a)| a.name == name && (a.state == state || state == "any"))
        };
        let reacting = others.iter().filter(|o| !noisy.contains(o));
        if let Some((at, a)) = reacting.into_iter().find_map(|o| first(o, "any")) {
            return Err((
                both(
                    format!(
                        "com {}, `{}` também ficou {} após {:.1}s (valor {})",
                        fault.describe().pt,
                        a.name,
                        a.state,
                        at.as_secs_f64(),
                        a.value
                    ),
                    format!(
                        "with {}, `{}` went {} too after {:.1}s (value {})",
                        fault.describe().en,
                        a.name,
                        a.state,
                        at.as_secs_f64(),
                        a.value
                    ),
                ),
                Some(both(
                    "Esse alerta dispara com a falha errada: a expressão dele olha para a métrica certa?",
                    "That alert fires for the wrong fault: does its expression look at the right metric?",
                )),
            ));
        }
        let pending = first(&alert.name, "pending");
        let firing = first(&alert.name, "firing");
        match (pending, firing) {
            (_, Some((fired, a))) => {
                let since = pending.map_or(String::new(), |(p, _)| format!("{:.1}s → ", p.as_secs_f64()));
                let notified_after = match env.alertmanager {
                    Some((_, hook)) => {
                        hook.wait_for(&alert.name, fault_start + *fired, NOTIFY_WITHIN)
                            .await
                    }
                    None => None,
                };
                let delivery = Delivery {
                    fired: true,
                    notified_after,
                };
                Ok((both(
                    format!("pending → firing: {since}{:.1}s após a falha (valor {})", fired.as_secs_f64(), a.value),
                    format!("pending → firing: {since}{:.1}s after the fault (value {})", fired.as_secs_f64(), a.value),
                ), false, delivery))
            }
            (Some((at, a)), None) if *at + alert.hold > WINDOW => {
                let when = (*at + alert.hold).as_secs();
                Ok((both(
                    format!(
                        "pending após {:.1}s (valor {}): dispararia após {when}s (for: {}s), além da janela de {}s",
                        at.as_secs_f64(),
                        a.value,
                        alert.hold.as_secs(),
                        WINDOW.as_secs()
                    ),
                    format!(
                        "pending after {:.1}s (value {}): would fire after {when}s (for: {}s), past the {}s window",
                        at.as_secs_f64(),
                        a.value,
                        alert.hold.as_secs(),
                        WINDOW.as_secs()
                    ),
                ), true, Delivery::default()))
            }
            (Some((at, _)), None) => Err((
                both(
                    format!("pending após {:.1}s, mas nunca firing em {}s", at.as_secs_f64(), WINDOW.as_secs()),
                    format!("pending after {:.1}s, but never firing within {}s", at.as_secs_f64(), WINDOW.as_secs()),
                ),
                Some(both(
                    "A condição não se manteve verdadeira durante todo o `for:`: ela oscila em volta do limiar, ou a comparação (> ou <) está invertida e só valeu por um instante?",
                    "The condition did not hold for the whole `for:`: does it hover around the threshold, or is the comparison (> or <) inverted and true only for a moment?",
                )),
            )),
            (None, None) => {
                let value = expression_value(prom, &alert.expr).await;
                Err((
                    both(
                        format!(
                            "com {}, `{}` não ficou nem pending em {}s; a expressão dá: {}",
                            fault.describe().pt,
                            alert.name,
                            WINDOW.as_secs(),
                            value.pt
                        ),
                        format!(
                            "with {}, `{}` did not even go pending within {}s; the expression gives: {}",
                            fault.describe().en,
                            alert.name,
                            WINDOW.as_secs(),
                            value.en
                        ),
                    ),
                    Some(both(
                        "Rode a expressão na aba Graph do Prometheus durante a falha: ela devolve alguma série? O limiar está na unidade certa (0.05 = 5 %, segundos e não ms)?",
                        "Run the expression in Prometheus's Graph tab during the fault: does it return any series? Is the threshold in the right unit (0.05 = 5 %, seconds not ms)?",
                    )),
                ))
            }
        }
    }
    .await;
    let _ = crate::workload::clear_faults(&base).await;
    sandbox.stop().await;
    result
}

/// The alert's expression evaluated now, for a report: its series' values, or the error.
async fn expression_value(prom: &Prometheus, expr: &str) -> Text {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    match prom.query_at(expr, now).await {
        Ok(s) if s.is_empty() => both(
            "nenhuma série (a condição é falsa ou a métrica não existe)",
            "no series (the condition is false or the metric does not exist)",
        ),
        Ok(s) => {
            let v: Vec<String> = s
                .iter()
                .take(3)
                .map(|x| crate::prometheus::readable(x.value))
                .collect();
            both(v.join(", "), v.join(", "))
        }
        Err(e) => e,
    }
}

/// Runs every `alert_fires` scenario of `spec` side by side, and with them the Alertmanager
/// the `alert_notified` check needs; the outcomes by check id. `Err` when the environment
/// lacks an Alertmanager the spec needs.
pub async fn run_all(
    spec: &Spec,
    rules: Option<&SubmittedRules>,
    backend: Option<&Backend>,
    exe: Option<&Path>,
    work: &Path,
    opts: &Options,
) -> Result<HashMap<String, Outcome>, EnvError> {
    let wanted: Vec<(&str, &str, Fault)> = spec
        .checks
        .iter()
        .filter_map(|c| match &c.kind {
            CheckKind::AlertFires(k) => Some((
                c.id.as_str(),
                k.alert.as_str(),
                Fault {
                    error_rate: k.error_rate,
                    extra_latency_ms: k.extra_latency_ms,
                    drain: k.drain,
                },
            )),
            _ => None,
        })
        .collect();
    let notified_check = spec
        .checks
        .iter()
        .find(|c| matches!(c.kind, CheckKind::AlertNotified(_)))
        .map(|c| c.id.clone());
    // An app the grader did not start (`--url`) cannot be started again per scenario.
    let Some(exe) = exe else {
        let reason = both(
            "cada cenário inicia um app só dele; com --url o avaliador não inicia o app",
            "each scenario starts an app of its own; with --url the grader starts no app",
        );
        return Ok(spec
            .checks
            .iter()
            .filter(|c| c.kind.props().phase() == Phase::Scenario)
            .map(|c| (c.id.clone(), Outcome::skip(c.title.clone(), reason.clone())))
            .collect());
    };
    let (Some(rules), Some(backend), Some(baseline)) = (rules, backend, spec.load.as_ref()) else {
        return Ok(HashMap::new());
    };
    // The notification route: a webhook here, an Alertmanager posting to it.
    let (webhook, am) = if notified_check.is_some() {
        let webhook = Webhook::start().await.map_err(|e| {
            EnvError::Prometheus(both(
                format!("o webhook do avaliador não abriu: {e}"),
                format!("the grader's webhook did not open: {e}"),
            ))
        })?;
        let am = Alertmanager::start(
            backend,
            opts.alertmanager_bin.as_deref(),
            &opts.alertmanager_image,
            &webhook,
            &work.join("alertmanager"),
            Duration::from_secs(30),
        )
        .await
        .map_err(EnvError::Prometheus)?;
        (Some(webhook), Some(am))
    } else {
        (None, None)
    };
    let route = match (&am, &webhook) {
        (Some(am), Some(hook)) => Some((am.target(), hook)),
        _ => None,
    };

    let wanted = &wanted;
    let runs = wanted.iter().map(|(id, alert, fault)| async move {
        let expected = both(
            format!("`{alert}` dispara com a sua falha, e só ele"),
            format!("`{alert}` fires with its fault, and only it"),
        );
        let result = match (&rules.loaded, &rules.graded) {
            (Err(why), _) => (Outcome::fail(expected, why.clone(), None), None),
            (Ok(()), None) => (Outcome::fail(expected, both("?", "?"), None), None),
            (Ok(()), Some(graded)) => match rules.alerts().into_iter().find(|a| a.name == *alert) {
                None => (
                    crate::checks::rules::missing_alert(expected, rules, alert),
                    None,
                ),
                Some(a) => {
                    let others: Vec<String> = wanted
                        .iter()
                        .filter(|(_, o, _)| o != alert)
                        .map(|(_, o, _)| o.to_string())
                        .collect();
                    let env = Env {
                        backend,
                        exe,
                        rules: graded,
                        baseline,
                        latency_scale: opts.latency_scale,
                        startup_timeout: opts.startup_timeout,
                        isolation: opts.isolation,
                        alertmanager: route,
                    };
                    let dir = work.join(format!("cenario-{id}"));
                    let (outcome, delivery) = run(env, &dir, &a, fault, &others).await;
                    (outcome, Some(delivery))
                }
            },
        };
        (id.to_string(), alert.to_string(), result)
    });
    let done = futures_util::future::join_all(runs).await;
    if let Some(am) = am {
        am.stop().await;
    }
    let deliveries: Vec<(String, Delivery)> = done
        .iter()
        .filter_map(|(_, alert, (_, d))| d.map(|d| (alert.clone(), d)))
        .collect();
    let mut outcomes: HashMap<String, Outcome> =
        done.into_iter().map(|(id, _, (o, _))| (id, o)).collect();
    if let Some(id) = notified_check {
        outcomes.insert(id, notified(&deliveries));
    }
    Ok(outcomes)
}

/// Every alert that fired was notified.
fn notified(deliveries: &[(String, Delivery)]) -> Outcome {
    let expected = both(
        format!(
            "cada alerta que disparou chega ao webhook do avaliador pelo Alertmanager em até {}s",
            NOTIFY_WITHIN.as_secs()
        ),
        format!(
            "every alert that fired reaches the grader's webhook through Alertmanager within {}s",
            NOTIFY_WITHIN.as_secs()
        ),
    );
    let fired: Vec<&(String, Delivery)> = deliveries.iter().filter(|(_, d)| d.fired).collect();
    if fired.is_empty() {
        return Outcome::fail(
            expected,
            both(
                "nenhum alerta chegou a firing nos cenários: não há o que notificar",
                "no alert got to firing in the scenarios: nothing to notify",
            ),
            None,
        );
    }
    let lost: Vec<&str> = fired
        .iter()
        .filter(|(_, d)| d.notified_after.is_none())
        .map(|(a, _)| a.as_str())
        .collect();
    if !lost.is_empty() {
        let l = lost.join(", ");
        return Outcome::fail(
            expected,
            both(
                format!("sem notificação: {l}"),
                format!("not notified: {l}"),
            ),
            None,
        );
    }
    let seen: Vec<String> = fired
        .iter()
        .map(|(a, d)| {
            format!(
                "{a} ({:.1}s)",
                d.notified_after.unwrap_or_default().as_secs_f64()
            )
        })
        .collect();

    Outcome::pass(
        expected,
        both(
            format!("notificados: {}", seen.join(", ")),
            format!("notified: {}", seen.join(", ")),
        ),
    )
}
