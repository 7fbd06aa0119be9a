//! The line-by-line parser behind [`crate::parse`].

use std::collections::{BTreeMap, HashMap};

use crate::{Exposition, Family, MetricKind, ParseError, Sample};

/// Maximum number of characters of the offending line kept in [`ParseError::text`].
const MAX_TEXT: usize = 120;
/// Maximum number of characters of a token quoted inside an error message.
const MAX_TOKEN: usize = 40;

/// The sample-name suffixes that can attach a sample to a family of another name.
const SUFFIXES: [&str; 5] = ["", "_bucket", "_sum", "_count", "_created"];

pub(crate) fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut parser = Parser::default();
    let mut first_content = true;
    for (index, raw) in text.split('\n').enumerate() {
        let line = Line {
            no: index + 1,
            text: raw.strip_suffix('\r').unwrap_or(raw),
        };
        if first_content && !line.text.trim().is_empty() {
            first_content = false;
            check_not_other_format(&line)?;
        }
        parser.line(&line)?;
    }
    Ok(Exposition {
        families: parser.families,
    })
}

/// Recognises the usual wrong bodies of a `/metrics` route before parsing.
fn check_not_other_format(line: &Line<'_>) -> Result<(), ParseError> {
    if line.text.starts_with('\u{feff}') {
        return Err(line.error(
            "the text starts with a byte order mark (U+FEFF); remove it, Prometheus rejects it",
        ));
    }
    let start = line.text.trim_start();
    if start.starts_with('<') {
        return Err(line.error(
            "this looks like HTML, not the Prometheus text format; \
             /metrics must return the output of the text encoder",
        ));
    }
    let after_brace = start.strip_prefix('{').map(|r| r.trim_matches(is_blank));
    // `{"key": ...}`, `{`, `{}` or `[...]`, but not a label set missing its metric name.
    let json_object = after_brace.is_some_and(|r| r.is_empty() || r == "}" || r.starts_with('"'));
    if json_object || start.starts_with('[') {
        return Err(line.error(
            "this looks like JSON, not the Prometheus text format; \
             /metrics must return the output of the text encoder",
        ));
    }
    Ok(())
}

/// One input line, without its line ending.
struct Line<'a> {
    no: usize,
    text: &'a str,
}

impl Line<'_> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            line: self.no,
            message: message.into(),
            text: shorten(self.text, MAX_TEXT),
        }
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with `...`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 3).collect();
    out.push_str("...");
    out
}

/// Describes what was found where something else was expected.
fn found(c: Option<char>) -> String {
    match c {
        None => "end of line".to_string(),
        Some(c) => format!("{c:?}"),
    }
}

/// Quotes a token for a message, with control characters made visible.
fn quoted(s: &str) -> String {
    let mut visible = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            visible.extend(c.escape_default());
        } else {
            visible.push(c);
        }
    }
    format!("'{}'", shorten(&visible, MAX_TOKEN))
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_metric_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn is_label_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A position inside one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.s[start..self.pos]
    }

    /// Skips spaces and tabs; returns how many were skipped.
    fn skip_blanks(&mut self) -> usize {
        self.take_while(is_blank).len()
    }
}

/// What the parser remembers about a family besides its public fields.
struct Meta {
    type_line: Option<usize>,
    help_line: Option<usize>,
    first_sample_line: Option<usize>,
    last_line: usize,
}

impl Meta {
    fn declared(&self) -> bool {
        self.type_line.is_some() || self.help_line.is_some()
    }
}

#[derive(Default)]
struct Parser {
    families: Vec<Family>,
    meta: Vec<Meta>,
    by_name: HashMap<String, usize>,
    /// Every series seen (name + labels, `le`/`quantile` normalised) and its line.
    series: HashMap<(String, BTreeMap<String, String>), usize>,
    /// The family of the previous HELP, TYPE or sample line.
    current: Option<usize>,
}

enum Keyword {
    Help,
    Type,
}

impl Parser {
    fn line(&mut self, line: &Line<'_>) -> Result<(), ParseError> {
        let mut c = Cursor::new(line.text);
        c.skip_blanks();
        match c.peek() {
            None => Ok(()),
            Some('#') => {
                c.bump();
                self.comment_line(line, c)
            }
            Some(_) => self.sample_line(line, c),
        }
    }

