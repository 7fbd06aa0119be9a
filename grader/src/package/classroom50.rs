//! `grader package --classroom50 exN`: the autograder of a Classroom 50 assignment.
//!
//! Classroom 50 runs an assignment's `autograder.py` in GitHub Actions, once per submission,
//! in the student's checkout, and reads the `result.json` it leaves there (see
//! [`crate::platforms::classroom50`]). The folder written here is what goes into the
//! classroom's `autograders/<assignment>/`:
//!
//! - `autograder.py`: builds the grader of the course copy beside it and grades the checkout
//!   with `--path`, writing `result.json` and `release-body.md` (the readable report);
//! - `curso/`: the student edition of the course (no solutions, no hidden checks: the
//!   classroom's site may be public), without its book and history, to keep the bundle small;
//! - `runtime.json`: the assignment's `runtime` block (the Rust toolchain of
//!   `rust-toolchain.toml`, Debian's packages grading needs);
//! - `LEIA-ME.md`: how to install it, in Portuguese.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{APT_PACKAGES, fresh_dir, rust_channel, write_script};
use crate::course::Course;
use crate::spec::Spec;

/// Writes the package of `spec` into `out/classroom50-<id>`; its path.
pub fn write(course: &Course, spec: &Spec, out: &Path) -> Result<PathBuf, String> {
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    let dir = fresh_dir(out, "classroom50", &spec.id).map_err(io)?;
    let edition = super::student::write(course, &dir.join("curso"))?;
    for extra in [".git", "book"] {
        let path = edition.dir.join(extra);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let runtime = json!({ "rust": rust_channel(course)?, "apt": APT_PACKAGES });
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::write(dir.join("runtime.json"), format!("{runtime:#}\n")).map_err(io)?;
    write_script(&dir.join("autograder.py"), &autograder_py(spec)).map_err(io)?;
    std::fs::write(dir.join("LEIA-ME.md"), readme(spec, &runtime)).map_err(io)?;
    Ok(dir)
}

fn autograder_py(spec: &Spec) -> String {
    include_str!("classroom50_autograder.py").replace("@EXERCISE@", &spec.id)
}

fn readme(spec: &Spec, runtime: &serde_json::Value) -> String {
    format!(
        "# Autograder do Classroom 50: {id} ({title})\n\n\
         1. Copie o conteúdo desta pasta (`autograder.py`, `curso/`) para\n   \
         `<turma>/autograders/<tarefa>/` no repositório de configuração da turma.\n\
         2. Dê à tarefa o bloco `runtime` de `runtime.json`:\n\n\
         ```json\n{runtime:#}\n```\n\n\
         3. O repositório-modelo da tarefa é a edição do aluno (`grader package --student`).\n\n\
         A cada entrega, o runner do Classroom 50 chama `python3 autograder.py` na cópia do\n\
         aluno. O script compila o avaliador da pasta `curso/` (não o da cópia do aluno, que ele\n\
         poderia ter mudado), avalia só o exercício {id} da entrega, escreve `result.json`\n\
         (um teste por verificação, com esperado, visto e dica) e `release-body.md` (o relatório).\n\
         Uma entrega que não compila ou cujo app não sobe recebe um resultado com o motivo e\n\
         0 pontos; só um problema do próprio avaliador termina com código diferente de 0.\n\n\
         Exercícios de arquivos (ex3 a ex7) rodam o ex2 do próprio aluno: a entrega precisa tê-lo.\n",
        id = spec.id,
        title = spec.title.pt,
    )
}
