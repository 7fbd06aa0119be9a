//! Where the course is, and which crate a grading run builds.

use std::path::{Path, PathBuf};

use crate::spec::{AppCrate, Spec};

/// The manifest a submission in another language carries (see `crate::manifest`): its folder
/// is a submission even without a `src/main.rs`.
pub const MANIFEST_FILE: &str = "avaliador.toml";

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
    /// `--course` when given; else the nearest folder above the current one that holds the
    /// course (the copy the student is working in); else the workspace this grader was built
    /// from, when it is still there.
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
        cwd.iter()
            .flat_map(|c| c.ancestors().map(Path::to_path_buf))
            .chain(built_from)
            .find(|d| is_course(d))
            .map(|root| Self { root })
            .ok_or(CourseError::NotFound)
    }

    pub fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }

    /// The folder a run grades: the starter (the student's copy), the solution, or the
    /// exercise found in another copy of the course or on its own (`--path`).
    pub fn submission(&self, spec: &Spec, which: &Which) -> Result<PathBuf, String> {
        match which {
            Which::Starter => Ok(self.root.join(&spec.starter)),
            // A student edition (`grader package --student`) has no solutions.
            Which::Solution if !self.root.join(&spec.solution).exists() => Err(format!(
                "this copy of the course has no solution for {} ({} is not there)",
                spec.id,
                spec.solution.display()
            )),
            Which::Solution => Ok(self.root.join(&spec.solution)),
            Which::Path(dir) => {
                let dir = absolute(dir);
                let holds = |d: &Path| {
                    if spec.is_files() {
                        spec.files.iter().all(|f| d.join(f).is_file())
                    } else {
                        // A crate, or an app in any language with its start manifest.
                        d.join("src/main.rs").is_file() || d.join(MANIFEST_FILE).is_file()
                    }
                };
                let in_workspace = dir.join(&spec.starter);
                if holds(&in_workspace) {
                    Ok(in_workspace)
                } else if holds(&dir) {
                    Ok(dir)
                } else {
                    let (what, wanted) = if spec.is_files() {
                        ("files", spec.files.join(", "))
                    } else {
                        ("crate", "src/main.rs".to_string())
                    };
                    Err(format!(
                        "no exercise {what} in {}: expected {}/{wanted} or {wanted}",
                        dir.display(),
                        spec.starter.display()
                    ))
                }
            }
        }
    }

    /// The crate whose app runs for a submission of files: the student's own copy of the
    /// earlier exercise (in the course, or in the submitted copy of it); the reference for
    /// `--solution`, and for a submission that holds only the exercise's files.
    pub fn app_crate(&self, app: &AppCrate, which: &Which) -> PathBuf {
        match which {
            Which::Starter => self.root.join(&app.starter),
            Which::Solution => self.root.join(&app.solution),
            Which::Path(dir) => {
                let theirs = absolute(dir).join(&app.starter);
                let solution = self.root.join(&app.solution);
                if theirs.join("src/main.rs").is_file() {
                    theirs
                } else if solution.join("src/main.rs").is_file() {
                    solution
                } else {
                    self.root.join(&app.starter)
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

/// Copies the regular files under `from` to `to`, leaving out folders named in `skip` at any
/// depth; links are not followed.
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        let target = to.join(&name);
        if kind.is_dir() {
            if !skip.iter().any(|s| name == *s) {
                copy_tree(&entry.path(), &target, skip)?;
            }
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn is_course(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("grader/specs").is_dir()
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
