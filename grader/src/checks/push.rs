//! The checks of a batch job, judged on what [`crate::job`] recorded around its two runs: how
//! each run ended, what the Pushgateway held after it, what Prometheus saw scraping the
//! Pushgateway, and what the course's alert did.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Outcome;
use crate::lang::{Text, both};
use crate::prometheus::{ActiveAlert, Group, Sample, readable};
use crate::spec::{CheckKind, JobRun, JobSpec, PushExpect, PushedIs};

/// How long the alert may take to fire after the failed run has been scraped.
pub const FIRES_WITHIN: Duration = Duration::from_secs(10);

/// One run of the job.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// How it ended: its exit code (`None` when a signal ended it), or why it did not.
    pub ended: Result<Option<i32>, Text>,
    /// Unix seconds, on this machine's clock (the job's own).
    pub started: f64,
    pub finished: f64,
    /// The last lines it printed.
    pub output: String,
}

impl RunRecord {
    pub fn wall_seconds(&self) -> f64 {
        self.finished - self.started
    }
}

/// What the Pushgateway held after one run.
pub type Snapshot = Result<Vec<Group>, Text>;

/// Everything the checks judge, recorded in order.
#[derive(Debug)]
pub struct Observed {
    pub success: RunRecord,
    pub failure: RunRecord,
    pub after_success: Snapshot,
    pub after_failure: Snapshot,
    /// Per metric, every series Prometheus has of it after the successful run (any labels);
    /// `None` when no check needed Prometheus.
    pub scraped: Option<Result<BTreeMap<String, Vec<Sample>>, Text>>,
    /// The course's alert around both runs; `None` when no check watches it.
    pub alert: Option<AlertWatch>,
}

/// The alert's states, as Prometheus listed them.
#[derive(Debug)]
pub struct AlertWatch {
    pub name: String,
    /// Its instances still active (pending or firing) after the successful run had been
    /// scraped and evaluated, at the last reading; empty when it went quiet.
    pub after_success: Vec<ActiveAlert>,
    /// Its first firing after the failed run, with how long after the run ended; else the
    /// states it went through within [`FIRES_WITHIN`].
    pub after_failure: Result<(Duration, ActiveAlert), Vec<ActiveAlert>>,
}

/// The outcome of a batch-job check; `None` for the other kinds.
pub fn judge(kind: &CheckKind, job: &JobSpec, seen: &Observed) -> Option<Outcome> {
    Some(match kind {
        CheckKind::JobExits(_) => exits(job, &seen.success, &seen.failure),
        CheckKind::Pushed(k) => pushed(k.run, &k.expect, seen),
        CheckKind::PushGroup(_) => group(job, &seen.after_success),
        CheckKind::PushScraped(k) => scraped(job, &k.metrics, seen),
        CheckKind::PushAlert(k) => alerted(&k.alert, seen.alert.as_ref()),
        _ => return None,
    })
}

/// `{job="x",deposito="y"}`.
fn labels(l: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", pairs.join(","))
}

/// The labels a pushed group must have: `job` and the grouping key.
fn wanted_labels(job: &JobSpec) -> BTreeMap<String, String> {
    let mut l = job.grouping.clone();
    l.insert("job".into(), job.name.clone());
    l
}

fn ended(r: &RunRecord) -> Text {
    match &r.ended {
        Ok(Some(code)) => both(format!("código {code}"), format!("exit code {code}")),
        Ok(None) => both("terminado por um sinal", "ended by a signal"),
        Err(why) => why.clone(),
    }
}

fn with_output(t: Text, r: &RunRecord) -> Text {
    if r.output.trim().is_empty() {
        return t;
    }
    both(
        format!("{}. Saída:\n{}", t.pt, r.output),
        format!("{}. Output:\n{}", t.en, r.output),
    )
}

