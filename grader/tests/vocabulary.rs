//! One vocabulary across the course. The names are written once, in `book/vocabulario.toml`;
//! the Portuguese terms once, in the glossary (`book/src/glossario.md`). These tests read:
//!
//! - every alert name, recording-rule name, alert label (with its value) and annotation key,
//!   from the rule files of `exercises/`, `solutions/` and `stack/`, and from the ```yaml
//!   blocks of the book;
//! - every label Alertmanager's config matches, groups or inhibits on (`stack/alertmanager`,
//!   and any such block of the book);
//! - every `level:metric:operations` name and every alert-like name (`TaxaDe...`) written
//!   anywhere in those places and in the specs, prose and hints included;
//!
//! and fail, naming file and line, on any name the vocabulary does not have. Then they check
//! the book's prose, the specs' hints and titles and the grader's messages against the
//! variants the glossary rejects (`rótulo` where the course says `label`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grader lives in the course folder")
        .to_path_buf()
}

// ---------------------------------------------------------------------------------------
// The vocabulary
// ---------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct Names {
    nomes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Keys {
    chaves: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct VocabularyFile {
    alertas: Names,
    regras_de_gravacao: Names,
    labels_de_alerta: BTreeMap<String, Vec<String>>,
    anotacoes: Keys,
    labels_das_series: Keys,
}

#[derive(Debug)]
struct Vocabulary {
    alerts: BTreeSet<String>,
    records: BTreeSet<String>,
    /// Alert label -> the values it may take.
    alert_labels: BTreeMap<String, BTreeSet<String>>,
    annotations: BTreeSet<String>,
    series_labels: BTreeSet<String>,
}

impl Vocabulary {
    fn parse(toml_text: &str) -> Self {
        let f: VocabularyFile = toml::from_str(toml_text).expect("a valid vocabulario.toml");
        Self {
            alerts: f.alertas.nomes.into_iter().collect(),
            records: f.regras_de_gravacao.nomes.into_iter().collect(),
            alert_labels: f
                .labels_de_alerta
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            annotations: f.anotacoes.chaves.into_iter().collect(),
            series_labels: f.labels_das_series.chaves.into_iter().collect(),
        }
    }

    fn load() -> Self {
        let path = course_root().join("book/vocabulario.toml");
        Self::parse(&read(&path).expect("book/vocabulario.toml"))
    }

    /// A label Alertmanager or a rule test may name: the alerts' own or the series'.
    fn any_label(&self, key: &str) -> bool {
        self.alert_labels.contains_key(key) || self.series_labels.contains(key)
    }

    /// The CamelCase words the alert names are made of (`Taxa`, `De`, `Erro`, `Alta`...).
    fn alert_words(&self) -> BTreeSet<String> {
        self.alerts.iter().flat_map(|a| camel_words(a)).collect()
    }
}

fn camel_words(name: &str) -> Vec<String> {
    let word = Regex::new(r"[A-Z][a-z]*|[0-9]+").unwrap();
    word.find_iter(name)
        .map(|m| m.as_str().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// What the sources say
// ---------------------------------------------------------------------------------------

/// One name found somewhere: the 1-based line of its text, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Alert(String),
    Record(String),
    /// `labels:` of an alerting rule: key and value.
    AlertLabel(String, String),
    Annotation(String),
    /// `exp_labels:` of a rule test: any label of the alert.
    TestLabel(String),
    /// A matcher of Alertmanager's config: label, value.
    Matcher(String, String),
    /// A label of `group_by:` or `equal:`.
    Grouping(String),
}

/// A placeholder in a hint or a lesson (`NOME`, `NÍVEL:MÉTRICA:OPERAÇÕES`), not a name.
fn placeholder(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| !c.is_lowercase())
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(v)
}

/// The line without its YAML comment (a `#` at its start or after a space, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev == ' ' || prev == '\t' => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// The items of a flow sequence or mapping (`[a, b]`, `{a: 1, b: 2}`), split on commas
/// outside quotes.
fn flow_items(v: &str) -> Vec<String> {
    let inner = v
        .trim()
        .trim_start_matches(['[', '{'])
        .trim_end_matches([']', '}']);
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in inner.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, ',') => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    items.push(cur);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `name="value"`, `name=~"re"`, `name!=value`: label and value.
fn matcher(text: &str) -> Option<(String, String)> {
    let m = Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$"#).unwrap();
    let c = m.captures(unquote(text))?;
    Some((c[1].to_string(), unquote(&c[3]).to_string()))
}

/// Which block the reader is inside, and the column of the key that opened it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Labels,
    Annotations,
    TestLabels,
    TestAnnotations,
    /// `match:`/`source_match:`... (label: value maps).
    MatchMap,
    /// `matchers:` as a block sequence.
    MatcherList,
    /// `group_by:`/`equal:` as a block sequence.
    GroupingList,
}

