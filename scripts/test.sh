#!/usr/bin/env bash
# Every check CI runs: lint, types, layer contracts, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check kubia_tutor tests
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest "$@"
