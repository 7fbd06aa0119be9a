//! The whole stack, end to end, with the local images (scripts/build-stack-images.sh) and
//! docker-compose.local.yml: compose brings it up on free loopback ports under a project name
//! of its own, Prometheus scrapes the app, node-exporter and Alertmanager, the app gets some
//! traffic and then a fault, and the alerts go pending, fire and reach Alertmanager. Every
//! dashboard query is evaluated by this Prometheus and must return data. Every wait is bounded,
//! every request goes to loopback, and `down -v` runs whatever happens (a Drop guard); a run
//! killed outright is cleaned up by the next one.
//!
//! The alerts fire with the rules exactly as students get them: their `for:` is 30s (a
//! lesson's pace), short enough for this test, so the test overrides nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::common::{Compose, LOCAL, free_port, root, run, run_ok, yaml};
use crate::grafana::panel_queries;

/// The app the stack runs here: the reference solution, whose business metrics are complete,
/// so every dashboard panel has data.
const APP: &str = "ex2-metricas-negocio-solucao";
/// Compose project names of this test: `stacktest<pid>x<nanos>`.
const PREFIX: &str = "stacktest";
const SERVICES: [&str; 4] = ["app", "prometheus", "alertmanager", "node-exporter"];
const ALERTS: [&str; 3] = ["TaxaDeErroAlta", "LatenciaP95Alta", "EstoqueBaixo"];

/// The stack of one run. Dropping it runs `down -v`: containers, network and volumes go.
struct Stack {
    compose: Compose,
    project: String,
    env: Vec<(String, String)>,
    app: u16,
    prometheus: u16,
    alertmanager: u16,
}

impl Stack {
    fn cmd(&self) -> Command {
        self.compose.cmd(LOCAL, Some(&self.project), &self.env)
    }

    fn app(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.app)
    }

    fn prometheus(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.prometheus)
    }

    fn alertmanager(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.alertmanager)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Ok(out) = run(
                self.cmd().args(["logs", "--no-color", "--tail", "30"]),
                Duration::from_secs(60),
            )
        {
            eprintln!(
                "--- compose logs of {}:\n{}",
                self.project,
                String::from_utf8_lossy(&out.stdout)
            );
        }
        down(&self.compose, &self.project, &self.env);
    }
}

fn down(compose: &Compose, project: &str, env: &[(String, String)]) {
    let out = run(
        compose
            .cmd(LOCAL, Some(project), env)
            .args(["down", "-v", "--remove-orphans", "-t", "5"]),
        Duration::from_secs(120),
    );
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => eprintln!(
            "compose down {project} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("compose down {project}: {e}"),
    }
}

/// Takes down the stacks of earlier runs that were killed before their guard could.
fn remove_orphans(compose: &Compose) {
    let label = r#"{{.Label "com.docker.compose.project"}}"#;
    let mut projects = BTreeSet::new();
    for args in [
        vec!["ps", "-a", "--format", label],
        vec!["volume", "ls", "--format", label],
        vec!["network", "ls", "--format", label],
    ] {
        let out = run_ok(Command::new("docker").args(&args), Duration::from_secs(60));
        projects.extend(
            out.lines()
                .filter(|l| l.starts_with(PREFIX))
                .map(String::from),
        );
    }
    for p in projects {
        let pid = p[PREFIX.len()..].split('x').next().unwrap_or_default();
        let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
        if !alive {
            eprintln!("removing {p}, left behind by a run that was killed");
            down(compose, &p, &crate::common::placeholder_images());
        }
    }
}

/// scripts/build-stack-images.sh for APP: the LOCAL_*_IMAGE variables it prints.
fn local_images() -> Vec<(String, String)> {
    let script = root().join("scripts/build-stack-images.sh");
    let out = run_ok(
        Command::new(&script).env("APP", APP).current_dir(root()),
        Duration::from_secs(900),
    );
    let images: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let keys: BTreeSet<&str> = images.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "LOCAL_ALERTMANAGER_IMAGE",
            "LOCAL_APP_IMAGE",
            "LOCAL_NODE_EXPORTER_IMAGE",
            "LOCAL_PROMETHEUS_IMAGE",
            // Not in the stack: the grader's ex8 runs it beside the Docker backend.
            "LOCAL_PUSHGATEWAY_IMAGE"
        ]),
        "{out}"
    );
    images
}

