#!/usr/bin/env bash
# Installs Debian's chromium for the report's render test, once: a second run finds it and does
# nothing. CI runs as root; elsewhere sudo is used when it is there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "ensure-chromium: chromium is missing and this user cannot install it (not root, no sudo); the report render test will be skipped" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends chromium
command -v chromium
