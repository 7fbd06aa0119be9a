//! A submitted Grafana dashboard: the JSON file Grafana provisions (the model of
//! <https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/>),
//! read leniently so that every check can say what it finds, and judged strictly by
//! [`Dashboard::problems`] against what the course's provisioned Grafana 12 would load.
//!
//! Only visible queries count: a target with `hide: true` is not run by Grafana, nor judged
//! here.
//!
//! What a data source reference may be (the course's Grafana has one data source, Prometheus,
//! provisioned with uid `prometheus` and `isDefault: true`, see `stack/grafana/provisioning`):
//!
//! - absent or `null`: Grafana's default data source, which is that Prometheus;
//! - `{"type": "prometheus", "uid": "prometheus"}` (the form Grafana writes), or the same
//!   without `type`, or `{"type": "prometheus"}` without `uid` (the default of that type);
//! - the old string form with its name or uid, `"Prometheus"` or `"prometheus"`;
//! - `$var` / `${var}` naming a variable of the dashboard of type `datasource` whose query is
//!   `prometheus`;
//! - on a panel (not on a query), `-- Mixed --`: each query then names its own.
//!
//! Anything else does not resolve in that Grafana and is a problem with its reason: another
//! Grafana's uid (a dashboard made by clicking keeps the uid of the Grafana it was made in),
//! `${DS_PROMETHEUS}` (the placeholder of an export "for sharing externally", which only
//! Grafana's import screen fills in, never provisioning), `-- Grafana --`, `-- Dashboard --`,
//! `-- Mixed --` on a query, or a plugin type other than `prometheus`.

use std::path::Path;

use serde_json::Value;

use crate::lang::{Text, both};

/// The uid of the course's provisioned Prometheus data source.
pub const DATASOURCE_UID: &str = "prometheus";
/// Its name (the old string references name the data source).
pub const DATASOURCE_NAME: &str = "Prometheus";
/// The oldest `schemaVersion` accepted: 36 (Grafana 9) is the version from which every data
/// source reference is a `{type, uid}` object, the model this grader reads.
pub const MIN_SCHEMA_VERSION: u64 = 36;

/// The visualizations Grafana 12 ships (panel plugin ids), and `row`.
pub const BUILTIN_PANELS: &[&str] = &[
    "alertlist",
    "annolist",
    "barchart",
    "bargauge",
    "candlestick",
    "canvas",
    "dashlist",
    "datagrid",
    "flamegraph",
    "gauge",
    "geomap",
    "heatmap",
    "histogram",
    "logs",
    "news",
    "nodeGraph",
    "piechart",
    "stat",
    "state-timeline",
    "status-history",
    "table",
    "text",
    "timeseries",
    "traces",
    "trend",
    "xychart",
    "row",
];

/// Grafana's own variables, and the value the grader puts in their place before Prometheus
/// evaluates a query: those of a 15-second scrape interval over the last 5 minutes.
pub const VARIABLES: &[(&str, &str)] = &[
    ("__rate_interval", "1m"),
    ("__interval", "15s"),
    ("__interval_ms", "15000"),
    ("__range", "5m"),
    ("__range_s", "300"),
    ("__range_ms", "300000"),
];

/// Old panel types Grafana 12 no longer has, and what replaced them.
const RETIRED_PANELS: &[(&str, &str)] = &[
    ("graph", "timeseries"),
    ("singlestat", "stat"),
    ("table-old", "table"),
    ("grafana-piechart-panel", "piechart"),
];

#[derive(Debug)]
pub struct Dashboard {
    /// The file's name in the submission (`dashboard.json`).
    pub file: String,
    /// The parsed JSON, or why the file could not be read.
    parsed: Result<Value, Text>,
}

/// A panel (rows' nested panels included), as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    /// The visualization (`timeseries`, `gauge`, ...); `row` for a row.
    pub kind: String,
    /// The title of the row it sits under, if any.
    pub row: Option<String>,
    /// Where it is in the file, for messages: `panels[3]`, `panels[2].panels[0]`.
    pub path: String,
    pub datasource: Option<Value>,
    pub targets: Vec<Target>,
    /// The unit of its values (`fieldConfig.defaults.unit`: `s`, `reqps`, `percent`...).
    pub unit: Option<String>,
}

