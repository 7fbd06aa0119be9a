//! Where the course is, and which crate a grading run builds.

use std::path::{Path, PathBuf};

use crate::spec::Spec;

/// The course's workspace: specs name their starter and solution crates relative to it, and
/// its manifest, lockfile and target directory are the ones every submission is built with.
#[derive(Debug, Clone)]
pub struct Course {
    pub root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error(
        "could not find the course workspace (a Cargo.toml beside grader/specs); pass --course DIR"
    )]
    NotFound,
    #[error("{0} does not hold the course workspace (no Cargo.toml with grader/specs beside it)")]
    NotACourse(PathBuf),
}

impl Course {
    /// `--course` when given; else the workspace this grader was built from, when it is still
    /// there; else the nearest folder above the current one that holds the course.
    pub fn locate(explicit: Option<&Path>) -> Result<Self, CourseError> {
        if let Some(dir) = explicit {
            return if is_course(dir) {
                Ok(Self {
                    root: absolute(dir),
                })
            } else {
                Err(CourseError::NotACourse(dir.into()))
            };
        }
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf);
        let cwd = std::env::current_dir().ok();
        built_from
            .into_iter()
            .chain(
                cwd.iter()
                    .flat_map(|c| c.ancestors().map(Path::to_path_buf)),
            )
            .find(|d| is_course(d))
            .map(|root| Self { root })
            .ok_or(CourseError::NotFound)
    }

    pub fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }

    /// The crate a run grades: the starter (the student's copy), the solution, or the
    /// exercise found in another copy of the course or crate (`--path`).
    pub fn submission(&self, spec: &Spec, which: &Which) -> Result<PathBuf, String> {
        match which {
            Which::Starter => Ok(self.root.join(&spec.starter)),
            Which::Solution => Ok(self.root.join(&spec.solution)),
            Which::Path(dir) => {
                let dir = absolute(dir);
                let in_workspace = dir.join(&spec.starter);
                if in_workspace.join("src/main.rs").is_file() {
                    Ok(in_workspace)
                } else if dir.join("src/main.rs").is_file() {
                    Ok(dir)
                } else {
                    Err(format!(
                        "no exercise crate in {}: expected {}/src/main.rs or src/main.rs",
                        dir.display(),
                        spec.starter.display()
                    ))
                }
            }
        }
    }
}

/// Which copy of an exercise to grade.
#[derive(Debug, Clone)]
pub enum Which {
    Starter,
    Solution,
    Path(PathBuf),
}

fn is_course(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("grader/specs").is_dir()
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
