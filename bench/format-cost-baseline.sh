#!/usr/bin/env bash
# The "earlier JSON entries" rows of bench/format-cost.ts: the same runs on a copy of this tree
# whose prompt and simulator write the JSON entries of before commit bf3b069
# ({"id": 12, "code": "k9q4", "answer": ..., "confident": true}); everything else, the parser
# included, is this tree's. Writes bench/results/format-cost-baseline.json.
#   bash bench/format-cost-baseline.sh
# The change back is bench/format-cost-baseline.patch: commit bf3b069 reversed in src/prompt/
# render-batch.ts and src/sim/render-sim-reply.ts, as it applies to this tree (the reversed commit
# itself no longer applies since the JSON schema took a shared envelope). Where a later edit of
# those files stops it, apply what is left by hand in a copy and write the patch again (`git diff
# -U1`), changing the entries and nothing else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git -C "$root" archive HEAD | tar -x -C "$copy"
(cd "$copy" && patch -s -p1 < "$root/bench/format-cost-baseline.patch")
ln -s "$root/node_modules" "$copy/node_modules"
export BATCHPROMPT_DATA_DIR="${BATCHPROMPT_DATA_DIR:-$root/../shared/data}"
(cd "$copy" && npx tsx bench/format-cost.ts --json --formats json --drift 0 --label "earlier JSON entries") > "$root/bench/results/format-cost-baseline.json"
echo "wrote bench/results/format-cost-baseline.json"
