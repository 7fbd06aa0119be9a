//! stack/prometheus: what promtool says, what the rules contain, and how the alerts behave on synthetic series (`promtool test rules`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{BASE, Compose, compose_config, files, root, run_ok, yaml};

fn promtool() -> PathBuf {
    tool("promtool", "prometheus")
}

pub fn tool(name: &str, package: &str) -> PathBuf {
    let path = Path::new("/usr/bin").join(name);
    if path.is_file() {
        return path;
    }
    // Elsewhere than Debian: whatever PATH has.
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("no {name}: install Debian's {package} package (scripts/setup.sh and scripts/build-stack-images.sh do)")
    })
}

fn stack(path: &str) -> PathBuf {
    root().join("stack").join(path)
}

fn rule_files() -> Vec<PathBuf> {
    files(&stack("prometheus/regras"), ".yml")
}

/// Every rule of every file, as (group, rule).
fn rules() -> Vec<(String, serde_yaml::Value)> {
    let mut all = Vec::new();
    for f in rule_files() {
        let doc = yaml(&f);
        for g in doc["groups"].as_sequence().expect("groups") {
            let name = g["name"].as_str().expect("group name").to_string();
            for r in g["rules"].as_sequence().expect("rules") {
                all.push((name.clone(), r.clone()));
            }
        }
    }
    all
}

#[test]
fn promtool_accepts_the_config_and_every_rule_file_it_loads() {
    let config = stack("prometheus/prometheus.yml");
    let out = run_ok(
        Command::new(promtool())
            .args(["check", "config"])
            .arg(&config),
        Duration::from_secs(60),
    );
    // The rule files are found relative to prometheus.yml: the same glob works in the
    // container (/etc/prometheus/regras) and here.
    let n = rule_files().len();
    assert!(
        out.contains(&format!("SUCCESS: {n} rule files found")),
        "{out}"
    );
    for f in rule_files() {
        let out = run_ok(
            Command::new(promtool()).args(["check", "rules"]).arg(&f),
            Duration::from_secs(60),
        );
        assert!(out.contains("SUCCESS"), "{}: {out}", f.display());
    }
}

#[test]
fn prometheus_scrapes_the_stacks_services_by_their_compose_names() {
    let config = yaml(&stack("prometheus/prometheus.yml"));
    assert_eq!(config["global"]["scrape_interval"].as_str(), Some("5s"));
    assert_eq!(config["global"]["evaluation_interval"].as_str(), Some("5s"));
    let compose = compose_config(&Compose::find(), BASE, &[]);
    let mut jobs = Vec::new();
    for job in config["scrape_configs"]
        .as_sequence()
        .expect("scrape_configs")
    {
        let name = job["job_name"].as_str().expect("job_name").to_string();
        for sc in job["static_configs"].as_sequence().expect("static_configs") {
            for t in sc["targets"].as_sequence().expect("targets") {
                let t = t.as_str().expect("a target");
                let (host, port) = t.rsplit_once(':').expect("host:port");
                if host != "localhost" {
                    let service = &compose["services"][host];
                    assert!(
                        !service.is_null(),
                        "job {name}: {host} is no compose service"
                    );
                    let own_port = service["healthcheck"]["test"]
                        .as_sequence()
                        .is_some_and(|c| {
                            c.iter().any(|a| {
                                a.as_str().is_some_and(|a| a.contains(&format!(":{port}/")))
                            })
                        });
                    assert!(
                        own_port,
                        "job {name}: {t} is not the port {host} listens on"
                    );
                }
                jobs.push((name.clone(), t.to_string()));
            }
        }
    }
    for (job, target) in [
        ("prometheus", "localhost:9090"),
        ("loja", "app:5000"),
        ("node", "node-exporter:9100"),
    ] {
        assert!(
            jobs.contains(&(job.into(), target.into())),
            "{job} -> {target} in {jobs:?}"
        );
    }
    let am = &config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0];
    assert_eq!(am.as_str(), Some("alertmanager:9093"));
}

