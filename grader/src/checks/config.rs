//! Checks of a submitted Prometheus config: as written, and as Prometheus runs it.

use std::collections::BTreeMap;
use std::time::Duration;

// tokio's clock: the waits below run on paused time in the unit tests.
use tokio::time::Instant;

use serde_yaml::Value;

use super::PrometheusProbe;
use super::{Context, Outcome, tidy};
use crate::lang::{Text, both};
use crate::promconfig::{parse_duration, scalar, split_target};
use crate::prometheus::Target;
use crate::spec::kinds;

/// How long Prometheus gets, after loading the config, to find and scrape every target
/// (Prometheus 2.x applies new targets on a 5-second tick; scrapes come every second).
const TARGETS_WITHIN: Duration = Duration::from_secs(15);

pub async fn valid(cx: &mut Context<'_>) -> Outcome {
    let Some(sub) = cx.config else {
        return not_submitted();
    };
    let expected = both(
        format!(
            "`promtool check config {}` aceita o arquivo e o Prometheus o carrega",
            sub.file
        ),
        format!(
            "`promtool check config {}` accepts the file and Prometheus loads it",
            sub.file
        ),
    );
    let cause = both(
        "Rode `promtool check config` no arquivo e corrija a linha apontada: YAML se indenta com espaços (nunca tab), listas com `- `, e cada chave no nível certo (roteiro, Parte 5).",
        "Run `promtool check config` on the file and fix the line it points at: YAML is indented with spaces (never tabs), lists with `- `, each key at its level (roteiro, Parte 5).",
    );
    if let Ok(run) = &sub.promtool
        && !run.success
    {
        let out = tidy(&run.output);
        return Outcome::fail(expected, both(out.clone(), out), Some(cause));
    }
    match (&sub.loaded, &sub.promtool) {
        (Ok(()), Ok(_)) => Outcome::pass(
            expected,
            both(
                "promtool: SUCCESS; carregado pelo Prometheus",
                "promtool: SUCCESS; loaded by Prometheus",
            ),
        ),
        (Ok(()), Err(why)) => Outcome::pass(
            expected,
            both(
                format!(
                    "carregado pelo Prometheus (promtool indisponível: {})",
                    why.pt
                ),
                format!("loaded by Prometheus (promtool unavailable: {})", why.en),
            ),
        ),
        (Err(why), _) => Outcome::fail(expected, why.clone(), Some(cause)),
    }
}

pub fn value(cx: &Context<'_>, path: &str, wanted: &str) -> Outcome {
    let Some(sub) = cx.config else {
        return not_submitted();
    };
    let expected = both(
        format!("`{path}: {wanted}` em {}", sub.file),
        format!("`{path}: {wanted}` in {}", sub.file),
    );
    if let Err(e) = &sub.yaml {
        return not_yaml(expected, &sub.file, e);
    }
    match sub.value(path) {
        None => Outcome::fail(
            expected,
            both(
                format!("`{path}` não está no arquivo"),
                format!("`{path}` is not in the file"),
            ),
            None,
        ),
        Some(v) if same(&scalar(v), wanted) => Outcome::pass(expected, both(scalar(v), scalar(v))),
        Some(v) => Outcome::fail(
            expected,
            both(
                format!("`{path}: {}`", scalar(v)),
                format!("`{path}: {}`", scalar(v)),
            ),
            None,
        ),
    }
}

/// What a scrape job must be, from the spec.
#[derive(Debug)]
pub struct Wanted<'a> {
    pub job: &'a str,
    pub target_port: Option<u16>,
    pub metrics_path: Option<&'a str>,
    pub scrape_interval: Option<&'a str>,
    pub labels: &'a BTreeMap<String, String>,
}