/// `up -d` on free ports; a port taken by someone else in the meantime means new ports.
fn up(compose: &Compose, images: &[(String, String)]) -> Stack {
    for attempt in 1..=3 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let (app, prometheus, alertmanager) = (free_port(), free_port(), free_port());
        let mut env = images.to_vec();
        for (k, v) in [
            ("APP", APP.to_string()),
            // The shop's simulated latencies / 10: traffic is quick, and P95 stays far below
            // the alert's 1 s until the fault adds its delay.
            ("LATENCY_SCALE", "0.1".to_string()),
            ("APP_PORT", app.to_string()),
            ("PROMETHEUS_PORT", prometheus.to_string()),
            ("ALERTMANAGER_PORT", alertmanager.to_string()),
            ("NODE_EXPORTER_PORT", free_port().to_string()),
            ("GRAFANA_PORT", free_port().to_string()),
        ] {
            env.push((k.to_string(), v));
        }
        let stack = Stack {
            compose: compose.clone(),
            project: format!("{PREFIX}{}x{nanos}", std::process::id()),
            env,
            app,
            prometheus,
            alertmanager,
        };
        let out = run(
            stack.cmd().args(["up", "-d", "--no-build"]).args(SERVICES),
            Duration::from_secs(180),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        if out.status.success() {
            return stack;
        }
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let port_taken =
            err.contains("already allocated") || err.contains("address already in use");
        if !(port_taken && attempt < 3) {
            panic!("compose up failed:\n{err}");
        }
        // `stack` drops here: what was created goes, and the next attempt takes new ports.
    }
    unreachable!()
}

