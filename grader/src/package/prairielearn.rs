//! `grader package --prairielearn exN`: a PrairieLearn external grader for one exercise.
//!
//! PrairieLearn runs a question's grader image with the student's files in `/grade/student`,
//! networking off and a timeout (at most 600 s), and reads `/grade/results/results.json` (see
//! [`crate::platforms::prairielearn`]). The folder written here is the image's build context:
//!
//! - `Dockerfile`: from a Rust image (`BASE`), Debian's Prometheus packages, the course copy
//!   in `/grader/curso`, the grader built in it, and the reference solution graded once so
//!   that the dependencies every submission needs are compiled into the image (grading then
//!   needs no network);
//! - `entrypoint.sh`: lays out what was submitted (a crate, its `src/` files alone, or the
//!   exercise's files) and grades it with `--format prairielearn`;
//! - `curso/`: the course (its solutions too, for the reference build and for the files
//!   exercises, which run the reference ex2 when a submission has only the files: keep the
//!   image in a private repository);
//! - `info.json`: the question's `externalGradingOptions`;
//! - `LEIA-ME.md`: how to build, push and use it, in Portuguese.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{APT_PACKAGES, COURSE_SKIPPED, fresh_dir, rust_channel, write_script};
use crate::course::Course;
use crate::spec::Spec;

/// The image PrairieLearn pulls, as the info.json names it (the instructor's own repository).
const IMAGE: &str = "SEU_USUARIO/monitoramento-prometheus-grader";

/// Seconds PrairieLearn gives a grading of this exercise: its longest phase plus the build of
/// one crate against prebuilt dependencies, well inside PrairieLearn's 600.
fn timeout_s(spec: &Spec) -> u64 {
    if spec.black_friday.is_some() {
        400
    } else {
        240
    }
}

/// Writes the package of `spec` into `out/prairielearn-<id>`; its path. With `grader_bin`,
/// that binary goes into the image instead of a grader built there.
pub fn write(
    course: &Course,
    spec: &Spec,
    out: &Path,
    grader_bin: Option<&Path>,
) -> Result<PathBuf, String> {
    let at = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let dir = fresh_dir(out, "prairielearn", &spec.id).map_err(|e| at(out, e))?;
    crate::course::copy_tree(&course.root, &dir.join("curso"), COURSE_SKIPPED)
        .map_err(|e| at(&dir, e))?;
    let bin = dir.join("curso/.grader-bin");
    std::fs::create_dir_all(&bin).map_err(|e| at(&bin, e))?;
    if let Some(src) = grader_bin {
        std::fs::copy(src, bin.join("grader")).map_err(|e| at(src, e))?;
    }
    let channel = rust_channel(course)?;
    std::fs::write(dir.join("Dockerfile"), dockerfile(spec, &channel)).map_err(|e| at(&dir, e))?;
    write_script(&dir.join("entrypoint.sh"), &entrypoint(spec)).map_err(|e| at(&dir, e))?;
    let info = json!({
        "externalGradingOptions": {
            "enabled": true,
            "image": IMAGE,
            "entrypoint": "/grader/entrypoint.sh",
            "timeout": timeout_s(spec),
            "enableNetworking": false
        }
    });
    std::fs::write(dir.join("info.json"), format!("{info:#}\n")).map_err(|e| at(&dir, e))?;
    std::fs::write(dir.join("LEIA-ME.md"), readme(spec)).map_err(|e| at(&dir, e))?;
    Ok(dir)
}

fn dockerfile(spec: &Spec, channel: &str) -> String {
    format!(
        r#"# The PrairieLearn grader image of exercise {id} of the Prometheus monitoring course.
# docker build -t {IMAGE} .   (BASE: any Debian-based image with Rust {channel})
ARG BASE=rust:{channel}-slim-bookworm
FROM ${{BASE}}
# Prometheus, promtool and its companions from Debian; a base that has them is used as it is.
RUN if ! command -v prometheus >/dev/null 2>&1; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates gcc libc6-dev python3 {apt} \
      && rm -rf /var/lib/apt/lists/*; \
    fi
COPY curso /grader/curso
WORKDIR /grader/curso
# The grader (or the one shipped in .grader-bin), then the reference solution graded once: the
# dependencies every submission needs are compiled into the image, so grading is offline.
RUN set -e; \
    if [ ! -x .grader-bin/grader ]; then \
      cargo build --locked --release -p grader; cp target/release/grader .grader-bin/grader; \
    fi; \
    .grader-bin/grader {id} --solution --backend native --course . --lang pt >/tmp/referencia.txt 2>&1 \
      || {{ cat /tmp/referencia.txt; echo "the reference solution did not score full marks here"; exit 1; }}; \
    tail -n 1 /tmp/referencia.txt
COPY entrypoint.sh /grader/entrypoint.sh
ENTRYPOINT ["/grader/entrypoint.sh"]
"#,
        id = spec.id,
        apt = APT_PACKAGES.join(" "),
    )
}

fn entrypoint(spec: &Spec) -> String {
    let (layout, starter) = if spec.is_files() {
        (
            "# The exercise's files, as submitted.\nsubmission=/grade/student",
            String::new(),
        )
    } else {
        (
            r#"# A crate (src/main.rs), a copy of the course, or the crate's .rs files on their own (a
# file-upload question): the last are laid out as a crate's src/.
submission=/grade/student
if [ ! -f /grade/student/src/main.rs ] && [ ! -d "/grade/student/$starter" ] && [ -f /grade/student/main.rs ]; then
  submission=$(mktemp -d)
  mkdir -p "$submission/src"
  cp /grade/student/*.rs "$submission/src/"
  chmod -R a+rX "$submission"
fi"#,
            format!("starter={}\n", spec.starter.display()),
        )
    };
    format!(
        r#"#!/bin/sh
# PrairieLearn runs this for each submission (networking off): the student's files are in
# /grade/student, and the results go to /grade/results/results.json. Exit 0 whenever the
# results were written; PrairieLearn shows any other outcome as a failure of the grader.
set -u
{starter}{layout}
mkdir -p /grade/results
exec /grader/curso/.grader-bin/grader {id} --path "$submission" --course /grader/curso \
  --backend native --format prairielearn --out /grade/results/results.json --lang pt
"#,
        id = spec.id
    )
}

fn readme(spec: &Spec) -> String {
    format!(
        "# Corretor externo do PrairieLearn: {id} ({title})\n\n\
         1. Construa a imagem nesta pasta e publique num repositório **privado** (ela leva as\n   \
         soluções do curso): `docker build -t {IMAGE} . && docker push {IMAGE}`.\n\
         2. Na questão, use `info.json` (troque o nome da imagem pelo seu).\n\
         3. O aluno envia o crate do exercício (`src/main.rs` e os outros `.rs`) ou os arquivos do\n   \
         exercício; eles chegam em `/grade/student`.\n\n\
         A avaliação roda sem rede (o PrairieLearn a desliga): o avaliador, o Prometheus e as\n\
         dependências do exercício já estão na imagem. Uma entrega que não compila ou cujo app não\n\
         sobe volta como `gradable: false`, com o motivo: a tentativa não conta. O `results.json`\n\
         fica abaixo de 1 MB, imprima o que a entrega imprimir.\n",
        id = spec.id,
        title = spec.title.pt,
    )
}
