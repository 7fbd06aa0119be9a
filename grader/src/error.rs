//! Why a command stopped short of its work, and the documented exit code of each reason.
//!
//! The commands return `Result<u8, Error>`: `Ok` carries the outcome of what they did (full
//! marks, some checks failed, the submission could not be graded), `Err` why they could not do
//! it. [`crate::run`] prints the error once, in the student's language, and exits with
//! [`Error::code`].

use std::path::Path;

use crate::lang::{Text, both};

/// The documented exit codes (see `grader --help` and the README).
pub mod exit {
    pub const FULL_MARKS: u8 = 0;
    pub const CHECKS_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNGRADABLE: u8 = 3;
    pub const ENVIRONMENT: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug)]
pub enum Error {
    /// The command was called wrongly: a flag that does not apply, an unknown exercise, no
    /// terminal to confirm on. Exit 2.
    Usage(Text),
    /// This machine lacks what the grader needs (Prometheus, cargo, the course folder, a file
    /// it must read or write), through no fault of the submission. Exit 4.
    Environment(Text),
    /// Ctrl-C. Exit 130.
    Interrupted,
}

impl Error {
    pub fn usage(pt: impl Into<String>, en: impl Into<String>) -> Self {
        Error::Usage(both(pt, en))
    }

    /// Wrong usage whose message is the same in both languages (a flag's value echoed back).
    pub fn usage_as_is(message: impl std::fmt::Display) -> Self {
        let m = message.to_string();
        Error::Usage(both(m.clone(), m))
    }

    /// An environment failure whose message is the same in both languages (a system error).
    pub fn environment(message: impl std::fmt::Display) -> Self {
        let m = message.to_string();
        Error::Environment(both(m.clone(), m))
    }

    /// A file the grader could not read or write.
    pub fn file(path: &Path, e: impl std::fmt::Display) -> Self {
        Self::environment(format!("{}: {e}", path.display()))
    }

    /// The exit code this error ends the grader with.
    pub fn code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Environment(_) => exit::ENVIRONMENT,
            Error::Interrupted => exit::INTERRUPTED,
        }
    }

    pub fn text(&self) -> Text {
        match self {
            Error::Usage(t) | Error::Environment(t) => t.clone(),
            Error::Interrupted => both("interrompido", "interrupted"),
        }
    }
}

impl From<crate::spec::SpecError> for Error {
    fn from(e: crate::spec::SpecError) -> Self {
        match e {
            crate::spec::SpecError::NoneNamed => Error::usage(
                "diga qual exercício avaliar, por exemplo `grader ex1` (veja `grader list`)",
                e.to_string(),
            ),
            crate::spec::SpecError::Unknown(..) | crate::spec::SpecError::NoTrack(..) => {
                Error::Usage(both(e.to_string(), e.to_string()))
            }
            _ => Error::environment(e),
        }
    }
}

impl From<crate::course::CourseError> for Error {
    fn from(e: crate::course::CourseError) -> Self {
        Error::environment(e)
    }
}

impl From<crate::options::EnvError> for Error {
    fn from(e: crate::options::EnvError) -> Self {
        Error::Environment(e.describe())
    }
}

impl From<crate::hidden::HiddenError> for Error {
    fn from(e: crate::hidden::HiddenError) -> Self {
        Error::Environment(e.describe())
    }
}
