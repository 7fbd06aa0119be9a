//! stack/alertmanager: what amtool says of the config, where each severity is routed, and the
//! inhibitions, proven on a real Alertmanager (Debian's `prometheus-alertmanager` binary, on
//! loopback, clustering off) fed with amtool. The alerts carry the labels of the stack's own
//! rules and of the ex5 solution, so a student's rules copied into the stack are held to the
//! same routing and inhibition.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{free_port, root, run, run_ok, yaml};
use crate::prometheus::tool;

fn amtool() -> PathBuf {
    tool("amtool", "prometheus-alertmanager")
}

fn config() -> PathBuf {
    root().join("stack/alertmanager/alertmanager.yml")
}

/// The labels of alert `name` in the rule file `path` (relative to the course root).
fn rule_labels(path: &str, name: &str) -> Vec<(String, String)> {
    let doc = yaml(&root().join(path));
    for g in doc["groups"].as_sequence().expect("groups") {
        for r in g["rules"].as_sequence().expect("rules") {
            if r["alert"].as_str() == Some(name) {
                return r["labels"]
                    .as_mapping()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| {
                        let k = k.as_str().expect("a label name").to_string();
                        (k, v.as_str().expect("a label value").to_string())
                    })
                    .collect();
            }
        }
    }
    panic!("no alert {name} in {path}");
}

#[test]
fn amtool_accepts_the_alertmanager_config() {
    let out = run_ok(
        Command::new(amtool()).arg("check-config").arg(config()),
        Duration::from_secs(60),
    );
    assert!(out.contains("SUCCESS"), "{out}");
    assert!(out.contains("2 inhibit rules"), "{out}");
    // Receivers that need no network: no destination configured at all.
    let am = yaml(&config());
    let receivers = am["receivers"].as_sequence().expect("receivers");
    assert!(!receivers.is_empty());
    for r in receivers {
        assert_eq!(r.as_mapping().map(|m| m.len()), Some(1), "{r:?}");
    }
}

/// `amtool config routes test`: the receiver the route tree picks for these labels.
fn receiver_for(labels: &[(String, String)]) -> String {
    let mut cmd = Command::new(amtool());
    cmd.args(["config", "routes", "test", "--config.file"])
        .arg(config());
    for (k, v) in labels {
        cmd.arg(format!("{k}={v}"));
    }
    run_ok(&mut cmd, Duration::from_secs(60)).trim().to_string()
}

#[test]
fn alerts_are_routed_by_severidade_the_stacks_and_the_students_alike() {
    for (file, alert, receiver) in [
        (
            "stack/prometheus/regras/alertas.yml",
            "TaxaDeErroAlta",
            "plantao",
        ),
        (
            "stack/prometheus/regras/alertas.yml",
            "LojaForaDoAr",
            "plantao",
        ),
        (
            "stack/prometheus/regras/alertas.yml",
            "EstoqueBaixo",
            "curso",
        ),
        (
            "solutions/ex5-alertas/regras.yml",
            "TaxaDeErroAlta",
            "plantao",
        ),
        (
            "solutions/ex5-alertas/regras.yml",
            "LatenciaP95Alta",
            "curso",
        ),
        (
            "solutions/final-black-friday/regras.yml",
            "ProdutoEsgotado",
            "plantao",
        ),
    ] {
        let mut labels = rule_labels(file, alert);
        labels.push(("alertname".into(), alert.into()));
        assert_eq!(
            receiver_for(&labels),
            receiver,
            "{file}: {alert} {labels:?}"
        );
    }
    // A label the stack does not route on changes nothing: `severity` goes to the default.
    assert_eq!(
        receiver_for(&[("severity".into(), "critical".into())]),
        "curso"
    );
}

