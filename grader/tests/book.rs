//! The book (`book/src`, mdBook) stays true to the course it teaches:
//!
//! - every relative link and image points to a file of the book, and every `#fragment` to a
//!   heading of that page, with the heading ids mdBook 0.5 generates;
//! - every `{{#include path:anchor}}` names a file that exists and has that anchor;
//! - every exercise of the grader has its page (and its solution page right under it) in
//!   `SUMMARY.md`, and no page describes an exercise the grader does not have;
//! - every exercise page's check table lists exactly the checks of the spec: same ids, same
//!   points, same Portuguese titles, same order;
//! - every figure in `book/src/img` is shown by a page, with Portuguese alt text, and every
//!   lesson page has at least one figure.
//!
//! These read the Markdown sources only, so they run without mdBook. `scripts/book.sh`
//! builds the book and then runs them again with `BOOK_HTML_DIR` set, which adds one more
//! test: the heading ids computed here equal the ones in the built HTML.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use grader::spec::Spec;
use regex::Regex;

// ---------------------------------------------------------------------------------------
// Reading the book
// ---------------------------------------------------------------------------------------

fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grader lives in the course folder")
        .to_path_buf()
}

fn book_src() -> PathBuf {
    course_root().join("book/src")
}

/// Every Markdown file under `dir`, as paths relative to it, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path.strip_prefix(base).expect("under base").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `a/b/../c` -> `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Is `line` a code fence (```` ``` ```` or `~~~`, up to 3 spaces of indentation beyond the
/// enclosing list item)? Returns the fence marker.
fn fence(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

/// The Markdown line for line, with fenced code blocks blanked out, so that a `# HELP`
/// line in a text block is not taken for a heading.
fn outside_fences(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<&str> = None;
    for line in md.lines() {
        match (open, fence(line)) {
            (None, Some(f)) => {
                open = Some(f);
                out.push(String::new());
            }
            (Some(o), Some(f)) if o == f => {
                open = None;
                out.push(String::new());
            }
            (Some(_), _) => out.push(String::new()),
            (None, None) => out.push(line.to_string()),
        }
    }
    out
}

/// The prose of the Markdown, line for line: fenced code blocks blanked out and inline
/// code spans turned into spaces. Links are looked for in what is left, so a `[5m]` in a
/// PromQL example is not mistaken for one.
fn prose(md: &str) -> Vec<String> {
    outside_fences(md)
        .iter()
        .map(|l| blank_code_spans(l))
        .collect()
}

/// Replaces every inline code span (`` `x` ``, ``` ``x`` ```) by spaces.
fn blank_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let marker = "`".repeat(ticks);
        let after = &rest[start + ticks..];
        match after.find(&marker) {
            Some(end) => {
                out.push_str(&" ".repeat(ticks * 2 + end));
                rest = &after[end + ticks..];
            }
            None => {
                // An unmatched backtick is literal text.
                out.push_str(&rest[start..start + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------
// Heading ids, as mdBook 0.5 makes them (mdbook-html, `id_from_content` and `unique_id`)
// ---------------------------------------------------------------------------------------

/// The id mdBook gives a heading whose rendered text is `text`: trimmed, lowercased
/// (Unicode, so `É` becomes `é`), letters and digits of any script kept (accents
/// included), `_` and `-` kept, each whitespace character turned into `-`, everything else
/// dropped. Consecutive spaces give consecutive dashes, as in mdBook.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The text a heading's Markdown renders to, and its explicit `{#id}` if it has one.
/// Handles what the book uses in headings: code spans (their content is text), links (their
/// text), `*`/`**` emphasis and backslash escapes. `_` is taken literally: write emphasis in
/// headings with `*`.
fn heading_text(raw: &str) -> (String, Option<String>) {
    let mut raw = raw.trim().to_string();
    let mut explicit = None;
    let attr = Regex::new(r"\s*\{#([^}\s]+)[^}]*\}\s*$").unwrap();
    if let Some(c) = attr.captures(&raw) {
        explicit = Some(c[1].to_string());
        raw = raw[..c.get(0).unwrap().start()].to_string();
    }
    // A closing sequence of #s, separated by a space, is not part of the text.
    let closing = Regex::new(r"\s+#+\s*$").unwrap();
    raw = closing.replace(&raw, "").into_owned();
    let link = Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").unwrap();
    let text = link.replace_all(&raw, "$1");
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '*' => {}
            '\\' if chars.peek().is_some_and(char::is_ascii_punctuation) => {
                out.push(chars.next().unwrap());
            }
            c => out.push(c),
        }
    }
    (out, explicit)
}

/// The ids of the headings of a page, in order, made unique the way mdBook does (`x`,
/// `x-1`, `x-2`, ...). Explicit `{#id}`s are used as written.
fn heading_ids(md: &str) -> Vec<String> {
    let atx = Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$").unwrap();
    let mut used = HashSet::new();
    let mut ids = Vec::new();
    for line in outside_fences(md) {
        let Some(c) = atx.captures(&line) else {
            continue;
        };
        let (text, explicit) = heading_text(c.get(2).map_or("", |m| m.as_str()));
        if let Some(id) = explicit {
            ids.push(id);
            continue;
        }
        let base = slug(&text);
        let mut id = base.clone();
        let mut n = 0;
        while !used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        ids.push(id);
    }
    ids
}

// ---------------------------------------------------------------------------------------
// Links and images
// ---------------------------------------------------------------------------------------

/// Link and image targets found in the prose of a page: `(line number, target)`.
fn link_targets(md: &str) -> Vec<(usize, String)> {
    let inline = Regex::new(r#"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).unwrap();
    let reference = Regex::new(r"^ {0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s.*)?$").unwrap();
    let html = Regex::new(r#"<(?:a|img)\s[^>]*(?:href|src)="([^"]+)""#).unwrap();
    let mut out = Vec::new();
    for (i, line) in prose(md).iter().enumerate() {
        for re in [&inline, &reference, &html] {
            for c in re.captures_iter(line) {
                out.push((i + 1, c[1].to_string()));
            }
        }
    }
    out
}

fn is_external(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    ["http://", "https://", "mailto:", "ftp://"]
        .iter()
        .any(|s| lower.starts_with(s))
}

/// Problems with the links and images of every page under `src`.
fn link_problems(src: &Path) -> Vec<String> {
    let pages = markdown_files(src);
    let mut ids_of: HashMap<PathBuf, Vec<String>> = HashMap::new();
    for page in &pages {
        ids_of.insert(page.clone(), heading_ids(&read(&src.join(page))));
    }
    let mut problems = Vec::new();
    for page in &pages {
        let md = read(&src.join(page));
        for (line, target) in link_targets(&md) {
            if is_external(&target) {
                continue;
            }
            let at = format!("{}:{line}: `{target}`", page.display());
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                page.clone()
            } else {
                normalize(&page.parent().unwrap_or(Path::new("")).join(path))
            };
            if resolved.starts_with("..") {
                problems.push(format!(
                    "{at} leaves book/src: mdBook only publishes what is inside it"
                ));
                continue;
            }
            if !src.join(&resolved).is_file() {
                problems.push(format!(
                    "{at} points to book/src/{}, which does not exist",
                    resolved.display()
                ));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            match ids_of.get(&resolved) {
                Some(ids) if ids.iter().any(|id| id == fragment) => {}
                Some(ids) => problems.push(format!(
                    "{at}: book/src/{} has no heading with id `{fragment}` (its ids: {})",
                    resolved.display(),
                    ids.join(", ")
                )),
                None => problems.push(format!(
                    "{at}: a #fragment only makes sense on a Markdown page"
                )),
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// Includes
// ---------------------------------------------------------------------------------------

/// `{{#include ...}}` and `{{#rustdoc_include ...}}` of a page: `(line number, argument)`.
/// An escaped `\{{#include ...}}` is text, not an include.
fn includes(md: &str) -> Vec<(usize, String)> {
    let re = Regex::new(r"(\\?)\{\{#(?:include|rustdoc_include)\s+([^}\s]+)[^}]*\}\}").unwrap();
    let mut out = Vec::new();
    for (i, line) in md.lines().enumerate() {
        for c in re.captures_iter(line) {
            if c[1].is_empty() {
                out.push((i + 1, c[2].to_string()));
            }
        }
    }
    out
}

/// What goes wrong with one include argument (`path`, `path:anchor`, `path:10:20`) of a
/// page in `dir`, if anything.
fn include_problem(dir: &Path, argument: &str) -> Option<String> {
    let (path, selector) = match argument.split_once(':') {
        Some((p, s)) => (p, Some(s)),
        None => (argument, None),
    };
    let file = dir.join(path);
    let Ok(text) = fs::read_to_string(&file) else {
        return Some(format!(
            "{path} does not exist (looked at {})",
            file.display()
        ));
    };
    let selector = selector.filter(|s| !s.is_empty())?;
    if selector.chars().all(|c| c.is_ascii_digit() || c == ':') {
        // A line range: the file exists, which is all mdBook needs.
        return None;
    }
    let anchor = selector;
    // mdBook's own patterns (mdbook-driver, links/take_lines.rs).
    let start = Regex::new(r"ANCHOR:\s*([\w_-]+)").unwrap();
    let end = Regex::new(r"ANCHOR_END:\s*([\w_-]+)").unwrap();
    let mut inside = false;
    let mut found_start = false;
    let mut found_end = false;
    let mut content = 0;
    for line in text.lines() {
        if let Some(c) = end.captures(line) {
            if inside && &c[1] == anchor {
                found_end = true;
                break;
            }
            continue;
        }
        if let Some(c) = start.captures(line) {
            if &c[1] == anchor {
                inside = true;
                found_start = true;
            }
            continue;
        }
        if inside && !line.trim().is_empty() {
            content += 1;
        }
    }
    match (found_start, found_end) {
        (false, _) => Some(format!(
            "{path} has no `ANCHOR: {anchor}` line (mdBook would silently include nothing)"
        )),
        (true, false) => Some(format!(
            "{path} opens `ANCHOR: {anchor}` but has no `ANCHOR_END: {anchor}` after it"
        )),
        (true, true) if content == 0 => Some(format!(
            "{path}: anchor `{anchor}` encloses no code (mdBook would show an empty block)"
        )),
        (true, true) => None,
    }
}

fn include_problems(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for page in markdown_files(src) {
        let md = read(&src.join(&page));
        let dir = src.join(&page).parent().unwrap().to_path_buf();
        for (line, argument) in includes(&md) {
            if let Some(p) = include_problem(&dir, &argument) {
                problems.push(format!(
                    "{}:{line}: {{{{#include {argument}}}}}: {p}",
                    page.display()
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// SUMMARY.md and the exercise pages
// ---------------------------------------------------------------------------------------

/// The chapter files `SUMMARY.md` lists, in order.
fn summary_entries(summary: &str) -> Vec<String> {
    let re = Regex::new(r"\[[^\]]*\]\(([^)\s]+)\)").unwrap();
    prose(summary)
        .iter()
        .filter_map(|line| re.captures(line).map(|c| c[1].to_string()))
        .collect()
}

/// One row of an exercise page's check table: `(id, points, Portuguese title)`.
type Row = (String, u32, String);

fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push(chars.next().unwrap());
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// The rows of the table headed `| id | pontos | o que é conferido |`, or why they
/// cannot be read.
fn check_table(page: &str) -> Result<Vec<Row>, String> {
    let lines: Vec<&str> = page.lines().collect();
    let header = lines
        .iter()
        .position(|l| {
            l.trim_start().starts_with('|') && split_row(l) == ["id", "pontos", "o que é conferido"]
        })
        .ok_or("no table headed `| id | pontos | o que é conferido |`")?;
    let mut rows = Vec::new();
    for line in lines[header + 2..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('|'))
    {
        let cells = split_row(line);
        let [id, points, title] = cells.as_slice() else {
            return Err(format!("row `{line}` does not have 3 cells"));
        };
        let id = id.trim_matches('`').to_string();
        let points = points
            .parse()
            .map_err(|_| format!("row `{line}`: `{points}` is not a number of points"))?;
        rows.push((id, points, title.clone()));
    }
    Ok(rows)
}

/// Differences between the rows of a page and the checks of its spec.
fn table_problems(rows: &[Row], expected: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    for e in expected {
        match rows.iter().find(|r| r.0 == e.0) {
            None => problems.push(format!(
                "missing row for check `{}`: | `{}` | {} | {} |",
                e.0, e.0, e.1, e.2
            )),
            Some(r) if r != e => problems.push(format!(
                "check `{}`: the page says {} point(s) and \"{}\"; \
                 the spec says {} point(s) and \"{}\"",
                e.0, r.1, r.2, e.1, e.2
            )),
            Some(_) => {}
        }
    }
    for r in rows {
        if !expected.iter().any(|e| e.0 == r.0) {
            problems.push(format!("row `{}` is not a check of the spec", r.0));
        }
    }
    if problems.is_empty() && rows != expected {
        let order: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
        problems.push(format!(
            "the rows are not in the spec's order ({})",
            order.join(", ")
        ));
    }
    problems
}

fn spec_rows(spec: &Spec) -> Vec<Row> {
    spec.checks
        .iter()
        .map(|c| (c.id.clone(), c.points, c.title.pt.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

/// Images shown by a page: `(line number, alt text, target)`, from `![alt](target)` and
/// `<img ... src="..." alt="...">` in the prose.
fn images(md: &str) -> Vec<(usize, String, String)> {
    let markdown = Regex::new(r#"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).unwrap();
    let tag = Regex::new(r"<img\s[^>]*>").unwrap();
    let attr = |tag: &str, name: &str| {
        Regex::new(&format!(r#"\s{name}="([^"]*)""#))
            .unwrap()
            .captures(tag)
            .map(|c| c[1].to_string())
    };
    let mut out = Vec::new();
    for (i, line) in prose(md).iter().enumerate() {
        for c in markdown.captures_iter(line) {
            out.push((i + 1, c[1].trim().to_string(), c[2].to_string()));
        }
        for t in tag.find_iter(line) {
            if let Some(src) = attr(t.as_str(), "src") {
                let alt = attr(t.as_str(), "alt").unwrap_or_default();
                out.push((i + 1, alt.trim().to_string(), src));
            }
        }
    }
    out
}

/// Words that English alt text almost never has and Portuguese alt text almost always does.
const PORTUGUESE_WORDS: &[&str] = &[
    "de", "do", "da", "dos", "das", "em", "no", "na", "nos", "nas", "com", "um", "uma", "que",
    "por", "para", "ao", "é", "e", "o", "os", "as", "cada", "sem", "até",
];

/// Why an alt text does not describe its figure to a reader who cannot see it, if it does not.
fn alt_problem(alt: &str, target: &str) -> Option<String> {
    let file = Path::new(target)
        .file_name()
        .map_or(target.to_string(), |f| f.to_string_lossy().into_owned());
    let stem = Path::new(&file)
        .file_stem()
        .map_or(file.clone(), |s| s.to_string_lossy().into_owned());
    let words: Vec<String> = alt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if alt.is_empty() {
        Some("has no alt text".into())
    } else if alt == file || alt == stem || alt == target {
        Some(format!("has the file name `{alt}` for alt text"))
    } else if words.len() < 4 || !words.iter().any(|w| PORTUGUESE_WORDS.contains(&w.as_str())) {
        Some(format!(
            "has alt text `{alt}`, which does not read as a Portuguese description"
        ))
    } else {
        None
    }
}

/// Problems with the figures of the book under `src`: images no page shows, pages showing
/// images that are not there, alt texts that say nothing, lesson pages with no figure, and
/// figure files that are not what a book can ship (an SVG without `viewBox`, with a script
/// or an external reference; a PNG over 200 KB).
fn figure_problems(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut shown: HashSet<PathBuf> = HashSet::new();
    let mut with_figure: HashSet<PathBuf> = HashSet::new();
    for page in markdown_files(src) {
        let md = read(&src.join(&page));
        for (line, alt, target) in images(&md) {
            if is_external(&target) {
                problems.push(format!(
                    "{}:{line}: `{target}`: figures live in book/src/img, not on the web",
                    page.display()
                ));
                continue;
            }
            let resolved = normalize(&page.parent().unwrap_or(Path::new("")).join(&target));
            if !src.join(&resolved).is_file() {
                problems.push(format!(
                    "{}:{line}: shows book/src/{}, which does not exist",
                    page.display(),
                    resolved.display()
                ));
            }
            if let Some(p) = alt_problem(&alt, &target) {
                problems.push(format!("{}:{line}: `{target}` {p}", page.display()));
            }
            shown.insert(resolved);
            with_figure.insert(page.clone());
        }
    }
    if let Ok(entries) = fs::read_dir(src.join("img")) {
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("readable directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let relative = file.strip_prefix(src).expect("under src").to_path_buf();
            let name = relative.display();
            if !shown.contains(&relative) {
                problems.push(format!(
                    "book/src/{name} is shown by no page: reference it or delete it"
                ));
            }
            match file.extension().and_then(|e| e.to_str()) {
                Some("svg") => {
                    let svg = read(&file);
                    if !svg.contains("viewBox=") {
                        problems.push(format!(
                            "book/src/{name} has no viewBox, so it does not scale"
                        ));
                    }
                    if svg.contains("<script") || svg.contains("href=\"http") {
                        problems.push(format!(
                            "book/src/{name} has a script or an external reference"
                        ));
                    }
                }
                Some("png") => {
                    let size = fs::metadata(&file).expect("readable file").len();
                    if size > 200 * 1024 {
                        problems.push(format!(
                            "book/src/{name} has {} KB: keep figures under 200 KB",
                            size / 1024
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    for page in lesson_pages(&read(&src.join("SUMMARY.md"))) {
        if !with_figure.contains(&page) {
            problems.push(format!(
                "book/src/{} is a lesson page with no figure: show its main idea in one",
                page.display()
            ));
        }
    }
    problems
}

/// The lesson pages of `SUMMARY.md`: every page but the exercises and their solutions, which
/// live under `exercicios/`.
fn lesson_pages(summary: &str) -> Vec<PathBuf> {
    summary_entries(summary)
        .into_iter()
        .map(PathBuf::from)
        .filter(|p| !p.starts_with("exercicios"))
        .filter(|p| !REFERENCE_PAGES.iter().any(|r| p == Path::new(r)))
        .collect()
}

/// Pages a student looks things up in rather than reads as a chapter (a reading list, the
/// glossary's table): they carry no idea a figure would show better.
const REFERENCE_PAGES: &[&str] = &["para-saber-mais.md", "glossario.md"];

fn fail_on(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}:\n  - {}\n",
        problems.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[test]
fn every_relative_link_and_image_of_the_book_exists() {
    fail_on(
        "broken links or images in book/src (a relative link must name a file of the book; \
         a #fragment must be the id mdBook gives one of that page's headings)",
        &link_problems(&book_src()),
    );
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let src = book_src();
    let found: usize = markdown_files(&src)
        .iter()
        .map(|p| includes(&read(&src.join(p))).len())
        .sum();
    assert!(
        found > 0,
        "the book includes no code at all: is this book/src?"
    );
    fail_on(
        "broken {{#include}}s in book/src (the book shows code from the real crates: the \
         file and its `// ANCHOR: name` / `// ANCHOR_END: name` lines must exist; if a crate \
         file changed, move the anchor or the include)",
        &include_problems(&src),
    );
}

#[test]
fn every_page_is_listed_in_the_summary() {
    let src = book_src();
    let listed: HashSet<PathBuf> = summary_entries(&read(&src.join("SUMMARY.md")))
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let problems: Vec<String> = markdown_files(&src)
        .into_iter()
        .filter(|p| p != Path::new("SUMMARY.md") && !listed.contains(p))
        .map(|p| {
            format!(
                "book/src/{} is not in SUMMARY.md, so mdBook never renders it",
                p.display()
            )
        })
        .collect();
    fail_on("pages missing from SUMMARY.md", &problems);
}

#[test]
fn every_exercise_has_its_page_and_solution_in_the_summary() {
    let src = book_src();
    let specs = Spec::all_builtin().expect("the built-in specs load");
    let entries = summary_entries(&read(&src.join("SUMMARY.md")));
    let mut problems = Vec::new();
    for spec in &specs {
        let page = format!("exercicios/{}.md", spec.id);
        let solution = format!("exercicios/{}-solucao.md", spec.id);
        if !src.join(&page).is_file() {
            problems.push(format!(
                "exercise `{}` ({}) has no page: create book/src/{page}",
                spec.id, spec.guide_part
            ));
        }
        if !src.join(&solution).is_file() {
            problems.push(format!(
                "exercise `{}` has no solution page: create book/src/{solution}",
                spec.id
            ));
        }
        match entries.iter().position(|e| *e == page) {
            None => problems.push(format!("SUMMARY.md does not list {page}")),
            Some(i) if entries.get(i + 1) != Some(&solution) => problems.push(format!(
                "SUMMARY.md must list {solution} right after {page} (found {:?})",
                entries.get(i + 1)
            )),
            Some(_) => {}
        }
    }
    let ids: HashSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    let exercise_page = Regex::new(r"^(ex\d+)").unwrap();
    for page in markdown_files(&src.join("exercicios")) {
        let name = page.to_string_lossy();
        if let Some(c) = exercise_page.captures(&name)
            && !ids.contains(&c[1])
        {
            problems.push(format!(
                "book/src/exercicios/{name} is about exercise `{}`, which the grader does not \
                 have (grader/specs); describe future exercises in their chapter instead",
                &c[1]
            ));
        }
    }
    fail_on("exercise pages and SUMMARY.md", &problems);
}

#[test]
fn every_exercise_page_lists_exactly_the_checks_of_its_spec() {
    let src = book_src();
    let mut problems = Vec::new();
    for spec in Spec::all_builtin().expect("the built-in specs load") {
        let page = src.join(format!("exercicios/{}.md", spec.id));
        let Ok(text) = fs::read_to_string(&page) else {
            problems.push(format!("{}: missing page", page.display()));
            continue;
        };
        match check_table(&text) {
            Err(e) => problems.push(format!("book/src/exercicios/{}.md: {e}", spec.id)),
            Ok(rows) => problems.extend(
                table_problems(&rows, &spec_rows(&spec))
                    .into_iter()
                    .map(|p| format!("book/src/exercicios/{}.md: {p}", spec.id)),
            ),
        }
    }
    fail_on(
        "the \"Como o avaliador confere\" tables must match grader/specs (id, points and the \
         Portuguese title, in the spec's order)",
        &problems,
    );
}

#[test]
fn heading_ids_are_made_the_way_mdbook_makes_them() {
    let cases = [
        ("Apresentação", "apresentação"),
        (
            "Lendo o relatório do avaliador",
            "lendo-o-relatório-do-avaliador",
        ),
        (
            "`rate()`: o contador visto como velocidade",
            "rate-o-contador-visto-como-velocidade",
        ),
        (
            "Percentis com `histogram_quantile`",
            "percentis-com-histogram_quantile",
        ),
        ("Ação É Über", "ação-é-über"),
        (
            "Histogram: como as medidas se distribuem",
            "histogram-como-as-medidas-se-distribuem",
        ),
        ("`curl` recebe 415", "curl-recebe-415"),
        ("Um [link](x.md) e **ênfase**", "um-link-e-ênfase"),
        ("Exercício 1: métricas HTTP", "exercício-1-métricas-http"),
        ("  a  b  ", "a--b"),
        ("O alvo aparece como DOWN ##", "o-alvo-aparece-como-down"),
        ("Com id próprio {#meu-id}", "meu-id"),
    ];
    for (heading, want) in cases {
        let got = heading_ids(&format!("## {heading}\n"));
        assert_eq!(got, [want], "heading `{heading}`");
    }
    let md = "# Título\n\n```text\n# HELP não é título\n```\n\n## Título\n\n## Título\n";
    assert_eq!(heading_ids(md), ["título", "título-1", "título-2"]);
}

#[test]
fn the_checks_catch_what_they_are_there_for() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::write(
        src.join("codigo.rs"),
        "// ANCHOR: bom\nfn a() {}\n// ANCHOR_END: bom\n\
         // ANCHOR: vazio\n// ANCHOR_END: vazio\n\
         // ANCHOR: aberto\nfn b() {}\n",
    )
    .unwrap();
    fs::write(src.join("a.md"), "# A\n\n## Seção boa\n").unwrap();
    fs::write(
        src.join("sub/b.md"),
        "# B\n\n[ok](../a.md#seção-boa) [sem arquivo](nada.md) [sem título](../a.md#outra)\n\
         ![imagem](../img/x.svg) `[não é link](nada.md)`\n\n\
         ```rust\n{{#include ../codigo.rs:bom}}\n{{#include ../codigo.rs:falta}}\n\
         {{#include ../codigo.rs:vazio}}\n{{#include ../codigo.rs:aberto}}\n\
         {{#include ../nao-existe.rs}}\n```\n\n[fora](../../README.md)\n",
    )
    .unwrap();

    let links = link_problems(&src);
    assert_eq!(links.len(), 4, "{links:#?}");
    assert!(links.iter().any(|p| p.contains("`nada.md`")), "{links:#?}");
    assert!(links.iter().any(|p| p.contains("`outra`")), "{links:#?}");
    assert!(links.iter().any(|p| p.contains("img/x.svg")), "{links:#?}");
    assert!(
        links.iter().any(|p| p.contains("leaves book/src")),
        "{links:#?}"
    );

    let incs = include_problems(&src);
    assert_eq!(incs.len(), 4, "{incs:#?}");
    assert!(
        incs.iter().any(|p| p.contains("no `ANCHOR: falta`")),
        "{incs:#?}"
    );
    assert!(
        incs.iter().any(|p| p.contains("encloses no code")),
        "{incs:#?}"
    );
    assert!(
        incs.iter().any(|p| p.contains("no `ANCHOR_END: aberto`")),
        "{incs:#?}"
    );
    assert!(
        incs.iter()
            .any(|p| p.contains("nao-existe.rs does not exist")),
        "{incs:#?}"
    );

    let expected: Vec<Row> = vec![
        ("a".into(), 1, "primeira".into()),
        ("b".into(), 2, "segunda, com \"aspas\"".into()),
    ];
    let page = "| id | pontos | o que é conferido |\n|---|---|---|\n\
                | `a` | 1 | primeira |\n| `b` | 2 | segunda, com \"aspas\" |\n";
    assert_eq!(check_table(page).unwrap(), expected);
    assert!(table_problems(&check_table(page).unwrap(), &expected).is_empty());
    let missing_row = page.replace("| `a` | 1 | primeira |\n", "");
    let p = table_problems(&check_table(&missing_row).unwrap(), &expected);
    assert!(
        p.len() == 1 && p[0].contains("missing row for check `a`"),
        "{p:?}"
    );
    let wrong_points = page.replace("| `b` | 2 |", "| `b` | 3 |");
    let p = table_problems(&check_table(&wrong_points).unwrap(), &expected);
    assert!(p.len() == 1 && p[0].contains("3 point(s)"), "{p:?}");
    let wrong_title = page.replace("primeira", "Primeira");
    let p = table_problems(&check_table(&wrong_title).unwrap(), &expected);
    assert!(p.len() == 1 && p[0].contains("\"Primeira\""), "{p:?}");
    let extra = format!("{page}| `c` | 1 | outra |\n");
    let p = table_problems(&check_table(&extra).unwrap(), &expected);
    assert!(p.len() == 1 && p[0].contains("`c` is not a check"), "{p:?}");
    let swapped = "| id | pontos | o que é conferido |\n|---|---|---|\n\
                   | `b` | 2 | segunda, com \"aspas\" |\n| `a` | 1 | primeira |\n";
    let p = table_problems(&check_table(swapped).unwrap(), &expected);
    assert!(p.len() == 1 && p[0].contains("order"), "{p:?}");
    assert!(check_table("sem tabela").is_err());
}

#[test]
fn every_figure_is_shown_described_and_every_lesson_has_one() {
    fail_on(
        "figures of the book (every file in book/src/img shown by a page, with alt text in \
         Portuguese that describes it; every lesson page with at least one figure)",
        &figure_problems(&book_src()),
    );
}

#[test]
fn the_figure_checks_catch_what_they_are_there_for() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("img")).unwrap();
    fs::create_dir_all(src.join("exercicios")).unwrap();
    fs::write(
        src.join("SUMMARY.md"),
        "# Resumo\n\n- [Com figura](com.md)\n- [Sem figura](sem.md)\n  \
         - [Exercício](exercicios/ex1.md)\n",
    )
    .unwrap();
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"></svg>";
    for name in ["boa.svg", "orfa.svg", "vazia.svg", "nome.svg", "ingles.svg"] {
        fs::write(src.join("img").join(name), svg).unwrap();
    }
    fs::write(
        src.join("img/sem-viewbox.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>",
    )
    .unwrap();
    fs::write(
        src.join("com.md"),
        "# Com figura\n\n\
         ![A loja expõe as métricas e o Prometheus as coleta](img/boa.svg)\n\
         ![](img/vazia.svg)\n![nome.svg](img/nome.svg)\n\
         ![Latency against users](img/ingles.svg)\n\
         ![Um gráfico que ainda não existe no livro](img/falta.png)\n\
         <img src=\"img/sem-viewbox.svg\" alt=\"O mesmo desenho sem a caixa de visão\">\n\
         `![não é figura](img/codigo.svg)`\n",
    )
    .unwrap();
    fs::write(src.join("sem.md"), "# Sem figura\n\nSó texto.\n").unwrap();
    fs::write(src.join("exercicios/ex1.md"), "# Exercício\n\nSó texto.\n").unwrap();

    let p = figure_problems(&src);
    let has = |needle: &str| p.iter().any(|x| x.contains(needle));
    assert!(has("img/orfa.svg is shown by no page"), "{p:#?}");
    assert!(has("`img/vazia.svg` has no alt text"), "{p:#?}");
    assert!(has("`img/nome.svg` has the file name"), "{p:#?}");
    assert!(has("`img/ingles.svg` has alt text `Latency"), "{p:#?}");
    assert!(
        has("book/src/img/falta.png, which does not exist"),
        "{p:#?}"
    );
    assert!(has("sem-viewbox.svg has no viewBox"), "{p:#?}");
    assert!(has("sem-viewbox.svg has a script"), "{p:#?}");
    assert!(has("sem.md is a lesson page with no figure"), "{p:#?}");
    assert_eq!(p.len(), 8, "{p:#?}");
}

/// With `BOOK_HTML_DIR` set to a built book (`scripts/book.sh` does it), the heading ids
/// computed from the Markdown must be exactly those in the HTML, page by page: the proof that
/// [`slug`] follows the mdBook in use. Without it, there is nothing to compare with.
#[test]
fn heading_ids_match_the_built_book() {
    let Some(html_dir) = std::env::var_os("BOOK_HTML_DIR") else {
        eprintln!("BOOK_HTML_DIR not set: skipped (scripts/book.sh runs it after building)");
        return;
    };
    let html_dir = course_root().join(html_dir);
    let src = book_src();
    let heading = Regex::new(r#"<h[1-6] id="([^"]*)""#).unwrap();
    let mut problems = Vec::new();
    for page in markdown_files(&src) {
        if page == Path::new("SUMMARY.md") {
            continue;
        }
        let built = html_dir.join(page.with_extension("html"));
        let Ok(html) = fs::read_to_string(&built) else {
            problems.push(format!("{} was not built", built.display()));
            continue;
        };
        // The page's own content, without the sidebar or the menus.
        let main = html
            .split_once("<main>")
            .and_then(|(_, rest)| rest.split_once("</main>"))
            .map_or(html.as_str(), |(m, _)| m);
        let in_html: Vec<String> = heading
            .captures_iter(main)
            .map(|c| c[1].replace("&amp;", "&").replace("&quot;", "\""))
            .collect();
        let computed = heading_ids(&read(&src.join(&page)));
        if in_html != computed {
            problems.push(format!(
                "{}: mdBook made {in_html:?}, this test computes {computed:?}",
                page.display()
            ));
        }
    }
    fail_on("heading ids differ from the built book", &problems);
}

/// Every graded hint of the specs (`[[hints]]`, shown by `grader hint` and `grader watch`)
/// that names a book section names a page of the book and one of its headings.
#[test]
fn every_hint_names_a_page_and_heading_of_the_book() {
    let src = book_src();
    let mut problems = Vec::new();
    let mut found = 0;
    for spec in Spec::all_builtin().expect("the built-in specs load") {
        for hint in &spec.hints {
            let Some(book) = &hint.book else { continue };
            found += 1;
            let (page, fragment) = book.split_once('#').unwrap_or((book, ""));
            let Ok(md) = fs::read_to_string(src.join(page)) else {
                problems.push(format!("{}: book/src/{page} does not exist", spec.id));
                continue;
            };
            if !fragment.is_empty() && !heading_ids(&md).iter().any(|id| id == fragment) {
                problems.push(format!("{}: {page} has no heading #{fragment}", spec.id));
            }
        }
    }
    assert!(found > 0, "no hint names a book section");
    fail_on("hints naming a book section that is not there", &problems);
}
