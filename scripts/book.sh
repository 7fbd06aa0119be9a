#!/usr/bin/env bash
# Builds the course book (book/, mdBook) and checks it, from a fresh clone:
#
#   1. installs what it needs when missing: mdBook 0.5 (cargo install, ~2 minutes on 2 cores)
#      and, for the rendering check, Chromium (Debian/Ubuntu package);
#   2. builds the book into book/book, failing on any error or warning mdBook prints, on an
#      include left unresolved, on an empty code block (an anchor that included nothing),
#      and on a link or asset of the built HTML that points to no file;
#   3. runs the book's tests (grader/tests/book.rs: links, includes and anchors, exercise
#      pages against the grader's specs), comparing heading ids with the built HTML too
#      (on a fresh clone this compiles the grader's tests first: a few minutes, once);
#   4. renders one built page in headless Chromium: its DOM must have the page title and the
#      code included from the exercise crate, and its console no error.
#
# `mdbook test` is not run on purpose: the book's Rust code comes from the workspace crates
# (fenced `rust,ignore`), which rustdoc cannot link; `cargo test` tests that code itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { echo "book: $*"; }
die() {
  echo "book: FAILED: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------

# The book is written for mdBook 0.5 (heading ids, book.toml keys); another major may build
# it differently, so one is installed beside it rather than used.
MDBOOK_REQ='~0.5'
tools="$root/target/book-tools"

mdbook_ok() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q '^mdbook v0\.5\.'; }

find_mdbook() {
  local m
  for m in "$(command -v mdbook || true)" "${CARGO_HOME:-$HOME/.cargo}/bin/mdbook" "$tools/bin/mdbook"; do
    if [ -n "$m" ] && mdbook_ok "$m"; then
      echo "$m"
      return 0
    fi
  done
  return 1
}

if ! MDBOOK=$(find_mdbook); then
  install_root=()
  # Never replace an mdBook of another version that someone installed on purpose.
  if command -v mdbook >/dev/null 2>&1; then install_root=(--root "$tools"); fi
  say "installing mdBook $MDBOOK_REQ with cargo (a couple of minutes, once)"
  start=$SECONDS
  cargo install mdbook --locked --version "$MDBOOK_REQ" \
    --no-default-features --features search "${install_root[@]}" --quiet
  MDBOOK=$(find_mdbook) || die "mdBook was installed but cannot be found; is ~/.cargo/bin on PATH?"
  say "mdBook installed in $((SECONDS - start)) s"
fi
say "$("$MDBOOK" --version) ($MDBOOK)"