/// A real Alertmanager on a loopback port with the stack's config; killed when dropped.
struct Alertmanager {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    fn start(config: &Path) -> Self {
        let data = tempfile::tempdir().expect("a temporary folder");
        let port = free_port();
        let child = Command::new(tool("prometheus-alertmanager", "prometheus-alertmanager"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", data.path().display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // No cluster: nothing listens beyond the loopback port above.
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus-alertmanager");
        let am = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = run(
                Command::new(amtool()).args(["alert", "query", "--alertmanager.url", &am.url]),
                Duration::from_secs(10),
            )
            .is_ok_and(|o| o.status.success());
            if ok {
                break am;
            }
            assert!(Instant::now() < deadline, "Alertmanager not ready in 30 s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn add(&self, labels: &[(String, String)]) {
        let mut cmd = Command::new(amtool());
        cmd.args(["alert", "add", "--alertmanager.url", &self.url]);
        for (k, v) in labels {
            cmd.arg(format!("{k}={v}"));
        }
        run_ok(&mut cmd, Duration::from_secs(30));
    }

    /// The alerts `amtool alert query` lists (`--inhibited`: the inhibited ones), as
    /// (alertname, produto_id) pairs.
    fn query(&self, inhibited: bool) -> Vec<(String, String)> {
        let mut cmd = Command::new(amtool());
        cmd.args([
            "alert",
            "query",
            "-o",
            "json",
            "--alertmanager.url",
            &self.url,
        ]);
        if inhibited {
            cmd.arg("--inhibited");
        }
        let out = run_ok(&mut cmd, Duration::from_secs(30));
        let alerts: serde_json::Value = serde_json::from_str(&out).expect("amtool's JSON");
        let mut v: Vec<(String, String)> = alerts
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| !inhibited || a["status"]["state"] == "suppressed")
            .map(|a| {
                let l = &a["labels"];
                (
                    l["alertname"].as_str().unwrap_or_default().to_string(),
                    l["produto_id"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    }
}

/// An alert as Prometheus would send it: the rule's labels, `alertname`, and the series'.
fn alert(file: &str, name: &str, series: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels = rule_labels(file, name);
    labels.push(("alertname".into(), name.into()));
    labels.extend(series.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    labels
}

#[test]
fn produto_esgotado_inhibits_estoque_baixo_of_that_product_only() {
    let am = Alertmanager::start(&config());
    let rules = "stack/prometheus/regras/alertas.yml";
    let notebook = [
        ("job", "loja"),
        ("instance", "app:5000"),
        ("produto_id", "1"),
    ];
    let mouse = [
        ("job", "loja"),
        ("instance", "app:5000"),
        ("produto_id", "2"),
    ];
    am.add(&alert(rules, "EstoqueBaixo", &notebook));
    am.add(&alert(rules, "EstoqueBaixo", &mouse));
    // Before the sell-out, both products' low stock notify.
    assert_eq!(am.query(true), []);
    am.add(&alert(rules, "ProdutoEsgotado", &notebook));
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(am.query(true), pairs(&[("EstoqueBaixo", "1")]));
    assert_eq!(
        am.query(false),
        pairs(&[("EstoqueBaixo", "2"), ("ProdutoEsgotado", "1")])
    );
}

#[test]
fn loja_fora_do_ar_inhibits_the_warnings_of_the_stack_and_of_a_students_rules() {
    let am = Alertmanager::start(&config());
    let loja = [("job", "loja"), ("instance", "app:5000")];
    // The ex5 solution's warnings, as a student would copy them into the stack.
    am.add(&alert(
        "solutions/ex5-alertas/regras.yml",
        "LatenciaP95Alta",
        &loja,
    ));
    am.add(&alert(
        "solutions/ex5-alertas/regras.yml",
        "EstoqueBaixo",
        &[
            ("job", "loja"),
            ("instance", "app:5000"),
            ("produto_id", "3"),
        ],
    ));
    am.add(&alert(
        "solutions/ex5-alertas/regras.yml",
        "TaxaDeErroAlta",
        &loja,
    ));
    assert_eq!(am.query(true), []);
    am.add(&alert(
        "stack/prometheus/regras/alertas.yml",
        "LojaForaDoAr",
        &loja,
    ));
    let inhibited: Vec<String> = am.query(true).into_iter().map(|(a, _)| a).collect();
    assert_eq!(inhibited, ["EstoqueBaixo", "LatenciaP95Alta"]);
    // The critical ones still notify.
    let active: Vec<String> = am.query(false).into_iter().map(|(a, _)| a).collect();
    assert_eq!(active, ["LojaForaDoAr", "TaxaDeErroAlta"]);
}
