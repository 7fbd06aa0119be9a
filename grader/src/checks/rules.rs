//! Checks of a submitted rule file: promtool accepts it, its recording rules give series, and
//! a unit test the grader generates shows each alert fires on a fault and not below it.

use std::time::Duration;

use super::{Context, Outcome, tidy};
use crate::lang::{Text, both};
use crate::rules::{
    Alert, STUDENT_DIR, SubmittedRules, boundary_test, compares_inclusively, unit_test,
};
use crate::spec::kinds;
use crate::spec::{Boundary, InputSeries};

pub fn valid(cx: &Context<'_>) -> Outcome {
    let Some(rules) = cx.rules else {
        return not_submitted();
    };
    let expected = both(
        format!(
            "`promtool check rules {}` aceita o arquivo e o Prometheus o carrega",
            rules.file
        ),
        format!(
            "`promtool check rules {}` accepts the file and Prometheus loads it",
            rules.file
        ),
    );
    let cause = both(
        "Rode `promtool check rules` no arquivo: ele aponta a regra e o erro (YAML com espaços, `groups:` → `- name:` → `rules:`, PromQL válido em `expr`).",
        "Run `promtool check rules` on the file: it names the rule and the error (YAML with spaces, `groups:` → `- name:` → `rules:`, valid PromQL in `expr`).",
    );
    if let Ok(run) = &rules.promtool
        && !run.success
    {
        let out = tidy(&run.output);
        return Outcome::fail(expected, both(out.clone(), out), Some(cause));
    }
    match &rules.loaded {
        Ok(()) => {
            let (a, r) = (rules.alerts().len(), rules.records().len());
            Outcome::pass(
                expected,
                both(
                    format!("{a} alerta(s) e {r} regra(s) de gravação"),
                    format!("{a} alert(s) and {r} recording rule(s)"),
                ),
            )
        }
        Err(why) => Outcome::fail(expected, why.clone(), Some(cause)),
    }
}

/// How long after the load a recording rule may take to give its first series: a few
/// evaluations (every second), well inside its one-minute windows.
const RECORDED_WITHIN: Duration = Duration::from_secs(10);

