//! An instructor's own spec, as the instructor's guide (docs/instrutor/README.md) writes it:
//! the example there is read as it stands. (The guide is left out of the student edition, and
//! so are these tests.)

use grader::spec::Spec;

mod common;

#[test]
fn the_guide_s_spec_that_extends_ex2_reads_as_written() {
    let guide =
        std::fs::read_to_string(common::course_root().join("docs/instrutor/README.md")).unwrap();
    let start = guide.find("```toml\nformat_version = 1\nextends").unwrap() + 8;
    let text = &guide[start..start + guide[start..].find("```").unwrap()];
    let mine = Spec::from_toml("guide", text).unwrap();
    let ex2 = Spec::builtin("ex2").unwrap();
    let points = |s: &Spec, id: &str| s.checks.iter().find(|c| c.id == id).map(|c| c.points);
    assert_eq!(points(&mine, "cardinalidade"), None);
    assert_eq!(points(&mine, "venda_pix"), Some(3));
    assert_eq!(mine.checks.len(), ex2.checks.len() - 1);
    assert_eq!(
        mine.hints.len(),
        ex2.hints.len(),
        "hints are kept unless replaced"
    );
}

#[test]
fn the_guide_s_ex7_variant_changes_only_the_saturation_threshold() {
    use grader::spec::{CheckKind, Measure};
    let guide =
        std::fs::read_to_string(common::course_root().join("docs/instrutor/README.md")).unwrap();
    let start = guide
        .find("```toml\nformat_version = 1\nextends = \"ex7\"")
        .unwrap()
        + 8;
    let text = &guide[start..start + guide[start..].find("```").unwrap()];
    let mine = Spec::from_toml("guide", text).unwrap();
    let ex7 = Spec::builtin("ex7").unwrap();
    let measure = |s: &Spec, id: &str| match &s.checks.iter().find(|c| c.id == id).unwrap().kind {
        CheckKind::Reading(r) => (r.measure.clone(), r.asks.clone()),
        other => panic!("{other:?}"),
    };
    let (threshold, asks) = measure(&mine, "usuarios_para_saturar");
    assert!(
        matches!(threshold, Measure::FirstStepAtLeast { at_least, .. } if at_least == 0.8),
        "{threshold:?}"
    );
    assert_eq!(
        asks,
        measure(&ex7, "usuarios_para_saturar").1,
        "the other keys stay"
    );
    assert_eq!(
        measure(&mine, "latencia_com_mais_usuarios"),
        measure(&ex7, "latencia_com_mais_usuarios")
    );
}
