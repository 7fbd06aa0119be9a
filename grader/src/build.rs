//! The submission under grading ([`Submission`]: where it is, the spec it is graded by, the
//! run's options) and building it: its executable, a verdict when its code does not compile,
//! or an [`EnvError`] when cargo itself is missing.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::compile::{self, BuildError};
use crate::course::Course;
use crate::lang::both;
use crate::manifest::Manifest;
use crate::options::{EnvError, Halt, Options};
use crate::prometheus::Backend;
use crate::spec::Spec;

/// One submission, found and checked for its files, as the subjects (`crate::subject`) grade
/// it.
#[derive(Debug)]
pub struct Submission<'a> {
    pub course: &'a Course,
    /// The spec it is graded by (its start manifest's track, when it names one).
    pub spec: &'a Spec,
    pub opts: &'a Options,
    /// Prometheus's backend, when a check needs Prometheus.
    pub backend: Option<&'a Backend>,
    /// The submitted folder.
    pub dir: &'a Path,
    /// The grading's scratch folder, removed with it.
    pub work: &'a Path,
    /// Its start manifest (`avaliador.toml`), if it has one.
    pub manifest: Option<&'a Manifest>,
    /// When the grading began (for `GRADER_TIMINGS`).
    pub started: Instant,
}

impl Submission<'_> {
    /// Builds the crate at `crate_dir` as exercise `exercise` (see [`compile::build`]): its
    /// executable, or why the submission cannot be graded.
    pub async fn build(
        &self,
        exercise: &str,
        starter: &Path,
        crate_dir: &Path,
    ) -> Result<PathBuf, Halt> {
        let built = compile::build(
            self.course,
            exercise,
            starter,
            crate_dir,
            self.work,
            self.opts.build_timeout,
        )
        .await;
        match built {
            Ok(exe) => Ok(exe),
            Err(BuildError::Cargo(e)) => Err(EnvError::Cargo(e).into()),
            Err(e @ BuildError::Compile(_)) => {
                let dir = crate_dir.display();
                Err(Halt::Ungradable(both(
                    format!("o código em {dir} não compila:\n{e}"),
                    format!("the code in {dir} does not compile:\n{e}"),
                )))
            }
            Err(e) => Err(Halt::Ungradable(both(
                format!("não foi possível compilar: {e}"),
                format!("could not build: {e}"),
            ))),
        }
    }
}
