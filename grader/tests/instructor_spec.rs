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