    // ---- comments, HELP and TYPE -------------------------------------------------

    fn comment_line(&mut self, line: &Line<'_>, mut c: Cursor<'_>) -> Result<(), ParseError> {
        // Like Prometheus: only `#` + blanks + `HELP`/`TYPE` + blanks is a descriptor;
        // `#HELP ...` or `# HELPER` are plain comments.
        if c.skip_blanks() == 0 {
            return Ok(());
        }
        let word = c.take_while(|ch| !is_blank(ch));
        let keyword = match word {
            "HELP" => Keyword::Help,
            "TYPE" => Keyword::Type,
            _ => return Ok(()),
        };
        c.skip_blanks();
        let name = match c.peek() {
            Some(ch) if is_metric_start(ch) => c.take_while(is_metric_char),
            other => {
                return Err(line.error(format!(
                    "expected a metric name after {word}, found {}",
                    found(other)
                )));
            }
        };
        match c.peek() {
            None => {}
            Some(ch) if is_blank(ch) => {
                c.bump();
            }
            Some(ch) => {
                return Err(line.error(format!(
                    "invalid character {ch:?} in metric name {}; metric names may only \
                     contain letters, digits, '_' and ':'",
                    quoted(&format!("{name}{ch}"))
                )));
            }
        }
        match keyword {
            Keyword::Help => {
                // Prometheus drops exactly one separator; the rest is the help text.
                let help = unescape_help(c.rest()).map_err(|m| line.error(m))?;
                self.declare_help(line, name, help)
            }
            Keyword::Type => {
                let kind = parse_type_word(name, c.rest()).map_err(|m| line.error(m))?;
                self.declare_type(line, name, kind)
            }
        }
    }

    fn declare_help(
        &mut self,
        line: &Line<'_>,
        name: &str,
        help: String,
    ) -> Result<(), ParseError> {
        match self.by_name.get(name).copied() {
            Some(i) => {
                let meta = &self.meta[i];
                if let Some(first) = meta.help_line {
                    return Err(line.error(format!(
                        "second HELP line for '{name}' (the first is on line {first})"
                    )));
                }
                if let Some(sample) = meta.first_sample_line {
                    return Err(line.error(format!(
                        "HELP line for '{name}' comes after its samples (first sample on line \
                         {sample}); put HELP and TYPE before the samples"
                    )));
                }
                self.check_group(line, i)?;
                self.families[i].help = Some(help);
                self.meta[i].help_line = Some(line.no);
                self.touch(i, line);
            }
            None => {
                let i = self.new_family(line, name, MetricKind::Untyped);
                self.families[i].help = Some(help);
                self.meta[i].help_line = Some(line.no);
            }
        }
        Ok(())
    }

    fn declare_type(
        &mut self,
        line: &Line<'_>,
        name: &str,
        kind: MetricKind,
    ) -> Result<(), ParseError> {
        match self.by_name.get(name).copied() {
            Some(i) => {
                let meta = &self.meta[i];
                if let Some(first) = meta.type_line {
                    return Err(line.error(format!(
                        "second TYPE line for '{name}' (the first is on line {first})"
                    )));
                }
                if let Some(sample) = meta.first_sample_line {
                    return Err(line.error(format!(
                        "TYPE line for '{name}' comes after its samples (first sample on line \
                         {sample}); put HELP and TYPE before the samples"
                    )));
                }
                self.check_group(line, i)?;
                self.families[i].kind = kind;
                self.meta[i].type_line = Some(line.no);
                self.touch(i, line);
            }
            None => {
                // Samples such as `x_bucket` seen before `# TYPE x histogram` became
                // untyped metrics of their own: the TYPE line came too late.
                for suffix in SUFFIXES.into_iter().filter(|s| !s.is_empty()) {
                    if !allows(kind, suffix) {
                        continue;
                    }
                    let sample_name = format!("{name}{suffix}");
                    if let Some(&j) = self.by_name.get(&sample_name)
                        && let (false, Some(sample)) =
                            (self.meta[j].declared(), self.meta[j].first_sample_line)
                    {
                        return Err(line.error(format!(
                            "TYPE line for '{name}' comes after its samples \
                                 ('{sample_name}' on line {sample}); put HELP and TYPE \
                                 before the samples"
                        )));
                    }
                }
                let i = self.new_family(line, name, kind);
                self.meta[i].type_line = Some(line.no);
            }
        }
        Ok(())
    }

