#!/usr/bin/env bash
# Installs Debian's redis-server for the job-queue tests (they start their own server on a free
# loopback port, never the system service the package may enable), once: a second run finds it
# and does nothing. Root (CI) installs it; sudo is used elsewhere when it is there.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
sudo_if_needed=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "ensure-redis: redis-server is missing and this user cannot install it; the queue tests will be skipped" >&2
    exit 0
  }
  sudo_if_needed=(sudo)
fi
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y --no-install-recommends redis-server
command -v redis-server