/// One query of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub ref_id: String,
    /// The PromQL, as written (`expr`); `None` when the target has none.
    pub expr: Option<String>,
    /// `hide: true`: Grafana does not run it.
    pub hidden: bool,
    pub datasource: Option<Value>,
    /// How Grafana names each series (`legendFormat`, such as `{{endpoint}}`).
    pub legend: Option<String>,
}

impl Panel {
    pub fn is_row(&self) -> bool {
        self.kind == "row"
    }

    /// The queries Grafana runs against Prometheus: targets with an `expr` (or a Prometheus
    /// data source), not hidden.
    pub fn visible_queries(&self) -> impl Iterator<Item = &Target> {
        self.targets
            .iter()
            .filter(|t| !t.hidden && t.is_prometheus())
    }

    /// `“Title”`, for messages.
    pub fn label(&self) -> String {
        format!("“{}”", self.title)
    }
}

impl Target {
    /// A Prometheus query: it has an `expr`, or its own data source says `prometheus`.
    pub fn is_prometheus(&self) -> bool {
        self.expr.is_some()
            || self
                .datasource
                .as_ref()
                .and_then(|d| d.get("type"))
                .and_then(Value::as_str)
                == Some("prometheus")
    }

    /// The query with Grafana's variables replaced (see [`VARIABLES`]), trimmed; why it
    /// cannot run otherwise.
    pub fn query(&self) -> Result<String, Text> {
        let expr = self.expr.as_deref().unwrap_or_default().trim();
        if expr.is_empty() {
            return Err(both("consulta vazia", "empty query"));
        }
        Ok(substitute(expr))
    }
}

impl Dashboard {
    pub fn load(submission: &Path, file: &str) -> Self {
        let path = submission.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_text(file, &text),
            Err(e) => Self {
                file: file.to_string(),
                parsed: Err(both(
                    format!("{} não pôde ser lido: {e}", path.display()),
                    format!("{} could not be read: {e}", path.display()),
                )),
            },
        }
    }

    pub fn from_text(file: &str, text: &str) -> Self {
        let parsed = serde_json::from_str::<Value>(text).map_err(|e| {
            let full = e.to_string();
            // serde_json's message ends with " at line L column C": said once, in our words.
            let msg = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(m, _)| m);
            let (line, column) = (e.line(), e.column());
            both(
                format!(
                    "{file} não pôde ser lido: não é um JSON válido: {msg} (linha {line}, coluna {column})"
                ),
                format!(
                    "{file} could not be read: not valid JSON: {msg} (line {line}, column {column})"
                ),
            )
        });
        Self {
            file: file.to_string(),
            parsed,
        }
    }

    /// The JSON, or why there is none, in the student's terms.
    pub fn json(&self) -> Result<&Value, Text> {
        self.parsed.as_ref().map_err(Clone::clone)
    }

    /// Every panel, in the file's order, a collapsed row's panels right after their row.
    pub fn panels(&self) -> Result<Vec<Panel>, Text> {
        let json = self.json()?;
        let mut out = Vec::new();
        let mut row: Option<String> = None;
        for (i, p) in array(json, "panels").iter().enumerate() {
            let panel = read_panel(p, format!("panels[{i}]"), None);
            if panel.is_row() {
                row = Some(panel.title.clone());
                let nested: Vec<Panel> = array(p, "panels")
                    .iter()
                    .enumerate()
                    .map(|(j, q)| read_panel(q, format!("panels[{i}].panels[{j}]"), row.clone()))
                    .collect();
                out.push(panel);
                out.extend(nested);
            } else {
                out.push(Panel {
                    row: row.clone(),
                    ..panel
                });
            }
        }
        Ok(out)
    }

    /// The panels (rows aside) whose title is `title`, comparing as [`same_title`] does.
    pub fn find(&self, title: &str) -> Result<Vec<Panel>, Text> {
        Ok(self
            .panels()?
            .into_iter()
            .filter(|p| !p.is_row() && same_title(&p.title, title))
            .collect())
    }

    /// What would keep the course's Grafana from loading this dashboard as written, or from
    /// running its queries on the provisioned Prometheus; empty when there is nothing.
    pub fn problems(&self) -> Vec<Text> {
        let json = match self.json() {
            Ok(j) => j,
            Err(e) => return vec![e],
        };
        let mut out = Vec::new();
        let Some(obj) = json.as_object() else {
            return vec![both(
                "o arquivo não é um objeto JSON ({ ... }), e um dashboard é um",
                "the file is not a JSON object ({ ... }), and a dashboard is one",
            )];
        };
        if obj.contains_key("dashboard") && !obj.contains_key("panels") {
            return vec![both(
                "é o envelope da API HTTP do Grafana ({\"dashboard\": ..., \"meta\": ...}): salve só o objeto de `dashboard`",
                "this is the wrapper of Grafana's HTTP API ({\"dashboard\": ..., \"meta\": ...}): save the `dashboard` object alone",
            )];
        }
        match obj.get("title").and_then(Value::as_str) {
            Some(t) if !t.trim().is_empty() => {}
            _ => out.push(both(
                "o dashboard não tem `title` (texto não vazio)",
                "the dashboard has no `title` (a non-empty string)",
            )),
        }
        match obj.get("schemaVersion") {
            Some(v) if v.as_f64().is_some() => {
                let n = v.as_f64().unwrap_or_default();
                if n < MIN_SCHEMA_VERSION as f64 {
                    out.push(both(
                        format!("`schemaVersion` {v}: o avaliador lê o modelo a partir da versão {MIN_SCHEMA_VERSION} (Grafana 9); exporte o dashboard de um Grafana atual"),
                        format!("`schemaVersion` {v}: the grader reads the model from version {MIN_SCHEMA_VERSION} on (Grafana 9); export the dashboard from a current Grafana"),
                    ));
                }
            }
            Some(v) => out.push(both(
                format!("`schemaVersion` deve ser um número, não {v}"),
                format!("`schemaVersion` must be a number, not {v}"),
            )),
            None => out.push(both(
                "falta `schemaVersion` (um número, 41 no Grafana 12.1)",
                "`schemaVersion` is missing (a number, 41 in Grafana 12.1)",
            )),
        }
        match obj.get("panels") {
            Some(Value::Array(_)) => {}
            Some(_) => out.push(both(
                "`panels` deve ser uma lista ([ ... ])",
                "`panels` must be a list ([ ... ])",
            )),
            None => out.push(both(
                "o dashboard não tem `panels`",
                "the dashboard has no `panels`",
            )),
        }
        let variables = datasource_variables(json);
        let has_inputs = obj.contains_key("__inputs");
        for (p, raw) in self
            .panels()
            .unwrap_or_default()
            .iter()
            .zip(raw_panels(json))
        {
            out.extend(panel_problems(p, raw, &variables, has_inputs));
        }
        out
    }
}

