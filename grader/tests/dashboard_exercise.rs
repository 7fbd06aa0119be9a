//! ex6, a Grafana dashboard: each panel is found by its title, its visualization checked, and
//! its queries run on a real Prometheus after a load, so that a mistake in one panel loses
//! that panel's points (and, for a query that does not run, the points of "every query has
//! data"), with the reason; equivalent ways of writing the same panel all pass.

mod common;

use common::{block, course_root, failed, grader, redactions};
use serde_json::{Value, json};

fn solution() -> Value {
    let path = course_root().join("solutions/ex6-dashboard/dashboard.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The solution's panel titled `title` (it must be there).
fn panel<'a>(d: &'a mut Value, title: &str) -> &'a mut Value {
    d["panels"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("the solution no longer has a panel {title:?}"))
}

/// Replaces the first `from` by `to` in the query of target `i` of the panel `title`.
fn edit_query(d: &mut Value, title: &str, i: usize, from: &str, to: &str) {
    let t = &mut panel(d, title)["targets"][i]["expr"];
    let expr = t.as_str().unwrap().to_string();
    assert!(
        expr.contains(from),
        "{title}: {expr:?} no longer contains {from:?}"
    );
    *t = Value::String(expr.replacen(from, to, 1));
}

/// A folder holding `dashboard.json` with this text.
fn submission(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dashboard.json"), text).unwrap();
    dir
}

fn grade(d: &Value) -> common::Run {
    let dir = submission(&serde_json::to_string_pretty(d).unwrap());
    grader(&["ex6", "--path", dir.path().to_str().unwrap()])
}

#[test]
fn each_broken_panel_loses_exactly_its_points_and_says_why() {
    let mut d = solution();
    // A panel removed.
    d["panels"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["title"] != "Estoque por Produto");
    // A query that does not parse.
    edit_query(
        &mut d,
        "Total de Vendas",
        0,
        "sum(ecommerce_vendas_total)",
        "sum(ecommerce_vendas_total",
    );
    // The wrong visualization.
    panel(&mut d, "Requisições por Segundo")["type"] = json!("barchart");
    // The roteiro's P95: one quantile per series, not the shop's.
    edit_query(
        &mut d,
        "Latência P95",
        0,
        "sum by (le) (rate(http_request_duration_seconds_bucket[5m]))",
        "rate(http_request_duration_seconds_bucket[5m])",
    );
    // A Grafana variable the grader does not know, in a panel no `panel` check looks at.
    edit_query(
        &mut d,
        "Usuários Ativos e Itens nos Carrinhos",
        0,
        "sum(ecommerce_usuarios_ativos)",
        "sum(ecommerce_usuarios_ativos{job=\"$job\"}) / $escala",
    );
    let run = grade(&d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] Parte 7: “Requisições por Segundo”, Time series",
            "✘ [0/3] Parte 7: “Latência P95”, Gauge, the P95 of the whole shop",
            "✘ [0/2] Parte 7: “Total de Vendas”, Stat",
            "✘ [0/2] Parte 7: “Estoque por Produto”, Bar gauge, one bar per product",
            "✘ [0/3] every query of every panel runs on Prometheus and has data",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 14/26"), "{}", run.stdout);

    let kind = block(&run.stdout, "Time series");
    assert!(
        kind.contains("seen: “Requisições por Segundo” is a `barchart` (Bar chart)")
            && kind.contains("`timeseries` (Time series)"),
        "{kind}"
    );
    let p95 = block(&run.stdout, "the P95 of the whole shop");
    assert!(
        p95.contains("series, where a single number is expected") && p95.contains("sum by (le)"),
        "{p95}"
    );
    let sales = block(&run.stdout, "“Total de Vendas”, Stat");
    assert!(
        sales.contains("“Total de Vendas” A: Prometheus refused the query"),
        "{sales}"
    );
    let stock = block(&run.stdout, "one bar per product");
    assert!(
        stock.contains("there is no panel “Estoque por Produto” in dashboard.json"),
        "{stock}"
    );
    let all = block(&run.stdout, "has data");
    assert!(
        all.contains("“Total de Vendas” A: Prometheus refused the query")
            && all.contains("“Usuários Ativos e Itens nos Carrinhos” A: Prometheus refused")
            && all.contains("The query uses $job, $escala: variables only Grafana knows"),
        "{all}"
    );
    assert!(
        !all.contains("Latência P95"),
        "the roteiro's P95 runs and has data: {all}"
    );
}