#[test]
fn recording_rules_follow_the_naming_convention_and_sum_by_le() {
    let rules = rules();
    let recorded: Vec<&str> = rules
        .iter()
        .filter_map(|(_, r)| r["record"].as_str())
        .collect();
    for name in &recorded {
        // level:metric:operations
        let parts: Vec<&str> = name.split(':').collect();
        assert_eq!(parts.len(), 3, "{name}: not level:metric:operations");
        assert!(
            parts.iter().all(|p| !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')),
            "{name}"
        );
        assert!(
            !parts[1].ends_with("_total"),
            "{name}: rate() drops the _total"
        );
    }
    for wanted in [
        "endpoint:http_requests:rate1m",
        "job:http_requests:rate1m",
        "job:http_requests_erros:razao1m",
        "job:http_request_duration_seconds:p95_1m",
        "endpoint:http_requests_erros:razao1m",
        "endpoint:http_request_duration_seconds:p95_1m",
    ] {
        assert!(recorded.contains(&wanted), "no {wanted} in {recorded:?}");
    }
    for (_, r) in &rules {
        let expr = r["expr"].as_str().expect("expr");
        if expr.contains("histogram_quantile") {
            assert!(
                expr.contains("sum by (") && expr.contains("le)"),
                "histogram_quantile without sum by (le): {expr}"
            );
        }
    }
    let p95 = rules
        .iter()
        .find(|(_, r)| {
            r["record"].as_str() == Some("endpoint:http_request_duration_seconds:p95_1m")
        })
        .map(|(_, r)| r["expr"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(p95.contains("histogram_quantile(0.95, sum by (job, endpoint, le) (rate(http_request_duration_seconds_bucket[1m])))"), "{p95}");
}

#[test]
fn the_alerts_have_a_for_a_severidade_and_the_annotations_of_the_exercises() {
    let rules = rules();
    let alerts: Vec<&serde_yaml::Value> = rules
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r["alert"].is_string())
        .collect();
    for a in &alerts {
        let name = a["alert"].as_str().unwrap_or_default();
        assert!(
            a["for"]
                .as_str()
                .is_some_and(|f| f.ends_with('s') || f.ends_with('m')),
            "{name}: for"
        );
        // The labels and annotations of ex5 and the final project: Alertmanager routes and
        // inhibits on `severidade`.
        let sev = a["labels"]["severidade"].as_str();
        assert!(
            matches!(sev, Some("critica" | "aviso")),
            "{name}: severidade {sev:?}"
        );
        for key in ["resumo", "descricao"] {
            let text = a["annotations"][key].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{name}: no {key}");
        }
    }
    let expr = |name: &str| -> String {
        alerts
            .iter()
            .find(|a| a["alert"].as_str() == Some(name))
            .and_then(|a| a["expr"].as_str())
            .unwrap_or_else(|| panic!("no alert {name}"))
            .to_string()
    };
    assert!(expr("TaxaDeErroAlta").ends_with("> 0.05"));
    assert!(expr("LatenciaP95Alta").ends_with("> 1"));
    assert_eq!(expr("EstoqueBaixo"), "ecommerce_estoque_produto < 5");
    assert_eq!(expr("ProdutoEsgotado"), "ecommerce_estoque_produto == 0");
    assert_eq!(expr("LojaForaDoAr"), r#"up{job="loja"} == 0"#);
}

/// `promtool test rules` on synthetic series: nothing fires at baseline; errors, low stock, a
/// sold-out product and a dead target fire after their `for:`, with the labels and the text the
/// students see.
#[test]
fn the_alerts_fire_on_the_faults_and_not_at_baseline() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rule_files: Vec<String> = rule_files()
        .iter()
        .map(|p| format!("  - {}", p.display()))
        .collect();
    // 2 requests/s that succeed all along; from 2m on, 1 more per second that fails (a third
    // of the traffic); at 2m the notebook's stock drops to 4 and the mouse sells out; the app
    // stops answering at 2m.
    let test = format!(
        r#"rule_files:
{files}
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'http_requests_total{{job="loja",instance="app:5000",method="GET",endpoint="/produtos",status="200"}}'
        values: '0+10x60'
      - series: 'http_requests_total{{job="loja",instance="app:5000",method="GET",endpoint="/produtos",status="500"}}'
        values: '_x24 0+5x36'
      - series: 'ecommerce_estoque_produto{{job="loja",instance="app:5000",produto_id="1",produto_nome="Notebook"}}'
        values: '10x24 4x36'
      - series: 'ecommerce_estoque_produto{{job="loja",instance="app:5000",produto_id="2",produto_nome="Mouse"}}'
        values: '10x24 0x36'
      - series: 'up{{job="loja",instance="app:5000"}}'
        values: '1x24 0x36'
    promql_expr_test:
      - expr: job:http_requests_erros:razao1m
        eval_time: 1m
        exp_samples:
          - labels: 'job:http_requests_erros:razao1m{{job="loja"}}'
            value: 0
    alert_rule_test:
      - eval_time: 1m50s
        alertname: TaxaDeErroAlta
      - eval_time: 1m50s
        alertname: EstoqueBaixo
      - eval_time: 1m50s
        alertname: ProdutoEsgotado
      - eval_time: 1m50s
        alertname: LojaForaDoAr
      # Pending, not yet firing: the condition holds for less than the `for:` (30s).
      - eval_time: 2m20s
        alertname: EstoqueBaixo
      - eval_time: 4m
        alertname: TaxaDeErroAlta
        exp_alerts:
          - exp_labels:
              job: loja
              severidade: critica
            exp_annotations:
              resumo: "Taxa de erros acima de 5 % na loja"
              descricao: "33.33% das requisições responderam 5xx no último minuto (limite: 5 %)."
      - eval_time: 4m
        alertname: EstoqueBaixo
        exp_alerts:
          - exp_labels:
              job: loja
              instance: app:5000
              produto_id: "1"
              produto_nome: Notebook
              severidade: aviso
            exp_annotations:
              resumo: "Estoque baixo: Notebook"
              descricao: "Restam 4 unidades de Notebook (produto_id 1); o limite é 5."
          - exp_labels:
              job: loja
              instance: app:5000
              produto_id: "2"
              produto_nome: Mouse
              severidade: aviso
            exp_annotations:
              resumo: "Estoque baixo: Mouse"
              descricao: "Restam 0 unidades de Mouse (produto_id 2); o limite é 5."
      - eval_time: 4m
        alertname: ProdutoEsgotado
        exp_alerts:
          - exp_labels:
              job: loja
              instance: app:5000
              produto_id: "2"
              produto_nome: Mouse
              severidade: critica
            exp_annotations:
              resumo: "Esgotado: Mouse"
              descricao: "Mouse (produto_id 2) não tem mais nenhuma unidade; as compras dele falham."
      - eval_time: 4m
        alertname: LojaForaDoAr
        exp_alerts:
          - exp_labels:
              job: loja
              instance: app:5000
              severidade: critica
            exp_annotations:
              resumo: "A loja não responde ao Prometheus"
              descricao: "O scrape de app:5000 falha há mais de 30 s: a aplicação caiu, ou /metrics não existe (veja a Parte 9 do roteiro)."
"#,
        files = rule_files.join("\n")
    );
    let path = dir.path().join("regras_test.yml");
    std::fs::write(&path, test).expect("write the rule test");
    let out = run_ok(
        Command::new(promtool()).args(["test", "rules"]).arg(&path),
        Duration::from_secs(60),
    );
    assert!(out.contains("SUCCESS"), "{out}");
}