/// Every name of a YAML text (a rule file, an Alertmanager config, a block of the book), with
/// its line (1-based, plus `first_line - 1`). Read line by line, by indentation, so it needs
/// no valid YAML document (the book shows fragments) and knows where each name is.
fn yaml_names(text: &str, first_line: usize) -> Vec<(usize, Found)> {
    let key_re = Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:(?:\s+(.*))?$").unwrap();
    let mut out = Vec::new();
    // The column of the keys of the alerting rule being read.
    let mut alert_col: Option<usize> = None;
    let mut block: Option<(Block, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = first_line + i;
        let line = strip_comment(raw).trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let mut rest = line.trim_start();
        let dash = rest.starts_with("- ") || rest == "-";
        let col = if dash {
            rest = rest[1..].trim_start();
            indent + 2
        } else {
            indent
        };
        // A block ends at the first line that is not deeper than its key.
        if let Some((_, c)) = block
            && (indent <= c)
        {
            block = None;
        }
        if let Some(c) = alert_col
            && (col < c || (dash && col <= c))
        {
            alert_col = None;
        }
        // A bare item of a block sequence.
        if dash && !key_re.is_match(rest) {
            match block {
                Some((Block::MatcherList, _)) => {
                    if let Some((k, v)) = matcher(rest) {
                        out.push((n, Found::Matcher(k, v)));
                    }
                }
                Some((Block::GroupingList, _)) => {
                    out.push((n, Found::Grouping(unquote(rest).to_string())));
                }
                _ => {}
            }
            continue;
        }
        let Some(c) = key_re.captures(rest) else {
            continue;
        };
        let key = c[1].to_string();
        let value = c.get(2).map(|v| v.as_str().trim()).unwrap_or("");
        if let Some((kind, _)) = block {
            match kind {
                Block::Labels => out.push((
                    n,
                    Found::AlertLabel(key.clone(), unquote(value).to_string()),
                )),
                Block::Annotations | Block::TestAnnotations => {
                    out.push((n, Found::Annotation(key.clone())));
                }
                Block::TestLabels => out.push((n, Found::TestLabel(key.clone()))),
                Block::MatchMap => {
                    out.push((n, Found::Matcher(key.clone(), unquote(value).to_string())))
                }
                Block::MatcherList | Block::GroupingList => {}
            }
            continue;
        }
        let in_alert = alert_col.is_some_and(|a| col == a);
        let opens = |b: Block| (value.is_empty() || value.starts_with('|')).then_some((b, col));
        match key.as_str() {
            "alert" => {
                let name = unquote(value);
                if !placeholder(name) {
                    out.push((n, Found::Alert(name.to_string())));
                }
                alert_col = Some(col);
            }
            "record" => {
                let name = unquote(value);
                if !placeholder(name) {
                    out.push((n, Found::Record(name.to_string())));
                }
            }
            "labels" | "annotations" if in_alert => {
                let b = if key == "labels" {
                    Block::Labels
                } else {
                    Block::Annotations
                };
                if value.starts_with('{') {
                    for item in flow_items(value) {
                        let (k, v) = item.split_once(':').unwrap_or((&item, ""));
                        let k = unquote(k).to_string();
                        out.push((
                            n,
                            match b {
                                Block::Labels => Found::AlertLabel(k, unquote(v).to_string()),
                                _ => Found::Annotation(k),
                            },
                        ));
                    }
                } else {
                    block = opens(b);
                }
            }
            "exp_labels" => block = opens(Block::TestLabels),
            "exp_annotations" => block = opens(Block::TestAnnotations),
            "match" | "match_re" | "source_match" | "source_match_re" | "target_match"
            | "target_match_re" => {
                if value.starts_with('{') {
                    for item in flow_items(value) {
                        let (k, v) = item.split_once(':').unwrap_or((&item, ""));
                        out.push((
                            n,
                            Found::Matcher(unquote(k).to_string(), unquote(v).to_string()),
                        ));
                    }
                } else {
                    block = opens(Block::MatchMap);
                }
            }
            "matchers" | "source_matchers" | "target_matchers" => {
                if value.starts_with('[') {
                    for item in flow_items(value) {
                        if let Some((k, v)) = matcher(&item) {
                            out.push((n, Found::Matcher(k, v)));
                        }
                    }
                } else {
                    block = opens(Block::MatcherList);
                }
            }
            "group_by" | "equal" => {
                if value.starts_with('[') {
                    for item in flow_items(value) {
                        out.push((n, Found::Grouping(unquote(&item).to_string())));
                    }
                } else {
                    block = opens(Block::GroupingList);
                }
            }
            _ => {}
        }
    }
    out
}

