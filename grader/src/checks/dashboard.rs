//! The checks of a submitted Grafana dashboard: that the course's Grafana would load it, that
//! each asked panel is there with its visualization and the right queries, and that every
//! query has data. Queries run on the grader's Prometheus at the instant after the spec's
//! load, with Grafana's variables replaced (see [`crate::dashboard::VARIABLES`]).

use std::collections::BTreeSet;

use super::answer::{Mismatch, same_values, shape_by};
use super::{Context, Outcome};
use crate::dashboard::{Dashboard, Panel, Target, unknown_variables};
use crate::lang::{Text, both};
use crate::prometheus::Sample;
use crate::spec::PanelQuery;
use crate::spec::kinds;

/// At most this many problems are listed; the rest are counted.
const MAX_LISTED: usize = 12;

fn no_dashboard(expected: Text) -> Outcome {
    Outcome::fail(
        expected,
        both("o spec não tem dashboard", "the spec has no dashboard"),
        None,
    )
}

/// `dashboard_valid`: [`Dashboard::problems`] is empty.
pub fn valid(cx: &Context<'_>) -> Outcome {
    let expected = both(
        "um dashboard do Grafana (title, panels, schemaVersion ≥ 36), cada painel com type e title, cada consulta no Prometheus provisionado (uid `prometheus`, ou o data source padrão)",
        "a Grafana dashboard (title, panels, schemaVersion ≥ 36), every panel with a type and a title, every query on the provisioned Prometheus (uid `prometheus`, or the default data source)",
    );
    let Some(d) = cx.dashboard else {
        return no_dashboard(expected);
    };
    let problems = d.problems();
    if problems.is_empty() {
        let panels = d.panels().unwrap_or_default();
        let n = panels.iter().filter(|p| !p.is_row()).count();
        return Outcome::pass(
            expected,
            both(format!("{n} painéis"), format!("{n} panels")),
        );
    }
    if d.json().is_err() {
        return Outcome::fail(expected, list(&problems), Some(file_cause()));
    }
    let cause = problems
        .iter()
        .any(|p| p.en.contains("data source"))
        .then(|| {
            both(
                "O Grafana do curso tem um data source só, o Prometheus provisionado com uid `prometheus` (stack/grafana/provisioning/datasources/prometheus.yml).",
                "The course's Grafana has a single data source, the Prometheus provisioned with uid `prometheus` (stack/grafana/provisioning/datasources/prometheus.yml).",
            )
        });
    Outcome::fail(expected, list(&problems), cause)
}

/// `panel`: a panel titled `title`, of one of `types`, whose visible queries meet `queries`.
pub async fn panel(
    cx: &Context<'_>,
    title: &str,
    types: &[String],
    queries: &[PanelQuery],
) -> Outcome {
    let expected = expected_panel(title, types, queries);
    let Some(d) = cx.dashboard else {
        return no_dashboard(expected);
    };
    let found = match d.find(title) {
        Ok(f) => f,
        Err(e) => return Outcome::fail(expected, e, Some(file_cause())),
    };
    if found.is_empty() {
        return Outcome::fail(expected, missing(d, title), Some(missing_cause()));
    }
    // Two panels with the title: either will do.
    let mut first = None;
    for p in &found {
        let outcome = one_panel(cx, p, types, queries, expected.clone()).await;
        if outcome.passed {
            return outcome;
        }
        first.get_or_insert(outcome);
    }
    first.expect("found is not empty")
}

