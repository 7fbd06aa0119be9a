//! Code the course keeps in several crates on purpose: each exercise crate stands alone (a
//! student opens one folder, builds it, and reads all of its code), so the finished ex1
//! middleware and `/metrics` route are copied into the crates that come after ex1 instead of
//! living in a shared crate. This test keeps the copies from drifting apart: change
//! `solutions/ex1-metricas-http/src/http.rs`, then copy it to the others.

use std::path::Path;

/// The copies of ex1's finished `src/http.rs`: the later starters begin where ex1 ends, and
/// the later solutions build on it unchanged.
const HTTP_COPIES: &[&str] = &[
    "exercises/ex2-metricas-negocio/src/http.rs",
    "exercises/final-black-friday/src/http.rs",
    "solutions/ex2-metricas-negocio/src/http.rs",
    "solutions/final-black-friday/src/http.rs",
];

#[test]
fn the_crates_after_ex1_carry_its_finished_http_module_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let original = "solutions/ex1-metricas-http/src/http.rs";
    let text = std::fs::read_to_string(root.join(original)).unwrap();
    let drifted: Vec<&str> = HTTP_COPIES
        .iter()
        .copied()
        .filter(|copy| {
            std::fs::read_to_string(root.join(copy)).ok().as_deref() != Some(text.as_str())
        })
        .collect();
    assert!(
        drifted.is_empty(),
        "these differ from {original} (copy it over them): {drifted:?}"
    );
}
