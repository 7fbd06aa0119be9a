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

/// `--steps 1,3 --repeat 3`: each step measured three times after its warm-up. The shop's
/// gateway keeps its 4 connections, so neither step saturates it: its utilisation grows with
/// the users and stays well inside [0, 1] (at saturation, `rate()`'s extrapolation of a
/// counter that grows a payment at a time can read a little above 1). Little's law is checked
/// with N counted by the load generator and X, R read from Prometheus: they differ by the
/// client's own time around each request and by the scrapes' timing, about 1 % here, so 10 %
/// is a tolerance that only a wrong reading breaks. The same for the utilisation law.
#[test]
fn repeated_steps_give_each_steps_spread_and_the_operational_laws() {
    let app = run_solution_with("ex2-metricas-negocio-solucao", &[]);
    let tmp = tempfile::tempdir().unwrap();
    let prom = run_prometheus(app.1, tmp.path());
    let out = tmp.path().join("relatorio");
    let url = format!("http://127.0.0.1:{}", app.1);
    let prometheus = format!("http://127.0.0.1:{}", prom.1);
    let started = std::time::Instant::now();
    let run = grader(&[
        "load",
        "--url",
        &url,
        "--steps",
        "1,3",
        "--repeat",
        "3",
        "--spawn-rate",
        "100",
        "--think",
        "0",
        "--duration",
        "3s",
        "--mix",
        "checkout:2=1,produto=1",
        "--seed",
        "5",
        "--report",
        out.to_str().unwrap(),
        "--prometheus",
        &prometheus,
        "--window",
        "4s",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Warm-up by default: the users' start (0.01 s, 0.03 s) plus half of --duration.
    assert!(
        run.stderr.contains("warm-up 1.51s, then 3 × 3s"),
        "{}",
        run.stderr
    );
    let took = started.elapsed();
    // Two steps of 1.5 s + 3 × 3 s, plus Prometheus's last scrape.
    assert!(took.as_secs() < 60, "took {took:?}");

    let csv = std::fs::read_to_string(out.join("degraus.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let header = &rows[0];
    // The columns from before --repeat come first, as they were.
    assert!(
        csv.starts_with("usuarios,req_por_s,erros,p50_s,p95_s,p99_s,saturacao,"),
        "{csv}"
    );
    assert!(
        header.iter().position(|h| h == "saturacao")
            < header.iter().position(|h| h == "repeticoes"),
        "{csv}"
    );
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {csv}"))
    };
    assert_eq!(rows.len(), 3, "{csv}");
    let value = |row: usize, name: &str| -> f64 {
        rows[row][col(name)]
            .parse()
            .unwrap_or_else(|_| panic!("{name} of row {row} is not a number: {csv}"))
    };
    for row in [1, 2] {
        assert_eq!(value(row, "repeticoes"), 3.0, "{csv}");
        for m in ["req_por_s", "p95_s", "utilizacao"] {
            let (mean, sd) = (
                value(row, &format!("{m}_media")),
                value(row, &format!("{m}_dp")),
            );
            let lo = value(row, &format!("{m}_ic95_inf"));
            let hi = value(row, &format!("{m}_ic95_sup"));
            assert!(sd >= 0.0 && lo <= mean && mean <= hi, "{m}: {csv}");
        }
        // Three windows of real traffic never give the same throughput to the last digit.
        assert!(value(row, "req_por_s_dp") > 0.0, "{csv}");
        let u = value(row, "utilizacao_media");
        assert!((0.0..=1.0).contains(&u), "utilisation {u}: {csv}");
        let little = value(row, "little_erro_rel");
        assert!(little < 0.1, "Little's law off by {little}: {csv}");
        assert!(value(row, "little_n") > 0.0, "{csv}");
        let law = value(row, "utilizacao_erro_rel");
        assert!(law < 0.1, "the utilisation law off by {law}: {csv}");
    }
    assert!(
        value(2, "utilizacao_media") > 1.5 * value(1, "utilizacao_media"),
        "the gateway's utilisation grows with the users: {csv}"
    );
    // One user with no think time is always in the system: N is about 1, 3 users about 3.
    assert!((0.8..=1.05).contains(&value(1, "little_n")), "{csv}");
    assert!((2.4..=3.05).contains(&value(2, "little_n")), "{csv}");
    // The payment holds a connection 0.05 to 0.1 s at the test's latency scale of 0.1.
    let s = value(1, "gateway_s_s");
    assert!((0.05..=0.11).contains(&s), "service time {s}: {csv}");

    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Repetições e leis operacionais"), "{index}");
    assert!(index.contains("lei de Little"), "{index}");
    eprintln!("repeated steps: grader load took {took:?}\n{csv}");
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
