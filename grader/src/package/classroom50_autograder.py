#!/usr/bin/env python3
"""Classroom 50 autograder of exercise @EXERCISE@ of the Prometheus monitoring course.

Classroom 50's runner calls this once per submission, in the student's checkout, with
CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL and
USERNAME/OWNER in the environment. It builds the grader of the course copy that ships beside
it (never the one in the student's repository), grades the checkout's exercise and leaves
result.json (classroom50/result/v1) and release-body.md (the readable report) in the
checkout. Exit 0: the submission was graded, or found ungradable (its reason is in the
result). Any other exit: the autograder itself could not run.
Standard library only; Python 3.8 or newer.
"""

import os
import pathlib
import subprocess
import sys

EXERCISE = "@EXERCISE@"
HERE = pathlib.Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or pathlib.Path(__file__).resolve().parent)
COURSE = HERE / "curso"
CHECKOUT = pathlib.Path.cwd()
RESULT = CHECKOUT / "result.json"
BODY = CHECKOUT / "release-body.md"


def fail(message):
    print(f"autograder: {message}", file=sys.stderr)
    sys.exit(1)


def submitted_at():
    """The graded commit's date in UTC, the submission's instant ('' outside git)."""
    try:
        run = subprocess.run(
            ["git", "-c", "safe.directory=*", "log", "-1", "--format=%cd",
             "--date=format-local:%Y-%m-%dT%H:%M:%SZ"],
            cwd=CHECKOUT, env={**os.environ, "TZ": "UTC"},
            capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return run.stdout.strip() if run.returncode == 0 else ""


def build_grader():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or COURSE / "target")
    print("autograder: compilando o avaliador do curso (a primeira vez leva alguns minutos)", flush=True)
    try:
        run = subprocess.run(["cargo", "build", "--locked", "--quiet", "-p", "grader"],
                             cwd=COURSE, timeout=1800, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"cargo não rodou: {e}")
    if run.returncode != 0:
        fail("o avaliador do curso não compilou")
    return target / "debug" / "grader"


def main():
    if not COURSE.is_dir():
        fail(f"falta a cópia do curso em {COURSE}")
    grader = build_grader()
    env = dict(os.environ)
    env.setdefault("SUBMITTED_AT", submitted_at())
    if RESULT.exists():
        RESULT.unlink()
    command = [str(grader), EXERCISE, "--path", str(CHECKOUT), "--course", str(COURSE),
               "--backend", "native", "--format", "classroom50", "--out", str(RESULT),
               "--lang", "pt"]
    try:
        run = subprocess.run(command, env=env, capture_output=True, text=True,
                             errors="replace", timeout=3000, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"o avaliador não rodou: {e}")
    sys.stderr.write(run.stderr)
    print(run.stdout, flush=True)
    if run.returncode != 0 or not RESULT.is_file():
        fail(f"o avaliador terminou com o código {run.returncode} sem avaliar a entrega")
    BODY.write_text(
        f"### Monitoramento com Prometheus: {EXERCISE}\n\n```text\n{run.stdout.strip()}\n```\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