#[test]
fn equivalent_panels_pass_however_they_are_written() {
    let mut d = solution();
    // Titles compare without case, accents or punctuation.
    panel(&mut d, "Latência P95")["title"] = json!("LATENCIA P95");
    panel(&mut d, "Latência (média, P50, P95, P99)")["title"] =
        json!("latencia - media, p50, p95, p99");
    // Another window for a ratio, through a Grafana variable.
    edit_query(&mut d, "LATENCIA P95", 0, "[5m]", "[$__rate_interval]");
    // The percentage instead of the fraction.
    edit_query(&mut d, "Taxa de Erros", 0, "sum(rate(", "100 * sum(rate(");
    // grafana.md's variants of the Parte 7 panels.
    edit_query(
        &mut d,
        "Total de Vendas",
        0,
        "sum(ecommerce_vendas_total)",
        "sum(increase(ecommerce_vendas_total[24h]))",
    );
    edit_query(
        &mut d,
        "Requisições por Segundo",
        0,
        "http_requests_total[1m]",
        "http_requests_total{endpoint!=\"/metrics\"}[1m]",
    );
    // The latency queries in another order, and a hidden query that would not run.
    let latency = panel(&mut d, "latencia - media, p50, p95, p99");
    latency["targets"].as_array_mut().unwrap().reverse();
    latency["targets"]
        .as_array_mut()
        .unwrap()
        .push(json!({"refId": "E", "expr": "nada(", "hide": true}));
    // The panel's data source left to Grafana's default.
    panel(&mut d, "Vendas por Método de Pagamento")["datasource"] = Value::Null;
    panel(&mut d, "Vendas por Método de Pagamento")["targets"][0]
        .as_object_mut()
        .unwrap()
        .remove("datasource");
    let run = grade(&d);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Score: 26/26"), "{}", run.stdout);
}

#[test]
fn a_data_source_the_courses_grafana_does_not_have_fails_validity_only() {
    let mut d = solution();
    // Built by clicking in another Grafana: that Grafana's uid.
    panel(&mut d, "Taxa de Erros")["targets"][0]["datasource"] =
        json!({"type": "prometheus", "uid": "PBFA97CFB590B2093"});
    // Exported "for sharing externally".
    panel(&mut d, "Estoque por Produto")["datasource"] =
        json!({"type": "prometheus", "uid": "${DS_PROMETHEUS}"});
    let run = grade(&d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        ["✘ [0/2] dashboard.json is a dashboard the course's Grafana loads"],
        "{}",
        run.stdout
    );
    let valid = block(&run.stdout, "the course's Grafana loads");
    redactions().bind(|| insta::assert_snapshot!("datasource_problems", valid));
}

#[test]
fn a_file_that_is_not_json_scores_zero_with_the_reason() {
    // Single quotes, as in JavaScript: not JSON.
    let title = "\"title\": \"Loja — Exercício 6\"";
    let text = serde_json::to_string_pretty(&solution()).unwrap();
    assert!(text.contains(title), "the solution's title changed");
    let text = text.replacen(title, "\"title\": 'Loja'", 1);
    let dir = submission(&text);
    let run = grader(&["ex6", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Score: 0/26"), "{}", run.stdout);
    redactions().bind(|| insta::assert_snapshot!("not_json", run.stdout));
}

/// The palette colours a PNG holds (how many pixels of each series colour), decoded for real.
fn series_pixels(png_file: &std::path::Path) -> usize {
    let bytes = std::fs::read(png_file).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (640, 320));
    buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| charts::PALETTE.iter().any(|c| c[..] == p[..]))
        .count()
}

/// `--charts DIR` draws every panel with a query from Prometheus's data over the load: the
/// panels that have data show their lines, a panel whose query finds nothing shows none, and
/// the report says where the charts are and which query could not be drawn.
#[test]
fn charts_show_what_each_panel_would_draw() {
    let mut d = solution();
    edit_query(
        &mut d,
        "Total de Vendas",
        0,
        "ecommerce_vendas_total",
        "ecommerce_vendas_totais",
    );
    edit_query(
        &mut d,
        "Estoque por Produto",
        0,
        "ecommerce_estoque_produto",
        "ecommerce_estoque_produto{",
    );
    let dir = submission(&serde_json::to_string_pretty(&d).unwrap());
    let out = tempfile::tempdir().unwrap();
    let run = grader(&[
        "ex6",
        "--path",
        dir.path().to_str().unwrap(),
        "--charts",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "Panel charts (what each would show in Grafana during the load): 10 chart(s) in"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("“Estoque por Produto” A: Prometheus refused the query"),
        "{}",
        run.stdout
    );
    let mut pngs: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), 10, "{pngs:?}");
    assert_eq!(pngs[0], "01-requisicoes-por-segundo.png");
    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    for p in &pngs {
        assert!(index.contains(p.as_str()), "index.html lacks {p}");
    }
    for with_data in [
        "01-requisicoes-por-segundo.png",
        "02-latencia-p95.png",
        "05-requisicoes-por-endpoint.png",
    ] {
        let n = series_pixels(&out.path().join(with_data));
        assert!(n > 200, "{with_data}: only {n} series pixels");
    }
    for without in ["03-total-de-vendas.png", "04-estoque-por-produto.png"] {
        assert_eq!(series_pixels(&out.path().join(without)), 0, "{without}");
    }
}
