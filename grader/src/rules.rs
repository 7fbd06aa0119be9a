//! A rule file the student wrote (recording and alerting rules): checked by `promtool check
//! rules` as written, and loaded into Prometheus in a copy whose group intervals are 1 s, so
//! rules evaluate as often as the grader scrapes. Nothing else is changed; `for:` durations
//! are the student's (a `for:` longer than a scenario's window is reported, not shortened).

use std::path::Path;
use std::time::Duration;

use serde_yaml::Value;

use crate::lang::{Text, both};
use crate::promconfig::{parse_duration, scalar};
use crate::prometheus::{Prometheus, ToolRun};
use crate::spec::InputSeries;

/// Where, in Prometheus's config folder, the student's file is copied as written.
pub const STUDENT_DIR: &str = "aluno";
/// The rewritten copy Prometheus evaluates.
const GRADED: &str = "regras-avaliadas.yml";

/// One alerting rule, as written.
#[derive(Debug, Clone)]
pub struct Alert {
    pub name: String,
    pub expr: String,
    /// `for:`, zero when absent.
    pub hold: Duration,
}

#[derive(Debug)]
pub struct SubmittedRules {
    pub file: String,
    pub yaml: Result<Value, String>,
    /// `promtool check rules` on the file as written; `Err` when promtool could not run.
    pub promtool: Result<ToolRun, Text>,
    /// The copy Prometheus evaluates, when the file is valid.
    pub graded: Option<String>,
    pub rewrites: Vec<Text>,
    /// Whether the grader's Prometheus evaluates the rules, or why not.
    pub loaded: Result<(), Text>,
}

