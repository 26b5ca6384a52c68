#!/usr/bin/env bash
# Quick start, part 1: set up, build the site into dist/, and serve it.
#   scripts/site.sh            build, then serve on http://127.0.0.1:8000/
#   scripts/site.sh --no-serve build only; then open dist/index.html directly
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python build.py
if [[ "${1:-}" == "--no-serve" ]]; then
  echo "open $(pwd)/dist/index.html in a browser (it works from disk too)"
  exit 0
fi
echo "serving dist/ on http://127.0.0.1:8000/ (Ctrl-C to stop); or open dist/index.html from disk"
exec .venv/bin/python -m http.server 8000 --bind 127.0.0.1 --directory dist