async fn one_panel(
    cx: &Context<'_>,
    p: &Panel,
    types: &[String],
    queries: &[PanelQuery],
    expected: Text,
) -> Outcome {
    if !types.is_empty() && !types.contains(&p.kind) {
        let shown = if p.kind.is_empty() {
            both("não tem `type`", "has no `type`")
        } else {
            both(
                format!("é um `{}` ({})", p.kind, ui_name(&p.kind)),
                format!("is a `{}` ({})", p.kind, ui_name(&p.kind)),
            )
        };
        let wanted: Vec<String> = types
            .iter()
            .map(|t| format!("`{t}` ({})", ui_name(t)))
            .collect();
        return Outcome::fail(
            expected,
            both(
                format!("{} {}", p.label(), shown.pt),
                format!("{} {}", p.label(), shown.en),
            ),
            Some(both(
                format!(
                    "A visualização se escolhe no canto superior direito do editor do painel; no JSON, é o `type` do painel: {}.",
                    wanted.join(" ou ")
                ),
                format!(
                    "The visualization is picked at the top right of the panel editor; in the JSON it is the panel's `type`: {}.",
                    wanted.join(" or ")
                ),
            )),
        );
    }
    if queries.is_empty() {
        return Outcome::pass(
            expected,
            both(
                format!("{} ({})", p.label(), p.kind),
                format!("{} ({})", p.label(), p.kind),
            ),
        );
    }
    let (Some(prom), Some(at)) = (cx.prometheus, cx.at) else {
        return super::not_started(expected);
    };
    let targets: Vec<&Target> = p.visible_queries().collect();
    let runnable: Vec<(&Target, String)> = targets
        .iter()
        .filter_map(|t| t.query().ok().map(|q| (*t, q)))
        .collect();
    if runnable.is_empty() {
        let hidden = p.targets.iter().any(|t| t.hidden && t.is_prometheus());
        let seen = if hidden {
            both(
                format!("{} só tem consultas escondidas (hide)", p.label()),
                format!("{} has hidden queries only (hide)", p.label()),
            )
        } else {
            both(
                format!("{} não tem consulta (o campo `expr` está vazio)", p.label()),
                format!("{} has no query (its `expr` is empty)", p.label()),
            )
        };
        return Outcome::fail(
            expected,
            seen,
            Some(both(
                "Escreva a consulta PromQL do painel (no JSON, `targets[].expr`).",
                "Write the panel's PromQL query (in the JSON, `targets[].expr`).",
            )),
        );
    }
    // The panel's queries, evaluated.
    let mut results = Vec::new();
    for (t, q) in &runnable {
        let r = match prom.query_at(q, at).await {
            Err(e) => Err((e, Some(variables_cause(q).unwrap_or_else(try_it_cause)))),
            // No data because of what the grader cannot resolve: say that, not "no data".
            Ok(got) if got.is_empty() => match empty_cause(q) {
                Some(c) => Err((both("sem dados", "no data"), Some(c))),
                None => Ok(got),
            },
            Ok(got) => Ok(got),
        };
        results.push((*t, q.as_str(), r));
    }
    // The references, evaluated.
    let mut references: Vec<Vec<Vec<Sample>>> = Vec::new();
    for q in queries {
        let mut alts = Vec::new();
        for r in &q.reference {
            match prom.query_at(r, at).await {
                Ok(s) => alts.push(s),
                Err(e) => return Outcome::fail(expected, e, None),
            }
        }
        if !q.reference.is_empty() && alts.iter().all(Vec::is_empty) {
            // The app, not the dashboard, lacks something: say so.
            return Outcome::fail(
                expected,
                both(
                    "a consulta de referência não devolveu nada neste app",
                    "the reference query returned nothing on this app",
                ),
                Some(both(
                    "O app avaliado (o seu ex2) expõe todas as métricas do contrato? Termine o ex2 antes.",
                    "Does the graded app (your ex2) expose every metric of the contract? Finish ex2 first.",
                )),
            );
        }
        references.push(alts);
    }
    // verdicts[i][j]: does query j of the panel meet requirement i?
    let verdicts: Vec<Vec<Result<(), Mismatch>>> = queries
        .iter()
        .zip(&references)
        .map(|(q, refs)| {
            results
                .iter()
                .map(|(_, expr, r)| match r {
                    Ok(got) => meets(expr, got, q, refs),
                    Err(e) => Err(e.clone()),
                })
                .collect()
        })
        .collect();
    let assigned = assign(&verdicts);
    let unmet: Vec<usize> = (0..queries.len())
        .filter(|i| assigned[*i].is_none())
        .collect();
    if unmet.is_empty() {
        let refs: Vec<&str> = assigned
            .iter()
            .flatten()
            .map(|j| results[*j].0.ref_id.as_str())
            .collect();
        return Outcome::pass(
            expected,
            both(
                format!("{} ({}), consultas {}", p.label(), p.kind, refs.join(", ")),
                format!("{} ({}), queries {}", p.label(), p.kind, refs.join(", ")),
            ),
        );
    }
    let used: BTreeSet<usize> = assigned.iter().flatten().copied().collect();
    let free: Vec<usize> = (0..results.len()).filter(|j| !used.contains(j)).collect();
    let single = queries.len() == 1 && results.len() == 1;
    let mut lines = Vec::new();
    let mut cause = None;
    // The requirements left without any query to try: said once, with the empty ones.
    let starved: Vec<Text> = if free.is_empty() {
        unmet.iter().map(|i| name_of(&queries[*i])).collect()
    } else {
        Vec::new()
    };
    if !starved.is_empty() {
        let names = both(
            starved
                .iter()
                .map(|n| n.pt.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            starved
                .iter()
                .map(|n| n.en.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
        let empty: Vec<&str> = targets
            .iter()
            .filter(|t| t.query().is_err())
            .map(|t| t.ref_id.as_str())
            .collect();
        lines.push(if empty.is_empty() {
            both(
                format!(
                    "{}: sem consulta ({} pede {} consultas, o painel tem {})",
                    names.pt,
                    p.label(),
                    queries.len(),
                    results.len()
                ),
                format!(
                    "{}: no query left ({} asks for {} queries, the panel has {})",
                    names.en,
                    p.label(),
                    queries.len(),
                    results.len()
                ),
            )
        } else {
            let e = empty.join(", ");
            both(
                format!("{}: sem consulta (vazias: {e})", names.pt),
                format!("{}: no query left (empty: {e})", names.en),
            )
        });
        cause = Some(both(
            "Um painel aceita várias consultas (Add query), uma por linha do gráfico.",
            "A panel takes several queries (Add query), one per line of the chart.",
        ));
    }
    for i in unmet.iter().copied().filter(|_| starved.is_empty()) {
        let name = name_of(&queries[i]);
        for j in &free {
            let Err((seen, c)) = &verdicts[i][*j] else {
                continue;
            };
            let r = &results[*j].0.ref_id;
            lines.push(if single {
                both(
                    format!("{} {r}: {}", p.label(), seen.pt),
                    format!("{} {r}: {}", p.label(), seen.en),
                )
            } else {
                both(
                    format!("{}: {r}: {}", name.pt, seen.pt),
                    format!("{}: {r}: {}", name.en, seen.en),
                )
            });
            if cause.is_none() {
                cause = c.clone();
            }
        }
    }
    Outcome::fail(expected, list(&lines), cause)
}

/// `panel_queries`: every visible query of every panel runs and returns data.
pub async fn queries(cx: &Context<'_>) -> Outcome {
    let expected = both(
        "toda consulta visível de todo painel roda no Prometheus e devolve dados",
        "every visible query of every panel runs on Prometheus and returns data",
    );
    let Some(d) = cx.dashboard else {
        return no_dashboard(expected);
    };
    let panels = match d.panels() {
        Ok(p) => p,
        Err(e) => return Outcome::fail(expected, e, Some(file_cause())),
    };
    let (Some(prom), Some(at)) = (cx.prometheus, cx.at) else {
        return super::not_started(expected);
    };
    let mut problems = Vec::new();
    let mut causes: Vec<Text> = Vec::new();
    let mut cause = |c: Text| {
        if !causes.contains(&c) {
            causes.push(c);
        }
    };
    let (mut ran, mut with_queries) = (0, 0);
    for p in panels.iter().filter(|p| !p.is_row()) {
        let mut any = false;
        for t in p.visible_queries() {
            any = true;
            ran += 1;
            let at_query = format!("{} {}", p.label(), t.ref_id);
            let q = match t.query() {
                Ok(q) => q,
                Err(e) => {
                    problems.push(both(
                        format!("{at_query}: {}", e.pt),
                        format!("{at_query}: {}", e.en),
                    ));
                    cause(both(
                        "Escreva a consulta, ou apague (ou esconda, com hide) a que ficou vazia.",
                        "Write the query, or delete (or hide) the one left empty.",
                    ));
                    continue;
                }
            };
            match prom.query_at(&q, at).await {
                Ok(s) if !s.is_empty() => {}
                Ok(_) => {
                    problems.push(both(
                        format!("{at_query}: sem dados: `{q}`"),
                        format!("{at_query}: no data: `{q}`"),
                    ));
                    cause(empty_cause(&q).unwrap_or_else(no_data_cause));
                }
                Err(e) => {
                    problems.push(both(
                        format!("{at_query}: {}", e.pt),
                        format!("{at_query}: {}", e.en),
                    ));
                    cause(variables_cause(&q).unwrap_or_else(try_it_cause));
                }
            }
        }
        with_queries += usize::from(any);
    }
    if ran == 0 {
        return Outcome::fail(
            expected,
            both(
                "o dashboard não tem nenhuma consulta",
                "the dashboard has no query at all",
            ),
            None,
        );
    }
    if problems.is_empty() {
        return Outcome::pass(
            expected,
            both(
                format!("{ran} consultas em {with_queries} painéis, todas com dados"),
                format!("{ran} queries in {with_queries} panels, each with data"),
            ),
        );
    }
    let cause = (!causes.is_empty()).then(|| {
        both(
            causes
                .iter()
                .map(|c| c.pt.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            causes
                .iter()
                .map(|c| c.en.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    });
    Outcome::fail(expected, list(&problems), cause)
}

/// Does a query that returned `got` meet `q`, given what its references returned?
fn meets(expr: &str, got: &[Sample], q: &PanelQuery, refs: &[Vec<Sample>]) -> Result<(), Mismatch> {
    let squashed: String = expr.split_whitespace().collect();
    for u in &q.uses {
        let want: String = u.split_whitespace().collect();
        if !squashed.contains(&want) {
            return Err((
                both(
                    format!("a consulta não lê `{u}`"),
                    format!("the query does not read `{u}`"),
                ),
                Some(both(
                    format!("Este painel é sobre `{u}`: a consulta precisa dela."),
                    format!("This panel is about `{u}`: the query needs it."),
                )),
            ));
        }
    }
    if got.is_empty() {
        return Err((both("sem dados", "no data"), Some(no_data_cause())));
    }
    let by = &q.by;
    if !by.is_empty() {
        shape_by(got, by)?;
    } else if (q.single || !q.reference.is_empty()) && got.len() != 1 {
        return Err((
            both(
                format!("{} séries, onde se espera um número só", got.len()),
                format!("{} series, where a single number is expected", got.len()),
            ),
            Some(both(
                "Um número só pede uma agregação sem `by`, como sum(...); num histogram_quantile, `sum by (le) (...)` dentro dele.",
                "A single number needs an aggregation without `by`, such as sum(...); in a histogram_quantile, `sum by (le) (...)` inside it.",
            )),
        ));
    }
    let mut first = None;
    for want in refs.iter().filter(|w| !w.is_empty()) {
        match same_values(got, want, by) {
            Ok(()) => return Ok(()),
            Err(m) => {
                first.get_or_insert(m);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// A query of the panel for each requirement, none used twice (a maximum bipartite matching:
/// the requirements are few).
fn assign<T>(verdicts: &[Vec<Result<(), T>>]) -> Vec<Option<usize>> {
    fn augment<T>(
        i: usize,
        verdicts: &[Vec<Result<(), T>>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for (j, v) in verdicts[i].iter().enumerate() {
            if v.is_err() || seen[j] {
                continue;
            }
            seen[j] = true;
            if owner[j].is_none_or(|k| augment(k, verdicts, seen, owner)) {
                owner[j] = Some(i);
                return true;
            }
        }
        false
    }
    let columns = verdicts.first().map_or(0, Vec::len);
    let mut owner: Vec<Option<usize>> = vec![None; columns];
    for i in 0..verdicts.len() {
        let mut seen = vec![false; columns];
        augment(i, verdicts, &mut seen, &mut owner);
    }
    let mut assigned = vec![None; verdicts.len()];
    for (j, o) in owner.iter().enumerate() {
        if let Some(i) = o {
            assigned[*i] = Some(j);
        }
    }
    assigned
}

fn name_of(q: &PanelQuery) -> Text {
    if let Some(n) = &q.name {
        return n.clone();
    }
    if let Some(r) = q.reference.first() {
        return both(format!("`{r}`"), format!("`{r}`"));
    }
    let uses = q.uses.join(", ");
    both(
        format!("a consulta de {uses}"),
        format!("the query of {uses}"),
    )
}

fn describe(q: &PanelQuery) -> Text {
    let shape = if !q.by.is_empty() {
        let l = q.by.join(", ");
        both(format!("uma série por {l}"), format!("one series per {l}"))
    } else if q.single || !q.reference.is_empty() {
        both("um número só", "a single number")
    } else {
        both("dados", "data")
    };
    let mut t = match q.reference.first() {
        Some(r) => both(
            format!("o mesmo que `{r}` ({})", shape.pt),
            format!("the same as `{r}` ({})", shape.en),
        ),
        None => shape,
    };
    if !q.uses.is_empty() {
        let u: Vec<String> = q.uses.iter().map(|u| format!("`{u}`")).collect();
        t.pt.push_str(&format!(", lendo {}", u.join(", ")));
        t.en.push_str(&format!(", reading {}", u.join(", ")));
    }
    if let Some(n) = &q.name {
        t = both(format!("{}: {}", n.pt, t.pt), format!("{}: {}", n.en, t.en));
    }
    t
}

fn expected_panel(title: &str, types: &[String], queries: &[PanelQuery]) -> Text {
    let mut t = both(format!("um painel “{title}”"), format!("a panel “{title}”"));
    if !types.is_empty() {
        let names: Vec<String> = types.iter().map(|k| format!("`{k}`")).collect();
        t.pt.push_str(&format!(" de visualização {}", names.join(" ou ")));
        t.en.push_str(&format!(", visualization {}", names.join(" or ")));
    }
    match queries {
        [] => {}
        [q] => {
            let d = describe(q);
            t.pt.push_str(&format!("; consulta: {}", d.pt));
            t.en.push_str(&format!("; query: {}", d.en));
        }
        many => {
            for q in many {
                let d = describe(q);
                t.pt.push_str(&format!("\n  - {}", d.pt));
                t.en.push_str(&format!("\n  - {}", d.en));
            }
        }
    }
    t
}

fn missing(d: &Dashboard, title: &str) -> Text {
    let titles: Vec<String> = d
        .panels()
        .unwrap_or_default()
        .iter()
        .filter(|p| !p.is_row())
        .map(Panel::label)
        .collect();
    let list = if titles.is_empty() {
        both("nenhum".to_string(), "none".to_string())
    } else {
        both(titles.join(", "), titles.join(", "))
    };
    both(
        format!(
            "não há painel “{title}” em {} (os painéis: {})",
            d.file, list.pt
        ),
        format!(
            "there is no panel “{title}” in {} (its panels: {})",
            d.file, list.en
        ),
    )
}

fn file_cause() -> Text {
    both(
        "Todas as verificações leem o arquivo: conserte-o primeiro. `python3 -m json.tool dashboard.json` aponta o lugar; JSON não aceita aspas simples, vírgula depois do último item nem comentários.",
        "Every check reads the file: fix it first. `python3 -m json.tool dashboard.json` points at the place; JSON takes no single quotes, no comma after the last item and no comments.",
    )
}

fn missing_cause() -> Text {
    both(
        "O avaliador acha cada painel pelo título: maiúsculas, acentos e pontuação não importam, as palavras sim. Crie o painel, ou corrija o título.",
        "The grader finds each panel by its title: case, accents and punctuation do not matter, the words do. Add the panel, or fix its title.",
    )
}

/// Why a query that runs has no data, when the grader can tell: a Grafana variable, or a
/// recording rule's series (the grader's Prometheus loads no rules).
fn empty_cause(query: &str) -> Option<Text> {
    variables_cause(query).or_else(|| {
        let rules = recorded_series(query);
        (!rules.is_empty()).then(|| {
            let r = rules.join(", ");
            both(
                format!("{r}: a série de uma regra de gravação. O Prometheus do avaliador não carrega regras (as do ex5 ficam no ex5): escreva no painel a expressão da regra."),
                format!("{r}: a recording rule's series. The grader's Prometheus loads no rules (those of ex5 stay in ex5): write the rule's expression in the panel."),
            )
        })
    })
}

/// The names with a `:` a query reads (`job:http_requests:rate5m`): recording rules' series
/// by the naming convention. Ranges (`[5m:1m]`), label matchers and strings are skipped.
fn recorded_series(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut brackets, mut braces, mut quote) = (0usize, 0usize, None::<char>);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.contains(':') && !word.starts_with(':') && !out.contains(word) {
            out.push(word.clone());
        }
        word.clear();
    };
    for c in query.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '[' => brackets += 1,
            ']' => brackets = brackets.saturating_sub(1),
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            _ => {}
        }
        let in_name = c.is_ascii_alphanumeric() || c == '_' || c == ':';
        if in_name && brackets == 0 && braces == 0 {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn no_data_cause() -> Text {
    both(
        "A consulta não casou com nenhuma série: confira o nome da métrica e as labels no /metrics. Se a métrica não está lá, o seu ex2 ainda não a publica.",
        "The query matched no series: check the metric's name and labels in /metrics. If the metric is not there, your ex2 does not publish it yet.",
    )
}

fn try_it_cause() -> Text {
    both(
        "Teste a consulta na interface do Prometheus (http://localhost:9090) antes de pô-la no painel.",
        "Try the query in Prometheus's interface (http://localhost:9090) before putting it in the panel.",
    )
}

fn variables_cause(query: &str) -> Option<Text> {
    let vars = unknown_variables(query);
    (!vars.is_empty()).then(|| {
        let v = vars.join(", ");
        both(
            format!("A consulta usa {v}: variáveis que só o Grafana conhece. O avaliador troca só $__rate_interval (1m), $__interval (15s) e $__range (5m)."),
            format!("The query uses {v}: variables only Grafana knows. The grader replaces only $__rate_interval (1m), $__interval (15s) and $__range (5m)."),
        )
    })
}

/// The names of a visualization in Grafana's picker.
fn ui_name(kind: &str) -> &str {
    match kind {
        "timeseries" => "Time series",
        "gauge" => "Gauge",
        "stat" => "Stat",
        "bargauge" => "Bar gauge",
        "barchart" => "Bar chart",
        "piechart" => "Pie chart",
        "table" => "Table",
        "text" => "Text",
        "heatmap" => "Heatmap",
        "histogram" => "Histogram",
        "state-timeline" => "State timeline",
        "status-history" => "Status history",
        "row" => "Row",
        other => other,
    }
}

/// Problems one per line, at most [`MAX_LISTED`].
fn list(problems: &[Text]) -> Text {
    if problems.len() == 1 {
        return problems[0].clone();
    }
    let shown = &problems[..problems.len().min(MAX_LISTED)];
    let mut pt: Vec<String> = shown.iter().map(|p| p.pt.clone()).collect();
    let mut en: Vec<String> = shown.iter().map(|p| p.en.clone()).collect();
    if problems.len() > MAX_LISTED {
        let more = problems.len() - MAX_LISTED;
        pt.push(format!("... e mais {more}"));
        en.push(format!("... and {more} more"));
    }
    both(
        pt.iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        en.iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

impl super::Judge for kinds::DashboardValid {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        let note = cx
            .dashboard
            .and_then(|d| super::le_label::note(&super::le_label::dashboard_exprs(d)));
        super::le_label::noted(valid(cx), note)
    }
}

impl super::Judge for kinds::Panel {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        panel(cx, &self.panel, &self.types, &self.queries).await
    }
}

impl super::Judge for kinds::PanelQueries {
    async fn judge(&self, cx: &mut Context<'_>) -> Outcome {
        queries(cx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    fn q(reference: &[&str], by: &[&str], uses: &[&str]) -> PanelQuery {
        PanelQuery {
            name: None,
            reference: reference.iter().map(|r| r.to_string()).collect(),
            by: by.iter().map(|r| r.to_string()).collect(),
            single: false,
            uses: uses.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn a_p95_without_sum_by_le_is_many_numbers_not_one() {
        let want = vec![vec![s(&[], 0.07)]];
        let got = [
            s(&[("endpoint", "/")], 0.01),
            s(&[("endpoint", "/checkout")], 0.09),
        ];
        let p95 = q(&["histogram_quantile(0.95, sum by (le) (...))"], &[], &[]);
        let (seen, cause) =
            meets("histogram_quantile(0.95, rate(x[5m]))", &got, &p95, &want).unwrap_err();
        assert_eq!(seen.en, "2 series, where a single number is expected");
        assert!(cause.unwrap().en.contains("sum by (le)"));
        assert!(meets("x", &[s(&[("job", "loja")], 0.07)], &p95, &want).is_ok());
        let (seen, _) = meets("x", &[s(&[], 0.7)], &p95, &want).unwrap_err();
        assert_eq!(seen.en, "0.7 (the reference gives 0.07)");
    }

    #[test]
    fn any_of_the_equivalent_references_will_do() {
        let refs = vec![vec![s(&[], 0.1)], vec![s(&[], 10.0)]];
        let erros = q(&["fração", "percentual"], &[], &[]);
        assert!(meets("x", &[s(&[], 10.0)], &erros, &refs).is_ok());
        assert!(meets("x", &[s(&[], 0.1)], &erros, &refs).is_ok());
        let (seen, _) = meets("x", &[s(&[], 1.0)], &erros, &refs).unwrap_err();
        assert_eq!(seen.en, "1 (the reference gives 0.1)");
    }

    #[test]
    fn shape_and_uses_without_a_reference() {
        let per_endpoint = q(&[], &["endpoint"], &["http_requests_total"]);
        let ok = [
            s(&[("endpoint", "/")], 1.0),
            s(&[("endpoint", "/produtos")], 2.0),
        ];
        assert!(
            meets(
                "sum by (endpoint) (rate(http_requests_total[1m]))",
                &ok,
                &per_endpoint,
                &[]
            )
            .is_ok()
        );
        let (seen, _) = meets(
            "sum(rate(http_requests_total[1m]))",
            &[s(&[], 3.0)],
            &per_endpoint,
            &[],
        )
        .unwrap_err();
        assert_eq!(
            seen.en,
            "expected one series per endpoint, got 1 without labels"
        );
        let raw = [
            s(&[("endpoint", "/"), ("status", "200")], 1.0),
            s(&[("endpoint", "/"), ("status", "500")], 1.0),
        ];
        let (seen, _) = meets("http_requests_total", &raw, &per_endpoint, &[]).unwrap_err();
        assert_eq!(seen.en, "more than one series with the same endpoint");
        let (seen, _) = meets("sum by (endpoint) (up)", &ok, &per_endpoint, &[]).unwrap_err();
        assert_eq!(seen.en, "the query does not read `http_requests_total`");
        let (seen, _) = meets("http_requests_total", &[], &per_endpoint, &[]).unwrap_err();
        assert_eq!(seen.en, "no data");
    }

    #[test]
    fn recording_rule_series_are_told_apart_from_ranges_and_labels() {
        assert_eq!(
            recorded_series(r#"job:http_errors:ratio_rate1m{job="a:b"} / max_over_time(x[5m:1m])"#),
            ["job:http_errors:ratio_rate1m"]
        );
        assert!(recorded_series(r#"sum(rate(x{endpoint="/a:b"}[5m]))"#).is_empty());
        assert!(empty_cause("sum(x)").is_none());
        assert!(empty_cause(r#"x{job="$job"}"#).unwrap().en.contains("$job"));
    }

    #[test]
    fn each_requirement_gets_a_query_of_its_own() {
        let ok = || Ok::<(), ()>(());
        let no = || Err::<(), ()>(());
        // Query 0 meets both; query 1 only the first: 0 must go to the second.
        let v = vec![vec![ok(), ok()], vec![ok(), no()]];
        assert_eq!(assign(&v), [Some(1), Some(0)]);
        let v = vec![vec![ok()], vec![ok()]];
        assert_eq!(assign(&v), [Some(0), None]);
        let v: Vec<Vec<Result<(), ()>>> = vec![vec![], vec![]];
        assert_eq!(assign(&v), [None, None]);
    }
}
