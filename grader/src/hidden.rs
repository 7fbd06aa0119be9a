//! Hidden checks: an instructor's own checks of an exercise, their values drawn at random for
//! every grading, so that a submission cannot be tuned to numbers it has seen.
//!
//! They live in `grader/specs/ocultas/<exercise>.toml` of the course the grader runs from and are
//! read only when a run asks for them (`--hidden`), never built into the binary: the students'
//! edition of the course leaves the folder out, and has none. The file lists checks in the
//! spec's own format, each with `random`: variables drawn per run and used in the check's strings
//! as `{{name}}`, or `{{name.field}}` when the drawn value is a table. A string that is only a
//! placeholder of a number, or a minus sign and one, becomes that number (`times = "{{n}}"`,
//! `delta = "-{{n}}"`).
//!
//! ```toml
//! format_version = 1
//! exercise = "ex1"
//!
//! [[checks]]
//! id = "oculta_produto"
//! kind = "delta"
//! title = { pt = "...", en = "..." }
//! random = { n = { int = [3, 15] }, p = { one_of = [1, 2, 3, 4] } }
//! requests = [{ path = "/produto/{{p}}", times = "{{n}}", status = 200 }]
//! expect = [{ series = 'http_requests_total{endpoint="/produto/{produto_id}",status="200"}', delta = "{{n}}" }]
//! ```
//!
//! Every run draws from a seed: `--hidden-seed N`, or a new one, and in `grader bulk` one per
//! student made from it and the student's folder name. The seed is written in the results, and
//! the same seed draws the same values on any machine and with any version of the grader: the
//! generator is SplitMix64, written below, whose output its definition fixes (a library's
//! generator may change its stream from one version to the next).
//!
//! Students see the hidden checks only as a count and their points, in the readable report, the
//! per-student HTML page and Gradescope's `results.json` (where each one is a test of
//! visibility `hidden`, which Gradescope never shows to students). The instructor's gradebook
//! (`grades.csv`), `junit.xml` and `summary.json` have them in full.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Value;

use crate::course::Course;
use crate::lang::{Text, both};
use crate::spec::{Check, FORMAT_VERSION, Spec, SpecError};

/// Where the hidden checks are, relative to the course.
pub const FOLDER: &str = "grader/specs/ocultas";

/// The hidden checks of one exercise, before their values are drawn.
#[derive(Debug, Clone)]
pub struct Hidden {
    origin: String,
    templates: Vec<Template>,
}

/// One hidden check: its table as written, without `random`, and its variables.
#[derive(Debug, Clone)]
struct Template {
    id: String,
    table: toml::Table,
    /// In the order of their names, which is the order they are drawn in.
    vars: BTreeMap<String, Var>,
}

#[derive(Debug, Clone)]
enum Var {
    /// An integer from `lo` to `hi`, both included.
    Int(i64, i64),
    /// One of these values (a table's fields are reached as `{{name.field}}`).
    OneOf(Vec<Value>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format_version: u32,
    exercise: String,
    checks: Vec<toml::Table>,
}

#[derive(Debug, thiserror::Error)]
pub enum HiddenError {
    #[error("no hidden checks for {exercise}: {} does not exist (they are only in the instructor's copy of the course)", .path.display())]
    Missing { exercise: String, path: PathBuf },
    #[error(transparent)]
    Spec(#[from] SpecError),
}

impl HiddenError {
    pub fn describe(&self) -> Text {
        match self {
            HiddenError::Missing { exercise, path } => both(
                format!(
                    "não há verificações ocultas de {exercise}: {} não existe (elas só estão na cópia do curso do professor)",
                    path.display()
                ),
                self.to_string(),
            ),
            HiddenError::Spec(e) => both(e.to_string(), e.to_string()),
        }
    }
}

impl Hidden {
    /// The file of `exercise`'s hidden checks in `course`.
    pub fn path(course: &Course, exercise: &str) -> PathBuf {
        course.root.join(FOLDER).join(format!("{exercise}.toml"))
    }

