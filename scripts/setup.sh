#!/usr/bin/env bash
# One-time and repeatable set-up: system packages (Debian), the Python environment in .venv,
# the npm assets, translations and static files. Safe to run again; it only adds what is missing.
#   scripts/setup.sh          what the demo needs
#   scripts/setup.sh --test   also what the test suite needs (Chromium, LibreOffice)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fonts-noto-cjk fonts-arphic-ukai gettext poppler-utils)
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -r requirements.lock 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true

npm ci --no-audit --no-fund --loglevel=error
.venv/bin/python scripts/build_assets.py
(cd kuangan && ../.venv/bin/kuangan compilemessages -v 0)
.venv/bin/kuangan collectstatic --noinput -v 0
echo "Set-up done: .venv/bin/kuangan is ready."
