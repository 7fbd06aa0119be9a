//! ex9, the operational laws graded on measurements: the answers a student would plausibly get
//! wrong, each on its own check, against the shop the grader really loads. Every wrong reading
//! loses its own points and its feedback names the law it breaks; the right answers beside it
//! keep theirs.

mod common;

use common::{block, failed, grader};

#[test]
fn each_wrong_reading_of_the_laws_loses_its_points_and_names_the_law() {
    let dir = common::solution_file_with(
        "solutions/ex9-leis-operacionais/previsoes.toml",
        &[
            // One connection's ceiling, 1 ÷ S, where the gateway has four.
            (
                "vazao_maxima_checkouts = 53.3",
                "vazao_maxima_checkouts = 13.3",
            ),
            // The knee without the think time: R₀ · X max.
            ("usuarios_no_joelho = 16.2", "usuarios_no_joelho = 5.6"),
            // R = N ÷ X, the think time not taken off.
            (
                "tempo_de_resposta_no_ultimo_degrau_s = 0.10",
                "tempo_de_resposta_no_ultimo_degrau_s = 0.153",
            ),
            // One run: a number, no interval.
            (
                "vazao_no_ultimo_degrau = { media = 209.7, ic95 = [185.2, 234.1] }",
                "vazao_no_ultimo_degrau = 209.7",
            ),
            // The mean response time where the P95 is asked.
            (
                "p95_no_ultimo_degrau_s = { media = 0.451, ic95 = [0.445, 0.458] }",
                "p95_no_ultimo_degrau_s = { media = 0.10, ic95 = [0.095, 0.105] }",
            ),
            // The gauge of connections in use at one instant, for the utilisation.
            (
                "sum(rate(ecommerce_gateway_ocupado_seconds_total[5s]))",
                "sum(ecommerce_gateway_conexoes_em_uso)",
            ),
            // N with the P95 in place of the mean response time.
            (
                "consulta_n = 'sum(rate(http_request_duration_seconds_sum[5s]))'",
                "consulta_n = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5s]))) * sum(rate(http_request_duration_seconds_count[5s]))'",
            ),
        ],
    );
    let run = grader(&["ex9", "--path", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] the maximum throughput the bottleneck law predicts",
            "✘ [0/2] the users at the knee, N*",
            "✘ [0/2] the response time past the knee, R = N ÷ X − Z",
            "✘ [0/2] the throughput at the last step, with its 95 % interval",
            "✘ [0/2] the P95 at the last step, with its 95 % interval",
            "✘ [0/2] the gateway's utilisation query",
            "✘ [0/2] N by Little's law, on the real shop",
        ],
        "{}",
        run.stdout
    );
    // What was right stays right: the counter, S, the bottleneck, the utilisation per step.
    assert!(run.stdout.contains("Score: 5/19"), "{}", run.stdout);

    let says = |title: &str, words: &[&str]| {
        let b = block(&run.stdout, title);
        for w in words {
            assert!(b.contains(w), "{title} should say {w:?}:\n{b}");
        }
    };
    says(
        "the maximum throughput the bottleneck law predicts",
        &["one connection, 1 ÷ S", "4 connections", "X max = c ÷ S"],
    );
    says(
        "the users at the knee, N*",
        &["leaves the think time out", "N* = (R₀ + Z) · X max"],
    );
    says(
        "the response time past the knee, R = N ÷ X − Z",
        &["without taking the think time off", "R = N ÷ X − Z"],
    );
    says(
        "the throughput at the last step, with its 95 % interval",
        &["One run gives no interval", "--repeat 3"],
    );
    says(
        "the P95 at the last step, with its 95 % interval",
        &["the mean response time, not the P95"],
    );
    says(
        "the gateway's utilisation query",
        &["at the end of the 1-user step"],
    );
    says(
        "N by Little's law, on the real shop",
        &["Little's law, N = X · R", "in flight"],
    );
}

/// Predictions need repeated measurements: a spec that asks for them without `repeat` is
/// refused before anything runs, as any spec that is not valid (exit code 4, the
/// instructor's environment).
#[test]
fn a_prediction_without_repetitions_is_refused_by_the_spec() {
    let spec = std::fs::read_to_string(common::course_root().join("grader/specs/ex9.toml"))
        .unwrap()
        .replace("repeat = 3\n", "");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ex9.toml");
    std::fs::write(&file, spec).unwrap();
    let run = grader(&["ex9", "--solution", "--spec", file.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "compares with repeated measurements: the spec's [steps] needs a `repeat` above 1"
        ),
        "{}",
        run.stderr
    );
}
