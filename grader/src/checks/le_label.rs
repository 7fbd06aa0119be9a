//! A selector that pins a bucket's `le` or a Summary's `quantile` to a whole number
//! (`le="1"`). Prometheus 2 stores those label values as the app writes them, and the Rust
//! and Python clients write `1`; Prometheus 3 rewrites them as floats when it scrapes
//! (`le="1.0"`), so the same selector matches nothing there, with no error. The rules and
//! dashboard checks add a note when they see one, whichever Prometheus graded the run.

use super::Outcome;
use crate::dashboard::Dashboard;
use crate::lang::{Text, both};

/// One selector on `le` or `quantile` that Prometheus 3 would never match.
#[derive(Debug, Clone, PartialEq)]
pub struct Pinned {
    /// As written: `le="1"`.
    pub written: String,
    pub label: String,
    /// What Prometheus 3 stores instead: `1.0`.
    pub stored: String,
}

/// The selectors of `expr` on `le` or `quantile` whose value (or one alternative of a regex,
/// without its float form beside it) is a whole number.
pub fn find(expr: &str) -> Vec<Pinned> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some((label, after)) = label_at(&chars, i) else {
            i += 1;
            continue;
        };
        if let Some((op, value, end)) = matcher_after(&chars, after) {
            let whole: Vec<&str> = if op.contains('~') {
                value.split('|').filter(|v| is_whole(v)).collect()
            } else if is_whole(&value) {
                vec![value.as_str()]
            } else {
                Vec::new()
            };
            let alternatives: Vec<&str> = value.split('|').collect();
            for w in whole {
                let stored = format!("{}.0", w.trim_start_matches('+'));
                // `le=~"1|1.0"` already matches on both majors.
                if op.contains('~') && alternatives.iter().any(|a| *a == stored) {
                    continue;
                }
                out.push(Pinned {
                    written: chars[i..end].iter().collect(),
                    label: label.to_string(),
                    stored,
                });
            }
            i = end;
        } else {
            i = after;
        }
    }
    out
}

/// `le` or `quantile` starting at `i` as a whole identifier: the label and the index after it.
fn label_at(chars: &[char], i: usize) -> Option<(&'static str, usize)> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    if i > 0 && ident(chars[i - 1]) {
        return None;
    }
    for label in ["le", "quantile"] {
        let end = i + label.len();
        if end <= chars.len()
            && chars[i..end].iter().copied().eq(label.chars())
            && !chars.get(end).is_some_and(|c| ident(*c))
        {
            return Some((label, end));
        }
    }
    None
}

/// A matcher operator and a quoted string after `i`: (operator, value, index after the quote).
fn matcher_after(chars: &[char], mut i: usize) -> Option<(String, String, usize)> {
    let skip = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    skip(&mut i);
    let op = match (chars.get(i), chars.get(i + 1)) {
        (Some('='), Some('~')) | (Some('!'), Some('~')) | (Some('!'), Some('=')) => {
            i += 2;
            format!("{}{}", chars[i - 2], chars[i - 1])
        }
        // `==` compares numbers; it is not a label matcher.
        (Some('='), Some('=')) => return None,
        (Some('='), _) => {
            i += 1;
            "=".to_string()
        }
        _ => return None,
    };
    skip(&mut i);
    let quote = *chars.get(i).filter(|c| matches!(c, '"' | '\'' | '`'))?;
    i += 1;
    let mut value = String::new();
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c == quote {
            return Some((op, value, i));
        }
        if c == '\\' && quote != '`' {
            if let Some(&next) = chars.get(i) {
                value.push(next);
                i += 1;
            }
            continue;
        }
        value.push(c);
    }
    None
}

