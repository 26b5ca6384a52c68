#!/usr/bin/env bash
# Quick start, part 2: set up everything the tests need and run every check:
# ruff, mypy --strict, and pytest (core, build, and browser tests in Chromium).
# Extra arguments go to pytest, e.g. scripts/test.sh -k fit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest "$@"