    // ---- samples -----------------------------------------------------------------

    fn sample_line(&mut self, line: &Line<'_>, mut c: Cursor<'_>) -> Result<(), ParseError> {
        let name = match c.peek() {
            Some(ch) if is_metric_start(ch) => c.take_while(is_metric_char),
            Some(ch) if ch.is_ascii_digit() => {
                return Err(line.error(format!(
                    "a metric name cannot start with a digit ({ch:?}); it must start with a \
                     letter, '_' or ':'"
                )));
            }
            other => {
                return Err(line.error(format!(
                    "expected a metric name at the start of the line, found {}",
                    found(other)
                )));
            }
        };
        match c.peek() {
            None => {
                return Err(line.error(format!("missing value after '{name}'")));
            }
            Some(ch) if is_blank(ch) && (name == "HELP" || name == "TYPE") => {
                return Err(line.error(format!("{name} lines must start with '# {name} '")));
            }
            Some('{') => {}
            Some(ch) if is_blank(ch) => {
                c.skip_blanks();
            }
            Some(ch) => {
                return Err(line.error(format!(
                    "invalid character {ch:?} in metric name {}; metric names may only \
                     contain letters, digits, '_' and ':'",
                    quoted(&format!("{name}{ch}"))
                )));
            }
        }

        let mut labels = BTreeMap::new();
        if c.peek() == Some('{') {
            c.bump();
            parse_labels(line, &mut c, name, &mut labels)?;
            c.skip_blanks();
        }

        let token = c.take_while(|ch| !is_blank(ch));
        if token.is_empty() {
            return Err(line.error(format!("missing value after '{name}'")));
        }
        let value = parse_value(token).map_err(|why| {
            line.error(format!(
                "invalid value {} for '{name}': {why}",
                quoted(token)
            ))
        })?;

        c.skip_blanks();
        let timestamp_ms = if c.at_end() {
            None
        } else {
            let token = c.take_while(|ch| !is_blank(ch));
            Some(parse_timestamp(token).map_err(|m| line.error(m))?)
        };
        c.skip_blanks();
        if !c.at_end() {
            return Err(line.error(format!(
                "unexpected text after the timestamp: {}",
                quoted(c.rest())
            )));
        }

        self.add_sample(
            line,
            Sample {
                name: name.to_string(),
                labels,
                value,
                timestamp_ms,
                line: line.no,
            },
        )
    }

    fn add_sample(&mut self, line: &Line<'_>, sample: Sample) -> Result<(), ParseError> {
        let (i, suffix) = match self.resolve(&sample.name) {
            Some(found) => found,
            None => {
                self.check_stray(line, &sample.name)?;
                (self.new_family(line, &sample.name, MetricKind::Untyped), "")
            }
        };
        let family = &self.families[i];
        let key = check_type_labels(line, family, suffix, &sample)?;
        self.check_group(line, i)?;
        if let Some(first) = self.series.get(&key) {
            return Err(line.error(format!(
                "duplicate series {} (already on line {first})",
                series_string(&sample.name, &sample.labels)
            )));
        }
        self.series.insert(key, line.no);
        let meta = &mut self.meta[i];
        meta.first_sample_line.get_or_insert(line.no);
        self.touch(i, line);
        self.families[i].samples.push(sample);
        Ok(())
    }

