#!/usr/bin/env bash
# The Python track's virtual environment: python/requirements.txt (Flask,
# prometheus-flask-exporter, prometheus_client) installed from PyPI into target/python-venv,
# made again when the requirements or the interpreter change. Prints the venv's python
# (scripts/test.sh exports it as GRADER_TEST_PYTHON for the grader's tests of the track).
#
# When it runs as root, the grader runs a student's app as `nobody` (grader/src/process.rs),
# so the venv is made from a Python that `nobody` can run: pyenv's, under /root, is not one;
# the system's /usr/bin/python3 is.
#
#   scripts/python-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
venv="$target_dir/python-venv"
stamp="$venv/requirements.txt"
# Tests run side by side may all ask for it at once: one makes it, the others wait.
mkdir -p "$target_dir"
exec 9>"$target_dir/python-venv.lock"
flock 9

python=$(command -v python3)
if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- "$python" -c '' 2>/dev/null; then
  python=/usr/bin/python3
  runuser -u nobody -- "$python" -c '' || {
    echo "python-venv: no python3 that the user nobody can run (on Debian/Ubuntu: sudo apt-get install python3 python3-venv)" >&2
    exit 1
  }
fi
wanted=$(printf '# made with %s\n' "$python"; cat python/requirements.txt)
if [ ! -x "$venv/bin/python3" ] || [ "$wanted" != "$(cat "$stamp" 2>/dev/null)" ]; then
  echo "python-venv: installing python/requirements.txt in $venv with $python" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" || {
    echo "python-venv: $python -m venv failed (on Debian/Ubuntu: sudo apt-get install python3-venv)" >&2
    exit 1
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r python/requirements.txt >&2
  # Last: its presence means the install finished.
  printf '%s\n' "$wanted" >"$stamp"
fi
echo "$venv/bin/python3"
