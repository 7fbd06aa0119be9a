//! Building a submission for grading: its executable, a verdict when its code does not
//! compile, or an [`EnvError`] when cargo itself is missing.

use std::path::PathBuf;

use crate::compile::{self, BuildError};
use crate::course::Course;
use crate::lang::{Text, both};
use crate::options::{EnvError, Options};

/// Builds the crate at `crate_dir` as exercise `exercise` (see [`compile::build`]): its
/// executable, or (inner `Err`) why the submission cannot be graded.
pub async fn build(
    course: &Course,
    exercise: &str,
    starter: &std::path::Path,
    crate_dir: &std::path::Path,
    work: &std::path::Path,
    opts: &Options,
) -> Result<Result<PathBuf, Text>, EnvError> {
    let built = compile::build(
        course,
        exercise,
        starter,
        crate_dir,
        work,
        opts.build_timeout,
    )
    .await;
    Ok(match built {
        Ok(exe) => Ok(exe),
        Err(BuildError::Cargo(e)) => return Err(EnvError::Cargo(e)),
        Err(e @ BuildError::Compile(_)) => {
            let dir = crate_dir.display();
            Err(both(
                format!("o código em {dir} não compila:\n{e}"),
                format!("the code in {dir} does not compile:\n{e}"),
            ))
        }
        Err(e) => Err(both(
            format!("não foi possível compilar: {e}"),
            format!("could not build: {e}"),
        )),
    })
}
