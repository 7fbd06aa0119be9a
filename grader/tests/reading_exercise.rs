//! ex7, the reading of a stepped load: each answer is checked against what Prometheus
//! measured while the grader ran the same steps on the student's ex2, so a wrong reading loses
//! exactly its points and says what was measured; an app without the saturation gauges loses
//! what depends on them, with the reason.

mod common;

use common::{block, course_root, failed, grader};

/// A course laid out as a student's: their ex2 (the solution with `ex2_edits` applied) and
/// their ex7 answers (the solution's with `answer_edits`).
fn course_with(
    ex2_edits: &[(&str, &str, &str)],
    answer_edits: &[(&str, &str)],
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ex2 = common::mutated_solution("solutions/ex2-metricas-negocio", ex2_edits);
    common::copy_dir(
        &ex2.path().join("src"),
        &dir.path().join("exercises/ex2-metricas-negocio/src"),
    );
    let answers = common::solution_file_with("solutions/ex7-carga/leitura.toml", answer_edits);
    let their_ex7 = dir.path().join("exercises/ex7-carga");
    std::fs::create_dir_all(&their_ex7).unwrap();
    std::fs::copy(
        answers.path().join("leitura.toml"),
        their_ex7.join("leitura.toml"),
    )
    .unwrap();
    dir
}

#[test]
fn each_wrong_reading_loses_exactly_its_points_and_says_what_was_measured() {
    let course = course_with(
        &[],
        &[
            ("'sobe'", "'estavel'"),
            ("'/checkout'", "'/produtos'"),
            // Full for a moment is not saturated: at 4 users nobody waits.
            ("usuarios_para_saturar = 12", "usuarios_para_saturar = 4"),
            // The share in use at one instant, not over the step: it may agree with the
            // average at one step's end (full at 12 users), not at all three.
            (
                "'sum(avg_over_time(ecommerce_gateway_conexoes_em_uso[8s])) / sum(ecommerce_gateway_conexoes_capacidade)'",
                "'sum(ecommerce_gateway_conexoes_em_uso) / sum(ecommerce_gateway_conexoes_capacidade)'",
            ),
        ],
    );
    let run = grader(&["ex7", "--path", course.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/2] how latency changes with more users",
            "✘ [0/2] the most affected endpoint",
            "✘ [0/2] the users that saturate the gateway",
            "✘ [0/2] the gateway's saturation query",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 2/10"), "{}", run.stdout);
    let trend = block(&run.stdout, "how latency changes with more users");
    assert!(
        trend.contains("`estavel`, but the measurement says `sobe` (by users, 1: P95"),
        "{trend}"
    );
    let endpoint = block(&run.stdout, "the most affected endpoint");
    assert!(
        endpoint
            .contains("`/produtos`, but the measurement says `/checkout` (/checkout's P95 grew"),
        "{endpoint}"
    );
    let saturation = block(&run.stdout, "the users that saturate the gateway");
    assert!(
        saturation.contains("`4`, but the measurement says `12` (by users, 1:"),
        "{saturation}"
    );
    assert!(
        saturation.contains("12: 100 %") || saturation.contains("12: 9"),
        "{saturation}"
    );
    let query = block(&run.stdout, "the gateway's saturation query");
    assert!(
        query.contains("-user step: ") && query.contains("(the reference gives"),
        "{query}"
    );
}

/// The saturation query asks for the average over a step: the reference's window is the
/// steps' length, and the question the student reads names that window.
#[test]
fn the_saturation_query_averages_over_exactly_one_step() {
    let spec = grader::spec::Spec::builtin("ex7").unwrap();
    let seconds = spec.steps.as_ref().expect("ex7 has a stepped load").seconds;
    let window = format!("[{seconds}s]");
    let check = spec.checks.iter().find(|c| c.id == "saturacao").unwrap();
    let grader::spec::CheckKind::Answer(grader::spec::kinds::Answer {
        reference,
        each_step,
        ..
    }) = &check.kind
    else {
        panic!("saturacao is an answer check");
    };
    assert!(
        reference.contains("avg_over_time(") && reference.contains(&window) && *each_step,
        "{reference}"
    );
    let question =
        std::fs::read_to_string(course_root().join("exercises/ex7-carga/leitura.toml")).unwrap();
    assert!(question.contains(&window), "{question}");
}

#[test]
fn an_app_without_the_saturation_gauges_loses_what_needs_them() {
    let course = course_with(
        // The gauges under other names: the contract's are not there.
        &[
            (
                "metricas.rs",
                "\"ecommerce_gateway_conexoes_em_uso\"",
                "\"gateway_em_uso\"",
            ),
            (
                "metricas.rs",
                "\"ecommerce_gateway_conexoes_capacidade\"",
                "\"gateway_capacidade\"",
            ),
        ],
        &[],
    );
    let run = grader(&["ex7", "--path", course.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        failed(&run.stdout),
        [
            "✘ [0/1] gauge ecommerce_gateway_conexoes_em_uso",
            "✘ [0/1] gauge ecommerce_gateway_conexoes_capacidade = 4",
            "✘ [0/2] the users that saturate the gateway",
            "✘ [0/2] the gateway's saturation query",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Score: 4/10"), "{}", run.stdout);
    let saturation = block(&run.stdout, "the users that saturate the gateway");
    assert!(
        saturation.contains("the app exposes no ecommerce_gateway_conexoes_em_uso"),
        "{saturation}"
    );
    assert!(
        course_root()
            .join("solutions/ex7-carga/leitura.toml")
            .is_file()
    );
}
