//! `grader package --gradescope exN`: a Gradescope autograder for one exercise, for classes
//! that outgrow one machine. The folder holds what Gradescope asks for — `setup.sh` (run once
//! when Gradescope builds the autograder image: Ubuntu, as root, with internet) and
//! `run_autograder` (run per submission: the student's files in `/autograder/submission`,
//! the results in `/autograder/results/results.json`) — and a copy of the course beside them,
//! which the grader builds and grades against. Zip the folder's contents and upload it as the
//! assignment's autograder.

use std::path::{Path, PathBuf};

use super::{APT_PACKAGES, COURSE_SKIPPED, write_script};
use crate::course::Course;
use crate::spec::Spec;

/// Writes the autograder of `spec` into `out/gradescope-<id>`; its path.
pub fn write(course: &Course, spec: &Spec, out: &Path) -> std::io::Result<PathBuf> {
    let dir = super::fresh_dir(out, "gradescope", &spec.id)?;
    crate::course::copy_tree(&course.root, &dir.join("curso"), COURSE_SKIPPED)?;
    write_script(&dir.join("setup.sh"), &setup_sh(spec))?;
    write_script(&dir.join("run_autograder"), &run_autograder(spec))?;
    std::fs::write(dir.join("LEIA-ME.txt"), readme(spec))?;
    Ok(dir)
}

fn setup_sh(spec: &Spec) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (Ubuntu, as root, online).
# It installs Prometheus, Alertmanager, the Pushgateway (ex8), the Node Exporter (final) and
# Rust, builds the grader,
# and builds the reference of {id} once so that the dependencies every submission needs are
# already compiled.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  ca-certificates curl build-essential {apt} >/dev/null
curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
. "$HOME/.cargo/env"
cd /autograder/source/curso
cargo build --release -p grader
target/release/grader {id} --solution --backend native --course . >/dev/null || true
"#,
        id = spec.id,
        apt = APT_PACKAGES.join(" ")
    )
}

fn run_autograder(spec: &Spec) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this for each submission: the student's files are in
# $AUTOGRADER/submission (their copy of the course, or just the exercise's folder), and the
# grader writes Gradescope's results.json. AUTOGRADER (default /autograder) and GRADER
# (default the grader setup.sh built) exist so the script can be tried outside Gradescope.
set -uo pipefail
root="${{AUTOGRADER:-/autograder}}"
course="$root/source/curso"
grader="${{GRADER:-$course/target/release/grader}}"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
mkdir -p "$root/results"
"$grader" {id} --path "$root/submission" --course "$course" --backend native \
  --format json --lang pt >"$root/results/results.json" 2>"$root/results/stderr.txt"
code=$?
# 0, 1 and 3 wrote results.json (3: the submission could not be graded, with the reason).
# Anything else is the autograder's own trouble: say so instead of leaving no results.
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ] && [ "$code" -ne 3 ]; then
  message=$(tr '\n"\\' '   ' <"$root/results/stderr.txt" | cut -c1-2000)
  printf '{{"score": 0, "output": "O avaliador não conseguiu rodar (código %s): %s"}}\n' \
    "$code" "$message" >"$root/results/results.json"
fi
exit 0
"#,
        id = spec.id
    )
}

fn readme(spec: &Spec) -> String {
    format!(
        "Autograder do Gradescope para {id} ({title}).\n\n\
         Compacte o CONTEÚDO desta pasta (setup.sh, run_autograder e curso/ na raiz do zip) e envie\n\
         como autograder da tarefa (Ubuntu 22.04). Os alunos entregam a cópia deles do curso, ou só a\n\
         pasta {starter}. O resultado tem um teste por verificação, com a pontuação parcial.\n\n\
         Para testar sem o Gradescope, numa máquina com o Prometheus:\n\
           AUTOGRADER=/tmp/ag ./run_autograder   (com /tmp/ag/source/curso = esta pasta curso/ e\n\
                                                  /tmp/ag/submission = uma entrega)\n",
        id = spec.id,
        title = spec.title.pt,
        starter = spec.starter.display()
    )
}
