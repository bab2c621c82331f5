#!/usr/bin/env bash
# Set-up on a fresh clone, repeatable: Debian packages, the Python environment in .venv (from
# requirements.lock), the npm assets (from package-lock.json), compiled translations and, for
# the demo, the collected static files. Run again, it only redoes what changed.
#   scripts/setup.sh          what the demo needs
#   scripts/setup.sh --test   also what the test suite needs (Chromium, LibreOffice Writer)
# Environment: PYTHON (interpreter for the venv, default python3; 3.11 or later).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="demo"
case "${1:-}" in
  "") ;;
  --test) mode="test" ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# pip, minus the warnings some machines' pip configuration prints for absent local indexes.
pip_install() {
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@" \
    2> >(grep -v -e "is ignored: it is neither a file nor a directory" >&2)
}

# --- Debian packages --------------------------------------------------------------------------
# gettext: compilemessages; fonts: Chinese text in pages, PDFs and screenshots; pango: WeasyPrint
# (PDF); poppler-utils: reading PDFs back in tests.
packages=(ca-certificates gettext fonts-noto-cjk fonts-arphic-ukai libpango-1.0-0 libpangoft2-1.0-0
  poppler-utils)
if [ "$mode" = "test" ]; then
  # Chromium: the browser tests; LibreOffice (no GUI): tests open the generated .docx reports.
  packages+=(chromium libreoffice-writer-nogui)
fi
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "No $PYTHON found: install Python 3.11 or later (Debian: apt-get install python3)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or later is needed; $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=..." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  # Debian's own Python needs python3.X-venv for `python -m venv`.
  packages+=("python3.$("$PYTHON" -c 'import sys; print(sys.version_info.minor)')-venv")
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# --- Python environment -----------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  echo "== Creating .venv with $("$PYTHON" -V 2>&1)"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.kuangan-installed"
wanted="$(sha requirements.lock pyproject.toml)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "== Installing Python packages from requirements.lock"
  pip_install --upgrade pip
  pip_install -r requirements.lock
  pip_install --no-deps -e . 2>/dev/null || pip_install --no-deps -e .
  echo "$wanted" > "$stamp"
fi

# --- Front-end assets (npm registry at build time; served by the app, never a CDN) ------------
stamp="node_modules/.kuangan-installed"
wanted="$(sha package.json package-lock.json)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "== Installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$wanted" > "$stamp"
fi
.venv/bin/python scripts/build_assets.py

# --- Translations and static files ------------------------------------------------------------
if find kuangan -path '*/locale/*/LC_MESSAGES/*.po' | grep -q .; then
  (cd kuangan && ../.venv/bin/kuangan compilemessages -v 0)
fi
if [ "$mode" = "demo" ]; then
  # The test server reads static files from the finders; the demo serves the collected ones.
  .venv/bin/kuangan collectstatic --noinput -v 0
fi
echo "Set-up done: .venv/bin/kuangan is ready."