    /// Reads the hidden checks of `exercise` from `course`.
    pub fn load(course: &Course, exercise: &str) -> Result<Self, HiddenError> {
        let path = Self::path(course, exercise);
        if !path.is_file() {
            return Err(HiddenError::Missing {
                exercise: exercise.to_string(),
                path,
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| SpecError::Read(path.clone(), e))?;
        Ok(Self::from_toml(
            &path.display().to_string(),
            exercise,
            &text,
        )?)
    }

    pub fn from_toml(origin: &str, exercise: &str, text: &str) -> Result<Self, SpecError> {
        let invalid = |m: String| SpecError::Invalid(origin.to_string(), m);
        let file: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if file.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format_version {} (this grader reads {FORMAT_VERSION})",
                file.format_version
            )));
        }
        if file.exercise != exercise {
            return Err(invalid(format!(
                "its checks are for {}, not {exercise}",
                file.exercise
            )));
        }
        let templates = file
            .checks
            .into_iter()
            .map(Template::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        Ok(Self {
            origin: origin.to_string(),
            templates,
        })
    }

    /// The checks with their values drawn from `seed`, each marked hidden.
    pub fn draw(&self, seed: u64) -> Result<Vec<Check>, SpecError> {
        self.templates
            .iter()
            .map(|t| {
                let mut check: Check = t
                    .draw(seed)
                    .map_err(|m| SpecError::Invalid(self.origin.clone(), m))?;
                check.hidden = true;
                Ok(check)
            })
            .collect()
    }

    /// `spec` with these checks after its own, drawn from `seed`: checked as any spec is.
    pub fn apply(&self, spec: &Spec, seed: u64) -> Result<Spec, SpecError> {
        let mut with = spec.clone();
        with.checks.extend(self.draw(seed)?);
        with.hidden_seed = Some(seed);
        with.validate()
            .map_err(|m| SpecError::Invalid(self.origin.clone(), m))?;
        Ok(with)
    }

    /// The ids of the hidden checks.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.templates.iter().map(|t| t.id.as_str())
    }
}

impl Template {
    fn parse(mut table: toml::Table) -> Result<Self, String> {
        let id = table
            .get("id")
            .and_then(Value::as_str)
            .ok_or("every hidden check needs an `id`")?
            .to_string();
        let mut vars = BTreeMap::new();
        if let Some(random) = table.remove("random") {
            let random = random
                .as_table()
                .ok_or_else(|| format!("check `{id}`: `random` is a table of variables"))?;
            for (name, v) in random {
                vars.insert(
                    name.clone(),
                    Var::parse(v).map_err(|m| format!("check `{id}`: `{name}`: {m}"))?,
                );
            }
        }
        let template = Self { id, table, vars };
        // Every placeholder names a variable, and the check is one the grader can read.
        template.draw(0)?;
        Ok(template)
    }

    fn draw(&self, seed: u64) -> Result<Check, String> {
        let mut rng = SplitMix64(seed ^ fnv1a(&self.id));
        let drawn: BTreeMap<&str, Value> = self
            .vars
            .iter()
            .map(|(name, var)| (name.as_str(), var.draw(&mut rng)))
            .collect();
        let filled = fill(&Value::Table(self.table.clone()), &drawn)
            .map_err(|m| format!("check `{}`: {m}", self.id))?;
        filled
            .try_into()
            .map_err(|e: toml::de::Error| format!("check `{}`: {}", self.id, e.message()))
    }
}

impl Var {
    fn parse(v: &Value) -> Result<Self, String> {
        let t = v
            .as_table()
            .filter(|t| t.len() == 1)
            .ok_or("give exactly one of `int = [lo, hi]` or `one_of = [...]`")?;
        if let Some(range) = t.get("int") {
            let bounds: Vec<i64> = range
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_integer).collect())
                .unwrap_or_default();
            return match bounds[..] {
                [lo, hi] if lo <= hi => Ok(Var::Int(lo, hi)),
                _ => Err("`int` is [lo, hi], two integers with lo <= hi".into()),
            };
        }
        match t.get("one_of").and_then(Value::as_array) {
            Some(values) if !values.is_empty() => Ok(Var::OneOf(values.clone())),
            _ => Err("`one_of` is a list of at least one value".into()),
        }
    }

    fn draw(&self, rng: &mut SplitMix64) -> Value {
        match self {
            Var::Int(lo, hi) => {
                let span = hi.abs_diff(*lo) + 1;
                Value::Integer(lo.wrapping_add_unsigned(rng.below(span)))
            }
            Var::OneOf(values) => {
                let i = rng.below(values.len() as u64) as usize;
                values[i].clone()
            }
        }
    }
}

