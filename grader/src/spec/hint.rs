//! A spec's graded hints as data (`[[hints]]`); opening and showing them is
//! [`crate::hints`]'s.

use serde::Deserialize;

use crate::lang::Lang;

/// How much a hint gives away; a spec lists its hints in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Where to start, without saying how.
    Nudge,
    /// The idea the exercise rests on, with the book section that teaches it.
    Concept,
    /// What to write: the API to call, or the shape of the file.
    Api,
}

impl Level {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Level::Nudge => lang.t("por onde começar", "where to start"),
            Level::Concept => lang.t("o conceito", "the concept"),
            Level::Api => lang.t("o que usar", "what to use"),
        }
    }
}

/// One hint of a spec (`[[hints]]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub level: Level,
    pub pt: String,
    pub en: String,
    /// The book section that explains it: a page of `book/src` and, after `#`, the id of one
    /// of its headings (`instrumentando.md#o-middleware`). Concept hints must have one.
    pub book: Option<String>,
}

/// A spec's hints are well formed: in order (nudges, concepts, then what to use), each in
/// both languages, each concept with its book section.
pub fn validate(hints: &[Hint]) -> Result<(), String> {
    if hints.windows(2).any(|w| w[1].level < w[0].level) {
        return Err("hints go in order: nudge, then concept, then api".into());
    }
    for (n, h) in hints.iter().enumerate() {
        let n = n + 1;
        if h.pt.trim().is_empty() || h.en.trim().is_empty() {
            return Err(format!("hint {n} needs its text in pt and en"));
        }
        match &h.book {
            None if h.level == Level::Concept => {
                return Err(format!(
                    "hint {n} is a concept: it names its book section (book = \"page.md#heading\")"
                ));
            }
            Some(b) => {
                let page = b.split('#').next().unwrap_or_default();
                if !page.ends_with(".md") || page.starts_with('/') || page.contains("..") {
                    return Err(format!(
                        "hint {n}: book = \"{b}\" is not a page of book/src (page.md#heading)"
                    ));
                }
            }
            None => {}
        }
    }
    Ok(())
}
