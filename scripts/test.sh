#!/usr/bin/env bash
# The whole test suite: lint, deploy checks, then pytest on SQLite (with the browser tests) and
# on PostgreSQL when one is reachable (KUANGAN_TEST_DATABASE_URL, default the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
export KUANGAN_TESTING=1
V=.venv/bin

echo "== ruff"
$V/ruff check .
$V/ruff format --check .

echo "== migrations are complete"
KUANGAN_DATA_DIR="$(mktemp -d)" $V/kuangan makemigrations --check --dry-run >/dev/null

echo "== check --deploy with the production profile"
KUANGAN_TESTING=0 KUANGAN_DEBUG=0 KUANGAN_SECURE=1 KUANGAN_MFA_REQUIRED=1 \
  KUANGAN_SECRET_KEY="$($V/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  KUANGAN_ALLOWED_HOSTS=kuangan.example.gov.cn KUANGAN_DATA_DIR="$(mktemp -d)" \
  $V/kuangan check --deploy --fail-level WARNING

echo "== bandit"
$V/bandit -q -r kuangan -ll -x '*/tests/*'

echo "== pytest on SQLite"
$V/pytest -q -p no:randomly "$@"

PG_URL="${KUANGAN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kuangan}"
if $V/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    url = sys.argv[1].replace("postgres://", "postgresql://", 1)
    base = url.rsplit("/", 1)[0] + "/postgres"
    psycopg.connect(base, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc}); skipping the PostgreSQL run.")
    sys.exit(1)
PY
then
  echo "== pytest on PostgreSQL"
  KUANGAN_DATABASE_URL="$PG_URL" $V/pytest -q -m "not browser" "$@"
fi