/// `v` with every `{{placeholder}}` in its strings replaced by its drawn value.
fn fill(v: &Value, drawn: &BTreeMap<&str, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            let (negative, rest) = match s.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, s.as_str()),
            };
            match whole_placeholder(rest).map(|name| lookup(name, drawn)) {
                Some(Ok(Value::Integer(n))) => Value::Integer(if negative { -n } else { n }),
                Some(Ok(Value::Float(x))) => Value::Float(if negative { -x } else { x }),
                Some(Ok(other)) if !negative => other,
                _ => Value::String(substitute(s, drawn)?),
            }
        }
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| fill(x, drawn)).collect::<Result<_, _>>()?)
        }
        Value::Table(t) => Value::Table(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), fill(x, drawn)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// The name in `s` when `s` is exactly one placeholder.
fn whole_placeholder(s: &str) -> Option<&str> {
    let name = s.strip_prefix("{{")?.strip_suffix("}}")?;
    (!name.contains("{{") && !name.contains("}}")).then_some(name.trim())
}

/// `s` with each `{{name}}` replaced by its value as text.
fn substitute(s: &str, drawn: &BTreeMap<&str, Value>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("`{{{{` without `}}}}` in `{s}`"))?;
        let value = lookup(after[..end].trim(), drawn)?;
        match value {
            Value::String(text) => out.push_str(&text),
            Value::Integer(n) => out.push_str(&n.to_string()),
            Value::Float(x) => out.push_str(&x.to_string()),
            Value::Boolean(b) => out.push_str(&b.to_string()),
            _ => return Err(format!("`{}` is not a value to put in text", &after[..end])),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The drawn value of `name`, or of a field of it (`name.field`).
fn lookup(name: &str, drawn: &BTreeMap<&str, Value>) -> Result<Value, String> {
    let (var, field) = match name.split_once('.') {
        Some((var, field)) => (var, Some(field)),
        None => (name, None),
    };
    let value = drawn
        .get(var)
        .ok_or_else(|| format!("`{{{{{name}}}}}` names no variable of `random`"))?;
    match field {
        None => Ok(value.clone()),
        Some(f) => value
            .get(f)
            .cloned()
            .ok_or_else(|| format!("`{{{{{name}}}}}`: the value drawn for `{var}` has no `{f}`")),
    }
}

/// For `--hidden`: `spec` with the hidden checks drawn from `seed` (a new one when `None`).
pub(crate) fn for_run(
    course: &Course,
    spec: &Spec,
    seed: Option<u64>,
) -> Result<Spec, HiddenError> {
    Hidden::load(course, &spec.id)
        .and_then(|h| Ok(h.apply(spec, seed.unwrap_or_else(random_seed))?))
}

/// For `grader bulk --hidden`: each student's hidden checks, drawn from a seed of their own
/// made from the run's seed (see [`student_seed`]).
#[derive(Debug)]
pub struct ClassDraw {
    hidden: Hidden,
    base: Spec,
    seed: u64,
}

impl ClassDraw {
    /// The draw for a class graded with `base`, and `base` with the hidden checks drawn from the
    /// run's seed (their ids and points make the gradebook's columns).
    pub(crate) fn load(
        course: &Course,
        base: &Spec,
        seed: Option<u64>,
        lang: crate::lang::Lang,
    ) -> Result<(Self, Spec), HiddenError> {
        let seed = seed.unwrap_or_else(random_seed);
        let hidden = Hidden::load(course, &base.id)?;
        let with = hidden.apply(base, seed)?;
        eprintln!(
            "{} {seed} ({})",
            lang.t(
                "verificações ocultas: semente da turma",
                "hidden checks: the class's seed"
            ),
            lang.t(
                "a de cada aluno, feita dela e do nome da pasta, fica no results.json dele",
                "each student's own, made from it and the folder's name, is in their results.json"
            )
        );
        let draw = Self {
            hidden,
            base: base.clone(),
            seed,
        };
        Ok((draw, with))
    }

    /// The spec `student` is graded with.
    pub fn spec_for(&self, student: &str) -> Result<Spec, SpecError> {
        self.hidden
            .apply(&self.base, student_seed(self.seed, student))
    }
}

/// A new seed, for a run that names none: from the operating system's randomness through the
/// standard library's hasher keys. Kept below 2^32 so it is short to read and to type.
pub fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::collections::hash_map::RandomState::new().hash_one(now) & 0xffff_ffff
}

