//! Every alert of the submitted rules links its runbook entry: a `runbook_url` annotation
//! naming the submission's runbook file and, after `#`, a heading of that file. What the
//! link points to must exist, so someone paged at night finds the steps where the alert says.

use serde_yaml::Value;

use super::{Context, Outcome};
use crate::lang::both;
use crate::promconfig::scalar;

/// The anchor a heading gets on GitHub and in mdBook: lower case, spaces to `-`, other
/// punctuation dropped (`## Estoque Baixo!` → `estoque-baixo`).
pub fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of the Markdown headings of `text`.
pub fn anchors(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let hashes = l.chars().take_while(|c| *c == '#').count();
            (1..=6)
                .contains(&hashes)
                .then(|| l[hashes..].strip_prefix(' '))
                .flatten()
        })
        .map(slug)
        .collect()
}

/// Each alert of the rule file, with its `runbook_url` annotation when it has one.
fn alerts(rules: &Value) -> Vec<(String, Option<String>)> {
    rules["groups"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|g| g["rules"].as_sequence())
        .flatten()
        .filter_map(|r| {
            let name = scalar(r.get("alert")?);
            let url = r
                .get("annotations")
                .and_then(|a| a.get("runbook_url"))
                .map(scalar)
                .filter(|u| !u.trim().is_empty());
            Some((name, url))
        })
        .collect()
}

/// Why `url` does not lead to an entry of `file` (whose headings have `anchors`).
fn broken(url: &str, file: &str, anchors: &[String]) -> Option<String> {
    let Some((path, fragment)) = url.split_once('#') else {
        return Some(format!("`{url}` (#?)"));
    };
    let names_file = path.rsplit('/').next() == Some(file);
    if !names_file || !anchors.contains(&slug(fragment)) {
        return Some(format!("`{url}`"));
    }
    None
}

pub fn run(cx: &Context<'_>, file: &str) -> Outcome {
    let expected = both(
        format!(
            "cada alerta com a anotação runbook_url apontando para uma ficha de {file} (`{file}#nome-do-alerta`)"
        ),
        format!(
            "every alert with a runbook_url annotation pointing to an entry of {file} (`{file}#alert-name`)"
        ),
    );
    let Some(rules) = cx.rules else {
        return Outcome::fail(
            expected,
            both("sem arquivo de regras", "no rule file"),
            None,
        );
    };
    let yaml = match &rules.yaml {
        Ok(v) => v,
        Err(e) => {
            let seen = both(
                format!("{} não é YAML válido: {e}", rules.file),
                format!("{} is not valid YAML: {e}", rules.file),
            );
            return Outcome::fail(expected, seen, None);
        }
    };
    let alerts = alerts(yaml);
    if alerts.is_empty() {
        let seen = both(
            format!("{} não tem nenhum alerta", rules.file),
            format!("{} has no alert", rules.file),
        );
        return Outcome::fail(expected, seen, None);
    }
    let text = match super::catalog::read(cx.submission, file) {
        Ok(t) => t,
        Err(seen) => return Outcome::fail(expected, seen, None),
    };
    let anchors = anchors(&text);
    let without: Vec<&str> = alerts
        .iter()
        .filter(|(_, u)| u.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    let dangling: Vec<String> = alerts
        .iter()
        .filter_map(|(n, u)| Some(format!("{n} → {}", broken(u.as_ref()?, file, &anchors)?)))
        .collect();
    if without.is_empty() && dangling.is_empty() {
        let names: Vec<&str> = alerts.iter().map(|(n, _)| n.as_str()).collect();
        return Outcome::pass(
            expected,
            both(
                format!(
                    "{} alertas, cada um com a sua ficha: {}",
                    names.len(),
                    names.join(", ")
                ),
                format!(
                    "{} alerts, each with its entry: {}",
                    names.len(),
                    names.join(", ")
                ),
            ),
        );
    }
    let (mut pt, mut en) = (Vec::new(), Vec::new());
    if !without.is_empty() {
        pt.push(format!("sem runbook_url: {}", without.join(", ")));
        en.push(format!("without runbook_url: {}", without.join(", ")));
    }
    if !dangling.is_empty() {
        pt.push(format!(
            "apontam para uma ficha que {file} não tem: {}",
            dangling.join(", ")
        ));
        en.push(format!(
            "pointing to an entry {file} lacks: {}",
            dangling.join(", ")
        ));
    }
    let cause = both(
        format!(
            "em `annotations:` de cada alerta, `runbook_url: {file}#nome-da-ficha`, e em {file} um título `## Nome da ficha` (o link usa o título em minúsculas, espaços viram `-`)"
        ),
        format!(
            "under each alert's `annotations:`, `runbook_url: {file}#entry-name`, and in {file} a heading `## Entry name` (the link uses the heading in lower case, spaces as `-`)"
        ),
    );
    Outcome::fail(expected, both(pt.join("; "), en.join("; ")), Some(cause))
}

impl super::Judge for crate::spec::kinds::AlertsHaveRunbook {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        run(cx, &self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_lead_to_headings_of_the_file() {
        let md = "# Runbook\n\n## EstoqueBaixo\n\ntexto\n\n### Taxa de Erro Alta!\n#semespaco\n";
        let a = anchors(md);
        assert_eq!(a, ["runbook", "estoquebaixo", "taxa-de-erro-alta"]);
        assert_eq!(broken("RUNBOOK.md#EstoqueBaixo", "RUNBOOK.md", &a), None);
        assert_eq!(
            broken(
                "https://git.example/loja/blob/main/RUNBOOK.md#taxa-de-erro-alta",
                "RUNBOOK.md",
                &a
            ),
            None
        );
        assert!(broken("RUNBOOK.md#LatenciaAlta", "RUNBOOK.md", &a).is_some());
        assert!(broken("OUTRO.md#estoquebaixo", "RUNBOOK.md", &a).is_some());
        assert!(broken("RUNBOOK.md", "RUNBOOK.md", &a).is_some());
    }

    #[test]
    fn every_alert_is_listed_with_its_link() {
        let v: Value = serde_yaml::from_str(
            "groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: up\n  - alert: A\n    expr: up\n    annotations: {runbook_url: 'RUNBOOK.md#a'}\n  - alert: B\n    expr: up\n",
        )
        .unwrap();
        assert_eq!(
            alerts(&v),
            [
                ("A".to_string(), Some("RUNBOOK.md#a".to_string())),
                ("B".to_string(), None)
            ]
        );
    }
}
