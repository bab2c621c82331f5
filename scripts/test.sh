#!/usr/bin/env bash
# The whole test suite, after `scripts/setup.sh --test`:
#   lint (ruff), complete migrations, complete translations, README lists every setting,
#   `check --deploy` with the production profile, bandit, the direction of imports between apps,
#   mypy, then pytest on SQLite (browser tests included), the API fuzz (scripts/api_fuzz.sh)
#   and pytest on PostgreSQL, and the backup and restore round trip on both
#   (scripts/backup_roundtrip.py).
# Arguments go to both pytest runs: scripts/test.sh kuangan/core -k audit
# Environment:
#   KUANGAN_TEST_DATABASE_URL  PostgreSQL for the second run (default: the local server,
#                              postgres://postgres@127.0.0.1:5432/kuangan)
#   KUANGAN_REQUIRE_POSTGRES=1 fail (instead of skipping the PostgreSQL run) when it is not
#                              reachable; .ci/run sets it
#   KUANGAN_TEST_WORKERS       pytest-xdist workers (default 2; 0 runs in one process)
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
WORKERS="${KUANGAN_TEST_WORKERS:-2}"
started=$SECONDS
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Tests read static files from the finders; an empty STATIC_ROOT keeps whitenoise quiet.
export KUANGAN_STATIC_ROOT="$scratch/static"
mkdir -p "$KUANGAN_STATIC_ROOT"

failed=()
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - started))"; }
# check "name" command...: run a step; on failure note it and go on, so one run shows every
# problem. The script fails at the end if any step failed.
check() {
  local name="$1"; shift
  step "$name"
  "$@" || { echo "FAILED: $name" >&2; failed+=("$name"); }
}

check "ruff check" $V/ruff check .
check "ruff format" $V/ruff format --check .
check "migrations are complete" \
  env KUANGAN_DATA_DIR="$scratch/migrations" $V/kuangan makemigrations --check --dry-run
check "translations are complete" \
  env KUANGAN_DATA_DIR="$scratch/translations" $V/python scripts/check_translations.py
check "README documents every setting" $V/python scripts/check_readme_settings.py
check "check --deploy with the production profile" \
  env KUANGAN_DEBUG=0 KUANGAN_SECURE=1 KUANGAN_MFA_REQUIRED=1 KUANGAN_BEHIND_PROXY=1 \
  KUANGAN_SECRET_KEY="$($V/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  KUANGAN_ALLOWED_HOSTS=kuangan.example.gov.cn \
  KUANGAN_CSRF_TRUSTED_ORIGINS=https://kuangan.example.gov.cn \
  KUANGAN_DATA_DIR="$scratch/deploy" \
  $V/kuangan check --deploy --fail-level WARNING
check "bandit" $V/bandit -q -r kuangan -ll -x '*/tests/*,*/migrations/*'
check "imports between apps (no cycle, none hidden in a function)" \
  $V/python scripts/check_app_imports.py
check "mypy (services, rules, scope, audit typed)" \
  env KUANGAN_DATA_DIR="$scratch/mypy" $V/mypy --cache-dir "$scratch/mypy-cache" kuangan

# pytest's exit code 5 means "no test collected": an error, never a silent pass. In the
# PostgreSQL run, when tests were chosen on the command line, it only means that all of them are
# browser tests (those run on SQLite only).
run_pytest() {
  local label="$1"; shift
  local rc=0
  KUANGAN_TESTING=1 $V/pytest -q -n "$WORKERS" --durations=10 "$@" || rc=$?
  [ "$label" = "SQLite" ] && sqlite_rc=$rc
  if [ "$rc" = 5 ]; then
    if [ "$label" = "PostgreSQL" ] && [ "$chosen" -gt 0 ] && [ "$sqlite_rc" != 5 ]; then
      echo "No PostgreSQL test among the chosen tests (browser tests run on SQLite only)."
      return 0
    fi
    echo "pytest ($label) collected no tests: check the arguments and the test files." >&2
  fi
  return "$rc"
}
# PostgreSQL runs as the application's role of the production profile (README): no DDL, no
# TRUNCATE, no trigger rights, only SELECT and INSERT on the audit table. As the owner,
# scripts/pg_app_role.py makes the test databases afresh, migrates them and grants the role its
# rights; pytest reuses them (--reuse-db: Django creates no database that exists).
pytest_postgresql() {
  local app_url rc=0
  app_url="$(KUANGAN_DATA_DIR="$scratch/pg" KUANGAN_TESTING=1 \
    $V/python scripts/pg_app_role.py prepare "$PG_URL" "$WORKERS")" || return 1
  echo "Test databases migrated by the owner ($((SECONDS - started))s); pytest as kuangan_app."
  KUANGAN_DATABASE_URL="$app_url" run_pytest "PostgreSQL" -m "not browser" --reuse-db "$@" \
    || rc=$?
  $V/python scripts/pg_app_role.py drop "$PG_URL" "$WORKERS" || true
  return "$rc"
}
chosen=$#
sqlite_rc=""

check "pytest on SQLite (with the browser tests)" run_pytest "SQLite" "$@"

# The API against its own OpenAPI schema: the demo served, schemathesis as two demo users
# (no 5xx, responses as documented). Whole runs only: not when tests were chosen.
if [ "$chosen" = 0 ]; then
  check "API fuzz (schemathesis)" scripts/api_fuzz.sh
else
  echo "Skipping the API fuzz (tests were chosen on the command line)."
fi

PG_URL="${KUANGAN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kuangan}"
if $V/python - "$PG_URL" <<'PY'
import sys

import psycopg

url = sys.argv[1].replace("postgres://", "postgresql://", 1)
try:
    psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  check "pytest on PostgreSQL ($PG_URL)" pytest_postgresql "$@"
elif [ "${KUANGAN_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "KUANGAN_REQUIRE_POSTGRES=1 and PostgreSQL is not reachable." >&2
  failed+=("PostgreSQL reachable")
else
  echo "Skipping the PostgreSQL run (no server). Set KUANGAN_TEST_DATABASE_URL to run it."
fi

# kuangan backup, then kuangan restore into an empty installation: SQLite, and PostgreSQL as its
# owner (two scratch databases, dropped afterwards); prints the round trip's figures.
check "backup and restore round trip (SQLite, PostgreSQL)" \
  $V/python scripts/backup_roundtrip.py --sqlite \
  --postgresql "${KUANGAN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kuangan}"

if [ ${#failed[@]} -gt 0 ]; then
  printf '\n== FAILED after %ss:\n' "$((SECONDS - started))" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
step "all tests passed"