/// A student's seed in `grader bulk`, made from the run's and their folder's name: each student
/// gets values of their own, and the run's seed draws them all again.
pub fn student_seed(run_seed: u64, student: &str) -> u64 {
    SplitMix64(run_seed ^ fnv1a(student)).next() & 0xffff_ffff
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small generator whose output its definition fixes.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0), by multiplying rather than a remainder.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// FNV-1a: a hash of a name that is the same everywhere, to give each check its own stream.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
        format_version = 1
        exercise = "ex1"

        [[checks]]
        id = "oculta"
        kind = "delta"
        title = { pt = "t", en = "t" }
        random = { n = { int = [3, 9] }, p = { one_of = [{ id = 2, nome = "Mouse" }, { id = 4, nome = "Monitor" }] } }
        requests = [{ path = "/produto/{{p.id}}", times = "{{n}}", status = 200 }]
        expect = [
          { series = 'x{endpoint="/produto/{produto_id}",nome="{{p.nome}}"}', delta = "-{{n}}" },
        ]
    "#;

    fn drawn(seed: u64) -> (u32, String, String, f64) {
        let h = Hidden::from_toml("t", "ex1", FILE).unwrap();
        let checks = h.draw(seed).unwrap();
        let crate::spec::CheckKind::Delta(crate::spec::kinds::Delta { requests, expect }) =
            &checks[0].kind
        else {
            panic!("a delta check");
        };
        assert!(checks[0].hidden);
        (
            requests[0].times,
            requests[0].path.clone(),
            expect[0].series.clone(),
            expect[0].delta.unwrap(),
        )
    }

    #[test]
    fn placeholders_take_the_drawn_values_and_numbers_stay_numbers() {
        for seed in 0..50 {
            let (times, path, series, delta) = drawn(seed);
            assert!((3..=9).contains(&times), "{times}");
            assert_eq!(delta, -f64::from(times));
            let (id, nome) = if path == "/produto/2" {
                ("2", "Mouse")
            } else {
                ("4", "Monitor")
            };
            assert_eq!(path, format!("/produto/{id}"));
            // The route template's single braces are left alone.
            assert_eq!(
                series,
                format!(r#"x{{endpoint="/produto/{{produto_id}}",nome="{nome}"}}"#)
            );
        }
    }

    #[test]
    fn a_seed_draws_the_same_values_and_seeds_differ() {
        assert_eq!(drawn(7), drawn(7));
        let distinct: std::collections::BTreeSet<(u32, String)> =
            (0..40).map(drawn).map(|(t, p, ..)| (t, p)).collect();
        assert!(distinct.len() > 5, "{distinct:?}");
    }

    #[test]
    fn the_generator_is_splitmix64() {
        // The first outputs for seed 0, as the algorithm defines them.
        let mut g = SplitMix64(0);
        assert_eq!(g.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(g.next(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn mistakes_in_the_file_are_named() {
        let unknown = FILE.replace("{{p.id}}", "{{q}}");
        let err = Hidden::from_toml("t", "ex1", &unknown)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`{{q}}` names no variable"), "{err}");
        let other = Hidden::from_toml("t", "ex2", FILE).unwrap_err().to_string();
        assert!(other.contains("for ex1, not ex2"), "{other}");
        let range = FILE.replace("[3, 9]", "[9, 3]");
        let err = Hidden::from_toml("t", "ex1", &range)
            .unwrap_err()
            .to_string();
        assert!(err.contains("lo <= hi"), "{err}");
    }
}
