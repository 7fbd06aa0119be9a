//! The two languages the grader speaks: Brazilian Portuguese (the course's) and English.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Português do Brasil.
    #[value(name = "pt", alias = "pt-BR", alias = "pt_BR")]
    Pt,
    /// English.
    En,
}

impl Lang {
    /// From the locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them):
    /// Portuguese for any `pt*` locale, English otherwise.
    pub fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.to_ascii_lowercase().starts_with("pt") {
            Lang::Pt
        } else {
            Lang::En
        }
    }

    /// Picks the sentence in this language.
    pub fn t<'a>(self, pt: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Pt => pt,
            Lang::En => en,
        }
    }
}

/// A text of the specs, written in both languages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub pt: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        lang.t(&self.pt, &self.en)
    }
}

/// `Text` built from two sentences, for the grader's own messages.
pub fn both(pt: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        pt: pt.into(),
        en: en.into(),
    }
}
