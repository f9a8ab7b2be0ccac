#!/usr/bin/env bash
# Installs batchprompt the way a user outside the checkout does and checks what that user gets.
# npm pack, then: (1) a global install of the tarball into a temporary prefix: the command works
# (the demo), node-llama-cpp's 700 MB are not downloaded, and a local model says how to install it
# beside that install; (2) an install into a new project of the user's own, which imports
# batchprompt by name and answers with batchPrompt on the simulated model, and whose `run` without
# --model names the project and the command that installs node-llama-cpp in it.
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
grep -q "npm install --global --prefix $work/global node-llama-cpp@" <<<"$message" ||
  fail "the local-model error does not say how to install node-llama-cpp beside a global install: $message"
echo "local model without node-llama-cpp: exit 3, \"$message\""

# A project of the user's own that depends on batchprompt.
project="$work/my-app"
mkdir -p "$project"
cd "$project"
printf '{ "name": "my-app", "private": true, "type": "module" }\n' >package.json
start="$(seconds)"
npm install --no-audit --no-fund "$work/$tarball" >"$work/project-install.log" 2>&1 ||
  fail "npm install of the tarball in a project failed: $(tail -n 20 "$work/project-install.log")"
echo "npm install $tarball in a new project: $(elapsed "$start") s, $(du -sm node_modules | cut -f1) MB"
cat >use.mjs <<'SCRIPT'
import { batchPrompt, boolqTask, createModelStack } from 'batchprompt';

const items = [
  { id: 'q1', fields: { question: 'is water wet', passage: 'Water -- Water makes things wet.' }, gold: true },
  { id: 'q2', fields: { question: 'can fish fly', passage: 'Fish -- Fish swim; they do not fly.' }, gold: false },
];
const { model } = await createModelStack({ uri: 'sim', task: boolqTask, knownItems: () => items });
const { results, summary } = await batchPrompt({ task: boolqTask, items, model, batchSize: 2, rounds: 1 });
const answers = results.map((result) => result.answer).join(', ');
console.log(`${import.meta.resolve('batchprompt')} ${summary.model} answered ${summary.answered}/${summary.items}: ${answers}`);
SCRIPT
start="$(seconds)"
used="$(node use.mjs)" || fail "the project could not import and use batchprompt"
grep -q "^file://$project/node_modules/batchprompt/.* answered 2/2" <<<"$used" || fail "unexpected output: $used"
echo "node use.mjs (import 'batchprompt', batchPrompt on sim): $(elapsed "$start") s: $used"
code=0
message="$(npx batchprompt run --task boolq --data none.jsonl 2>&1)" || code=$?
[ "$code" -eq 3 ] || fail "run without --model in a project exited $code, not 3: $message"
grep -q "your project $project, which depends on batchprompt" <<<"$message" ||
  fail "run without --model does not name the project: $message"
grep -q '^  npm install node-llama-cpp@' <<<"$message" ||
  fail "run without --model does not give the project's install command: $message"
echo "run without --model in the project: exit 3, names the project and its install command"
echo "check-install: ok"
