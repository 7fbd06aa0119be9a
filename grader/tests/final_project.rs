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

#[test]
fn the_solution_scores_full_marks() {
    let run = grader(&["final", "--solution"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let max = max();
    assert!(
        run.stdout.contains(&format!("Score: {max}/{max}")),
        "{}",
        run.stdout
    );
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