/// The ```yaml (or ```yml) blocks of a Markdown page: the 1-based line of their first line
/// of content, and the content.
fn yaml_blocks(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, bool, usize, String)> = None;
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| t.starts_with(m));
        match (&mut open, marker) {
            (None, Some(m)) => {
                let info = t.trim_start_matches(m).trim().to_lowercase();
                let lang = info.split([',', ' ']).next().unwrap_or("");
                let yaml = lang == "yaml" || lang == "yml";
                open = Some((m.to_string(), yaml, i + 2, String::new()));
            }
            (Some((m, yaml, start, body)), Some(f))
                if f == m && t.trim_start_matches(f).trim().is_empty() =>
            {
                if *yaml {
                    out.push((*start, std::mem::take(body)));
                }
                open = None;
            }
            (Some((_, _, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Every `level:metric:operations` name written in `text`, with its line. The level must
/// start with a letter, so times (`10:30:00`) and ports are not taken; a name right after a
/// `/`, `.` or `:` is part of a URL or a path.
fn recorded_names(text: &str) -> Vec<(usize, String)> {
    let re = Regex::new(r"(?:^|[^A-Za-z0-9_./:-])([a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9_]+)\b")
        .unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for c in re.captures_iter(line) {
            // The convention itself, as the English texts spell it.
            if &c[1] != "level:metric:operations" {
                out.push((i + 1, c[1].to_string()));
            }
        }
    }
    out
}

/// Every CamelCase name in `text` made partly of the words of the course's alerts
/// (`TaxaDeErrosAlta`, `LojaFora`), with its line: a misspelt alert, wherever it is written.
fn alert_like_names(text: &str, v: &Vocabulary) -> Vec<(usize, String)> {
    let re = Regex::new(r"\b[A-Z][a-z]+(?:[A-Z][a-z]*|[0-9]+)+\b").unwrap();
    let words = v.alert_words();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for m in re.find_iter(line) {
            let name = m.as_str();
            let shared = camel_words(name)
                .iter()
                .filter(|w| w.len() > 2 && words.contains(*w))
                .count();
            if shared > 0 && !v.alerts.contains(name) {
                out.push((i + 1, name.to_string()));
            }
        }
    }
    out
}

/// What is wrong with one name found, if anything.
fn problem(found: &Found, v: &Vocabulary) -> Option<String> {
    let known = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
    match found {
        Found::Alert(a) if !v.alerts.contains(a) => Some(format!(
            "alert `{a}` is not in the vocabulary ({})",
            known(&v.alerts)
        )),
        Found::Record(r) if !v.records.contains(r) => {
            Some(format!("recording rule `{r}` is not in the vocabulary"))
        }
        Found::AlertLabel(k, val) => match v.alert_labels.get(k) {
            None => Some(format!(
                "alert label `{k}` is not in the vocabulary ({})",
                v.alert_labels
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(values) if !val.contains("{{") && !values.contains(val) => Some(format!(
                "alert label `{k}: {val}`: the vocabulary's values are {}",
                known(values)
            )),
            _ => None,
        },
        Found::Annotation(k) if !v.annotations.contains(k) => Some(format!(
            "annotation `{k}` is not in the vocabulary ({})",
            known(&v.annotations)
        )),
        Found::TestLabel(k) | Found::Grouping(k) if k != "..." && !v.any_label(k) => {
            Some(format!("label `{k}` is not in the vocabulary"))
        }
        Found::Matcher(k, val) => {
            if !v.any_label(k) {
                Some(format!(
                    "matcher on label `{k}`, which is not in the vocabulary"
                ))
            // A regex matcher (`=~"A|B"`) names each of its alternatives.
            } else if k == "alertname" && val.split('|').any(|a| !v.alerts.contains(a)) {
                Some(format!(
                    "matcher on alert `{val}`, which is not in the vocabulary"
                ))
            } else if let Some(values) = v.alert_labels.get(k)
                && val.split('|').any(|x| !values.contains(x))
            {
                Some(format!(
                    "matcher `{k}=\"{val}\"`: the vocabulary's values are {}",
                    known(values)
                ))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Every problem of the names in one file's text: `path:line: problem`.
fn name_problems(path: &str, text: &str, v: &Vocabulary) -> Vec<String> {
    let mut found: Vec<(usize, Found)> = Vec::new();
    if path.ends_with(".yml") || path.ends_with(".yaml") {
        found.extend(yaml_names(text, 1));
    } else if path.ends_with(".md") {
        for (start, body) in yaml_blocks(text) {
            found.extend(yaml_names(&body, start));
        }
    } else if path.ends_with(".toml") {
        // A spec's graded alert: `alert = "Name"`.
        let re = Regex::new(r#"^\s*alert\s*=\s*"([^"]*)""#).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(c) = re.captures(line) {
                found.push((i + 1, Found::Alert(c[1].to_string())));
            }
        }
    }
    for (n, r) in recorded_names(text) {
        found.push((n, Found::Record(r)));
    }
    let mut out: Vec<String> = found
        .iter()
        .filter_map(|(n, f)| problem(f, v).map(|p| format!("{path}:{n}: {p}")))
        .collect();
    for (n, name) in alert_like_names(text, v) {
        out.push(format!(
            "{path}:{n}: `{name}` looks like an alert name, and the vocabulary has no such alert"
        ));
    }
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------
// The glossary
// ---------------------------------------------------------------------------------------

/// One row of the glossary: the course's term, the English one, and the variants it rejects.
#[derive(Debug)]
struct Term {
    chosen: String,
    rejected: Vec<String>,
}

/// The glossary's table: the rows of the table whose header has an "Evite" column.
fn glossary_terms(md: &str) -> Vec<Term> {
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let clean = |s: &str| s.trim().trim_matches(['*', '_', '`']).trim().to_string();
    let mut out = Vec::new();
    let mut avoid_col: Option<usize> = None;
    for line in md.lines() {
        if !line.trim_start().starts_with('|') {
            avoid_col = None;
            continue;
        }
        let row = cells(line);
        if avoid_col.is_none() {
            avoid_col = row.iter().position(|c| c.eq_ignore_ascii_case("evite"));
            continue;
        }
        if row
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        let col = avoid_col.expect("inside a table with an Evite column");
        let rejected = row
            .get(col)
            .map(|c| {
                c.split(',')
                    .map(clean)
                    .filter(|s| !s.is_empty() && s != "—" && s != "-")
                    .collect()
            })
            .unwrap_or_default();
        out.push(Term {
            chosen: clean(&row[0]),
            rejected,
        });
    }
    out
}

/// Every rejected variant in `text`, as `line: variant (say term)`. Whole words, any case.
fn term_problems(text: &str, terms: &[Term], skip_comments: bool) -> Vec<(usize, String)> {
    let mut res = Vec::new();
    for t in terms {
        for r in &t.rejected {
            let re = Regex::new(&format!(r"(?i)\b{}\b", regex::escape(r))).unwrap();
            res.push((re, r.clone(), t.chosen.clone()));
        }
    }
    // A link's target is a file name, not prose (`img/histograma-baldes.svg`).
    let target = Regex::new(r"\]\([^)]*\)").unwrap();
    let code = Regex::new(r"`[^`]*`").unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if skip_comments && line.trim_start().starts_with("//") {
            continue;
        }
        // Nor is a check's id (`alvos`, graded as written): code spans and `id =` lines.
        if line.trim_start().starts_with("id =") {
            continue;
        }
        let line = target.replace_all(line, "]()");
        let line = code.replace_all(&line, "``");
        for (re, r, chosen) in &res {
            if let Some(m) = re.find(&line) {
                out.push((
                    i + 1,
                    format!("`{}` (the course says `{chosen}`, not `{r}`)", m.as_str()),
                ));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------

fn read(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// The text files under `dir` whose name ends with one of `exts`, relative to the course root,
/// sorted. Build output and history are skipped.
fn files(dir: &str, exts: &[&str]) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, exts: &[&str], out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !matches!(name.as_str(), "target" | ".git" | "node_modules" | "book") {
                    walk(root, &p, exts, out);
                }
            } else if exts.iter().any(|x| name.ends_with(x)) {
                let rel = p.strip_prefix(root).expect("under the root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let root = course_root();
    let mut out = Vec::new();
    walk(&root, &root.join(dir), exts, &mut out);
    out.sort();
    out
}

const TEXT: &[&str] = &[
    ".yml", ".yaml", ".md", ".json", ".toml", ".rs", ".py", ".txt", ".sh",
];

fn fail_on(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}:\n{}\n({} in all)",
        problems.join("\n"),
        problems.len()
    );
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[test]
fn every_name_of_the_book_exercises_solutions_stack_and_specs_is_in_the_vocabulary() {
    let v = Vocabulary::load();
    let mut paths = files("book/src", &[".md"]);
    for dir in ["exercises", "solutions", "stack", "grader/specs"] {
        paths.extend(files(dir, TEXT));
    }
    assert!(paths.len() > 50, "too few files read: {paths:?}");
    let root = course_root();
    let mut problems = Vec::new();
    let mut seen = 0;
    for p in &paths {
        let Some(text) = read(&root.join(p)) else {
            continue;
        };
        seen += 1;
        problems.extend(name_problems(p, &text, &v));
    }
    assert!(seen > 50);
    fail_on(
        "names outside book/vocabulario.toml (use the vocabulary's, or add a new thing there)",
        &problems,
    );
}

/// The vocabulary is not a list of wishes: every alert and recording rule it has is used by a
/// rule file of the course, and the stack routes and inhibits on its alert labels.
#[test]
fn every_name_of_the_vocabulary_is_used_and_the_stack_routes_on_its_labels() {
    let v = Vocabulary::load();
    let root = course_root();
    let mut defined = Vec::new();
    for dir in ["exercises", "solutions", "stack"] {
        for p in files(dir, &[".yml", ".yaml"]) {
            let text = read(&root.join(&p)).unwrap_or_default();
            defined.extend(yaml_names(&text, 1).into_iter().map(|(_, f)| f));
        }
    }
    for a in &v.alerts {
        assert!(
            defined.contains(&Found::Alert(a.clone())),
            "no rule file defines the alert {a}"
        );
    }
    for r in &v.records {
        assert!(
            defined.contains(&Found::Record(r.clone())),
            "no rule file defines the recording rule {r}"
        );
    }
    let am = read(&root.join("stack/alertmanager/alertmanager.yml")).expect("the stack's config");
    let am = yaml_names(&am, 1);
    for label in v.alert_labels.keys() {
        assert!(
            am.iter().any(|(_, f)| *f == Found::Grouping(label.clone())),
            "the stack's Alertmanager does not group on {label}"
        );
        assert!(
            am.iter()
                .any(|(_, f)| matches!(f, Found::Matcher(k, _) if k == label)),
            "the stack's Alertmanager matches nothing on {label}"
        );
    }
    assert!(
        am.iter()
            .any(|(_, f)| *f == Found::Matcher("alertname".into(), "ProdutoEsgotado".into())),
        "the stack's Alertmanager does not inhibit on ProdutoEsgotado: {am:?}"
    );
}

#[test]
fn the_book_the_specs_and_the_graders_messages_use_the_glossarys_terms() {
    let root = course_root();
    let glossary = read(&root.join("book/src/glossario.md")).expect("book/src/glossario.md");
    let terms = glossary_terms(&glossary);
    assert!(terms.len() >= 20, "a glossary of {} terms", terms.len());
    assert!(
        terms.iter().filter(|t| !t.rejected.is_empty()).count() >= 8,
        "a glossary that rejects almost nothing"
    );
    let mut problems = Vec::new();
    let mut check = |p: &str, skip_comments: bool| {
        let text = read(&root.join(p)).unwrap_or_else(|| panic!("cannot read {p}"));
        for (n, what) in term_problems(&text, &terms, skip_comments) {
            problems.push(format!("{p}:{n}: {what}"));
        }
    };
    for p in files("book/src", &[".md"]) {
        if p != "book/src/glossario.md" {
            check(&p, false);
        }
    }
    for p in files("grader/specs", &[".toml"]) {
        check(&p, false);
    }
    // The grader's messages: its Portuguese is in string literals (comments are English).
    for p in files("grader/src", &[".rs"]) {
        check(&p, true);
    }
    fail_on(
        "terms the glossary (book/src/glossario.md) rejects",
        &problems,
    );
}

#[test]
fn the_glossary_is_in_the_summary_and_shows_the_vocabulary() {
    let root = course_root();
    let summary = read(&root.join("book/src/SUMMARY.md")).expect("SUMMARY.md");
    assert!(
        summary.contains("(glossario.md)"),
        "the glossary is not in SUMMARY.md"
    );
    let glossary = read(&root.join("book/src/glossario.md")).expect("glossario.md");
    assert!(
        glossary.contains("{{#include ../vocabulario.toml}}"),
        "the glossary does not show book/vocabulario.toml"
    );
}

// ---------------------------------------------------------------------------------------
// The readers, on texts of their own
// ---------------------------------------------------------------------------------------

const VOCABULARY: &str = r#"
[alertas]
nomes = ["TaxaDeErroAlta", "EstoqueBaixo", "ProdutoEsgotado", "LojaForaDoAr"]
[regras_de_gravacao]
nomes = ["job:http_requests_erros:razao1m"]
[labels_de_alerta]
severidade = ["critica", "aviso"]
[anotacoes]
chaves = ["resumo", "descricao"]
[labels_das_series]
chaves = ["alertname", "job", "produto_id"]
"#;

#[test]
fn the_reader_fails_on_a_misspelt_alert_and_an_english_label() {
    let v = Vocabulary::parse(VOCABULARY);
    let rules = r#"groups:
  - name: loja
    rules:
      - record: job:http_requests_erros:razao1m
        expr: sum by (job) (rate(x[1m]))
      - alert: TaxaDeErrosAlta
        expr: job:http_requests_erros:razao1m > 0.05
        labels:
          severity: critical
        annotations:
          summary: "Erros"
      - alert: EstoqueBaixo   # o certo
        expr: ecommerce_estoque_produto < 5
        labels: {severidade: aviso}
        annotations:
          resumo: "Estoque baixo: {{ $labels.produto_nome }}"
"#;
    let problems = name_problems("regras.yml", rules, &v);
    let lines: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "regras.yml:11",
            "regras.yml:6",
            "regras.yml:6",
            "regras.yml:9"
        ],
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("alert `TaxaDeErrosAlta`"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("alert label `severity`"))
    );
    assert!(problems.iter().any(|p| p.contains("annotation `summary`")));
    // The right spelling passes.
    let fixed = rules
        .replace("TaxaDeErrosAlta", "TaxaDeErroAlta")
        .replace("severity: critical", "severidade: critica")
        .replace("summary:", "resumo:");
    assert_eq!(
        name_problems("regras.yml", &fixed, &v),
        Vec::<String>::new()
    );
}

#[test]
fn the_reader_finds_the_names_of_the_books_yaml_blocks_with_their_lines() {
    let v = Vocabulary::parse(VOCABULARY);
    let md = "# Alertas\n\nTexto.\n\n```yaml\n- alert: LojaFora\n  expr: up == 0\n  labels:\n    severidade: urgente\n```\n\n```sh\n- alert: NaoEYaml\n```\n\nNa prosa, `TaxaDeErrosAlta` e `loja:http_erros:razao5m` também contam; `MatchedPath` não.\n\n```yaml\n- alert: NOME\n  expr: SÉRIE > LIMIAR\n- record: NÍVEL:MÉTRICA:OPERAÇÕES\n```\n";
    let problems = name_problems("alertas.md", md, &v);
    assert_eq!(
        problems,
        [
            "alertas.md:16: `TaxaDeErrosAlta` looks like an alert name, and the vocabulary has no such alert",
            "alertas.md:16: recording rule `loja:http_erros:razao5m` is not in the vocabulary",
            "alertas.md:6: `LojaFora` looks like an alert name, and the vocabulary has no such alert",
            "alertas.md:6: alert `LojaFora` is not in the vocabulary (EstoqueBaixo, LojaForaDoAr, ProdutoEsgotado, TaxaDeErroAlta)",
            "alertas.md:9: alert label `severidade: urgente`: the vocabulary's values are aviso, critica",
        ]
    );
}

#[test]
fn the_reader_checks_alertmanagers_matchers_and_grouping() {
    let v = Vocabulary::parse(VOCABULARY);
    let am = r#"route:
  receiver: curso
  group_by: [alertname, severity]
  routes:
    - matchers:
        - severity="critical"
      receiver: plantao
inhibit_rules:
  - source_matchers: [alertname="LojaFora"]
    target_matchers: [severidade="aviso"]
    equal: [job]
  - source_match:
      alertname: ProdutoEsgotado
    target_match: {alertname: EstoqueBaixo}
    equal:
      - produto_id
      - produto
"#;
    let problems = name_problems("alertmanager.yml", am, &v);
    assert_eq!(
        problems,
        [
            "alertmanager.yml:17: label `produto` is not in the vocabulary",
            "alertmanager.yml:3: label `severity` is not in the vocabulary",
            "alertmanager.yml:6: matcher on label `severity`, which is not in the vocabulary",
            "alertmanager.yml:9: `LojaFora` looks like an alert name, and the vocabulary has no such alert",
            "alertmanager.yml:9: matcher on alert `LojaFora`, which is not in the vocabulary",
        ]
    );
}

#[test]
fn the_glossary_reader_rejects_the_variants_it_lists() {
    let glossary = "# Glossário\n\n| No curso | Inglês | Evite |\n|---|---|---|\n| label | label | rótulo, rótulos |\n| bucket | bucket | *balde*, *baldes* |\n| consulta | query | — |\n\nFora da tabela, rótulo não conta.\n";
    let terms = glossary_terms(glossary);
    assert_eq!(terms.len(), 3);
    assert_eq!(terms[0].chosen, "label");
    assert_eq!(terms[1].rejected, ["balde", "baldes"]);
    assert!(terms[2].rejected.is_empty());
    let text = "As labels do histograma.\nOs Rótulos e os baldes.\nO bucket `le`.\nbaldeação não é balde.\n![Os buckets](img/baldes.svg)\n";
    let found = term_problems(text, &terms, false);
    let lines: Vec<usize> = found.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, [2, 2, 4], "{found:?}");
    assert!(found[0].1.contains("`Rótulos` (the course says `label`"));
    // Comments of the grader's sources are English and skipped there.
    assert!(term_problems("// um rótulo\nlet x = 1;\n", &terms, true).is_empty());
}