fn exits(job: &JobSpec, ok: &RunRecord, bad: &RunRecord) -> Outcome {
    let switch = format!("{}=1", job.fail_env);
    let expected = both(
        format!(
            "a execução normal termina com código 0; a execução com {switch} termina com um código diferente de 0"
        ),
        format!(
            "the normal run exits with code 0; the run with {switch} exits with a non-zero code"
        ),
    );
    let summary = both(
        format!("normal: {}; com {switch}: {}", ended(ok).pt, ended(bad).pt),
        format!("normal: {}; with {switch}: {}", ended(ok).en, ended(bad).en),
    );
    if ok.ended != Ok(Some(0)) {
        return Outcome::fail(
            expected,
            with_output(summary, ok),
            Some(both(
                "A execução que devia dar certo não terminou com 0: veja a saída acima (um panic, um unwrap num envio que falhou?).",
                "The run that should succeed did not exit with 0: see its output above (a panic, an unwrap on a push that failed?).",
            )),
        );
    }
    if !matches!(bad.ended, Ok(Some(code)) if code != 0) {
        return Outcome::fail(
            expected,
            with_output(summary, bad),
            Some(both(
                format!(
                    "Com {switch} a reconciliação falha, e o processo precisa dizer isso no código de saída: é por ele que quem agenda o job (cron, um CronJob do Kubernetes) sabe que falhou."
                ),
                format!(
                    "With {switch} the reconciliation fails, and the process must say so in its exit code: that is how whoever schedules the job (cron, a Kubernetes CronJob) knows it failed."
                ),
            )),
        );
    }
    Outcome::pass(expected, summary)
}

/// What one expectation asks, in words.
fn describe(e: &PushExpect) -> Text {
    let mut pt = vec![format!("`{}`", e.metric)];
    let mut en = pt.clone();
    if let Some(k) = e.kind {
        pt.push(format!("do tipo {}", k.as_str()));
        en.push(format!("of type {}", k.as_str()));
    }
    if let Some(v) = e.value {
        pt.push(format!("valendo {}", readable(v)));
        en.push(format!("worth {}", readable(v)));
    }
    match e.is {
        Some(PushedIs::RunTime) => {
            pt.push("com um horário (Unix, em segundos) de dentro da execução".into());
            en.push("holding a time (Unix, in seconds) within the run".into());
        }
        Some(PushedIs::RunDuration) => {
            pt.push("com a duração desta execução, em segundos".into());
            en.push("holding this run's duration, in seconds".into());
        }
        Some(PushedIs::Kept) => {
            pt.push("com o mesmo valor da execução anterior".into());
            en.push("with the same value as after the previous run".into());
        }
        None => {}
    }
    both(pt.join(" "), en.join(" "))
}

/// The one sample of `metric` across every group, its family's type and its group's labels.
/// `Err` names what was found instead (nothing, or more than one).
fn unique<'a>(
    groups: &'a [Group],
    metric: &str,
) -> Result<(f64, &'a str, &'a BTreeMap<String, String>), Text> {
    let found: Vec<(&Group, &str, f64)> = groups
        .iter()
        .filter_map(|g| g.families.get(metric).map(|f| (g, f)))
        .flat_map(|(g, f)| f.samples.iter().map(move |(_, v)| (g, f.kind.as_str(), *v)))
        .collect();
    match found.as_slice() {
        [] => Err(both(
            format!("`{metric}` não está no Pushgateway"),
            format!("`{metric}` is not in the Pushgateway"),
        )),
        [(g, kind, v)] => Ok((*v, kind, &g.labels)),
        many => {
            let places: Vec<String> = many.iter().map(|(g, _, _)| labels(&g.labels)).collect();
            Err(both(
                format!(
                    "`{metric}` aparece {} vezes (grupos {}): o job a empurra com labels próprias, ou para mais de um grupo",
                    many.len(),
                    places.join(", ")
                ),
                format!(
                    "`{metric}` appears {} times (groups {}): the job pushes it with labels of its own, or to more than one group",
                    many.len(),
                    places.join(", ")
                ),
            ))
        }
    }
}

