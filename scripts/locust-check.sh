#!/usr/bin/env bash
# The course's locustfile.py works: installs Locust in a venv cached under target/locust-venv
# (a re-run reuses it), starts the shop (ex2's solution) on a free loopback port, runs Locust
# headless for a few seconds with 2 users, and fails if Locust cannot load the file, makes no
# request, misses one of the shop's routes, or reports any failure or error.
#
# The users are the locustfile's own, with their think time cut to 20 ms so a few seconds
# reach every task (and the checkouts empty a product's stock: its 409 must not be a failure).
#
#   scripts/locust-check.sh [SECONDS]      (default 6)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"

target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
venv="$target_dir/locust-venv"
if [ ! -x "$venv/bin/locust" ]; then
  echo "locust-check: installing Locust in $venv"
  python3 -m venv "$venv" || {
    echo "locust-check: python3 -m venv failed (on Debian/Ubuntu: sudo apt-get install python3-venv)" >&2
    exit 1
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'locust>=2.37,<3'
fi

cargo build -q -p ex2-metricas-negocio-solucao
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$port" BIND=127.0.0.1 LATENCY_SCALE=0.1 \
  "$target_dir/debug/ex2-metricas-negocio-solucao" >"$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$app_pid" 2>/dev/null; then
    cat "$work/app.log" >&2
    echo "locust-check: the shop exited" >&2
    exit 1
  fi
  sleep 0.1
done

cat >"$work/rapido.py" <<'PY'
from locust import constant

from locustfile import UsuarioDaLoja


class UsuarioRapido(UsuarioDaLoja):
    wait_time = constant(0.02)
PY

echo "locust-check: $("$venv/bin/locust" --version 2>&1 | head -n1)"
echo "locust-check: 2 users for ${seconds}s on http://127.0.0.1:$port"
status=0
PYTHONPATH="$PWD" "$venv/bin/locust" -f "$work/rapido.py" --headless --users 2 --spawn-rate 2 \
  --run-time "${seconds}s" --host "http://127.0.0.1:$port" --only-summary --stop-timeout 5 \
  --csv "$work/locust" --json-file "$work/final" UsuarioRapido >"$work/locust.out" 2>&1 || status=$?
cat "$work/locust.out"

# From the final stats (--json-file; the CSV is written periodically, not at the end): the
# requests and failures of all routes, and the routes that got no request.
summary=$(python3 - "$work/final.json" <<'PY' || echo "0 0 ?"
import json, sys
routes = {"/", "/produtos", "/produto/{produto_id}", "/busca", "/carrinho", "/checkout", "/logout"}
requests = failures = 0
for entry in json.load(open(sys.argv[1])):
    requests += entry["num_requests"]
    failures += entry["num_failures"]
    if entry["num_requests"] > 0:
        routes.discard(entry["name"])
print(requests, failures, ",".join(sorted(routes)) or "-")
PY
)
read -r requests failures missing <<<"$summary"
# Exceptions in tasks (an import error, a bug in the file) are errors, not request failures.
errors=$(($(wc -l <"$work/locust_exceptions.csv" 2>/dev/null || echo 1) - 1))
if grep -q "Traceback" "$work/locust.out"; then errors=$((errors + 1)); fi
echo "locust-check: $requests requests, $failures failures, $errors errors, routes with no request: $missing, exit $status"
if [ "$status" -ne 0 ] || [ "$requests" -eq 0 ] || [ "$failures" -ne 0 ] ||
  [ "$errors" -ne 0 ] || [ "$missing" != "-" ]; then
  echo "locust-check: FAILED" >&2
  if [ -f "$work/locust_exceptions.csv" ]; then cat "$work/locust_exceptions.csv" >&2; fi
  if [ -f "$work/locust_failures.csv" ]; then cat "$work/locust_failures.csv" >&2; fi
  exit 1
fi
echo "locust-check: OK"
