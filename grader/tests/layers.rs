//! The grader's modules stand in layers, and a module uses only its own layer and those below
//! it (docs/ARCHITECTURE.md draws them): the data model knows nothing of processes, the
//! runtime nothing of checks, the checks nothing of the pipeline that runs them, and only the
//! front-ends know the command line. This test reads the imports of every file of
//! `grader/src` (`crate::…`, `super::…`, `self::…` paths, in `use` lines and in code) and
//! fails on a module no layer holds, on an import that goes up a layer, and on any import
//! cycle, naming the files involved.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first. A name ending in `::*` holds a module's children too.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "lang", "spec", "spec::*", "report", "course", "progress", "hidden", "html",
        ],
    ),
    (
        "runtime",
        &[
            "process",
            "net",
            "docker",
            "isolation",
            "app",
            "manifest",
            "compile",
            "prometheus",
            "prometheus::*",
            "node_exporter",
            "sandbox",
            "timeline",
            "scrape",
            "workload",
        ],
    ),
    (
        "submitted",
        &["promconfig", "rules", "dashboard", "answers"],
    ),
    ("checks", &["checks", "checks::*", "correlation"]),
    (
        "engine",
        &[
            "options",
            "build",
            "grade",
            "server",
            "phases",
            "scenario",
            "black_friday",
            "job",
            "panel_charts",
        ],
    ),
    (
        "front-ends",
        &[
            "run_args",
            "cli",
            "watch",
            "hints",
            "bulk",
            "bulk::*",
            "package",
            "package::*",
            "platforms",
            "platforms::*",
            "load",
            "doctor",
            "error",
        ],
    ),
];

/// Module path (`prometheus::docker`) → its source, for every file of `src` but the crate
/// root and `main.rs` (they declare the modules and call the front-ends).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            if !parts.is_empty() {
                out.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// The source without its unit-test module and comments: tests may reach anywhere.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    source
        .lines()
        .map(|l| l.find("//").map_or(l, |at| &l[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path `code` names from `crate`, `super` or `self`, with `use` groups
/// (`crate::{a, b::c}`) expanded one level, as segments relative to the crate root.
fn paths(code: &str, here: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for root in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(root) {
            let start = from + at;
            from = start + root.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut base: Vec<String> = match root {
                "crate::" => vec![],
                "super::" => {
                    let mut p: Vec<String> = here.split("::").map(String::from).collect();
                    p.pop();
                    p
                }
                _ => here.split("::").map(String::from).collect(),
            };
            let mut i = from;
            loop {
                let end = code[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(code.len(), |e| i + e);
                if end > i {
                    base.push(code[i..end].to_string());
                }
                if code[end..].starts_with("::") {
                    i = end + 2;
                    if bytes.get(i) == Some(&b'{') {
                        let close = code[i..].find('}').map_or(code.len(), |e| i + e);
                        for item in code[i + 1..close].split(',') {
                            let mut p = base.clone();
                            p.extend(
                                item.trim()
                                    .split("::")
                                    .map(|s| s.trim().to_string())
                                    .take_while(|s| {
                                        !s.is_empty() && !s.contains(|c: char| c.is_whitespace())
                                    }),
                            );
                            out.push(p);
                        }
                        break;
                    }
                    continue;
                }
                out.push(base);
                break;
            }
        }
    }
    out
}

/// The longest prefix of `path` that is a module of `known`.
fn resolve(path: &[String], known: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains(m))
}

/// Module → the modules it imports (not itself, not its own children: a parent declaring
/// and re-exporting its children is not a dependency on them).
fn edges(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(m, source)| {
            let targets = paths(&code_of(source), m)
                .iter()
                .filter_map(|p| resolve(p, &known))
                .filter(|t| t != m && !t.starts_with(&format!("{m}::")))
                .collect();
            (m.clone(), targets)
        })
        .collect()
}

/// The layer index of `module`, from the most specific entry of [`LAYERS`].
fn layer_of(module: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, names)) in LAYERS.iter().enumerate() {
        for name in *names {
            let matched = match name.strip_suffix("::*") {
                Some(parent) => module
                    .starts_with(&format!("{parent}::"))
                    .then_some(parent.len()),
                None => (module == *name).then_some(name.len() + 1),
            };
            if let Some(len) = matched
                && best.is_none_or(|(_, l)| len > l)
            {
                best = Some((i, len));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// What is wrong with the modules' layering: modules no layer holds, imports that go up,
/// and cycles. Empty when the layering holds.
fn problems(modules: &BTreeMap<String, String>) -> Vec<String> {
    let edges = edges(modules);
    let mut out = Vec::new();
    for (m, targets) in &edges {
        let Some(lm) = layer_of(m) else {
            out.push(format!(
                "`{m}` is in no layer: add it to LAYERS (tests/layers.rs) and docs/ARCHITECTURE.md"
            ));
            continue;
        };
        for t in targets {
            if let Some(lt) = layer_of(t)
                && lt > lm
            {
                out.push(format!(
                    "`{m}` ({}) imports `{t}` ({}), a layer above it",
                    LAYERS[lm].0, LAYERS[lt].0
                ));
            }
        }
    }
    for c in cycles(&edges) {
        out.push(format!("import cycle: {}", c.join(" ↔ ")));
    }
    out
}

#[test]
fn the_grader_s_modules_import_only_their_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    assert!(modules.len() > 50, "read {} modules", modules.len());
    let problems = problems(&modules);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself finds what it must: an upward import, a cycle, a module in no layer.
#[test]
fn the_layer_check_catches_an_upward_import_a_cycle_and_an_unplaced_module() {
    let fake = |files: &[(&str, &str)]| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(m, s)| (m.to_string(), s.to_string()))
            .collect()
    };
    // Fine: the engine uses a check, a check uses the model through a group.
    let fine = fake(&[
        ("grade", "use crate::checks::Outcome;"),
        ("checks", "use crate::{spec::Spec, lang::Text};"),
        ("spec", "use crate::lang::Text;"),
        ("lang", ""),
    ]);
    assert_eq!(problems(&fine), Vec::<String>::new());
    // The model reaching into the runtime, in code rather than a `use` line.
    let up = fake(&[
        ("spec", "fn f() { crate::prometheus::unix_now(); }"),
        ("prometheus", ""),
    ]);
    let found = problems(&up);
    assert!(
        found
            .iter()
            .any(|p| p.contains("`spec` (model) imports `prometheus` (runtime)")),
        "{found:?}"
    );
    // Two checks using each other, through `super::`.
    let cycle = fake(&[
        ("checks", ""),
        ("checks::a", "use super::b::X;"),
        ("checks::b", "use crate::checks::a::Y;"),
    ]);
    let found = problems(&cycle);
    assert!(
        found
            .iter()
            .any(|p| p == "import cycle: checks::a ↔ checks::b"),
        "{found:?}"
    );
    // A module nobody placed; a comment or a test module naming a module is no import.
    let unplaced = fake(&[
        ("telemetry", ""),
        (
            "spec",
            "// crate::grade is mentioned here\n#[cfg(test)]\nmod tests { use crate::grade; }",
        ),
        ("grade", ""),
    ]);
    assert_eq!(
        problems(&unplaced),
        vec![
            "`telemetry` is in no layer: add it to LAYERS (tests/layers.rs) and docs/ARCHITECTURE.md"
                .to_string()
        ]
    );
}