fn pushed(run: JobRun, expect: &[PushExpect], seen: &Observed) -> Outcome {
    let (record, snapshot, which_pt, which_en) = match run {
        JobRun::Success => (
            &seen.success,
            &seen.after_success,
            "bem-sucedida",
            "successful",
        ),
        JobRun::Failure => (&seen.failure, &seen.after_failure, "com falha", "failed"),
    };
    let wanted: Vec<Text> = expect.iter().map(describe).collect();
    let expected = both(
        format!(
            "após a execução {which_pt}, no Pushgateway: {}",
            wanted
                .iter()
                .map(|t| t.pt.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        format!(
            "after the {which_en} run, in the Pushgateway: {}",
            wanted
                .iter()
                .map(|t| t.en.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    );
    let groups = match snapshot {
        Ok(g) => g,
        Err(e) => return Outcome::fail(expected, e.clone(), None),
    };
    let mut lines = (Vec::new(), Vec::new());
    let mut problems = 0;
    let mut cause = None;
    for e in expect {
        let (ok, pt, en, why) = judge_one(e, run, record, groups, seen);
        if !ok {
            problems += 1;
            cause = cause.or(why);
        }
        let mark = if ok { "✓" } else { "✗" };
        lines.0.push(format!("{mark} {pt}"));
        lines.1.push(format!("{mark} {en}"));
    }
    let seen_text = both(lines.0.join("\n"), lines.1.join("\n"));
    if problems == 0 {
        Outcome::pass(expected, seen_text)
    } else {
        Outcome::fail(expected, seen_text, cause)
    }
}

/// One expectation: whether it holds, what was seen (pt, en), and the likely cause if not.
fn judge_one(
    e: &PushExpect,
    run: JobRun,
    record: &RunRecord,
    groups: &[Group],
    seen: &Observed,
) -> (bool, String, String, Option<Text>) {
    let m = &e.metric;
    let (value, kind, _) = match unique(groups, m) {
        Ok(found) => found,
        Err(why) => {
            let cause = match (e.is, run) {
                (Some(PushedIs::Kept), JobRun::Failure) => Some(both(
                    "Um PUT (`push_metrics`) substitui o grupo inteiro pelo que foi enviado: a execução com falha, que não tem horário de sucesso para enviar, apagou o da execução anterior. Na falha, envie com POST (`push_add_metrics`), que troca só as métricas enviadas.",
                    "A PUT (`push_metrics`) replaces the whole group with what it sends: the failed run, which has no success time to send, deleted the previous run's. On failure, push with POST (`push_add_metrics`), which replaces only the metrics sent.",
                )),
                _ => Some(both(
                    "O job empurra as métricas no fim de cada execução (`prometheus::push_metrics` ou `push_add_metrics`)? Com o job parado, rode-o à mão com um Pushgateway e veja http://127.0.0.1:9091.",
                    "Does the job push its metrics at the end of every run (`prometheus::push_metrics` or `push_add_metrics`)? Run it by hand against a Pushgateway and look at http://127.0.0.1:9091.",
                )),
            };
            return (false, why.pt, why.en, cause);
        }
    };
    let shown = readable(value);
    if let Some(k) = e.kind
        && kind != k.as_str()
    {
        return (
            false,
            format!("`{m}` é do tipo {kind}, não {}", k.as_str()),
            format!("`{m}` is of type {kind}, not {}", k.as_str()),
            Some(both(
                "Cada execução é um processo novo: um contador recomeçaria do zero a cada vez. O que descreve a última execução é um gauge.",
                "Each run is a new process: a counter would start over from zero every time. What describes the last run is a gauge.",
            )),
        );
    }
    if let Some(v) = e.value
        && (value - v).abs() > 1e-9
    {
        return (
            false,
            format!("`{m}` vale {shown}, não {}", readable(v)),
            format!("`{m}` is {shown}, not {}", readable(v)),
            None,
        );
    }
    match e.is {
        Some(PushedIs::RunTime)
            if !(record.started - 1.0..=record.finished + 1.0).contains(&value) =>
        {
            let cause = if value > 1e11 {
                both(
                    "O valor parece estar em milissegundos: o Prometheus mede o tempo em segundos (`as_secs_f64()`).",
                    "The value looks like milliseconds: Prometheus measures time in seconds (`as_secs_f64()`).",
                )
            } else {
                both(
                    "O horário é o do fim da execução, em segundos desde 1970 (`SystemTime::now().duration_since(UNIX_EPOCH)`).",
                    "The time is the run's end, in seconds since 1970 (`SystemTime::now().duration_since(UNIX_EPOCH)`).",
                )
            };
            (
                false,
                format!(
                    "`{m}` vale {shown}, fora da execução ({} a {})",
                    readable(record.started),
                    readable(record.finished)
                ),
                format!(
                    "`{m}` is {shown}, outside the run ({} to {})",
                    readable(record.started),
                    readable(record.finished)
                ),
                Some(cause),
            )
        }
        Some(PushedIs::RunDuration) if !(value > 0.0 && value <= record.wall_seconds() + 0.5) => (
            false,
            format!(
                "`{m}` vale {shown}, e a execução levou {}s",
                readable(record.wall_seconds())
            ),
            format!(
                "`{m}` is {shown}, and the run took {}s",
                readable(record.wall_seconds())
            ),
            Some(both(
                "A duração é medida do começo ao fim da execução (`Instant::now()` e `elapsed()`), em segundos (`as_secs_f64()`).",
                "The duration is measured from the run's start to its end (`Instant::now()` and `elapsed()`), in seconds (`as_secs_f64()`).",
            )),
        ),
        Some(PushedIs::Kept) => {
            let before = seen
                .after_success
                .as_ref()
                .ok()
                .and_then(|g| unique(g, m).ok())
                .map(|(v, _, _)| v);
            match before {
                Some(b) if (b - value).abs() <= 1e-9 => (
                    true,
                    format!("`{m}` = {shown}, o mesmo de antes"),
                    format!("`{m}` = {shown}, the same as before"),
                    None,
                ),
                Some(b) => (
                    false,
                    format!("`{m}` mudou de {} para {shown}", readable(b)),
                    format!("`{m}` changed from {} to {shown}", readable(b)),
                    Some(both(
                        "Só uma execução que deu certo atualiza o horário do último sucesso.",
                        "Only a run that succeeded updates the last success time.",
                    )),
                ),
                None => (
                    false,
                    format!("`{m}` = {shown}, mas não havia valor antes para comparar"),
                    format!("`{m}` = {shown}, but there was no value before to compare with"),
                    None,
                ),
            }
        }
        _ => (
            true,
            format!("`{m}` = {shown} ({kind})"),
            format!("`{m}` = {shown} ({kind})"),
            None,
        ),
    }
}

fn group(job: &JobSpec, snapshot: &Snapshot) -> Outcome {
    let want = wanted_labels(job);
    let expected = both(
        format!(
            "após a execução bem-sucedida, o Pushgateway tem um grupo, {}",
            labels(&want)
        ),
        format!(
            "after the successful run, the Pushgateway holds one group, {}",
            labels(&want)
        ),
    );
    let groups = match snapshot {
        Ok(g) => g,
        Err(e) => return Outcome::fail(expected, e.clone(), None),
    };
    let shown: Vec<String> = groups.iter().map(|g| labels(&g.labels)).collect();
    let seen = both(
        format!("grupos: {}", list_or_none(&shown, "nenhum")),
        format!("groups: {}", list_or_none(&shown, "none")),
    );
    match groups.as_slice() {
        [g] if g.labels == want => Outcome::pass(expected, seen),
        [] => Outcome::fail(
            expected,
            seen,
            Some(both(
                "O job não empurrou nada para o Pushgateway.",
                "The job pushed nothing to the Pushgateway.",
            )),
        ),
        _ => {
            let cause = match groups.iter().find_map(|g| g.labels.get("job")) {
                Some(j) if *j != job.name => both(
                    format!(
                        "O `job` de um envio é o primeiro argumento de `push_metrics`: aqui ele é \"{j}\", e o alerta procura \"{}\".",
                        job.name
                    ),
                    format!(
                        "A push's `job` is `push_metrics`'s first argument: here it is \"{j}\", and the alert looks for \"{}\".",
                        job.name
                    ),
                ),
                _ => both(
                    "A chave de agrupamento (o `HashMap` passado a `push_metrics`) tem de ter exatamente as labels pedidas: nem menos, nem mais (sem `instance`). Um grupo por execução, ou por máquina, deixaria grupos velhos para trás para sempre.",
                    "The grouping key (the `HashMap` passed to `push_metrics`) must have exactly the labels asked for: no fewer, no more (no `instance`). A group per run, or per machine, would leave stale groups behind forever.",
                ),
            };
            Outcome::fail(expected, seen, Some(cause))
        }
    }
}

fn list_or_none(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}

fn scraped(job: &JobSpec, metrics: &[String], seen: &Observed) -> Outcome {
    let want = wanted_labels(job);
    let selector = |m: &str| format!("{m}{}", labels(&want));
    let all = metrics
        .iter()
        .map(|m| selector(m))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = both(
        format!(
            "o Prometheus, coletando o Pushgateway com honor_labels: true, tem cada métrica com as labels do envio e o valor do Pushgateway: {all}"
        ),
        format!(
            "Prometheus, scraping the Pushgateway with honor_labels: true, has each metric with the push's labels and the Pushgateway's value: {all}"
        ),
    );
    let answers = match &seen.scraped {
        None => return super::not_started(expected),
        Some(Err(e)) => return Outcome::fail(expected, e.clone(), None),
        Some(Ok(a)) => a,
    };
    let pushed = seen.after_success.as_ref().ok();
    let mut lines = (Vec::new(), Vec::new());
    let mut ok = true;
    for m in metrics {
        let series = answers.get(m).map(Vec::as_slice).unwrap_or_default();
        let matching: Vec<_> = series
            .iter()
            .filter(|s| want.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
            .collect();
        let in_pgw = pushed
            .and_then(|g| g.iter().find(|g| g.labels == want))
            .and_then(|g| g.families.get(m))
            .and_then(|f| f.samples.first())
            .map(|(_, v)| *v);
        let sel = selector(m);
        let (good, line) = match (matching.as_slice(), in_pgw) {
            ([s], Some(v)) if (s.value - v).abs() <= 1e-9 => {
                let t = format!("{sel} = {}", readable(s.value));
                (true, both(t.clone(), t))
            }
            ([s], Some(v)) => {
                let (p, g) = (readable(s.value), readable(v));
                (
                    false,
                    both(
                        format!("{sel} = {p} no Prometheus, {g} no Pushgateway"),
                        format!("{sel} = {p} in Prometheus, {g} in the Pushgateway"),
                    ),
                )
            }
            _ => {
                let other: Vec<String> = series
                    .iter()
                    .map(|s| {
                        let mut l = s.labels.clone();
                        l.remove("__name__");
                        format!("{m}{}", labels(&l))
                    })
                    .collect();
                (
                    false,
                    both(
                        format!(
                            "{sel} não está no Prometheus (ele tem: {})",
                            list_or_none(&other, "nenhuma série")
                        ),
                        format!(
                            "{sel} is not in Prometheus (it has: {})",
                            list_or_none(&other, "no series")
                        ),
                    ),
                )
            }
        };
        ok &= good;
        let mark = if good { "✓" } else { "✗" };
        lines.0.push(format!("{mark} {}", line.pt));
        lines.1.push(format!("{mark} {}", line.en));
    }
    let seen_text = both(lines.0.join("\n"), lines.1.join("\n"));
    if ok {
        Outcome::pass(expected, seen_text)
    } else {
        Outcome::fail(
            expected,
            seen_text,
            Some(both(
                "O Prometheus só vê o que está no Pushgateway, com as labels do envio: confira o `job` e a chave de agrupamento do envio.",
                "Prometheus only sees what is in the Pushgateway, with the push's labels: check the push's `job` and grouping key.",
            )),
        )
    }
}

/// `firing (valor 1), ...`, with `value` the word for "value".
fn states(alerts: &[crate::prometheus::ActiveAlert], value: &str) -> String {
    let mut s: Vec<String> = alerts
        .iter()
        .map(|a| format!("{} ({value} {})", a.state, a.value))
        .collect();
    s.dedup();
    s.join(", ")
}

fn alerted(alert: &str, watch: Option<&AlertWatch>) -> Outcome {
    let expected = both(
        format!(
            "`{alert}` em silêncio após a execução bem-sucedida, e firing em até {}s após a execução com falha",
            FIRES_WITHIN.as_secs()
        ),
        format!(
            "`{alert}` silent after the successful run, and firing within {}s after the failed run",
            FIRES_WITHIN.as_secs()
        ),
    );
    let Some(w) = watch else {
        return super::not_started(expected);
    };
    if !w.after_success.is_empty() {
        return Outcome::fail(
            expected,
            both(
                format!(
                    "após a execução bem-sucedida, `{alert}` estava {}",
                    states(&w.after_success, "valor")
                ),
                format!(
                    "after the successful run, `{alert}` was {}",
                    states(&w.after_success, "value")
                ),
            ),
            Some(both(
                "O alerta do curso procura as séries do job pelo `job` do envio e dispara quando o horário do último sucesso não existe: depois de uma execução boa, ele precisa encontrar `..._ultimo_sucesso_timestamp_seconds` e `..._falhou` com esse `job`.",
                "The course's alert finds the job's series by the push's `job` and fires when the last success time does not exist: after a good run it must find `..._ultimo_sucesso_timestamp_seconds` and `..._falhou` under that `job`.",
            )),
        );
    }
    match &w.after_failure {
        Ok((after, a)) => Outcome::pass(
            expected,
            both(
                format!(
                    "silencioso após o sucesso; firing {:.1}s após a execução com falha (valor {})",
                    after.as_secs_f64(),
                    a.value
                ),
                format!(
                    "silent after the success; firing {:.1}s after the failed run (value {})",
                    after.as_secs_f64(),
                    a.value
                ),
            ),
        ),
        Err(seen) => {
            let (pt, en) = if seen.is_empty() {
                ("nem pending".to_string(), "not even pending".to_string())
            } else {
                (states(seen, "valor"), states(seen, "value"))
            };
            Outcome::fail(
                expected,
                both(
                    format!(
                        "silencioso após o sucesso; após a execução com falha: {pt} em {}s",
                        FIRES_WITHIN.as_secs()
                    ),
                    format!(
                        "silent after the success; after the failed run: {en} within {}s",
                        FIRES_WITHIN.as_secs()
                    ),
                ),
                Some(both(
                    "Depois de uma execução com falha, o marcador de falha do job tem de chegar ao Pushgateway valendo 1: a execução com falha também empurra as suas métricas?",
                    "After a failed run, the job's failure marker must reach the Pushgateway as 1: does the failed run push its metrics too?",
                )),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::Family;

    fn job() -> JobSpec {
        JobSpec {
            url_env: "PUSHGATEWAY_URL".into(),
            fail_env: "SIMULAR_FALHA".into(),
            name: "reconciliacao_estoque".into(),
            grouping: [("deposito".to_string(), "central".to_string())].into(),
            rules: None,
            timeout_s: 30,
        }
    }

    fn group(labels: &[(&str, &str)], metrics: &[(&str, f64)]) -> Group {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Group {
            families: metrics
                .iter()
                .map(|(m, v)| {
                    let family = Family {
                        kind: "gauge".into(),
                        samples: vec![(labels.clone(), *v)],
                    };
                    (m.to_string(), family)
                })
                .collect(),
            labels,
        }
    }

    fn run(started: f64, finished: f64) -> RunRecord {
        RunRecord {
            ended: Ok(Some(0)),
            started,
            finished,
            output: String::new(),
        }
    }

    const OURS: [(&str, &str); 2] = [("job", "reconciliacao_estoque"), ("deposito", "central")];

    #[test]
    fn the_group_must_have_exactly_the_jobs_labels() {
        let ok = Ok(vec![group(&OURS, &[("x", 1.0)])]);
        assert!(super::group(&job(), &ok).passed);
        let with_instance = Ok(vec![group(
            &[OURS[0], OURS[1], ("instance", "maquina-1")],
            &[("x", 1.0)],
        )]);
        let o = super::group(&job(), &with_instance);
        assert!(!o.passed);
        assert!(o.cause.unwrap().en.contains("no `instance`"));
        let two = Ok(vec![
            group(&OURS, &[("x", 1.0)]),
            group(&[("job", "outro")], &[("y", 1.0)]),
        ]);
        assert!(!super::group(&job(), &two).passed);
    }

    #[test]
    fn a_metric_pushed_to_two_groups_is_ambiguous() {
        let groups = vec![
            group(&OURS, &[("reconciliacao_falhou", 0.0)]),
            group(&[("job", "velho")], &[("reconciliacao_falhou", 1.0)]),
        ];
        let e = unique(&groups, "reconciliacao_falhou").unwrap_err();
        assert!(e.en.contains("appears 2 times"), "{}", e.en);
        assert_eq!(unique(&groups[..1], "reconciliacao_falhou").unwrap().0, 0.0);
    }

    #[test]
    fn a_kept_value_must_be_there_and_unchanged() {
        let before = vec![group(&OURS, &[("t", 100.0)])];
        let observed = |after: f64| Observed {
            success: run(99.0, 101.0),
            failure: run(200.0, 201.0),
            after_success: Ok(before.clone()),
            after_failure: Ok(vec![group(&OURS, &[("t", after)])]),
            scraped: None,
            alert: None,
        };
        let kept = [PushExpect {
            metric: "t".into(),
            kind: None,
            value: None,
            is: Some(PushedIs::Kept),
        }];
        assert!(pushed(JobRun::Failure, &kept, &observed(100.0)).passed);
        let changed = pushed(JobRun::Failure, &kept, &observed(200.5));
        assert!(!changed.passed);
        assert!(
            changed.seen.en.contains("changed from 100 to 200.5"),
            "{}",
            changed.seen.en
        );
        // A time within the run, and one in milliseconds, which is not.
        let at = [PushExpect {
            metric: "t".into(),
            kind: None,
            value: None,
            is: Some(PushedIs::RunTime),
        }];
        assert!(pushed(JobRun::Success, &at, &observed(0.0)).passed);
        let mut ms = observed(0.0);
        ms.after_success = Ok(vec![group(&OURS, &[("t", 100_000.0 * 1e7)])]);
        let o = pushed(JobRun::Success, &at, &ms);
        assert!(!o.passed && o.cause.unwrap().en.contains("milliseconds"));
    }
}
