//! `grader load --steps ... --report DIR`: a stepped load on the real shop, read back from a
//! real Prometheus into the correlation report. The shop's payment gateway has one connection
//! here, so checkouts queue as users grow: the report must show checkout's P95 rising with
//! the users while the other routes keep theirs.

mod common;

use common::grader;
use common::running::{run_prometheus, run_solution_with};

/// Every pixel of a series colour in a chart, decoded from the PNG.
fn series_pixels(png_file: &std::path::Path) -> usize {
    let bytes = std::fs::read(png_file).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| charts::PALETTE.iter().any(|c| c[..] == p[..]))
        .count()
}

#[test]
fn a_stepped_load_is_read_back_from_prometheus_step_by_step() {
    let app = run_solution_with("ex2-metricas-negocio-solucao", &[("GATEWAY_CONEXOES", "1")]);
    let tmp = tempfile::tempdir().unwrap();
    let prom = run_prometheus(app.1, tmp.path());
    let out = tmp.path().join("relatorio");
    let url = format!("http://127.0.0.1:{}", app.1);
    let prometheus = format!("http://127.0.0.1:{}", prom.1);
    let run = grader(&[
        "load",
        "--url",
        &url,
        "--steps",
        "1,6",
        "--spawn-rate",
        "100",
        "--think",
        "0",
        "--duration",
        "6s",
        "--mix",
        "checkout:2=1,produto=1",
        "--seed",
        "3",
        "--report",
        out.to_str().unwrap(),
        "--prometheus",
        &prometheus,
        "--window",
        "4s",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("step 1 of 2"), "{}", run.stdout);
    assert!(run.stdout.contains("step 2 of 2"), "{}", run.stdout);
    assert!(
        run.stderr.contains("correlation report in"),
        "{}",
        run.stderr
    );

    // degraus.csv: one row per step, read from Prometheus.
    let csv = std::fs::read_to_string(out.join("degraus.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {csv}"))
    };
    assert_eq!(rows.len(), 3, "{csv}");
    assert_eq!(
        (rows[1][0].as_str(), rows[2][0].as_str()),
        ("1", "6"),
        "{csv}"
    );
    let value = |row: usize, name: &str| -> f64 { rows[row][col(name)].parse().unwrap() };
    let (checkout_1, checkout_6) = (value(1, "p95_s /checkout"), value(2, "p95_s /checkout"));
    assert!(
        checkout_6 > 1.5 * checkout_1,
        "checkout's P95 should rise with users in line for the gateway: {csv}"
    );
    let (produto_1, produto_6) = (
        value(1, "p95_s /produto/{produto_id}"),
        value(2, "p95_s /produto/{produto_id}"),
    );
    assert!(
        produto_6 < checkout_6 / 2.0 && produto_1 < checkout_1,
        "the product page does not queue for the gateway: {csv}"
    );
    // With one connection the gateway is the bottleneck: busy all the time with 6 users,
    // which is why their throughput is no higher than one user's.
    assert!(
        value(1, "req_por_s") > 0.0 && value(2, "req_por_s") > 0.0,
        "{csv}"
    );
    assert!(value(2, "saturacao") >= 0.9, "{csv}");

    // The page and its charts.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    for png in [
        "01-usuarios.png",
        "02-requisicoes-por-segundo.png",
        "03-latencia.png",
        "04-taxa-de-erros.png",
        "05-saturacao.png",
        "06-latencia-por-usuarios.png",
    ] {
        assert!(index.contains(png), "index.html lacks {png}");
        let n = series_pixels(&out.join(png));
        assert!(n > 100, "{png}: only {n} series pixels");
    }
    assert!(index.contains("<td>6</td>"), "{index}");
}

#[test]
fn a_prometheus_that_does_not_scrape_the_app_is_named() {
    let app = run_solution_with("ex2-metricas-negocio-solucao", &[]);
    let tmp = tempfile::tempdir().unwrap();
    // This Prometheus scrapes another port, not the app.
    let prom = run_prometheus(9, tmp.path());
    let url = format!("http://127.0.0.1:{}", app.1);
    let prometheus = format!("http://127.0.0.1:{}", prom.1);
    let out = tmp.path().join("relatorio");
    let run = grader(&[
        "load",
        "--url",
        &url,
        "--users",
        "1",
        "--think",
        "0",
        "--duration",
        "1s",
        "--report",
        out.to_str().unwrap(),
        "--prometheus",
        &prometheus,
    ]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "Prometheus does not scrape the app: no up series whose instance ends in :{}",
            app.1
        )),
        "{}",
        run.stderr
    );
    // Said before the load, not after it.
    assert!(!run.stdout.contains("Load stopped"), "{}", run.stdout);
    assert!(!out.join("index.html").exists());
}
