#!/usr/bin/env bash
# Installs node-llama-cpp (700 MB with its prebuilt llama.cpp binaries) for the local-model tests
# and `local:` models in this checkout, without adding it to package.json or the lock file: it is
# an optional peer that `npm ci` leaves out. The exact version is pinned by .ci/local-model's own
# lock file; node_modules/node-llama-cpp becomes a link to it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix .ci/local-model --no-audit --no-fund
ln -sfn ../.ci/local-model/node_modules/node-llama-cpp node_modules/node-llama-cpp
echo "node-llama-cpp $(node -p "require('./.ci/local-model/node_modules/node-llama-cpp/package.json').version") linked into node_modules"