    /// The family a sample name belongs to, with the suffix that attached it: among the
    /// families whose name and type accept it, the latest declared one.
    fn resolve(&self, sample_name: &str) -> Option<(usize, &'static str)> {
        let mut best: Option<(usize, &'static str)> = None;
        for suffix in SUFFIXES {
            let Some(base) = sample_name.strip_suffix(suffix) else {
                continue;
            };
            if let Some(&i) = self.by_name.get(base)
                && allows(self.families[i].kind, suffix)
                && best.is_none_or(|(b, _)| i > b)
            {
                best = Some((i, suffix));
            }
        }
        best
    }

    /// Rejects a sample that matches no family but is evidently meant for one.
    fn check_stray(&self, line: &Line<'_>, sample_name: &str) -> Result<(), ParseError> {
        if let Some(&i) = self.by_name.get(sample_name)
            && self.families[i].kind == MetricKind::Histogram
        {
            return Err(line.error(format!(
                "histogram '{sample_name}' cannot have a sample named '{sample_name}'; use \
                     {sample_name}_bucket{{le=\"...\"}}, {sample_name}_sum and {sample_name}_count"
            )));
        }
        let Some(cur) = self.current else {
            return Ok(());
        };
        let (family, meta) = (&self.families[cur], &self.meta[cur]);
        let Some(type_line) = meta.type_line else {
            return Ok(());
        };
        let base = family.name.as_str();
        let Some(rest) = sample_name
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('_'))
        else {
            return Ok(());
        };
        match family.kind {
            MetricKind::Histogram => Err(line.error(format!(
                "'{sample_name}' is not a sample of histogram '{base}' (TYPE on line \
                 {type_line}); expected {base}_bucket, {base}_sum, {base}_count or \
                 {base}_created (a separate metric needs its own TYPE line)"
            ))),
            MetricKind::Summary => Err(line.error(format!(
                "'{sample_name}' is not a sample of summary '{base}' (TYPE on line \
                 {type_line}); expected {base}{{quantile=\"...\"}}, {base}_sum, {base}_count \
                 or {base}_created (a separate metric needs its own TYPE line)"
            ))),
            MetricKind::Counter if rest == "total" => Err(line.error(format!(
                "'{sample_name}' does not match '# TYPE {base} counter' (line {type_line}); in \
                 format 0.0.4 the TYPE line names the sample: '# TYPE {sample_name} counter'"
            ))),
            _ => Ok(()),
        }
    }

    /// Rejects a line of family `i` if other families came between it and the family's
    /// earlier lines.
    fn check_group(&self, line: &Line<'_>, i: usize) -> Result<(), ParseError> {
        if self.current == Some(i) {
            return Ok(());
        }
        let name = &self.families[i].name;
        let last = self.meta[i].last_line;
        Err(line.error(format!(
            "'{name}' appears again after other metrics (last seen on line {last}); keep the \
             HELP, TYPE and samples of a family together"
        )))
    }

    fn new_family(&mut self, line: &Line<'_>, name: &str, kind: MetricKind) -> usize {
        let i = self.families.len();
        self.families.push(Family {
            name: name.to_string(),
            help: None,
            kind,
            samples: Vec::new(),
        });
        self.meta.push(Meta {
            type_line: None,
            help_line: None,
            first_sample_line: None,
            last_line: line.no,
        });
        self.by_name.insert(name.to_string(), i);
        self.current = Some(i);
        i
    }

    fn touch(&mut self, i: usize, line: &Line<'_>) {
        self.meta[i].last_line = line.no;
        self.current = Some(i);
    }
}

/// Whether a family of `kind` named `x` owns the sample `x{suffix}`.
fn allows(kind: MetricKind, suffix: &str) -> bool {
    use MetricKind::*;
    match suffix {
        "" => matches!(kind, Counter | Gauge | Untyped | Summary),
        "_bucket" => kind == Histogram,
        "_sum" | "_count" => matches!(kind, Histogram | Summary),
        "_created" => matches!(kind, Counter | Histogram | Summary),
        _ => false,
    }
}

/// Checks the `le`/`quantile` rules of histograms and summaries, and returns the key
/// identifying the sample's series (with `le`/`quantile` normalised as numbers, as
/// Prometheus 3 does, so `le="1"` and `le="1.0"` are the same series).
fn check_type_labels(
    line: &Line<'_>,
    family: &Family,
    suffix: &str,
    sample: &Sample,
) -> Result<(String, BTreeMap<String, String>), ParseError> {
    let special = match family.kind {
        MetricKind::Histogram => Some(("le", "_bucket", "histogram bucket")),
        MetricKind::Summary => Some(("quantile", "", "summary quantile sample")),
        _ => None,
    };
    let mut labels = sample.labels.clone();
    if let Some((label, owner, what)) = special {
        let name = &sample.name;
        let base = &family.name;
        if suffix == owner {
            let Some(value) = sample.labels.get(label) else {
                return Err(line.error(format!("{what} '{name}' has no '{label}' label")));
            };
            let number = parse_float(value).map_err(|_| {
                line.error(format!(
                    "'{label}' label of '{name}' must be a number (like \"0.5\" or \"+Inf\"), \
                     found {label}={}",
                    quoted_value(value)
                ))
            })?;
            labels.insert(label.to_string(), format!("{number:?}"));
        } else if sample.labels.contains_key(label) {
            return Err(line.error(format!(
                "the '{label}' label belongs only on {base}{owner} samples, not on '{name}'"
            )));
        }
    }
    Ok((sample.name.clone(), labels))
}

