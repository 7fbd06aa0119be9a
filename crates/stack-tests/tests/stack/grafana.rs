//! stack/grafana: the provisioning files in Grafana's documented format, and the dashboards.
//! Grafana itself cannot run here (no image); the panels' queries are evaluated by a real
//! Prometheus in the end-to-end test (`e2e.rs`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::common::{
    BASE, Compose, DATASOURCE_UID, compose_config, files, json, mounts, ports, root, yaml,
};

/// The dashboards' schemaVersion for the pinned Grafana: 41 from 11.6 to 12.1 (12.2 moved to 42).
const SCHEMA_VERSION: u64 = 41;

pub fn dashboard_files() -> Vec<PathBuf> {
    files(&root().join("stack/grafana/dashboards"), ".json")
}

/// Every panel query of every dashboard: (dashboard file, panel title, expr).
pub fn panel_queries() -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for f in dashboard_files() {
        let d = json(&f);
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for p in d["panels"].as_array().into_iter().flatten() {
            for t in p["targets"].as_array().into_iter().flatten() {
                all.push((
                    name.clone(),
                    p["title"].as_str().unwrap_or_default().to_string(),
                    t["expr"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    all
}

/// Where compose mounts `stack/grafana/<dir>` in the Grafana container, read-only.
fn grafana_mount(dir: &str) -> String {
    let config = compose_config(&Compose::find(), BASE, &[]);
    let source = root().join("stack/grafana").join(dir).display().to_string();
    let m = mounts(&config["services"]["grafana"]);
    let (_, target, ro) = m
        .iter()
        .find(|(s, _, _)| *s == source)
        .unwrap_or_else(|| panic!("compose does not mount {source} in grafana: {m:?}"));
    assert!(ro, "{source} is mounted read-write");
    target.clone()
}

#[test]
fn the_datasource_is_the_stacks_prometheus_with_a_fixed_uid() {
    // Grafana reads provisioning from /etc/grafana/provisioning (GF_PATHS_PROVISIONING).
    assert_eq!(grafana_mount("provisioning"), "/etc/grafana/provisioning");
    let files = files(
        &root().join("stack/grafana/provisioning/datasources"),
        ".yml",
    );
    let mut sources = Vec::new();
    for f in &files {
        let doc = yaml(f);
        assert_eq!(doc["apiVersion"].as_u64(), Some(1), "{}", f.display());
        sources.extend(
            doc["datasources"]
                .as_sequence()
                .expect("datasources")
                .iter()
                .cloned(),
        );
    }
    assert_eq!(sources.len(), 1, "{sources:?}");
    let ds = &sources[0];
    for key in ["name", "type", "uid", "url", "access"] {
        assert!(
            ds[key].as_str().is_some_and(|v| !v.is_empty()),
            "datasource without {key}"
        );
    }
    assert_eq!(ds["type"].as_str(), Some("prometheus"));
    assert_eq!(ds["uid"].as_str(), Some(DATASOURCE_UID));
    assert_eq!(ds["access"].as_str(), Some("proxy"));
    assert_eq!(ds["isDefault"].as_bool(), Some(true));
    // Container to container, by the compose service's name and Prometheus's own port.
    assert_eq!(ds["url"].as_str(), Some("http://prometheus:9090"));
    let config = compose_config(&Compose::find(), BASE, &[]);
    let published = ports(&config["services"]["prometheus"]);
    assert!(
        published.iter().any(|(_, _, container)| *container == 9090),
        "{published:?}"
    );
}

#[test]
fn the_dashboard_provider_reads_the_folder_compose_mounts() {
    let target = grafana_mount("dashboards");
    let files = files(
        &root().join("stack/grafana/provisioning/dashboards"),
        ".yml",
    );
    let mut providers = Vec::new();
    for f in &files {
        let doc = yaml(f);
        assert_eq!(doc["apiVersion"].as_u64(), Some(1), "{}", f.display());
        providers.extend(
            doc["providers"]
                .as_sequence()
                .expect("providers")
                .iter()
                .cloned(),
        );
    }
    assert_eq!(providers.len(), 1, "{providers:?}");
    let p = &providers[0];
    assert!(p["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(p["type"].as_str(), Some("file"));
    assert_eq!(p["options"]["path"].as_str(), Some(target.as_str()));
    // The home dashboard compose points Grafana at is one of the mounted files.
    let config = compose_config(&Compose::find(), BASE, &[]);
    let home =
        config["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
            .as_str()
            .expect("a home dashboard");
    let file = home
        .strip_prefix(&format!("{target}/"))
        .expect("the home dashboard is in the mounted folder");
    assert!(
        root().join("stack/grafana/dashboards").join(file).is_file(),
        "{home}"
    );
}

#[test]
fn every_dashboard_is_well_formed_and_queries_the_provisioned_datasource() {
    let config = compose_config(&Compose::find(), BASE, &[]);
    let image = config["services"]["grafana"]["image"]
        .as_str()
        .unwrap_or_default();
    assert!(
        image.starts_with("grafana/grafana:12.1.") || image.starts_with("grafana/grafana:12.0."),
        "{image}: check SCHEMA_VERSION for this Grafana"
    );
    let mut uids = BTreeSet::new();
    let mut titles = BTreeSet::new();
    for f in dashboard_files() {
        let d = json(&f);
        let name = f.display().to_string();
        let uid = d["uid"].as_str().unwrap_or_default();
        assert!(!uid.is_empty() && uid.len() <= 40, "{name}: uid {uid:?}");
        assert!(uids.insert(uid.to_string()), "{name}: uid {uid} twice");
        let title = d["title"].as_str().unwrap_or_default();
        assert!(
            !title.is_empty() && titles.insert(title.to_string()),
            "{name}: title"
        );
        assert_eq!(d["schemaVersion"].as_u64(), Some(SCHEMA_VERSION), "{name}");
        assert!(
            d["id"].is_null(),
            "{name}: a provisioned dashboard has no id"
        );
        let panels = d["panels"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no panels"));
        assert!(!panels.is_empty(), "{name}: no panels");
        let mut ids = BTreeSet::new();
        let mut cells = BTreeSet::new();
        for p in panels {
            let title = p["title"].as_str().unwrap_or_default();
            let at = format!("{name}: panel {title:?}");
            assert!(!title.is_empty(), "{at}: no title");
            let id = p["id"].as_u64().unwrap_or_else(|| panic!("{at}: no id"));
            assert!(ids.insert(id), "{at}: id {id} twice");
            let kind = p["type"].as_str().unwrap_or_default();
            assert!(
                grader::dashboard::BUILTIN_PANELS.contains(&kind),
                "{at}: type {kind:?} is no built-in visualization"
            );
            let g = &p["gridPos"];
            let [h, w, x, y] = ["h", "w", "x", "y"]
                .map(|k| g[k].as_u64().unwrap_or_else(|| panic!("{at}: gridPos.{k}")));
            assert!(h > 0 && w > 0 && x + w <= 24, "{at}: gridPos {g}");
            // No two panels cover the same cell of the 24-column grid.
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(
                        cells.insert((cx, cy)),
                        "{at}: overlaps another panel at ({cx}, {cy})"
                    );
                }
            }
            assert_eq!(
                p["datasource"]["uid"].as_str(),
                Some(DATASOURCE_UID),
                "{at}: datasource"
            );
            let targets = p["targets"]
                .as_array()
                .unwrap_or_else(|| panic!("{at}: no targets"));
            assert!(!targets.is_empty(), "{at}: no targets");
            let mut refs = BTreeSet::new();
            for t in targets {
                assert_eq!(
                    t["datasource"]["uid"].as_str(),
                    Some(DATASOURCE_UID),
                    "{at}: target datasource"
                );
                assert_eq!(t["datasource"]["type"].as_str(), Some("prometheus"), "{at}");
                let r = t["refId"].as_str().unwrap_or_default();
                assert!(
                    !r.is_empty() && refs.insert(r.to_string()),
                    "{at}: refId {r:?}"
                );
                let expr = t["expr"].as_str().unwrap_or_default();
                assert!(!expr.trim().is_empty(), "{at}: empty query");
                // Plain PromQL, so Prometheus can evaluate it as it is (e2e.rs does).
                assert!(!expr.contains('$'), "{at}: a Grafana variable in {expr}");
                if expr.contains("histogram_quantile") {
                    assert!(
                        expr.contains("sum by (le"),
                        "{at}: histogram_quantile without sum by (le): {expr}"
                    );
                }
            }
        }
    }
}

fn dashboard(file: &str) -> serde_json::Value {
    json(&root().join("stack/grafana/dashboards").join(file))
}

/// (type, title, exprs) of each panel.
fn panels(d: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    d["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["type"].as_str().unwrap_or_default().to_string(),
                p["title"].as_str().unwrap_or_default().to_string(),
                p["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| t["expr"].as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_parte_7_dashboard_has_the_roteiros_four_panels() {
    let p = panels(&dashboard("loja-parte7.json"));
    let kinds: Vec<(&str, &str)> = p.iter().map(|(k, t, _)| (k.as_str(), t.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("timeseries", "Requisições por Segundo"),
            ("gauge", "Latência P95"),
            ("stat", "Total de Vendas"),
            ("bargauge", "Estoque por Produto"),
        ]
    );
    assert!(p[0].2[0].starts_with("sum(rate(http_requests_total"));
    assert!(p[1].2[0].starts_with(
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
    ));
    assert!(p[2].2[0].starts_with("sum(ecommerce_vendas_total"));
    assert!(p[3].2[0].starts_with("ecommerce_estoque_produto"));
}

#[test]
fn the_exercicio_5_dashboard_covers_everything_the_exercise_asks() {
    let p = panels(&dashboard("loja-completo.json"));
    // A panel whose queries `pred` accepts.
    let find = |what: &str, pred: &dyn Fn(&[String]) -> bool| {
        assert!(p.iter().any(|(_, _, e)| pred(e)), "no panel for {what}");
    };
    find("requests per endpoint", &|e| {
        e.iter()
            .any(|e| e.contains("by (endpoint)") && e.contains("http_requests_total"))
    });
    find("latency: average, P50, P95, P99", &|e| {
        e.iter().any(|e| {
            e.contains("http_request_duration_seconds_sum")
                && e.contains("http_request_duration_seconds_count")
        }) && ["0.5", "0.95", "0.99"].iter().all(|q| {
            e.iter().any(|e| {
                e.starts_with(&format!("histogram_quantile({q}, "))
                    && e.contains("http_request_duration_seconds_bucket")
            })
        })
    });
    find("error rate", &|e| {
        e.iter()
            .any(|e| e.contains("http_requests_erros:razao1m") || e.contains("5.."))
    });
    find("sales by payment method", &|e| {
        e.iter()
            .any(|e| e.contains("ecommerce_vendas_total") && e.contains("by (metodo_pagamento)"))
    });
    find("cart additions", &|e| {
        e.iter()
            .any(|e| e.contains("ecommerce_produtos_carrinho_total"))
    });
    find("active users", &|e| {
        e.iter().any(|e| e.contains("ecommerce_usuarios_ativos"))
    });
    find("stock", &|e| {
        e.iter().any(|e| e.contains("ecommerce_estoque_produto"))
    });
    find("alerts", &|e| e.iter().any(|e| e.contains("ALERTS")));
    find("the machine (node-exporter)", &|e| {
        e.iter().any(|e| e.contains("node_cpu_seconds_total"))
    });
}
