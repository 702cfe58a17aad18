#!/usr/bin/env bash
# Set up kubia-tutor on a Debian/Ubuntu machine: system packages (Podman and what it needs,
# when we may install them), a virtualenv in .venv with the locked Python dependencies, and
# the package itself. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Podman with runc (crun does not work on cgroup-hybrid hosts), the network
# stack, catatonit for pod infra containers, busybox for the offline images, tmux for TUI tests,
# git for the kubelet's gitRepo volumes.
PKGS="podman runc catatonit netavark aardvark-dns iptables busybox-static tmux python3-venv git"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null; then
    echo "setup: please install these packages first:$missing" >&2
  else
    echo "setup: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
echo "setup: ready (.venv/bin/kubia-tutor)"