/// Parses the inside of `{...}`, after the `{`, up to and including the `}`.
fn parse_labels(
    line: &Line<'_>,
    c: &mut Cursor<'_>,
    metric: &str,
    labels: &mut BTreeMap<String, String>,
) -> Result<(), ParseError> {
    let unclosed = || line.error(format!("missing '}}' to close the labels of '{metric}'"));
    let mut after = "'{'";
    loop {
        c.skip_blanks();
        let name = match c.peek() {
            Some('}') => {
                c.bump();
                return Ok(());
            }
            None => return Err(unclosed()),
            Some(ch) if is_label_start(ch) => c.take_while(is_label_char),
            Some(ch) if ch.is_ascii_digit() => {
                return Err(line.error(format!(
                    "a label name cannot start with a digit ({ch:?}); it must start with a \
                     letter or '_'"
                )));
            }
            other => {
                return Err(line.error(format!(
                    "expected a label name after {after}, found {}",
                    found(other)
                )));
            }
        };
        let blanks = c.skip_blanks();
        match c.peek() {
            Some('=') => {
                c.bump();
            }
            Some(ch) if blanks == 0 && !is_blank(ch) && !matches!(ch, '"' | ',' | '}') => {
                return Err(line.error(format!(
                    "invalid character {ch:?} in label name {}; label names may only contain \
                     letters, digits and '_'",
                    quoted(&format!("{name}{ch}"))
                )));
            }
            other => {
                return Err(line.error(format!(
                    "expected '=' after label name '{name}', found {}",
                    found(other)
                )));
            }
        }
        c.skip_blanks();
        match c.peek() {
            Some('"') => {
                c.bump();
            }
            Some('\'') => {
                return Err(line.error(format!(
                    "the value of label '{name}' must be in double quotes, not single quotes"
                )));
            }
            other => {
                return Err(line.error(format!(
                    "expected a double-quoted value for label '{name}', found {}",
                    found(other)
                )));
            }
        }
        let value = parse_label_value(line, c, name)?;
        if name == "__name__" {
            return Err(line.error("the label name '__name__' is reserved"));
        }
        if labels.insert(name.to_string(), value).is_some() {
            return Err(line.error(format!("duplicate label '{name}' in '{metric}'")));
        }
        c.skip_blanks();
        match c.bump() {
            Some(',') => after = "','",
            Some('}') => return Ok(()),
            None => return Err(unclosed()),
            Some(ch) => {
                return Err(line.error(format!(
                    "expected ',' or '}}' after the value of label '{name}', found {ch:?}"
                )));
            }
        }
    }
}

/// Parses a label value after its opening quote, up to and including the closing quote.
fn parse_label_value(
    line: &Line<'_>,
    c: &mut Cursor<'_>,
    label: &str,
) -> Result<String, ParseError> {
    let unterminated = || {
        line.error(format!(
            "unterminated value of label '{label}': missing closing '\"'"
        ))
    };
    let mut out = String::new();
    loop {
        match c.bump() {
            None => return Err(unterminated()),
            Some('"') => return Ok(out),
            Some('\\') => match c.bump() {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('n') => out.push('\n'),
                Some(other) => {
                    return Err(line.error(format!(
                        "invalid escape sequence {} in the value of label '{label}'; only \
                         \\\\, \\\" and \\n are allowed",
                        quoted(&format!("\\{other}"))
                    )));
                }
                None => return Err(unterminated()),
            },
            Some(ch) => out.push(ch),
        }
    }
}

/// Unescapes HELP text: `\\` and `\n` only.
fn unescape_help(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some(other) => {
                return Err(format!(
                    "invalid escape sequence {} in HELP text; only \\\\ and \\n are allowed \
                     (write a backslash as \\\\)",
                    quoted(&format!("\\{other}"))
                ));
            }
            None => {
                return Err(
                    "HELP text ends with a lone backslash; write a backslash as \\\\".to_string(),
                );
            }
        }
    }
    Ok(out)
}