pub async fn scrape_job(cx: &mut Context<'_>, w: Wanted<'_>) -> Outcome {
    let Some(sub) = cx.config else {
        return not_submitted();
    };
    let expected = describe(&w);
    if let Err(e) = &sub.yaml {
        return not_yaml(expected, &sub.file, e);
    }
    let Some(job) = sub.job(w.job) else {
        let names: Vec<String> = sub
            .yaml
            .as_ref()
            .ok()
            .and_then(|v| v["scrape_configs"].as_sequence())
            .into_iter()
            .flatten()
            .filter_map(|j| j.get("job_name"))
            .map(scalar)
            .collect();
        let seen = if names.is_empty() {
            both(
                "nenhum job em `scrape_configs`",
                "no job in `scrape_configs`",
            )
        } else {
            both(
                format!("jobs: {}", names.join(", ")),
                format!("jobs: {}", names.join(", ")),
            )
        };
        return Outcome::fail(
            expected,
            seen,
            Some(both(
                format!(
                    "O nome do job vem de `job_name: {}` em `scrape_configs`; ele vira a label `job` de cada série.",
                    w.job
                ),
                format!(
                    "The job's name comes from `job_name: {}` under `scrape_configs`; it becomes the `job` label of every series.",
                    w.job
                ),
            )),
        );
    };

    // As written.
    let mut problems: Vec<Text> = Vec::new();
    if let Some(port) = w.target_port {
        let targets = written_targets(job);
        if !targets
            .iter()
            .any(|t| split_target(t).is_some_and(|(_, p)| p == port))
        {
            problems.push(both(
                format!(
                    "targets escritos: [{}], nenhum na porta {port}",
                    targets.join(", ")
                ),
                format!(
                    "targets written: [{}], none on port {port}",
                    targets.join(", ")
                ),
            ));
        }
    }
    if let Some(path) = w.metrics_path {
        let written = job.get("metrics_path").map(scalar);
        let effective = written.clone().unwrap_or_else(|| "/metrics".into());
        if effective != path {
            problems.push(both(
                format!("metrics_path: {effective}"),
                format!("metrics_path: {effective}"),
            ));
        }
    }
    if let Some(interval) = w.scrape_interval {
        let written = job.get("scrape_interval").map(scalar);
        let global = sub.value("global.scrape_interval").map(scalar);
        let effective = written.or(global).unwrap_or_else(|| "1m".into());
        if !same(&effective, interval) {
            problems.push(both(
                format!("scrape_interval: {effective}"),
                format!("scrape_interval: {effective}"),
            ));
        }
    }

    // As Prometheus runs it: the job's targets exist and carry the labels.
    let live = match (cx.prometheus, &sub.loaded) {
        (Some(p), Ok(())) => job_targets(p, w.job).await,
        (_, Err(why)) => Err(why.clone()),
        (None, _) => Err(super::prometheus_missing()),
    };
    match live {
        Ok(targets) => {
            for (k, v) in w.labels {
                let missing: Vec<&Target> = targets
                    .iter()
                    .filter(|t| t.labels.get(k) != Some(v))
                    .collect();
                if let Some(t) = missing.first() {
                    let had = t
                        .labels
                        .get(k)
                        .map_or("—".to_string(), |x| format!("\"{x}\""));
                    problems.push(both(
                        format!("label {k}: {had} no target {}", t.scrape_url),
                        format!("label {k}: {had} on target {}", t.scrape_url),
                    ));
                }
            }
        }
        Err(why) => problems.push(why),
    }

    if problems.is_empty() {
        Outcome::pass(expected, both("como pedido", "as asked"))
    } else {
        let pt: Vec<&str> = problems.iter().map(|p| p.pt.as_str()).collect();
        let en: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
        Outcome::fail(expected, both(pt.join("; "), en.join("; ")), None)
    }
}