pub async fn recording(cx: &Context<'_>, min: u32) -> Outcome {
    let Some(rules) = cx.rules else {
        return not_submitted();
    };
    let expected = both(
        format!(
            "ao menos {min} regra(s) de gravação, com nomes nível:métrica:operações, que dão séries sob carga"
        ),
        format!(
            "at least {min} recording rule(s), named level:metric:operations, giving series under load"
        ),
    );
    if let Err(why) = &rules.loaded {
        return Outcome::fail(expected, why.clone(), None);
    }
    let records = rules.records();
    if records.len() < min as usize {
        return Outcome::fail(
            expected,
            both(
                format!("{} regra(s) de gravação", records.len()),
                format!("{} recording rule(s)", records.len()),
            ),
            Some(both(
                "Uma regra de gravação é `- record: nome` com `expr:`; os alertas podem usar o nome gravado.",
                "A recording rule is `- record: name` with `expr:`; the alerts can use the recorded name.",
            )),
        );
    }
    if let Some(bad) = records.iter().find(|r| r.split(':').count() != 3) {
        return Outcome::fail(
            expected,
            both(
                format!("`{bad}` não segue nível:métrica:operações"),
                format!("`{bad}` does not follow level:metric:operations"),
            ),
            Some(both(
                "A convenção do Prometheus: `job:http_requests:rate5m` — o nível de agregação, a métrica, as operações.",
                "Prometheus's convention: `job:http_requests:rate5m` — the aggregation level, the metric, the operations.",
            )),
        );
    }
    let (Some(prom), Some(_)) = (cx.prometheus, cx.at) else {
        return super::not_started(expected);
    };
    // A rule's series appears at the first evaluation whose window holds two samples of
    // every series it reads, and an error ratio's 5xx series only exists from the load's
    // first error on: a rule may give its first series a few evaluations after the load,
    // while its windows still hold the load, so it is asked again for a while.
    let deadline = tokio::time::Instant::now() + RECORDED_WITHIN;
    let mut pending: Vec<&String> = records.iter().collect();
    loop {
        let mut still = Vec::new();
        for r in pending {
            match prom.query_at(r, crate::prometheus::unix_now()).await {
                Ok(s) if !s.is_empty() => {}
                Ok(_) => still.push(r),
                Err(e) => return Outcome::fail(expected, e, None),
            }
        }
        pending = still;
        let Some(r) = pending.first() else { break };
        if tokio::time::Instant::now() >= deadline {
            return Outcome::fail(
                expected,
                both(
                    format!("`{r}` não deu nenhuma série sob carga"),
                    format!("`{r}` gave no series under load"),
                ),
                Some(both(
                    "Confira a expressão da regra na aba Graph: os nomes e labels das métricas batem com o /metrics?",
                    "Try the rule's expression in the Graph tab: do the metric names and labels match /metrics?",
                )),
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Outcome::pass(
        expected,
        both(
            format!("{}: todas com séries", records.join(", ")),
            format!("{}: all with series", records.join(", ")),
        ),
    )
}

pub async fn unit(
    cx: &Context<'_>,
    alert: &str,
    fire: &[InputSeries],
    quiet: &[InputSeries],
    boundary: Option<&Boundary>,
) -> Outcome {
    let expected = match boundary {
        None => both(
            format!(
                "`promtool test rules`: `{alert}` dispara com a falha e fica quieto abaixo do limiar"
            ),
            format!(
                "`promtool test rules`: `{alert}` fires with the fault and stays quiet below the threshold"
            ),
        ),
        Some(b) => both(
            format!(
                "`promtool test rules`: `{alert}` dispara com a falha e fica quieto abaixo do limiar e exatamente nele ({})",
                b.at.pt
            ),
            format!(
                "`promtool test rules`: `{alert}` fires with the fault and stays quiet below the threshold and exactly on it ({})",
                b.at.en
            ),
        ),
    };
    let (Some(rules), Some(prom)) = (cx.rules, cx.prometheus) else {
        return not_submitted();
    };
    if let Ok(run) = &rules.promtool
        && !run.success
    {
        return Outcome::fail(
            expected,
            both("o promtool recusou as regras", "promtool refused the rules"),
            None,
        );
    }
    let Some(a) = rules.alerts().into_iter().find(|a| a.name == alert) else {
        return missing_alert(expected, rules, alert);
    };
    let name = format!("{STUDENT_DIR}/teste-{}.yml", sanitize(alert));
    let test = unit_test(&rules.file, &a, fire, quiet);
    if let Err(e) = prom.write_file(&name, &test) {
        return Outcome::fail(expected, e, None);
    }
    match prom
        .promtool(&["test".into(), "rules".into(), prom.seen_path(&name)])
        .await
    {
        Ok(run) if run.success => match boundary {
            None => Outcome::pass(expected, both("SUCCESS", "SUCCESS")),
            Some(b) => on_the_threshold(prom, rules, &a, b, expected).await,
        },
        Ok(run) => {
            let fired_when_quiet = quiet_failed(&run.output);
            let case = if fired_when_quiet {
                both(
                    "no caso abaixo do limiar, o alerta disparou (ou ficou pending)",
                    "in the case below the threshold, the alert fired (or went pending)",
                )
            } else {
                both(
                    "no caso com a falha, o alerta não estava firing depois do `for:`",
                    "in the case with the fault, the alert was not firing after its `for:`",
                )
            };
            let cause = if fired_when_quiet {
                both(
                    "Abaixo do limiar o alerta também dispara: o limiar ou a comparação estão errados.",
                    "Below the threshold the alert fires too: the threshold or the comparison is wrong.",
                )
            } else {
                both(
                    "Com a falha, o alerta não chegou a firing: a expressão usa a métrica certa, com o limiar na unidade certa?",
                    "With the fault, the alert never got to firing: does the expression use the right metric, with the threshold in the right unit?",
                )
            };
            let out = tidy(&run.output);
            let seen = both(
                format!("{}; o promtool diz:\n{out}", case.pt),
                format!("{}; promtool says:\n{out}", case.en),
            );
            Outcome::fail(expected, seen, Some(cause))
        }
        Err(e) => Outcome::fail(expected, e, None),
    }
}

/// The boundary case, run on its own: exactly on the threshold the alert stays quiet.
async fn on_the_threshold(
    prom: &dyn super::PrometheusProbe,
    rules: &SubmittedRules,
    alert: &Alert,
    b: &Boundary,
    expected: Text,
) -> Outcome {
    let name = format!("{STUDENT_DIR}/teste-{}-limiar.yml", sanitize(&alert.name));
    if let Err(e) = prom.write_file(&name, &boundary_test(&rules.file, alert, &b.series)) {
        return Outcome::fail(expected, e, None);
    }
    let run = match prom
        .promtool(&["test".into(), "rules".into(), prom.seen_path(&name)])
        .await
    {
        Ok(run) => run,
        Err(e) => return Outcome::fail(expected, e, None),
    };
    if run.success {
        return Outcome::pass(expected, both("SUCCESS", "SUCCESS"));
    }
    let at = &b.at;
    if b.inexact && !compares_inclusively(&alert.expr) {
        // A strict comparison that fires here saw the threshold plus a rounding error.
        return Outcome::pass_noting(
            expected,
            both(
                format!(
                    "exatamente no limiar ({}) o alerta disparou, mas a comparação é estrita: é arredondamento de ponto flutuante, não conta",
                    at.pt
                ),
                format!(
                    "exactly on the threshold ({}) the alert fired, but the comparison is strict: that is floating-point rounding, it does not count",
                    at.en
                ),
            ),
        );
    }
    let out = tidy(&run.output);
    Outcome::fail(
        expected,
        both(
            format!(
                "exatamente no limiar ({}), o alerta disparou (ou ficou pending); o promtool diz:\n{out}",
                at.pt
            ),
            format!(
                "exactly on the threshold ({}), the alert fired (or went pending); promtool says:\n{out}",
                at.en
            ),
        ),
        Some(both(
            format!(
                "O limiar em si não é falha: com {} o alerta fica quieto. Confira o operador (`>` e não `>=`, `<` e não `<=`) e o valor do limiar.",
                at.pt
            ),
            format!(
                "The threshold itself is not a fault: with {} the alert stays quiet. Check the operator (`>` not `>=`, `<` not `<=`) and the threshold's value.",
                at.en
            ),
        )),
    )
}

/// In promtool's report, the failing case expected 0 (the quiet one).
fn quiet_failed(output: &str) -> bool {
    output.contains("exp: {} 0E+00")
}

pub fn missing_alert(expected: Text, rules: &SubmittedRules, alert: &str) -> Outcome {
    let names: Vec<String> = rules.alerts().into_iter().map(|a| a.name).collect();
    let seen = if names.is_empty() {
        both("nenhum alerta no arquivo", "no alert in the file")
    } else {
        both(
            format!("alertas: {}", names.join(", ")),
            format!("alerts: {}", names.join(", ")),
        )
    };
    Outcome::fail(
        expected,
        seen,
        Some(both(
            format!(
                "O enunciado pede um alerta chamado exatamente `{alert}` (`- alert: {alert}`)."
            ),
            format!("The exercise asks for an alert named exactly `{alert}` (`- alert: {alert}`)."),
        )),
    )
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn not_submitted() -> Outcome {
    Outcome::fail(
        both("um arquivo de regras", "a rule file"),
        both("nenhum", "none"),
        None,
    )
}

impl super::Judge for kinds::RulesValid {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        // Prometheus 3 rewrites `le`/`quantile` values: said beside the verdict, on any major.
        let note = cx
            .rules
            .and_then(|r| r.yaml.as_ref().ok())
            .and_then(|y| super::le_label::note(&super::le_label::rule_exprs(y)));
        super::le_label::noted(valid(cx), note)
    }
}

impl super::Judge for kinds::RecordingRules {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        recording(cx, self.min).await
    }
}

impl super::Judge for kinds::RuleUnitTest {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        unit(
            cx,
            &self.alert,
            &self.fire,
            &self.quiet,
            self.boundary.as_ref(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::probe::fake::{App, Server, context, kind};
    use crate::checks::run;
    use crate::prometheus::ToolRun;
    use crate::rules::SubmittedRules;

    const RULES: &str = "\
groups:
  - name: loja
    rules:
      - record: job:http_requests:rate1m
        expr: sum by (job) (rate(http_requests_total[1m]))
      - record: job:http_requests_erros:razao1m
        expr: sum by (job) (rate(http_requests_total{status=~\"5..\"}[1m])) / sum by (job) (rate(http_requests_total[1m]))
      - alert: TaxaDeErroAlta
        expr: job:http_requests_erros:razao1m > 0.05
        for: 15s
";

    fn submitted(yaml: &str) -> SubmittedRules {
        SubmittedRules {
            file: "regras.yml".into(),
            yaml: serde_yaml::from_str(yaml).map_err(|e| e.to_string()),
            promtool: Ok(ToolRun {
                success: true,
                output: "SUCCESS".into(),
            }),
            graded: Some(yaml.into()),
            rewrites: Vec::new(),
            loaded: Ok(()),
        }
    }

    /// The check of `spec` on the submitted `rules`, with `server` as Prometheus.
    async fn judged(spec: &str, rules: &SubmittedRules, server: &Server) -> crate::checks::Outcome {
        let mut app = App::serving("");
        let mut cx = context(&mut app, Some(server));
        cx.rules = Some(rules);
        run(&kind(spec), &mut cx).await
    }

    const TWO_RECORDS: &str = "kind = \"recording_rules\"\nmin = 2";

    #[tokio::test]
    async fn recording_rules_that_each_give_series_pass() {
        let server = Server::default()
            .with("job:http_requests:rate1m", &[("job", "loja")], 4.0)
            .with("job:http_requests_erros:razao1m", &[("job", "loja")], 0.1);
        let rules = submitted(RULES);
        let o = judged(TWO_RECORDS, &rules, &server).await;
        assert!(o.passed, "{:?}", o.seen);
    }

    // Paused time: the check asks again for a while before it says a rule gave nothing.
    #[tokio::test(start_paused = true)]
    async fn a_recording_rule_that_never_gives_series_is_named_after_the_check_asked_again() {
        let server = Server::default().with("job:http_requests:rate1m", &[("job", "loja")], 4.0);
        let rules = submitted(RULES);
        let o = judged(TWO_RECORDS, &rules, &server).await;
        assert!(!o.passed);
        assert_eq!(
            o.seen.en,
            "`job:http_requests_erros:razao1m` gave no series under load"
        );
        let asked = server.asked.lock().unwrap();
        let again = asked
            .iter()
            .filter(|q| *q == "job:http_requests_erros:razao1m")
            .count();
        assert!(again > 5, "asked {again} times");
        // A rule already seen is not asked again.
        assert_eq!(
            asked
                .iter()
                .filter(|q| *q == "job:http_requests:rate1m")
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn a_record_not_named_level_metric_operations_fails_on_its_name() {
        let rules = submitted(&RULES.replace("job:http_requests:rate1m", "taxa_requisicoes"));
        let server = Server::default();
        let o = judged(TWO_RECORDS, &rules, &server).await;
        assert!(!o.passed);
        assert!(
            o.seen.en.contains("`taxa_requisicoes` does not follow"),
            "{}",
            o.seen.en
        );
        assert!(
            server.asked.lock().unwrap().is_empty(),
            "nothing to ask Prometheus"
        );
    }

    const UNIT: &str = "kind = \"rule_unit_test\"\nalert = \"TaxaDeErroAlta\"\n\
        fire = [{ series = 'http_requests_total{status=\"500\"}', values = '0+6x240' }]\n\
        quiet = [{ series = 'http_requests_total{status=\"500\"}', values = '0+1x240' }]";

    #[tokio::test]
    async fn a_generated_unit_test_is_written_for_promtool_and_its_success_passes() {
        let server = Server::default();
        let rules = submitted(RULES);
        let o = judged(UNIT, &rules, &server).await;
        assert!(o.passed, "{:?}", o.seen);
        let files = server.files.lock().unwrap();
        let (name, test) = files.iter().next().expect("a test file for promtool");
        assert!(name.ends_with("teste-TaxaDeErroAlta.yml"), "{name}");
        assert!(test.contains("alertname=\"TaxaDeErroAlta\""), "{test}");
        assert!(
            test.contains("'0+6x240'") && test.contains("'0+1x240'"),
            "{test}"
        );
    }

    #[tokio::test]
    async fn promtool_failing_the_quiet_case_says_the_alert_fires_below_the_threshold() {
        let server = Server {
            promtool: ToolRun {
                success: false,
                output: "FAILED:\n  alertname: TaxaDeErroAlta, time: 5m,\n    exp: {} 0E+00,\n    got: [...]".into(),
            },
            ..Server::default()
        };
        let rules = submitted(RULES);
        let o = judged(UNIT, &rules, &server).await;
        assert!(!o.passed);
        assert!(
            o.cause
                .unwrap()
                .en
                .contains("Below the threshold the alert fires too")
        );
    }

    #[tokio::test]
    async fn an_alert_not_in_the_file_names_the_alerts_there() {
        let server = Server::default();
        let rules = submitted(RULES);
        let other = UNIT.replace("TaxaDeErroAlta", "LatenciaAlta");
        let o = judged(&other, &rules, &server).await;
        assert!(!o.passed);
        assert!(o.seen.en.contains("TaxaDeErroAlta"), "{}", o.seen.en);
    }
}
