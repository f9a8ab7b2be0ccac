#!/usr/bin/env bash
# Installs batchprompt the way a user outside the checkout does (npm pack, then a global install
# of the tarball into a temporary prefix) and checks what that user gets: the command works (the
# demo), node-llama-cpp's 700 MB are not downloaded, and a local model says how to install it.
# Needs the npm registry (the tarball's dependencies come from it), so it is a script and not a
# test: with a cold npm cache it takes minutes, most of it compiling better-sqlite3.
#
#   bash scripts/check-install.sh        # prints each step's seconds and the install's size
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/batchprompt-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT

seconds() { date +%s.%N; }
elapsed() { awk -v start="$1" -v end="$(seconds)" 'BEGIN { printf "%.1f", end - start }'; }
fail() {
  echo "check-install: $*" >&2
  exit 1
}

start="$(seconds)"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "npm pack: $tarball in $(elapsed "$start") s"

start="$(seconds)"
npm install --global --prefix "$work/global" --no-audit --no-fund "$work/$tarball" >"$work/install.log" 2>&1 ||
  fail "npm install of the tarball failed: $(tail -n 20 "$work/install.log")"
modules="$work/global/lib/node_modules"
echo "npm install --global $tarball: $(elapsed "$start") s, $(du -sm "$modules" | cut -f1) MB"

if [ -e "$modules/node-llama-cpp" ] || [ -e "$modules/batchprompt/node_modules/node-llama-cpp" ] ||
  [ -e "$modules/batchprompt/node_modules/@node-llama-cpp" ]; then
  fail "node-llama-cpp was installed: it must stay an optional peer dependency"
fi
echo "node-llama-cpp: not installed"

command="$work/global/bin/batchprompt"
# Away from the checkout, so nothing there can be picked up by accident.
cd "$work"
start="$(seconds)"
demo="$("$command" demo)" || fail "batchprompt demo failed"
grep -q '^│ bpe+seas' <<<"$demo" || fail "the demo printed no bpe+seas row: $demo"
echo "batchprompt demo: $(elapsed "$start") s"

printf 'not a model\n' >"$work/model.gguf"
code=0
message="$("$command" run --task boolq --data "$modules/batchprompt/examples/demo/yes-no.jsonl" \
  --model "local:$work/model.gguf" 2>&1)" || code=$?
[ "$code" -eq 3 ] || fail "a local model without node-llama-cpp exited $code, not 3: $message"
grep -q 'npm install node-llama-cpp@' <<<"$message" || fail "the local-model error does not say what to install: $message"
echo "local model without node-llama-cpp: exit 3, \"$message\""
echo "check-install: ok"
