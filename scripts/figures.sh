#!/usr/bin/env bash
# Regenerates the book's figures that show data, from real runs on this machine:
#
#   book/src/img/latencia-por-usuarios.png  latency against users, step by step: the reference
#       shop of ex2 (payment gateway with 1 connection, latencies at a tenth) under a stepped
#       load, scraped every second by Debian's Prometheus, read back and drawn by
#       `grader load --steps ... --report` (crates/charts);
#   book/src/img/dashboard-ex6.png  the dashboard of ex6's reference solution, each panel drawn
#       from its own queries during a real grading run (`grader ex6 --solution --charts`),
#       laid out in a grid as a dashboard shows them;
#   book/src/img/joelho-medido.png  the knee the performance-evaluation chapter predicts,
#       measured: the final project's shop with its real latencies and 4 gateway connections
#       under `grader load --steps ... --repeat 3`, P95 against users.
#
# The hand-drawn diagrams (the SVGs beside them) are not generated. Everything runs on
# 127.0.0.1; every process the script starts is stopped when it ends, also on failure or Ctrl-C.
# About six minutes on 2 cores once the workspace is built.
#
#   scripts/figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
img="$root/book/src/img"

say() { echo "figures: $*"; }
die() {
  echo "figures: FAILED: $*" >&2
  exit 1
}

command -v prometheus >/dev/null || die "Debian's prometheus is missing: run scripts/setup.sh"
command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until `url` answers 200, for at most `seconds`.
wait_ok() {
  local url=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  die "$url did not answer in ${seconds}s"
}

# Starts a Prometheus in "$work/NAME" scraping the app on APP_PORT every second, and sets
# prom_port to the port it listens on.
start_prometheus() {
  local name=$1 app_port=$2
  prom_port=$(free_port)
  mkdir -p "$work/$name"
  cat >"$work/$name/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: loja
    static_configs:
      - targets: ['127.0.0.1:$app_port']
YAML
  prometheus --config.file="$work/$name/prometheus.yml" \
    --web.listen-address="127.0.0.1:$prom_port" \
    --storage.tsdb.path="$work/$name/data" >"$work/$name/prometheus.log" 2>&1 &
  pids+=($!)
  wait_ok "http://127.0.0.1:$prom_port/-/ready" 30
}

say "building the grader, the reference shop and the grid tool"
cargo build -q -p grader -p ex2-metricas-negocio-solucao -p final-black-friday
cargo build -q -p charts --example mosaico
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
grader="$target/debug/grader"
mosaico="$target/debug/examples/mosaico"

# ---------------------------------------------------------------------------------------
# 1. Latency against users
# ---------------------------------------------------------------------------------------

app_port=$(free_port)
PORT=$app_port BIND=127.0.0.1 LATENCY_SCALE=0.1 GATEWAY_CONEXOES=1 \
  "$target/debug/ex2-metricas-negocio-solucao" >"$work/loja.log" 2>&1 &
pids+=($!)
wait_ok "http://127.0.0.1:$app_port/produtos" 30

start_prometheus loja "$app_port"

# Users from 1 to 12, each step long enough for a rate over it to settle. A quarter of the
# requests are checkouts, which queue for the gateway's one connection once several users
# buy at the same time: that is the knee.
say "stepped load on the shop (about 80 s)"
timeout 300 "$grader" load --lang pt \
  --url "http://127.0.0.1:$app_port" \
  --prometheus "http://127.0.0.1:$prom_port" \
  --steps 1,2,4,6,8,12 --spawn-rate 100 --duration 12s --think 0..200ms \
  --mix navegar=1,produto=2,checkout:2=1 --seed 16 \
  --window 5s --report "$work/carga" >"$work/carga.log" 2>&1 ||
  die "grader load failed: $(tail -5 "$work/carga.log")"
cp "$work/carga/06-latencia-por-usuarios.png" "$img/latencia-por-usuarios.png"
say "wrote book/src/img/latencia-por-usuarios.png"

# ---------------------------------------------------------------------------------------
# 2. The ex6 dashboard, from a real grading run
# ---------------------------------------------------------------------------------------

say "grading ex6's solution with its panels drawn (about a minute)"
timeout 300 "$grader" ex6 --solution --backend native --lang pt --charts "$work/painel" \
  >"$work/ex6.log" 2>&1 || die "grader ex6 --solution failed: $(tail -5 "$work/ex6.log")"
mapfile -t panels < <(find "$work/painel" -maxdepth 1 -name '[0-9][0-9]-*.png' | sort)
[ "${#panels[@]}" -gt 0 ] || die "grader ex6 --charts drew no panel"
"$mosaico" "$img/dashboard-ex6.png" 3 "${panels[@]}"
say "wrote book/src/img/dashboard-ex6.png (${#panels[@]} panels)"

# ---------------------------------------------------------------------------------------
# 3. The knee, measured with repetitions (book/src/avaliacao-de-desempenho.md)
# ---------------------------------------------------------------------------------------

# The chapter's worked example, shorter: the same shop (its real latencies, the gateway's 4
# connections, the busy-seconds counter the final project's app exposes), the same mix and
# think time, 10-second windows instead of 20.
knee_port=$(free_port)
PORT=$knee_port BIND=127.0.0.1 LATENCY_SCALE=1 \
  "$target/debug/final-black-friday" >"$work/loja-final.log" 2>&1 &
pids+=($!)
wait_ok "http://127.0.0.1:$knee_port/produtos" 30
start_prometheus loja-final "$knee_port"
say "stepped load with 3 repetitions on the final project's shop (about 3 minutes)"
timeout 600 "$grader" load --lang pt \
  --url "http://127.0.0.1:$knee_port" \
  --prometheus "http://127.0.0.1:$prom_port" \
  --steps 2,4,8,12,16 --repeat 3 --duration 10s --spawn-rate 4 --think 0..200ms \
  --mix navegar=1,produto=2,checkout=1 --seed 7 \
  --window 5s --report "$work/joelho" >"$work/joelho.log" 2>&1 ||
  die "grader load --repeat failed: $(tail -5 "$work/joelho.log")"
cp "$work/joelho/06-latencia-por-usuarios.png" "$img/joelho-medido.png"
say "wrote book/src/img/joelho-medido.png"

for f in "$img/latencia-por-usuarios.png" "$img/dashboard-ex6.png" "$img/joelho-medido.png"; do
  size=$(stat -c %s "$f")
  [ "$size" -le 204800 ] || die "$f has $((size / 1024)) KB: keep the book's figures under 200 KB"
done
say "done"
