//! The final project (Black Friday): the reference scores full marks, the starter says what
//! is missing, and each mistake a student could make (an undocumented metric, a documented
//! one the app lacks, an alert without its runbook entry, a rule that never fires, a sale
//! that does not count its units) loses exactly its points. Several independent mistakes go
//! into one submission, each asserted to cost its own check and nothing else: a grading of
//! the final project runs four apps and four Prometheus servers, so fewer runs keep the
//! suite quick on a small machine.

mod common;

use common::{block, copy_dir, course_root, failed, grader};
use grader::spec::Spec;

const SOLUTION: &str = "solutions/final-black-friday";

/// A copy of the whole solution folder (sources and documentation) with `edits` applied:
/// `(file, from, to)`, each `from` replaced once and required to be there.
fn submission_with(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&course_root().join(SOLUTION), dir.path());
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(from),
            "{file} no longer contains {from:?}: update this mutation"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

fn max() -> u32 {
    Spec::builtin("final").unwrap().max_score()
}

/// The reference scores full marks, and with `--charts` the Black Friday's correlation
/// report measures each surge step by the performance-evaluation chapter's method: its
/// windows (after a warm-up) give the intervals, and Little's law and the utilisation law
/// are checked on them. The plain report (one window a step, no requests in flight) leaves
/// every one of those cells empty. Little's N is counted by the load generator and X·R read
/// from Prometheus over windows of two scrapes, whose edges lag the generator's by up to a
/// scrape: a few per cent apart in practice, so 50 % is a tolerance only a wrong reading (a
/// window of the wrong step, the thinking users counted as in the shop) breaks.
#[test]
fn the_solution_scores_full_marks_and_the_days_report_checks_the_laws_on_the_surge() {
    let tmp = tempfile::tempdir().unwrap();
    let charts = tmp.path().join("relatorio");
    let run = grader(&["final", "--solution", "--charts", charts.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let max = max();
    assert!(
        run.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("The Black Friday's report: "),
        "{}",
        run.stdout
    );

    let day = charts.join("black-friday");
    let csv = std::fs::read_to_string(day.join("degraus.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| {
        rows[0]
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}: {csv}"))
    };
    let cell = |row: &[&str], name: &str| -> f64 {
        row[col(name)]
            .parse()
            .unwrap_or_else(|_| panic!("{name} empty or not a number: {csv}"))
    };
    let spec = Spec::builtin("final").unwrap();
    let bf = spec.black_friday.as_ref().unwrap();
    let surge: Vec<u32> = bf.measured().map(|p| p.users).collect();
    let windows = bf.windows.unwrap().count;
    // The surge's steps, then the flash sale (1 user) and the payment fault.
    assert_eq!(surge.len() + 2, bf.phases.len());
    assert_eq!(rows.len(), 1 + surge.len() + 2, "{csv}");
    for (row, users) in rows[1..].iter().zip(&surge) {
        assert_eq!(row[0], users.to_string(), "{csv}");
        assert_eq!(row[col("repeticoes")], windows.to_string(), "{csv}");
        let x = cell(row, "req_por_s_media");
        let (lo, hi) = (
            cell(row, "req_por_s_ic95_inf"),
            cell(row, "req_por_s_ic95_sup"),
        );
        assert!(x > 0.0 && lo <= x && x <= hi, "{csv}");
        let n = cell(row, "little_n");
        assert!(n > 0.0 && n < f64::from(*users), "{csv}");
        let little = cell(row, "little_erro_rel");
        assert!((0.0..0.5).contains(&little), "Little's law: {csv}");
        let u = cell(row, "utilizacao_media");
        assert!(u > 0.0 && u <= 1.0, "{csv}");
        let u_err = cell(row, "utilizacao_erro_rel");
        assert!((0.0..0.5).contains(&u_err), "the utilisation law: {csv}");
    }
    // Neither the flash sale nor the payment fault is a steady state: no windows.
    for row in &rows[1 + surge.len()..] {
        assert_eq!(row[col("repeticoes")], "0", "{csv}");
        assert_eq!(row[col("little_erro_rel")], "", "{csv}");
    }
    let index = std::fs::read_to_string(day.join("index.html")).unwrap();
    assert!(index.contains("médias em lotes de um mesmo run"), "{index}");
}

#[test]
fn the_starter_scores_low_and_names_what_is_missing() {
    let run = grader(&["final"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let catalogue = block(
        &run.stdout,
        "METRICAS.md documents exactly what /metrics exposes",
    );
    assert!(catalogue.starts_with('✘'), "{catalogue}");
    assert!(
        catalogue.contains("exposed, not documented: ecommerce_busca_duracao_seconds"),
        "{catalogue}"
    );
    let cpu = block(
        &run.stdout,
        "infrastructure: process CPU (process_cpu_seconds_total)",
    );
    assert!(cpu.contains("ProcessCollector::for_self()"), "{cpu}");
    let sale = block(
        &run.stdout,
        "a sale of 5 monitors: sale +1, 5 units, R$ 4000, stock -5",
    );
    assert!(
        sale.contains(
            r#"WRONG ecommerce_itens_vendidos_total{produto_id="4"}: moved by 0 (expected 5)"#
        ),
        "{sale}"
    );
    let targets = block(
        &run.stdout,
        "several targets up: the shop, the Node Exporter and Prometheus",
    );
    assert!(
        targets.contains("there is no job `node` in the file"),
        "{targets}"
    );
    let runbook = block(
        &run.stdout,
        "every alert with a runbook_url to its entry in RUNBOOK.md",
    );
    assert!(
        runbook.contains("without runbook_url: EstoqueBaixo"),
        "{runbook}"
    );
    let day = block(
        &run.stdout,
        "Black Friday: the right alerts, in the order of the problems, and none without cause",
    );
    assert!(
        day.contains("ProdutoEsgotado: never active; PagamentoFalhando: never active"),
        "{day}"
    );
    let sales = block(
        &run.stdout,
        "Black Friday: sales, units, stock and revenue match the sales made",
    );
    assert!(
        sales.contains("WRONG `sum(ecommerce_receita_reais_total)`: no series"),
        "{sales}"
    );
    let score = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Score: "))
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or_else(|| panic!("no score:\n{}", run.stdout));
    assert!(score * 3 < max(), "the starter scores {score}/{}", max());
}

#[test]
fn an_undocumented_metric_an_alert_without_runbook_and_a_rule_that_never_fires_lose_exactly_their_checks()
 {
    let course = submission_with(&[
        (
            "METRICAS.md",
            "| `ecommerce_receita_reais_total` |",
            "| receita (sem nome) |",
        ),
        (
            "regras.yml",
            "          runbook_url: RUNBOOK.md#gatewaysaturado\n",
            "",
        ),
        // A ratio is at most 1: this alert can never fire.
        (
            "regras.yml",
            "job:checkout_erros:razao1m > 0.2",
            "job:checkout_erros:razao1m > 20",
        ),
    ]);
    let run = grader(&["final", "--path", course.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/3] METRICAS.md documents exactly what /metrics exposes",
            "✘ [0/3] every alert with a runbook_url to its entry in RUNBOOK.md",
            "✘ [0/2] live: PagamentoFalhando fires with half the checkouts failing",
            // The same alert is the third the Black Friday expects.
            "✘ [0/4] Black Friday: the right alerts, in the order of the problems, and none without cause",
        ],
        "{}",
        run.stdout
    );
    let m = max();
    assert!(
        run.stdout.contains(&format!("Score: {}/{m}", m - 12)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("exposed, not documented: ecommerce_receita_reais_total"),
        "{}",
        run.stdout
    );
    let runbook = block(
        &run.stdout,
        "every alert with a runbook_url to its entry in RUNBOOK.md",
    );
    assert!(
        runbook.contains("without runbook_url: GatewaySaturado"),
        "{runbook}"
    );
    let day = block(
        &run.stdout,
        "Black Friday: the right alerts, in the order of the problems, and none without cause",
    );
    assert!(day.contains("PagamentoFalhando: never active"), "{day}");
    assert!(day.contains("ProdutoEsgotado: active after"), "{day}");
}

#[test]
fn wrong_documentation_uncounted_units_and_a_wrong_panel_are_named() {
    let course = submission_with(&[
        (
            "METRICAS.md",
            "| `ecommerce_itens_carrinho` | gauge |",
            "| `ecommerce_itens_carrinho` | counter |",
        ),
        (
            "METRICAS.md",
            "## Infraestrutura",
            "| `ecommerce_cupons_total` | counter | nenhum | cupons usados | nunca |\n\n## Infraestrutura",
        ),
        // The entry the alert links to is gone.
        ("RUNBOOK.md", "## ProdutoEsgotado", "## Esgotou"),
        // One unit per sale, whatever the quantity.
        ("src/eventos.rs", ".inc_by(u64::from(vendidas));", ".inc();"),
        // The alerts as a table of nothing, not Grafana's alert list.
        (
            "dashboard.json",
            r#""type": "alertlist""#,
            r#""type": "table""#,
        ),
    ]);
    let run = grader(&["final", "--path", course.path().to_str().unwrap()]);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/3] METRICAS.md documents exactly what /metrics exposes",
            "✘ [0/2] a sale of 5 monitors: sale +1, 5 units, R$ 4000, stock -5",
            "✘ [0/2] conversion: 2 cart additions and 1 sale move its numerator and denominator",
            "✘ [0/3] every alert with a runbook_url to its entry in RUNBOOK.md",
            "✘ [0/1] alerts: “Alertas Ativos”, Alert list",
        ],
        "{}",
        run.stdout
    );
    let catalogue = block(
        &run.stdout,
        "METRICAS.md documents exactly what /metrics exposes",
    );
    assert!(
        catalogue.contains("documented, not exposed: ecommerce_cupons_total"),
        "{catalogue}"
    );
    assert!(
        catalogue.contains(
            "documented type differs from the exposed one: ecommerce_itens_carrinho (counter ≠ gauge)"
        ),
        "{catalogue}"
    );
    let runbook = block(
        &run.stdout,
        "every alert with a runbook_url to its entry in RUNBOOK.md",
    );
    assert!(
        runbook.contains(
            "pointing to an entry RUNBOOK.md lacks: ProdutoEsgotado → `RUNBOOK.md#produtoesgotado`"
        ),
        "{runbook}"
    );
    let sale = block(
        &run.stdout,
        "a sale of 5 monitors: sale +1, 5 units, R$ 4000, stock -5",
    );
    assert!(
        sale.contains(
            r#"WRONG ecommerce_itens_vendidos_total{produto_id="4"}: moved by 1 (expected 5)"#
        ),
        "{sale}"
    );
}

#[test]
fn a_missing_catalogue_is_its_checks_verdict_and_grading_goes_on() {
    let course = submission_with(&[]);
    std::fs::remove_file(course.path().join("METRICAS.md")).unwrap();
    let run = grader(&["final", "--path", course.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let catalogue = block(
        &run.stdout,
        "METRICAS.md documents exactly what /metrics exposes",
    );
    assert!(catalogue.contains("cannot read"), "{catalogue}");
    assert!(catalogue.contains("METRICAS.md"), "{catalogue}");
    // Grading went on: the checks after it (the alerts' scenarios among them) have verdicts.
    assert!(
        run.stdout
            .contains("every alert with a runbook_url to its entry in RUNBOOK.md"),
        "{}",
        run.stdout
    );
    assert!(
        !failed(&run.stdout)
            .iter()
            .any(|l| l.contains("a sale of 5 monitors")),
        "{}",
        run.stdout
    );
}

#[test]
fn an_alert_active_before_its_problem_puts_the_day_out_of_order() {
    // True from the first checkout on: active in the surge, before the stock runs low.
    let course = submission_with(&[(
        "regras.yml",
        "job:checkout_erros:razao1m > 0.2",
        "job:checkout_erros:razao1m >= 0",
    )]);
    let run = grader(&["final", "--path", course.path().to_str().unwrap()]);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] live: PagamentoFalhando fires with half the checkouts failing",
            "✘ [0/4] Black Friday: the right alerts, in the order of the problems, and none without cause",
        ],
        "{}",
        run.stdout
    );
    let day = block(
        &run.stdout,
        "Black Friday: the right alerts, in the order of the problems, and none without cause",
    );
    assert!(
        day.contains("the alerts fired out of the order the problems began in"),
        "{day}"
    );
}