find_chromium() {
  local c
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if ! CHROMIUM=$(find_chromium); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing Debian's chromium package (for the rendering check)"
    start=$SECONDS
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    CHROMIUM=$(find_chromium) || die "the chromium package installed no chromium binary"
    say "Chromium installed in $((SECONDS - start)) s"
  else
    die "no Chromium found and no apt-get to install it; install Chromium (or Chrome) and run again"
  fi
fi
say "$("$CHROMIUM" --version 2>/dev/null | head -n1) ($CHROMIUM)"

# ---------------------------------------------------------------------------------------
# 2. Build
# ---------------------------------------------------------------------------------------

out=book/book
log=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$log" "$work"' EXIT

say "mdbook build book"
if ! "$MDBOOK" build book >"$log" 2>&1; then
  cat "$log" >&2
  die "mdbook build failed"
fi
# mdBook reports a missing include file as an ERROR but still exits 0.
if grep -E '(^|[[:space:]])(ERROR|WARN)[[:space:]]' "$log" >/dev/null; then
  cat "$log" >&2
  die "mdbook printed errors or warnings (above)"
fi

# An include mdBook could not resolve stays in the page as text.
if grep -rl --include='*.html' '{{#' "$out" >/dev/null; then
  grep -rn --include='*.html' -o '{{#[^}]*}}' "$out" | grep -v '/print.html:' >&2 || true
  die "unresolved {{#...}} in the built book"
fi

# A missing anchor is not reported by mdBook at all: it includes nothing, and the page gets
# an empty code block.
if grep -rnE --include='*.html' '<code( class="[^"]*")?></code>' "$out" | grep -v '/print.html:' >"$work/empty"; then
  cat "$work/empty" >&2
  die "empty code blocks in the built book (an {{#include}} anchor that matched nothing?)"
fi

# Every relative link and asset of every built page must exist (links between chapters,
# fragments aside; images; the theme's CSS and JavaScript).
for html in "$out"/*.html "$out"/*/*.html; do
  case "$html" in */404.html) continue ;; esac
  dir=$(dirname "$html")
  { grep -oE '(href|src)="[^"]*"' "$html" || true; } | sed -E 's/^(href|src)="//; s/"$//' | sort -u |
    while IFS= read -r ref; do
      case "$ref" in
        '' | '#'* | http://* | https://* | mailto:* | javascript:* | data:*) continue ;;
      esac
      path=${ref%%#*}
      path=${path%%\?*}
      [ -n "$path" ] || continue
      [ -e "$dir/$path" ] || echo "$html: $ref"
    done
done >"$work/broken"
if [ -s "$work/broken" ]; then
  cat "$work/broken" >&2
  die "links or assets of the built book that point to no file"
fi
say "built $(find "$out" -name '*.html' | wc -l) pages into $out"

# ---------------------------------------------------------------------------------------
# 3. The book's tests (Markdown sources), and heading ids against the HTML just built
# ---------------------------------------------------------------------------------------

say "cargo test -p grader --test book"
BOOK_HTML_DIR="$out" cargo test -p grader --test book --quiet

# ---------------------------------------------------------------------------------------
# 4. Rendering in headless Chromium
# ---------------------------------------------------------------------------------------

page="$out/exercicios/ex1.html"
title="Exercício 1: métricas HTTP"
crate_file=exercises/ex1-metricas-http/src/http.rs
anchor=todo_middleware
[ -f "$page" ] || die "$page was not built"

# Runs Chromium on the page, bounded by `timeout`, in a process group of its own; whatever
# Chromium leaves behind in that group is killed afterwards.
render() { # stdout-file stderr-file extra-args...
  local stdout=$1 stderr=$2 rc=0 pid
  shift 2
  setsid timeout --kill-after=5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-dev-shm-usage --no-first-run --user-data-dir="$work/profile" \
    "$@" "file://$root/$page" >"$stdout" 2>"$stderr" &
  pid=$!
  wait "$pid" || rc=$?
  kill -KILL -- "-$pid" 2>/dev/null || true
  return "$rc"
}

say "rendering $page in headless Chromium"
render "$work/dom.html" "$work/dom.err" --dump-dom ||
  { tail -n 20 "$work/dom.err" >&2; die "chromium --dump-dom failed or timed out"; }

grep -qF "<title>$title" "$work/dom.html" || die "the rendered page has no <title> \"$title\""

# The first line of the included anchor, as the crate has it, must be in a rendered code block.
expected=$(awk -v a="$anchor" '
  $0 ~ "ANCHOR: " a "$" { f = 1; next }
  $0 ~ "ANCHOR_END: " a "$" { exit }
  f && NF { sub(/^[ \t]+/, ""); print; exit }' "$crate_file")
[ -n "$expected" ] || die "$crate_file has no anchor $anchor"
sed -n '/<code class="language-rust/,/<\/code>/p' "$work/dom.html" |
  sed -e 's/<[^>]*>//g' -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g' \
    >"$work/code.txt"
grep -qF -- "$expected" "$work/code.txt" ||
  die "the rendered code blocks lack the included anchor's first line: $expected"

# Again with the console logged, giving the page's scripts time to run.
render "$work/console.html" "$work/console.err" --enable-logging=stderr --v=0 \
  --virtual-time-budget=3000 --dump-dom ||
  { tail -n 20 "$work/console.err" >&2; die "chromium with console logging failed or timed out"; }
grep 'CONSOLE' "$work/console.err" >"$work/console.txt" || true
if grep -E 'Uncaught|[Ee]rror|Failed|Refused' "$work/console.txt" >&2; then
  die "the page logged errors to the console (above)"
fi
say "rendered: title, included code, $(wc -l <"$work/console.txt") console message(s), no error"

say "ok"