fn is_whole(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or(v);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The note for the selectors found in `places` (where, expression), if any.
pub fn note(places: &[(String, String)]) -> Option<Text> {
    let found: Vec<(String, Pinned)> = places
        .iter()
        .flat_map(|(at, expr)| find(expr).into_iter().map(move |p| (at.clone(), p)))
        .collect();
    let (_, first) = found.first()?;
    let listed: Vec<String> = found
        .iter()
        .map(|(at, p)| format!("`{}` ({at})", p.written))
        .collect();
    let portable = format!(
        "{}=~\"{}(\\\\.0)?\"",
        first.label,
        first.stored.strip_suffix(".0").unwrap_or(&first.stored)
    );
    Some(both(
        format!(
            "{}: o Prometheus 3 grava os valores de `le` e `quantile` como números com ponto \
             (`{}=\"{}\"`), e um seletor com o número inteiro não encontra nada lá, sem erro \
             (no 2.42 funciona). Escreva `{portable}`, que casa nas duas versões.",
            listed.join(", "),
            first.label,
            first.stored
        ),
        format!(
            "{}: Prometheus 3 stores `le` and `quantile` values as numbers with a point \
             (`{}=\"{}\"`), and a selector with the whole number matches nothing there, with no \
             error (on 2.42 it works). Write `{portable}`, which matches on both.",
            listed.join(", "),
            first.label,
            first.stored
        ),
    ))
}

/// The expressions of a rules file (`groups[].rules[].expr`), each with the rule's name.
pub fn rule_exprs(yaml: &serde_yaml::Value) -> Vec<(String, String)> {
    let str_of = |v: &serde_yaml::Value| v.as_str().map(str::to_string);
    yaml["groups"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|g| g["rules"].as_sequence())
        .flatten()
        .filter_map(|r| {
            let name = str_of(&r["alert"]).or_else(|| str_of(&r["record"]))?;
            Some((name, str_of(&r["expr"])?))
        })
        .collect()
}

/// The visible queries of a dashboard, each with its panel.
pub fn dashboard_exprs(d: &Dashboard) -> Vec<(String, String)> {
    d.panels()
        .unwrap_or_default()
        .iter()
        .flat_map(|p| {
            p.visible_queries()
                .filter_map(|t| Some((p.label(), t.expr.clone()?)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `outcome` with `extra` added to its note.
pub fn noted(mut outcome: Outcome, extra: Option<Text>) -> Outcome {
    if let Some(extra) = extra {
        outcome.note = Some(match outcome.note.take() {
            Some(n) => both(
                format!("{} {}", n.pt, extra.pt),
                format!("{} {}", n.en, extra.en),
            ),
            None => extra,
        });
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(expr: &str) -> Vec<String> {
        find(expr).into_iter().map(|p| p.written).collect()
    }

    #[test]
    fn a_whole_number_on_le_or_quantile_is_found() {
        assert_eq!(
            written(r#"sum(rate(x_bucket{le="1"}[5m])) / sum(rate(x_count[5m]))"#),
            ["le=\"1\""]
        );
        assert_eq!(
            written(r#"x{quantile = "1", job="loja"}"#),
            ["quantile = \"1\""]
        );
        assert_eq!(written("x_bucket{le!='5'}"), ["le!='5'"]);
        let p = &find(r#"x_bucket{le="10"}"#)[0];
        assert_eq!((p.label.as_str(), p.stored.as_str()), ("le", "10.0"));
    }

    #[test]
    fn values_that_are_the_same_on_both_majors_are_left_alone() {
        for expr in [
            r#"x_bucket{le="0.5"}"#,
            r#"x_bucket{le="+Inf"}"#,
            r#"x_bucket{le="1.0"}"#,
            r#"x{quantile="0.99"}"#,
            r#"x_bucket{le=~"1(\\.0)?"}"#,
            r#"x_bucket{le=~"1|1.0"}"#,
            "histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))",
            "sum without(le) (x_bucket)",
        ] {
            assert_eq!(written(expr), Vec::<String>::new(), "{expr}");
        }
    }

    #[test]
    fn other_labels_and_comparisons_are_not_selectors_on_le() {
        for expr in [
            r#"x{handle="1"}"#,
            r#"x{rule="1"}"#,
            r#"x{service_le="1"}"#,
            "x_bucket == 1",
        ] {
            assert_eq!(written(expr), Vec::<String>::new(), "{expr}");
        }
    }

    #[test]
    fn a_regex_is_caught_by_its_whole_alternative() {
        assert_eq!(written(r#"x_bucket{le=~"0.5|1"}"#), ["le=~\"0.5|1\""]);
    }

    #[test]
    fn the_note_names_each_place_and_a_selector_for_both_majors() {
        let yaml: serde_yaml::Value = serde_yaml::from_str(
            r#"
groups:
  - name: g
    rules:
      - record: job:lentos:ratio
        expr: sum(rate(x_bucket{le="1"}[1m])) / sum(rate(x_count[1m]))
      - alert: Ok
        expr: x{quantile="0.99"} > 1
"#,
        )
        .unwrap();
        let n = note(&rule_exprs(&yaml)).expect("a note");
        assert!(n.pt.contains("`le=\"1\"` (job:lentos:ratio)"), "{}", n.pt);
        assert!(n.pt.contains(r#"le=~"1(\\.0)?""#), "{}", n.pt);
        assert!(n.en.contains("`le=\"1.0\"`"), "{}", n.en);
        assert!(!n.pt.contains("quantile=\"0.99\""), "{}", n.pt);
        assert_eq!(note(&[("p".into(), "rate(x_count[1m])".into())]), None);
    }

    #[test]
    fn a_dashboard_query_is_named_with_its_panel() {
        let d = Dashboard::from_text(
            "d.json",
            r#"{"title":"t","schemaVersion":39,"panels":[{"type":"timeseries","title":"Lentos",
               "targets":[{"refId":"A","expr":"sum(rate(x_bucket{le=\"1\"}[1m]))"}]}]}"#,
        );
        let places = dashboard_exprs(&d);
        assert_eq!(places.len(), 1, "{places:?}");
        let n = note(&places).expect("a note");
        assert!(n.en.contains("Lentos"), "{}", n.en);
    }

    #[test]
    fn a_note_is_added_to_what_the_check_had() {
        let o = Outcome::pass_noting(both("e", "e"), both("a", "a"));
        let o = noted(o, Some(both("b", "b")));
        assert_eq!(o.note.unwrap().en, "a b");
        let o = noted(Outcome::pass(both("e", "e"), both("s", "s")), None);
        assert!(o.note.is_none());
    }
}