/// Parses what follows `# TYPE name ` (after the single separator).
fn parse_type_word(name: &str, rest: &str) -> Result<MetricKind, String> {
    const EXPECTED: &str = "expected counter, gauge, histogram, summary or untyped";
    if rest.starts_with(is_blank) && !rest.trim_matches(is_blank).is_empty() {
        return Err(format!(
            "more than one space between '{name}' and its type; Prometheus rejects this TYPE line"
        ));
    }
    let word = rest.split(is_blank).next().unwrap_or("");
    if word.is_empty() {
        return Err(format!("missing type after '# TYPE {name}'; {EXPECTED}"));
    }
    let after = &rest[word.len()..];
    if !after.is_empty() {
        return Err(if after.trim_matches(is_blank).is_empty() {
            format!(
                "trailing whitespace after the type '{word}'; Prometheus rejects this TYPE line"
            )
        } else {
            format!(
                "unexpected text after the type '{word}': {}",
                quoted(after.trim_matches(is_blank))
            )
        });
    }
    match word.parse::<MetricKind>() {
        Ok(kind) => Ok(kind),
        Err(_) => match word.to_ascii_lowercase().parse::<MetricKind>() {
            Ok(kind) => Err(format!(
                "the type must be lowercase: '{kind}', not '{word}'"
            )),
            Err(_) => Err(format!("unknown metric type {}; {EXPECTED}", quoted(word))),
        },
    }
}

/// Parses a sample value like Go's `strconv.ParseFloat` (as Prometheus does, without
/// hexadecimal or `_`): decimal with optional exponent, `[+-]Inf`/`[+-]Infinity` and
/// `NaN` in any case. Returns why it is not a valid value otherwise.
fn parse_value(token: &str) -> Result<f64, String> {
    parse_float(token).map_err(|e| match e {
        FloatError::OutOfRange => "it is out of the range of a 64-bit float".to_string(),
        FloatError::Syntax if token.starts_with('"') => "values must not be quoted".to_string(),
        FloatError::Syntax
            if token.contains(',') && parse_float(&token.replace(',', ".")).is_ok() =>
        {
            "use '.' as the decimal separator".to_string()
        }
        FloatError::Syntax => "expected a number such as 42, -1.5, 3e-4, +Inf or NaN".to_string(),
    })
}

enum FloatError {
    Syntax,
    OutOfRange,
}

/// [`parse_float`] for callers that only need the number.
pub(crate) fn parse_float_lenient(s: &str) -> Option<f64> {
    parse_float(s).ok()
}

fn parse_float(s: &str) -> Result<f64, FloatError> {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Ok(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    // Go accepts NaN in any case but without a sign.
    if s.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    if !is_decimal(unsigned) {
        return Err(FloatError::Syntax);
    }
    let value: f64 = s.parse().map_err(|_| FloatError::Syntax)?;
    if value.is_infinite() {
        // Go's ParseFloat reports overflow as an error, and so does Prometheus.
        return Err(FloatError::OutOfRange);
    }
    Ok(value)
}

/// `digits [ "." digits ] | "." digits`, then an optional exponent `e[+-]digits`.
fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Parses a timestamp: digits only (as Prometheus's lexer requires), in milliseconds.
fn parse_timestamp(token: &str) -> Result<i64, String> {
    if token.starts_with('#') {
        return Err("unexpected '#' after the value; comments must be on their own line".into());
    }
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        let hint = if parse_float(token).is_ok() {
            "a timestamp is an integer number of milliseconds (digits only)"
        } else {
            "expected an integer number of milliseconds"
        };
        return Err(format!("invalid timestamp {}; {hint}", quoted(token)));
    }
    token
        .parse::<i64>()
        .map_err(|_| format!("timestamp {} is out of range", quoted(token)))
}

/// A label value as written in the text format: double-quoted and escaped.
fn quoted_value(v: &str) -> String {
    let escaped = v
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// Formats a series as `name{k="v",...}` with label values escaped.
fn series_string(name: &str, labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", quoted_value(v)))
        .collect();
    shorten(&format!("{name}{{{}}}", pairs.join(",")), 2 * MAX_TOKEN)
}