pub async fn targets_up(cx: &mut Context<'_>, jobs: &[String]) -> Outcome {
    let expected = if jobs.is_empty() {
        both(
            "todos os targets da configuração `up` no Prometheus",
            "every target of the config `up` in Prometheus",
        )
    } else {
        let j = jobs.join(", ");
        both(
            format!("todos os targets `up` no Prometheus, com targets nos jobs {j}"),
            format!("every target `up` in Prometheus, with targets in jobs {j}"),
        )
    };
    let Some(sub) = cx.config else {
        return not_submitted();
    };
    let Some(prom) = cx.prometheus else {
        return super::not_started(expected);
    };
    if let Err(why) = &sub.loaded {
        return Outcome::fail(expected, why.clone(), None);
    }
    // A job the file does not have will not appear: no need to wait for it.
    if let Some(job) = jobs.iter().find(|j| sub.job(j).is_none()) {
        return Outcome::fail(
            expected,
            both(
                format!("não há job `{job}` no arquivo"),
                format!("there is no job `{job}` in the file"),
            ),
            None,
        );
    }
    let start = Instant::now();
    let mut last = Vec::new();
    while start.elapsed() < TARGETS_WITHIN {
        if let Ok(targets) = prom.targets().await {
            let all_up = !targets.is_empty()
                && jobs.iter().all(|j| targets.iter().any(|t| &t.job == j))
                && targets
                    .iter()
                    .all(|t| t.health == "up" && t.last_error.is_empty());
            last = targets;
            if all_up {
                let n = last.len();
                return Outcome::pass(
                    expected,
                    both(format!("{n} target(s) up"), format!("{n} target(s) up")),
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if last.is_empty() {
        return Outcome::fail(
            expected,
            both("nenhum target", "no target"),
            Some(both(
                "Cada job precisa de `static_configs` com `targets: ['host:porta']`.",
                "Each job needs `static_configs` with `targets: ['host:port']`.",
            )),
        );
    }
    let absent: Vec<&String> = jobs
        .iter()
        .filter(|j| !last.iter().any(|t| &t.job == *j))
        .collect();
    if let Some(job) = absent.first() {
        return Outcome::fail(
            expected,
            both(
                format!("nenhum target no job `{job}`"),
                format!("no target in job `{job}`"),
            ),
            None,
        );
    }
    let down: Vec<&Target> = last.iter().filter(|t| t.health != "up").collect();
    let list = |pt: bool| {
        down.iter()
            .map(|t| {
                let err = if t.last_error.is_empty() {
                    if pt {
                        "ainda não coletado"
                    } else {
                        "not scraped yet"
                    }
                    .to_string()
                } else {
                    t.last_error.clone()
                };
                format!("{} {} ({}): {err}", t.job, t.scrape_url, t.health)
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let cause = down.first().map(|t| cause_of(&t.last_error));
    Outcome::fail(expected, both(list(true), list(false)), cause)
}

/// The roteiro's troubleshooting advice (Parte 9) for a scrape error.
fn cause_of(error: &str) -> Text {
    let e = error.to_lowercase();
    if e.contains("404") {
        both(
            "“Target is down” com 404: o caminho coletado não existe. Confira `metrics_path` (o app expõe `/metrics`).",
            "“Target is down” with 404: the scraped path does not exist. Check `metrics_path` (the app serves `/metrics`).",
        )
    } else if e.contains("refused") {
        both(
            "“Target is down”, conexão recusada: nada escuta nessa porta. O app da loja escuta na 5000 e o Prometheus na 9090; o avaliador só reescreve essas duas portas.",
            "“Target is down”, connection refused: nothing listens on that port. The shop app listens on 5000 and Prometheus on 9090; the grader rewrites only those two ports.",
        )
    } else if e.contains("deadline") || e.contains("timeout") {
        both(
            "“Target is down” por tempo: /metrics demorou mais que o `scrape_timeout`.",
            "“Target is down” by timeout: /metrics took longer than `scrape_timeout`.",
        )
    } else {
        both(
            "“Target is down” (roteiro, Parte 9): confira host, porta e caminho do target.",
            "“Target is down” (roteiro, Parte 9): check the target's host, port and path.",
        )
    }
}

/// The job's targets in Prometheus, waiting for them to appear after the config loaded.
async fn job_targets(prom: &dyn PrometheusProbe, job: &str) -> Result<Vec<Target>, Text> {
    let start = Instant::now();
    loop {
        let targets = prom.targets().await?;
        let mine: Vec<Target> = targets.into_iter().filter(|t| t.job == job).collect();
        if !mine.is_empty() {
            return Ok(mine);
        }
        if start.elapsed() > TARGETS_WITHIN {
            return Err(both(
                format!("o Prometheus não tem targets no job `{job}`"),
                format!("Prometheus has no target in job `{job}`"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn written_targets(job: &serde_yaml::Mapping) -> Vec<String> {
    job.get("static_configs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("targets").and_then(Value::as_sequence))
        .flatten()
        .map(scalar)
        .collect()
}

fn describe(w: &Wanted<'_>) -> Text {
    let mut pt = vec![format!("job `{}`", w.job)];
    let mut en = pt.clone();
    if let Some(p) = w.target_port {
        pt.push(format!("target na porta {p}"));
        en.push(format!("a target on port {p}"));
    }
    if let Some(m) = w.metrics_path {
        pt.push(format!("metrics_path {m}"));
        en.push(format!("metrics_path {m}"));
    }
    if let Some(i) = w.scrape_interval {
        pt.push(format!("scrape_interval {i}"));
        en.push(format!("scrape_interval {i}"));
    }
    for (k, v) in w.labels {
        pt.push(format!("label {k}=\"{v}\""));
        en.push(format!("label {k}=\"{v}\""));
    }
    both(pt.join(", "), en.join(", "))
}

/// Equal as durations when both are, else as text.
fn same(seen: &str, wanted: &str) -> bool {
    match (parse_duration(seen), parse_duration(wanted)) {
        (Some(a), Some(b)) => a == b,
        _ => seen.trim() == wanted.trim(),
    }
}

fn not_yaml(expected: Text, file: &str, e: &str) -> Outcome {
    Outcome::fail(
        expected,
        both(
            format!("{file} não é YAML válido: {e}"),
            format!("{file} is not valid YAML: {e}"),
        ),
        None,
    )
}

fn not_submitted() -> Outcome {
    Outcome::fail(
        both("uma configuração do Prometheus", "a Prometheus config"),
        both("nenhuma", "none"),
        None,
    )
}

impl super::Judge for kinds::ConfigValid {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        valid(cx).await
    }
}

impl super::Judge for kinds::ConfigValue {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        value(cx, &self.path, &self.value)
    }
}

impl super::Judge for kinds::ScrapeJob {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        let w = Wanted {
            job: &self.job,
            target_port: self.target_port,
            metrics_path: self.metrics_path.as_deref(),
            scrape_interval: self.scrape_interval.as_deref(),
            labels: &self.labels,
        };
        scrape_job(cx, w).await
    }
}

impl super::Judge for kinds::TargetsUp {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        targets_up(cx, &self.jobs).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::checks::probe::fake::{App, Server, context, kind};
    use crate::checks::{Outcome, run};
    use crate::lang::both;
    use crate::promconfig::Submitted;
    use crate::prometheus::{Target, ToolRun};

    /// ex3's config: the shop every 5 s, its targets labelled by environment.
    const EX3: &str = "\
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: loja
    scrape_interval: 5000ms
    static_configs:
      - targets: ['localhost:5000']
        labels:
          ambiente: dev
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
";

    /// `yaml` as submitted, promtool's run and whether Prometheus loaded it.
    fn submitted(
        yaml: &str,
        promtool: Result<ToolRun, &str>,
        loaded: Result<(), &str>,
    ) -> Submitted {
        Submitted {
            file: "prometheus.yml".into(),
            yaml: serde_yaml::from_str(yaml).map_err(|e| e.to_string()),
            promtool: promtool.map_err(|e| both(e, e)),
            loaded: loaded.map_err(|e| both(e, e)),
            rewrites: Vec::new(),
        }
    }

    fn accepted() -> Result<ToolRun, &'static str> {
        Ok(ToolRun {
            success: true,
            output: "SUCCESS".into(),
        })
    }

    fn target(job: &str, health: &str, error: &str, labels: &[(&str, &str)]) -> Target {
        Target {
            job: job.into(),
            scrape_url: format!("http://127.0.0.1:5000/metrics#{job}"),
            health: health.into(),
            last_error: error.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// Runs the check written `spec` on `config` with a Prometheus that has `targets`.
    async fn check(spec: &str, config: &Submitted, targets: Vec<Target>) -> Outcome {
        let mut app = App::serving("");
        let prom = Server {
            targets,
            ..Server::default()
        };
        let mut cx = context(&mut app, Some(&prom));
        cx.config = Some(config);
        run(&kind(spec), &mut cx).await
    }

    #[tokio::test]
    async fn a_config_promtool_rejects_fails_with_promtool_s_words_even_if_prometheus_loaded_it() {
        let rejected = Ok(ToolRun {
            success: false,
            output: "FAILED: parsing YAML file prometheus.yml: yaml: line 4: found a tab".into(),
        });
        let o = check(
            "kind = \"config_valid\"",
            &submitted(EX3, rejected, Ok(())),
            vec![],
        )
        .await;
        assert!(!o.passed);
        assert!(o.seen.en.contains("line 4: found a tab"), "{}", o.seen.en);
        assert!(o.cause.unwrap().en.contains("spaces (never tabs)"));
    }

    #[tokio::test]
    async fn a_config_is_valid_when_loaded_and_says_so_when_promtool_could_not_run() {
        let sub = submitted(EX3, accepted(), Ok(()));
        assert!(check("kind = \"config_valid\"", &sub, vec![]).await.passed);
        let sub = submitted(EX3, Err("promtool not found"), Ok(()));
        let o = check("kind = \"config_valid\"", &sub, vec![]).await;
        assert!(o.passed);
        assert!(
            o.seen
                .en
                .contains("promtool unavailable: promtool not found"),
            "{}",
            o.seen.en
        );
        let sub = submitted(EX3, accepted(), Err("reload refused: bad scrape_timeout"));
        let o = check("kind = \"config_valid\"", &sub, vec![]).await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "reload refused: bad scrape_timeout");
    }

    #[tokio::test]
    async fn a_value_is_read_at_its_dotted_path_as_written() {
        let sub = submitted(EX3, accepted(), Ok(()));
        let value = |path: &str, v: &str| {
            format!("kind = \"config_value\"\npath = \"{path}\"\nvalue = \"{v}\"")
        };
        assert!(
            check(&value("global.scrape_interval", "15s"), &sub, vec![])
                .await
                .passed
        );
        let o = check(&value("global.scrape_interval", "10s"), &sub, vec![]).await;
        assert!(!o.passed);
        assert!(o.seen.en.contains("15s"), "{}", o.seen.en);
        let o = check(&value("global.evaluation_interval", "15s"), &sub, vec![]).await;
        assert!(!o.passed);
        assert!(o.seen.en.contains("is not in the file"), "{}", o.seen.en);
        let broken = submitted("global: [unclosed", accepted(), Ok(()));
        let o = check(&value("global.scrape_interval", "15s"), &broken, vec![]).await;
        assert!(o.seen.en.contains("is not valid YAML"), "{}", o.seen.en);
    }

    const JOB: &str = "kind = \"scrape_job\"\njob = \"loja\"\ntarget_port = 5000\n\
                       metrics_path = \"/metrics\"\nscrape_interval = \"5s\"\n\
                       labels = { ambiente = \"dev\" }";

    #[tokio::test]
    async fn a_scrape_job_as_asked_passes_with_its_interval_compared_as_a_duration() {
        let sub = submitted(EX3, accepted(), Ok(()));
        let live = vec![target("loja", "up", "", &[("ambiente", "dev")])];
        let o = check(JOB, &sub, live).await;
        assert!(o.passed, "{}", o.seen.en);
    }

    #[tokio::test]
    async fn a_missing_job_names_the_jobs_there_are() {
        let other = EX3.replace("job_name: loja", "job_name: flask");
        let o = check(JOB, &submitted(&other, accepted(), Ok(())), vec![]).await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "jobs: flask, prometheus");
        assert!(o.cause.unwrap().en.contains("`job_name: loja`"));
    }

    #[tokio::test]
    async fn each_difference_in_a_scrape_job_is_named_together() {
        // Another port, another path, the global interval inherited, the label not applied
        // by Prometheus.
        let yaml = EX3.replace("localhost:5000", "localhost:8000").replace(
            "    scrape_interval: 5000ms\n",
            "    metrics_path: /metricas\n",
        );
        let live = vec![target("loja", "up", "", &[("ambiente", "prod")])];
        let o = check(JOB, &submitted(&yaml, accepted(), Ok(())), live).await;
        assert!(!o.passed);
        for part in [
            "targets written: [localhost:8000], none on port 5000",
            "metrics_path: /metricas",
            "scrape_interval: 15s",
            "label ambiente: \"prod\" on target",
        ] {
            assert!(o.seen.en.contains(part), "{part} in {}", o.seen.en);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_prometheus_never_shows_fails_after_the_targets_wait() {
        let o = check(JOB, &submitted(EX3, accepted(), Ok(())), vec![]).await;
        assert!(!o.passed);
        assert!(
            o.seen.en.contains("Prometheus has no target in job `loja`"),
            "{}",
            o.seen.en
        );
    }

    const UP: &str = "kind = \"targets_up\"\njobs = [\"loja\", \"prometheus\"]";

    #[tokio::test]
    async fn targets_up_passes_once_every_job_has_targets_and_all_are_up() {
        let live = vec![
            target("loja", "up", "", &[]),
            target("prometheus", "up", "", &[]),
        ];
        let o = check(UP, &submitted(EX3, accepted(), Ok(())), live).await;
        assert!(o.passed, "{}", o.seen.en);
        assert_eq!(o.seen.en, "2 target(s) up");
    }

    #[tokio::test(start_paused = true)]
    async fn a_target_down_is_listed_with_the_roteiro_s_advice_for_its_error() {
        let live = vec![
            target(
                "loja",
                "down",
                "server returned HTTP status 404 Not Found",
                &[],
            ),
            target("prometheus", "up", "", &[]),
        ];
        let o = check(UP, &submitted(EX3, accepted(), Ok(())), live).await;
        assert!(!o.passed);
        assert!(
            o.seen.en.starts_with(
                "loja http://127.0.0.1:5000/metrics#loja (down): server returned HTTP status 404"
            ),
            "{}",
            o.seen.en
        );
        assert!(o.cause.unwrap().en.contains("Check `metrics_path`"));
        let live = vec![
            target(
                "loja",
                "down",
                "dial tcp 127.0.0.1:5000: connect: connection refused",
                &[],
            ),
            target("prometheus", "up", "", &[]),
        ];
        let o = check(UP, &submitted(EX3, accepted(), Ok(())), live).await;
        assert!(o.cause.unwrap().en.contains("nothing listens on that port"));
    }

    #[tokio::test]
    async fn a_job_the_file_lacks_fails_at_once_without_waiting() {
        let only = "scrape_configs:\n  - job_name: loja\n    static_configs:\n      - targets: ['localhost:5000']\n";
        let o = check(UP, &submitted(only, accepted(), Ok(())), vec![]).await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "there is no job `prometheus` in the file");
    }

    #[tokio::test(start_paused = true)]
    async fn no_target_at_all_says_each_job_needs_static_configs() {
        let o = check(UP, &submitted(EX3, accepted(), Ok(())), vec![]).await;
        assert!(!o.passed);
        assert_eq!(o.seen.en, "no target");
        assert!(o.cause.unwrap().en.contains("`static_configs`"));
    }
}
