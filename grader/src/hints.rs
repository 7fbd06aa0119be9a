//! Graded hints: each exercise's spec lists, in order, hints a student opens one at a time —
//! first a nudge (where to start), then the concept (with the book section that explains
//! it), then what to use (the API, or the shape of the file). `grader hint exN` and the `h`
//! key of `grader watch` open the next one; how many a student has opened is kept in the
//! progress state file (`.grader/estado.json`), so a later call, or a later day, goes on
//! from there.

use std::fmt::Write as _;

use crate::course::Course;
use crate::lang::Lang;
use crate::progress::State;
use crate::spec::Spec;
pub use crate::spec::hint::{Hint, Level, validate};

/// How many hints of `spec` the student has opened (from the state file).
pub fn opened(course: &Course, spec: &Spec) -> usize {
    State::load(course)
        .hints
        .get(&spec.id)
        .copied()
        .unwrap_or(0)
        .min(spec.hints.len())
}

/// Opens the next hint of `spec` and remembers it: the number of hints now open (the same
/// as before once every one is). Saving is best effort: a hint is shown even when the state
/// cannot be written.
pub fn open_next(course: &Course, spec: &Spec) -> (usize, std::io::Result<()>) {
    let mut state = State::load(course);
    let entry = state.hints.entry(spec.id.clone()).or_insert(0);
    let now = (*entry + 1).min(spec.hints.len());
    *entry = now;
    (now, state.save(course))
}

/// Hint number `n` (from 0) of `spec`: its title line ("Dica 2 de 3 — o conceito"), its
/// text, and its book section.
pub fn render(spec: &Spec, n: usize, lang: Lang) -> String {
    let Some(h) = spec.hints.get(n) else {
        return String::new();
    };
    let mut out = format!(
        "{} {} {} {} — {}\n",
        lang.t("Dica", "Hint"),
        n + 1,
        lang.t("de", "of"),
        spec.hints.len(),
        h.level.name(lang)
    );
    for line in lang.t(&h.pt, &h.en).trim().lines() {
        let _ = writeln!(out, "  {line}");
    }
    if let Some(book) = &h.book {
        let _ = writeln!(out, "  {} book/src/{book}", lang.t("Livro:", "Book:"));
    }
    out
}

/// The first `n` hints of `spec`, one after the other.
pub fn render_opened(spec: &Spec, n: usize, lang: Lang) -> String {
    (0..n.min(spec.hints.len()))
        .map(|i| render(spec, i, lang))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, clap::Args)]
pub struct HintArgs {
    /// The exercise (ex1, ex2, ...).
    pub exercise: String,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    #[arg(long, value_name = "DIR", env = "COURSE_ROOT")]
    pub course: Option<std::path::PathBuf>,
}

/// `grader hint exN`.
pub fn run(args: HintArgs) -> Result<u8, crate::Error> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let spec = Spec::builtin(&args.exercise)?;
    let course = Course::locate(args.course.as_deref())?;
    print!("{}", command(&course, &spec, lang));
    Ok(crate::exit::FULL_MARKS)
}

/// Opens the next hint and says it; once every hint is open, says them all again, and that
/// there are no more.
pub fn command(course: &Course, spec: &Spec, lang: Lang) -> String {
    if spec.hints.is_empty() {
        return format!("{} {}.\n", spec.id, lang.t("não tem dicas", "has no hints"));
    }
    let before = opened(course, spec);
    let (now, saved) = open_next(course, spec);
    let mut out = if now > before {
        render(spec, now - 1, lang)
    } else {
        format!(
            "{}\n{}\n",
            render_opened(spec, now, lang),
            lang.t(
                "Essas são todas as dicas deste exercício.",
                "Those are all the hints of this exercise."
            )
        )
    };
    if now > before && now < spec.hints.len() {
        let _ = write!(
            out,
            "\n{} cargo run -p grader -- hint {}\n",
            lang.t("Próxima dica:", "Next hint:"),
            spec.id
        );
    }
    if let Err(e) = saved {
        let _ = writeln!(out, "\n({}: {e})", crate::progress::STATE_FILE);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercises_1_to_6_have_a_nudge_a_concept_with_its_book_section_and_an_api() {
        for id in ["ex1", "ex2", "ex3", "ex4", "ex5", "ex6"] {
            let spec = Spec::builtin(id).unwrap();
            let levels: Vec<Level> = spec.hints.iter().map(|h| h.level).collect();
            assert_eq!(levels, [Level::Nudge, Level::Concept, Level::Api], "{id}");
            assert!(spec.hints[1].book.is_some(), "{id}");
        }
    }

    #[test]
    fn hints_out_of_order_or_without_their_book_section_are_refused() {
        let hint = |level, book: Option<&str>| Hint {
            level,
            pt: "p".into(),
            en: "e".into(),
            book: book.map(str::to_string),
        };
        assert!(validate(&[hint(Level::Api, None), hint(Level::Nudge, None)]).is_err());
        assert!(validate(&[hint(Level::Concept, None)]).is_err());
        assert!(validate(&[hint(Level::Concept, Some("../segredo.md"))]).is_err());
        assert!(
            validate(&[
                hint(Level::Nudge, None),
                hint(Level::Concept, Some("promql.md#agregando")),
                hint(Level::Api, None),
            ])
            .is_ok()
        );
    }

    #[test]
    fn a_hint_renders_with_its_number_level_and_book_section() {
        let spec = Spec::builtin("ex1").unwrap();
        let text = render(&spec, 1, Lang::En);
        assert!(text.starts_with("Hint 2 of 3 — the concept\n"), "{text}");
        let book = spec.hints[1].book.as_deref().unwrap();
        assert!(text.contains(&format!("Book: book/src/{book}")), "{text}");
        assert!(
            text.contains(spec.hints[1].en.lines().next().unwrap()),
            "{text}"
        );
    }
}