impl SubmittedRules {
    /// Copies `file` beside Prometheus, checks it with promtool and, when it passes, makes
    /// `prom` evaluate it.
    pub async fn load(prom: &Prometheus, submission: &Path, file: &str) -> Self {
        let text = std::fs::read_to_string(submission.join(file))
            .map_err(|e| format!("{}: {e}", submission.join(file).display()));
        let yaml = text
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|t| serde_yaml::from_str::<Value>(t).map_err(|e| e.to_string()));
        let promtool = match &text {
            Ok(t) => match prom.write_file(&format!("{STUDENT_DIR}/{file}"), t) {
                Ok(()) => {
                    prom.promtool(&[
                        "check".into(),
                        "rules".into(),
                        prom.seen_path(&format!("{STUDENT_DIR}/{file}")),
                    ])
                    .await
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(both(e.clone(), e.clone())),
        };
        let mut rules = Self {
            file: file.to_string(),
            yaml,
            promtool,
            graded: None,
            rewrites: Vec::new(),
            loaded: Err(both("não carregadas", "not loaded")),
        };
        rules.loaded = rules.load_into(prom).await;
        rules
    }

    async fn load_into(&mut self, prom: &Prometheus) -> Result<(), Text> {
        if let Ok(run) = &self.promtool
            && !run.success
        {
            return Err(both(
                "o promtool recusou as regras",
                "promtool refused the rules",
            ));
        }
        let yaml = self.yaml.as_ref().map_err(|e| {
            both(
                format!("{} não é YAML válido: {e}", self.file),
                format!("{} is not valid YAML: {e}", self.file),
            )
        })?;
        let (graded, rewrites) = rewrite(yaml)?;
        prom.write_file(GRADED, &graded)?;
        prom.reload(&prom.base_config(&[prom.seen_path(GRADED)], None))
            .await?;
        self.graded = Some(graded);
        self.rewrites = rewrites;
        Ok(())
    }

    fn rules(&self) -> impl Iterator<Item = &serde_yaml::Mapping> {
        self.yaml
            .as_ref()
            .ok()
            .and_then(|v| v["groups"].as_sequence())
            .into_iter()
            .flatten()
            .filter_map(|g| g["rules"].as_sequence())
            .flatten()
            .filter_map(Value::as_mapping)
    }

    /// The alerting rules, as written.
    pub fn alerts(&self) -> Vec<Alert> {
        self.rules()
            .filter_map(|r| {
                Some(Alert {
                    name: scalar(r.get("alert")?),
                    expr: r.get("expr").map(scalar).unwrap_or_default(),
                    hold: r
                        .get("for")
                        .and_then(|f| parse_duration(&scalar(f)))
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The names of the recording rules, as written.
    pub fn records(&self) -> Vec<String> {
        self.rules()
            .filter_map(|r| r.get("record").map(scalar))
            .collect()
    }
}

/// Group intervals → 1 s; the rest as written.
fn rewrite(yaml: &Value) -> Result<(String, Vec<Text>), Text> {
    let mut v = yaml.clone();
    let mut changes = Vec::new();
    let groups = v
        .get_mut("groups")
        .and_then(Value::as_sequence_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_mapping_mut);
    for g in groups {
        let name = g.get("name").map(scalar).unwrap_or_default();
        if let Some(was) = g.get("interval").map(scalar) {
            g.insert("interval".into(), "1s".into());
            changes.push(both(
                format!("grupo {name}: interval {was} → 1s (para o veredito sair em segundos)"),
                format!("group {name}: interval {was} → 1s (so the verdict takes seconds)"),
            ));
        }
    }
    let text = serde_yaml::to_string(&v).map_err(|e| both(e.to_string(), e.to_string()))?;
    Ok((text, changes))
}

/// The sample and evaluation interval (seconds) of the boundary case: with 20 s, the windows
/// students write (30 s to 10 m) land exactly on the threshold under Prometheus 2.x and 3.x.
const BOUNDARY_STEP_S: u64 = 20;

/// The sample interval of generated unit tests.
const TEST_INTERVAL: &str = "15s";
/// How long after the `for:` is over the generated test looks (room for rate windows to fill).
const TEST_MARGIN: Duration = Duration::from_secs(10 * 60);

/// A `promtool test rules` file: under `fire`, `alert` must be firing once its `for:` is
/// over; under `quiet`, neither pending nor firing.
pub fn unit_test(
    rule_file: &str,
    alert: &Alert,
    fire: &[InputSeries],
    quiet: &[InputSeries],
) -> String {
    let at = alert.hold + TEST_MARGIN;
    let case = |series: &[InputSeries], expr: &str, value: u8| {
        let input = input_yaml(series);
        format!(
            "  - interval: {TEST_INTERVAL}\n    input_series:\n{input}    promql_expr_test:\n      \
             - expr: {}\n        eval_time: {}s\n        exp_samples:\n          - labels: '{{}}'\n            value: {value}\n",
            quote(expr),
            at.as_secs()
        )
    };
    let name = alert.name.replace('"', "\\\"");
    format!(
        "rule_files: [{}]\nevaluation_interval: {TEST_INTERVAL}\ntests:\n{}{}",
        quote(rule_file),
        case(
            fire,
            &format!(
                "clamp_max(count(ALERTS{{alertname=\"{name}\",alertstate=\"firing\"}}), 1) or vector(0)"
            ),
            1
        ),
        case(
            quiet,
            &format!("clamp_max(count(ALERTS{{alertname=\"{name}\"}}), 1) or vector(0)"),
            0
        ),
    )
}

/// A `promtool test rules` file for [`Boundary`]: on `series`, `alert` is neither pending nor
/// firing once its `for:` is over.
pub fn boundary_test(rule_file: &str, alert: &Alert, series: &[InputSeries]) -> String {
    // Evaluated on a multiple of the step, after the `for:` and the margin.
    let at = (alert.hold + TEST_MARGIN)
        .as_secs()
        .div_ceil(BOUNDARY_STEP_S)
        * BOUNDARY_STEP_S;
    let input = input_yaml(series);
    let name = alert.name.replace('"', "\\\"");
    format!(
        "rule_files: [{}]\nevaluation_interval: {BOUNDARY_STEP_S}s\ntests:\n  - interval: {BOUNDARY_STEP_S}s\n    \
         input_series:\n{input}    promql_expr_test:\n      - expr: {}\n        eval_time: {at}s\n        \
         exp_samples:\n          - labels: '{{}}'\n            value: 0\n",
        quote(rule_file),
        quote(&format!(
            "clamp_max(count(ALERTS{{alertname=\"{name}\"}}), 1) or vector(0)"
        )),
    )
}

/// Whether `expr` compares with `>=` or `<=` (outside strings, roughly: label matchers do
/// not use these operators).
pub fn compares_inclusively(expr: &str) -> bool {
    expr.contains(">=") || expr.contains("<=")
}

/// The `input_series` entries of a generated test.
fn input_yaml(series: &[InputSeries]) -> String {
    series
        .iter()
        .map(|s| {
            format!(
                "      - series: {}\n        values: {}\n",
                quote(&s.series),
                quote(&s.values)
            )
        })
        .collect()
}

/// A YAML single-quoted string.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_intervals_become_one_second_and_nothing_else_changes() {
        let yaml: Value = serde_yaml::from_str(
            "groups:\n- name: loja\n  interval: 30s\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 5m\n",
        )
        .unwrap();
        let (text, changes) = rewrite(&yaml).unwrap();
        let v: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(v["groups"][0]["interval"], "1s");
        assert_eq!(v["groups"][0]["rules"][0]["for"], "5m");
        assert_eq!(
            changes[0].en,
            "group loja: interval 30s → 1s (so the verdict takes seconds)"
        );
    }

    #[test]
    fn the_generated_unit_test_looks_after_the_for_duration() {
        let alert = Alert {
            name: "EstoqueBaixo".into(),
            expr: "x < 5".into(),
            hold: Duration::from_secs(120),
        };
        let s = [InputSeries {
            series: "x{a=\"b\"}".into(),
            values: "3x100".into(),
        }];
        let t = unit_test("regras.yml", &alert, &s, &s);
        let v: Value = serde_yaml::from_str(&t).unwrap();
        assert_eq!(v["tests"][0]["promql_expr_test"][0]["eval_time"], "720s");
        assert_eq!(v["tests"][0]["input_series"][0]["series"], "x{a=\"b\"}");
        assert_eq!(
            v["tests"][1]["promql_expr_test"][0]["exp_samples"][0]["value"],
            0
        );
    }
}