/// Every panel's JSON, in the order of [`Dashboard::panels`].
fn raw_panels(json: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in array(json, "panels") {
        out.push(p);
        if p.get("type").and_then(Value::as_str) == Some("row") {
            out.extend(array(p, "panels"));
        }
    }
    out
}

fn panel_problems(p: &Panel, raw: &Value, variables: &[Var], has_inputs: bool) -> Vec<Text> {
    let mut out = Vec::new();
    let at = if p.title.trim().is_empty() {
        both(format!("o painel {}", p.path), format!("panel {}", p.path))
    } else {
        both(
            format!("o painel {} ({})", p.label(), p.path),
            format!("panel {} ({})", p.label(), p.path),
        )
    };
    if !raw.is_object() {
        out.push(both(
            format!("{} não é um objeto JSON", at.pt),
            format!("{} is not a JSON object", at.en),
        ));
        return out;
    }
    match raw.get("type").and_then(Value::as_str) {
        None | Some("") => {
            let library = if raw.get("libraryPanel").is_some() {
                both(
                    " (um painel de biblioteca só existe no Grafana em que foi criado: desvincule-o antes de exportar)",
                    " (a library panel only exists in the Grafana it was made in: unlink it before exporting)",
                )
            } else {
                both("", "")
            };
            out.push(both(
                format!("{} não tem `type`{}", at.pt, library.pt),
                format!("{} has no `type`{}", at.en, library.en),
            ));
        }
        Some(kind) if !BUILTIN_PANELS.contains(&kind) => {
            let instead = RETIRED_PANELS
                .iter()
                .find(|(old, _)| *old == kind)
                .map(|(_, new)| {
                    both(
                        format!(" (é o nome antigo de `{new}`)"),
                        format!(" (it is the old name of `{new}`)"),
                    )
                })
                .unwrap_or_else(|| both("", ""));
            out.push(both(
                format!(
                    "{}: o Grafana 12 não tem a visualização `{kind}`{}",
                    at.pt, instead.pt
                ),
                format!(
                    "{}: Grafana 12 has no visualization `{kind}`{}",
                    at.en, instead.en
                ),
            ));
        }
        Some(_) => {}
    }
    let untitled_ok = matches!(p.kind.as_str(), "row" | "text");
    match raw.get("title").and_then(Value::as_str) {
        None => out.push(both(
            format!("{} não tem `title`", at.pt),
            format!("{} has no `title`", at.en),
        )),
        Some(t) if t.trim().is_empty() && !untitled_ok => out.push(both(
            format!("{} tem o título vazio", at.pt),
            format!("{} has an empty title", at.en),
        )),
        Some(_) => {}
    }
    // Hidden queries do not run: where they would go does not matter.
    let queries: Vec<&Target> = p.visible_queries().collect();
    if queries.is_empty() {
        return out;
    }
    let panel_ds = resolve(p.datasource.as_ref(), variables, has_inputs, true);
    if let Resolved::No(why) = &panel_ds {
        out.push(both(
            format!("{}: o data source do painel {}", at.pt, why.pt),
            format!("{}: the panel's data source {}", at.en, why.en),
        ));
    }
    for t in queries {
        // A query without a data source of its own uses the panel's.
        let own = t.datasource.as_ref().filter(|d| !d.is_null());
        let resolved = match own {
            Some(d) => resolve(Some(d), variables, has_inputs, false),
            None if matches!(panel_ds, Resolved::Mixed) => Resolved::Prometheus,
            None => continue,
        };
        if let Resolved::No(why) = resolved {
            let r = if t.ref_id.is_empty() { "?" } else { &t.ref_id };
            out.push(both(
                format!("{}, consulta {r}: o data source {}", at.pt, why.pt),
                format!("{}, query {r}: the data source {}", at.en, why.en),
            ));
        }
    }
    out
}