/// Calls `probe` until it answers Ok, every half second, for at most `limit`.
async fn eventually<T>(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        match probe().await {
            Ok(v) => return v,
            Err(e) if Instant::now() >= deadline => {
                panic!("{what}: not within {limit:?}; last seen: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

async fn get_json(client: &Client, url: &str) -> Result<Value, String> {
    let r = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("GET {url}: {}", r.status()));
    }
    r.json().await.map_err(|e| format!("GET {url}: {e}"))
}

/// An instant query: its result vector (Err if Prometheus did not answer `success`).
async fn query(client: &Client, stack: &Stack, q: &str) -> Result<Vec<Value>, String> {
    let r = client
        .get(stack.prometheus("/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
        .map_err(|e| format!("{q}: {e}"))?;
    let body: Value = r.json().await.map_err(|e| format!("{q}: {e}"))?;
    if body["status"] != "success" {
        return Err(format!("{q}: {body}"));
    }
    Ok(body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// The app's answer to `method path [body]`, as (status, body).
async fn call(
    client: &Client,
    stack: &Stack,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let url = stack.app(path);
    let mut req = client.request(method.parse().expect("an HTTP method"), &url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_scrapes_the_app_and_its_alerts_reach_alertmanager() {
    let t0 = Instant::now();
    let lap = |what: &str| eprintln!("[{:>5.1}s] {what}", t0.elapsed().as_secs_f64());
    let compose = Compose::find();
    remove_orphans(&compose);
    let images = local_images();
    lap("local images ready");
    let stack = up(&compose, &images);
    lap("compose up");
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");

    // --- up and healthy ---------------------------------------------------------------------
    for url in [
        stack.prometheus("/-/ready"),
        stack.alertmanager("/-/ready"),
        stack.app("/metrics"),
    ] {
        eventually(&url, Duration::from_secs(60), async || {
            let r = client.get(&url).send().await.map_err(|e| e.to_string())?;
            r.status()
                .is_success()
                .then_some(())
                .ok_or_else(|| r.status().to_string())
        })
        .await;
    }
    let targets: BTreeMap<String, String> =
        eventually("every target up", Duration::from_secs(60), async || {
            let t = get_json(&client, &stack.prometheus("/api/v1/targets")).await?;
            let seen: BTreeMap<String, String> = t["data"]["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    (
                        t["labels"]["job"].as_str().unwrap_or_default().to_string(),
                        t["health"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let all_up = ["loja", "node", "prometheus", "alertmanager"]
                .iter()
                .all(|j| seen.get(*j).is_some_and(|h| h == "up"));
            if all_up {
                Ok(seen)
            } else {
                Err(format!("{seen:?}"))
            }
        })
        .await;
    lap(&format!("targets up: {targets:?}"));

    // Prometheus loaded every rule of stack/prometheus/regras, and they evaluate.
    let mut expected_rules = BTreeMap::new();
    for f in crate::common::files(&root().join("stack/prometheus/regras"), ".yml") {
        for g in yaml(&f)["groups"].as_sequence().into_iter().flatten() {
            let n = g["rules"].as_sequence().map(|r| r.len()).unwrap_or(0);
            expected_rules.insert(g["name"].as_str().unwrap_or_default().to_string(), n);
        }
    }
    let rules = get_json(&client, &stack.prometheus("/api/v1/rules"))
        .await
        .expect("the rules");
    let loaded: BTreeMap<String, usize> = rules["data"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["name"].as_str().unwrap_or_default().to_string(),
                g["rules"].as_array().map(|r| r.len()).unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(loaded, expected_rules);

    // --- baseline traffic -----------------------------------------------------------------------
    for (method, path, body, want) in [
        ("GET", "/", None, 200),
        ("GET", "/", None, 200),
        ("GET", "/produtos", None, 200),
        ("GET", "/produto/1", None, 200),
        ("GET", "/produto/99", None, 404),
        ("GET", "/busca?termo=mouse", None, 200),
        (
            "POST",
            "/carrinho",
            Some(json!({"produto_id": 2, "quantidade": 3})),
            200,
        ),
        (
            "POST",
            "/checkout",
            Some(json!({"produto_id": 2, "metodo_pagamento": "pix"})),
            200,
        ),
        (
            "POST",
            "/checkout",
            Some(json!({"produto_id": 3, "metodo_pagamento": "credito"})),
            200,
        ),
        ("GET", "/logout", None, 200),
    ] {
        let (status, text) = call(&client, &stack, method, path, body).await;
        assert_eq!(status.as_u16(), want, "{method} {path}: {text}");
    }
    eventually(
        "the traffic in Prometheus, and the rules evaluated on it",
        Duration::from_secs(60),
        async || {
            let vendas = query(
                &client,
                &stack,
                r#"sum(ecommerce_vendas_total{job="loja"})"#,
            )
            .await?;
            let rate = query(&client, &stack, r#"job:http_requests:rate1m{job="loja"}"#).await?;
            let n = vendas
                .first()
                .and_then(|v| v["value"][1].as_str())
                .unwrap_or("none")
                .to_string();
            (n == "2" && !rate.is_empty())
                .then_some(())
                .ok_or(format!("vendas {n}, rate {rate:?}"))
        },
    )
    .await;
    for service in SERVICES {
        eventually(
            &format!("{service} healthy"),
            Duration::from_secs(60),
            async || {
                let id = run_ok(
                    stack.cmd().args(["ps", "-q", service]),
                    Duration::from_secs(60),
                );
                let out = run_ok(
                    Command::new("docker").args([
                        "inspect",
                        "-f",
                        "{{.State.Health.Status}}",
                        id.trim(),
                    ]),
                    Duration::from_secs(30),
                );
                (out.trim() == "healthy").then_some(()).ok_or(out)
            },
        )
        .await;
    }
    // No alert at baseline (one left pending by the very first scrapes clears within seconds).
    eventually(
        "no alert at baseline",
        Duration::from_secs(20),
        async || {
            let a = query(&client, &stack, "ALERTS").await?;
            a.is_empty().then_some(()).ok_or(format!("{a:?}"))
        },
    )
    .await;
    lap("baseline: traffic seen, services healthy, no alert");

    // --- faults -------------------------------------------------------------------------------
    // Six notebooks of ten: stock 4, below the EstoqueBaixo limit of 5.
    let (status, text) = call(
        &client,
        &stack,
        "POST",
        "/checkout",
        Some(json!({"produto_id": 1, "quantidade": 6, "metodo_pagamento": "debito"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    // Every shop request fails, after 1.1 s: the error rate and P95 alerts.
    let falhas = json!({"taxa_erro": 1.0, "latencia_extra_ms": 1100});
    let (status, text) = call(
        &client,
        &stack,
        "PUT",
        "/admin/falhas",
        Some(falhas.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, text) = call(&client, &stack, "GET", "/admin/falhas", None).await;
    assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(falhas));
    lap("fault injected");

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(150);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, stop, errors) = (
                client.clone(),
                stack.app("/produtos"),
                stop.clone(),
                errors.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match client.get(&url).send().await {
                        Ok(r) if r.status() == StatusCode::INTERNAL_SERVER_ERROR => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
            })
        })
        .collect();

    // Pending first (the condition holds for less than `for:`), then firing, then in
    // Alertmanager.
    let mut states: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let firing = eventually(
        "the alerts in Alertmanager",
        Duration::from_secs(150),
        async || {
            let p = get_json(&client, &stack.prometheus("/api/v1/alerts")).await?;
            for a in p["data"]["alerts"].as_array().into_iter().flatten() {
                states
                    .entry(
                        a["labels"]["alertname"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                    .or_default()
                    .insert(a["state"].as_str().unwrap_or_default().to_string());
            }
            let am = get_json(&client, &stack.alertmanager("/api/v2/alerts")).await?;
            let active: Vec<Value> = am
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["status"]["state"] == "active")
                .cloned()
                .collect();
            let names: BTreeSet<&str> = active
                .iter()
                .filter_map(|a| a["labels"]["alertname"].as_str())
                .collect();
            if ALERTS.iter().all(|n| names.contains(n)) {
                Ok(active)
            } else {
                Err(format!(
                    "in Alertmanager: {names:?}; in Prometheus: {states:?}"
                ))
            }
        },
    )
    .await;
    lap(&format!(
        "alerts in Alertmanager; states seen in Prometheus: {states:?}"
    ));
    assert!(errors.load(Ordering::Relaxed) > 0, "the fault made no 500");
    for name in ALERTS {
        let seen = states.get(name).cloned().unwrap_or_default();
        assert!(
            seen.contains("pending"),
            "{name} never seen pending: {seen:?}"
        );
        let a = firing
            .iter()
            .find(|a| a["labels"]["alertname"] == name)
            .expect("the alert");
        let sev = a["labels"]["severidade"].as_str();
        assert!(matches!(sev, Some("critica" | "aviso")), "{name}: {a}");
        for key in ["resumo", "descricao"] {
            assert!(
                a["annotations"][key]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{name}: no {key}: {a}"
            );
        }
    }
    let estoque = firing
        .iter()
        .find(|a| a["labels"]["alertname"] == "EstoqueBaixo")
        .expect("EstoqueBaixo");
    assert_eq!(estoque["labels"]["produto_nome"], "Notebook", "{estoque}");
    assert_eq!(
        estoque["annotations"]["descricao"],
        "Restam 4 unidades de Notebook (produto_id 1); o limite é 5."
    );

    // --- the dashboards' queries, on this data ---------------------------------------------------
    // Every panel of every dashboard evaluates (valid PromQL) and has data: traffic, sales,
    // carts, users, stock, errors, alerts and the machine have all happened by now.
    let mut failed = Vec::new();
    for (file, panel, expr) in panel_queries() {
        match query(&client, &stack, &expr).await {
            Ok(r) if !r.is_empty() => {}
            Ok(_) => failed.push(format!("{file} / {panel}: no data for {expr}")),
            Err(e) => failed.push(format!("{file} / {panel}: {e}")),
        }
    }
    assert!(
        failed.is_empty(),
        "dashboard queries:\n{}",
        failed.join("\n")
    );
    // And every recording rule has produced a series.
    for g in rules["data"]["groups"].as_array().into_iter().flatten() {
        for r in g["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["type"] == "recording")
        {
            let name = r["name"].as_str().unwrap_or_default();
            let res = query(&client, &stack, name)
                .await
                .expect("a recorded series");
            assert!(
                !res.is_empty(),
                "the recording rule {name} produced nothing"
            );
        }
    }
    lap("every dashboard query has data");

    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(15), w).await;
    }
    drop(stack);
    lap("compose down");
}
