//! Unit tests of the private helpers; the behaviour of `parse` is tested in `tests/`.

use crate::parser::parse_float_lenient as float;

#[test]
fn floats_follow_go_parse_float() {
    assert_eq!(float("42"), Some(42.0));
    assert_eq!(float("-1.5"), Some(-1.5));
    assert_eq!(float("+3e-4"), Some(3e-4));
    assert_eq!(float(".5"), Some(0.5));
    assert_eq!(float("5."), Some(5.0));
    assert_eq!(float("1E+3"), Some(1000.0));
    assert_eq!(float("+Inf"), Some(f64::INFINITY));
    assert_eq!(float("-Inf"), Some(f64::NEG_INFINITY));
    assert_eq!(float("Inf"), Some(f64::INFINITY));
    assert_eq!(float("inf"), Some(f64::INFINITY));
    assert_eq!(float("-infinity"), Some(f64::NEG_INFINITY));
    assert!(float("NaN").unwrap().is_nan());
    assert!(float("nan").unwrap().is_nan());
    for bad in [
        "", ".", "+", "e3", "1e", "1e+", "0x10", "0x1p3", "1_000", "1,5", "+NaN", "-nan", "infx",
        "1.2.3", "1e400", "--1", " 1",
    ] {
        assert_eq!(float(bad), None, "{bad:?} should be rejected");
    }
}