/// A variable of the dashboard of type `datasource`: its name, and whether its query (the
/// plugin type it lists) is `prometheus`.
#[derive(Debug)]
struct Var {
    name: String,
    prometheus: bool,
}

fn datasource_variables(json: &Value) -> Vec<Var> {
    json.get("templating")
        .map(|t| array(t, "list"))
        .unwrap_or_default()
        .iter()
        .filter(|v| v.get("type").and_then(Value::as_str) == Some("datasource"))
        .filter_map(|v| {
            Some(Var {
                name: v.get("name")?.as_str()?.to_string(),
                prometheus: v.get("query").and_then(Value::as_str) == Some("prometheus"),
            })
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Resolved {
    Prometheus,
    /// `-- Mixed --` on a panel: each query names its own.
    Mixed,
    /// Why it does not resolve to the provisioned Prometheus ("points to ...").
    No(Text),
}

/// What a data source reference resolves to in the course's Grafana.
fn resolve(ds: Option<&Value>, variables: &[Var], has_inputs: bool, panel: bool) -> Resolved {
    let (uid, kind) = match ds {
        None | Some(Value::Null) => return Resolved::Prometheus,
        Some(Value::String(s)) => (Some(s.as_str()), None),
        Some(Value::Object(o)) => (
            o.get("uid").and_then(Value::as_str),
            o.get("type").and_then(Value::as_str),
        ),
        Some(other) => {
            return Resolved::No(both(
                format!("é {other}, e não uma referência {{\"type\", \"uid\"}}"),
                format!("is {other}, not a {{\"type\", \"uid\"}} reference"),
            ));
        }
    };
    let wrong_type = |k: &str| {
        Resolved::No(both(
            format!(
                "é do tipo `{k}`, e não `prometheus`: o PromQL só roda num data source Prometheus"
            ),
            format!(
                "is of type `{k}`, not `prometheus`: PromQL only runs on a Prometheus data source"
            ),
        ))
    };
    match uid {
        None => match kind {
            None | Some("prometheus") => Resolved::Prometheus,
            Some(k) => wrong_type(k),
        },
        Some("-- Mixed --") if panel => Resolved::Mixed,
        Some(special @ ("-- Mixed --" | "-- Grafana --" | "-- Dashboard --")) => {
            Resolved::No(both(
                format!("é `{special}`, um data source embutido do Grafana que não roda PromQL"),
                format!("is `{special}`, a data source built into Grafana that runs no PromQL"),
            ))
        }
        Some(u) if u.starts_with('$') || u.starts_with("[[") => {
            let name = u
                .trim_start_matches("${")
                .trim_start_matches('$')
                .trim_start_matches("[[")
                .trim_end_matches('}')
                .trim_end_matches("]]");
            let name = name.split(':').next().unwrap_or(name);
            match variables.iter().find(|v| v.name == name) {
                Some(v) if v.prometheus => Resolved::Prometheus,
                Some(_) => Resolved::No(both(
                    format!("é a variável `{u}`, que não lista data sources do tipo prometheus"),
                    format!(
                        "is the variable `{u}`, which does not list data sources of type prometheus"
                    ),
                )),
                None if has_inputs || name.starts_with("DS_") => Resolved::No(both(
                    format!(
                        "é `{u}`, o marcador de um dashboard exportado \"para compartilhar externamente\": só a tela de importação do Grafana o troca pelo data source, o provisionamento não. Exporte sem essa opção, ou troque por {{\"type\": \"prometheus\", \"uid\": \"{DATASOURCE_UID}\"}}"
                    ),
                    format!(
                        "is `{u}`, the placeholder of a dashboard exported \"for sharing externally\": only Grafana's import screen replaces it with a data source, provisioning does not. Export without that option, or replace it with {{\"type\": \"prometheus\", \"uid\": \"{DATASOURCE_UID}\"}}"
                    ),
                )),
                None => Resolved::No(both(
                    format!(
                        "é a variável `{u}`, que o dashboard não define (em templating.list, do tipo datasource)"
                    ),
                    format!(
                        "is the variable `{u}`, which the dashboard does not define (in templating.list, of type datasource)"
                    ),
                )),
            }
        }
        Some(u) if u == DATASOURCE_UID || (kind.is_none() && u == DATASOURCE_NAME) => match kind {
            None | Some("prometheus") => Resolved::Prometheus,
            Some(k) => wrong_type(k),
        },
        Some(u) => Resolved::No(both(
            format!(
                "aponta para o uid `{u}`, que não existe no Grafana do curso: lá o Prometheus provisionado tem uid `{DATASOURCE_UID}`. Um dashboard montado noutro Grafana guarda o uid do data source de lá: troque por {{\"type\": \"prometheus\", \"uid\": \"{DATASOURCE_UID}\"}}"
            ),
            format!(
                "points to uid `{u}`, which does not exist in the course's Grafana: there the provisioned Prometheus has uid `{DATASOURCE_UID}`. A dashboard built in another Grafana keeps that Grafana's data source uid: replace it with {{\"type\": \"prometheus\", \"uid\": \"{DATASOURCE_UID}\"}}"
            ),
        )),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn read_panel(p: &Value, path: String, row: Option<String>) -> Panel {
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
    Panel {
        title: text("title").to_string(),
        kind: text("type").to_string(),
        row,
        path,
        datasource: p.get("datasource").cloned(),
        targets: array(p, "targets")
            .iter()
            .map(|t| Target {
                ref_id: t
                    .get("refId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                expr: t.get("expr").and_then(Value::as_str).map(str::to_string),
                hidden: t.get("hide").and_then(Value::as_bool).unwrap_or(false),
                datasource: t.get("datasource").cloned(),
                legend: t
                    .get("legendFormat")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
            .collect(),
        unit: p
            .pointer("/fieldConfig/defaults/unit")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// Two titles are the same when they are once case, accents, punctuation and spacing are
/// set aside: `Latência P95` is `latencia p95` and `Latência  (P95)`.
pub fn same_title(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// Lowercase, without accents, letters and digits only, one space between words.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        let c = match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `expr` with Grafana's variables (`$__rate_interval`, `${__range}`, `[[__interval]]`)
/// replaced by the values of [`VARIABLES`]; any other `$name` is left as it is.
pub fn substitute(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find(['$', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (name, len) = if let Some(t) = tail.strip_prefix("${") {
            match t.find('}') {
                Some(end) => (t[..end].split(':').next().unwrap_or_default(), end + 3),
                None => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix("[[") {
            match t.find("]]") {
                Some(end) => (t[..end].split(':').next().unwrap_or_default(), end + 4),
                None => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix('$') {
            let end = t
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(t.len());
            (&t[..end], end + 1)
        } else {
            ("", 0)
        };
        match VARIABLES.iter().find(|(n, _)| *n == name) {
            Some((_, value)) if len > 0 => {
                out.push_str(value);
                rest = &tail[len..];
            }
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The Grafana variables of `expr` the grader does not replace (`$job`, `${instancia}`).
pub fn unknown_variables(expr: &str) -> Vec<String> {
    let re_like = |s: &str| -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            let t = &rest[i + 1..];
            let t = t.strip_prefix('{').unwrap_or(t);
            let end = t
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(t.len());
            let name = &t[..end];
            // `$1` in a label_replace replacement is PromQL's own, not Grafana's.
            if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
                found.push(format!("${name}"));
            }
            rest = &t[end..];
        }
        found
    };
    let mut v = re_like(&substitute(expr));
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dash(panels: &str) -> Dashboard {
        Dashboard::from_text(
            "dashboard.json",
            &format!(r#"{{"title": "t", "schemaVersion": 41, "panels": {panels}}}"#),
        )
    }

    fn ds(uid: &str) -> String {
        format!(r#"{{"type": "prometheus", "uid": "{uid}"}}"#)
    }

    fn panel(title: &str, kind: &str, datasource: &str, exprs: &[&str]) -> String {
        let targets: Vec<String> = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| {
                format!(
                    r#"{{"refId": "{}", "datasource": {datasource}, "expr": {}}}"#,
                    (b'A' + i as u8) as char,
                    serde_json::to_string(e).unwrap()
                )
            })
            .collect();
        format!(
            r#"{{"type": "{kind}", "title": "{title}", "datasource": {datasource}, "targets": [{}]}}"#,
            targets.join(",")
        )
    }

    fn problems(d: &Dashboard) -> Vec<String> {
        d.problems().into_iter().map(|t| t.en).collect()
    }

    #[test]
    fn titles_compare_without_case_accents_punctuation_or_spacing() {
        assert!(same_title("Latência P95", "latencia p95"));
        assert!(same_title(
            "  Latência (média, P50, P95, P99) ",
            "LATENCIA: media P50 P95 P99"
        ));
        assert!(same_title(
            "Requisições por Segundo",
            "requisicoes  por segundo"
        ));
        assert!(!same_title("Latência P95", "Latência P99"));
    }

    #[test]
    fn grafana_variables_are_replaced_and_others_left_alone() {
        assert_eq!(
            substitute("sum(rate(x[$__rate_interval])) + rate(y[${__interval}]) + z[[[__range]]]"),
            "sum(rate(x[1m])) + rate(y[15s]) + z[5m]"
        );
        assert_eq!(
            substitute("increase(x[$__range]) * $__range_s"),
            "increase(x[5m]) * 300"
        );
        assert_eq!(
            substitute(r#"label_replace(x, "a", "$1", "b", "(.*)") and y{job="$job"}"#),
            r#"label_replace(x, "a", "$1", "b", "(.*)") and y{job="$job"}"#
        );
        assert_eq!(
            unknown_variables(
                r#"label_replace(x{job="$job"}[$__rate_interval], "a", "$1", "b", "(.*)") + ${inst}"#
            ),
            ["$job", "$inst"]
        );
        assert!(unknown_variables("rate(x[$__rate_interval])").is_empty());
    }

    #[test]
    fn rows_nested_panels_and_hidden_queries_are_read() {
        let d = dash(&format!(
            r#"[{}, {{"type": "row", "title": "Negócio", "collapsed": true, "panels": [{}]}}, {}]"#,
            panel("Um", "stat", "null", &["up"]),
            panel("Dois", "gauge", "null", &["a", "b"]),
            panel("Três", "timeseries", "null", &["c"]),
        ));
        let panels = d.panels().unwrap();
        let titles: Vec<(&str, Option<&str>, &str)> = panels
            .iter()
            .map(|p| (p.title.as_str(), p.row.as_deref(), p.path.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                ("Um", None, "panels[0]"),
                ("Negócio", None, "panels[1]"),
                ("Dois", Some("Negócio"), "panels[1].panels[0]"),
                ("Três", Some("Negócio"), "panels[2]"),
            ]
        );
        assert_eq!(d.find("dois").unwrap().len(), 1);
        assert!(
            d.find("negocio").unwrap().is_empty(),
            "a row is not a panel"
        );
        let hidden = dash(&format!(
            "[{}]",
            panel("X", "stat", "null", &["a", "b"])
                .replace(r#""refId": "B""#, r#""refId": "B", "hide": true"#)
        ));
        let p = &hidden.panels().unwrap()[0];
        let visible: Vec<&str> = p.visible_queries().map(|t| t.ref_id.as_str()).collect();
        assert_eq!(visible, ["A"]);
    }

    #[test]
    fn the_provisioned_uid_the_default_and_prometheus_variables_resolve() {
        let ok = [
            panel("a", "stat", &ds("prometheus"), &["up"]),
            panel("b", "stat", "null", &["up"]),
            panel("c", "stat", r#"{"type": "prometheus"}"#, &["up"]),
            panel("d", "stat", r#""Prometheus""#, &["up"]),
            panel("e", "stat", &ds("${ds}"), &["up"]),
            panel("f", "text", r#"{"uid": "-- Grafana --"}"#, &[]),
            r#"{"type": "stat", "title": "g", "datasource": {"type": "datasource", "uid": "-- Mixed --"}, "targets": [{"refId": "A", "expr": "up"}]}"#.to_string(),
        ];
        let d = Dashboard::from_text(
            "dashboard.json",
            &format!(
                r#"{{"title": "t", "schemaVersion": 41, "panels": [{}],
                   "templating": {{"list": [{{"type": "datasource", "name": "ds", "query": "prometheus"}}]}}}}"#,
                ok.join(",")
            ),
        );
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn references_that_do_not_resolve_say_why() {
        let d = dash(&format!(
            "[{}]",
            [
                panel("Outro Grafana", "stat", &ds("PBFA97CFB590B2093"), &["up"]),
                panel("Exportado", "stat", &ds("${DS_PROMETHEUS}"), &["up"]),
                panel(
                    "Loki",
                    "stat",
                    r#"{"type": "loki", "uid": "prometheus"}"#,
                    &["up"]
                ),
                panel("Misto", "stat", r#"{"uid": "-- Mixed --"}"#, &["up"]).replace(
                    r#""refId": "A", "datasource": {"uid": "-- Mixed --"}"#,
                    r#""refId": "A", "datasource": {"uid": "-- Grafana --"}"#,
                ),
            ]
            .join(",")
        ));
        let p = problems(&d);
        assert_eq!(p.len(), 7, "{p:#?}");
        assert!(p[0].starts_with("panel “Outro Grafana” (panels[0]): the panel's data source points to uid `PBFA97CFB590B2093`"), "{}", p[0]);
        assert!(
            p[1].starts_with(
                "panel “Outro Grafana” (panels[0]), query A: the data source points to uid"
            ),
            "{}",
            p[1]
        );
        assert!(
            p[2].contains("exported \"for sharing externally\""),
            "{}",
            p[2]
        );
        assert!(p[4].contains("type `loki`"), "{}", p[4]);
        assert!(
            p[6].contains("query A: the data source is `-- Grafana --`"),
            "{}",
            p[6]
        );
    }

    #[test]
    fn structure_problems_are_named() {
        let d = Dashboard::from_text(
            "dashboard.json",
            r#"{"dashboard": {"panels": []}, "meta": {}}"#,
        );
        assert!(problems(&d)[0].contains("wrapper of Grafana's HTTP API"));
        let d = Dashboard::from_text("dashboard.json", r#"{"schemaVersion": 27, "panels": {}}"#);
        let p = problems(&d);
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("no `title`"));
        assert!(p[1].contains("`schemaVersion` 27"));
        assert!(p[2].contains("`panels` must be a list"));
        let d = dash(&format!(
            "[{}, {}, {}]",
            panel("Velho", "graph", "null", &["up"]),
            panel("", "stat", "null", &["up"]),
            r#"{"title": "Biblioteca", "libraryPanel": {"uid": "x"}}"#
        ));
        let p = problems(&d);
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("no visualization `graph` (it is the old name of `timeseries`)"));
        assert!(p[1].contains("panel panels[1] has an empty title"));
        assert!(p[2].contains("has no `type` (a library panel"));
        let d = Dashboard::from_text("dashboard.json", "{\"title\": \"x\",\n  panels: []}");
        let e = d.json().unwrap_err();
        assert!(
            e.en.starts_with("dashboard.json could not be read: not valid JSON"),
            "{}",
            e.en
        );
        assert!(e.en.contains("(line 2, column 3)"), "{}", e.en);
        assert!(e.pt.contains("não é um JSON válido"), "{}", e.pt);
    }
}
