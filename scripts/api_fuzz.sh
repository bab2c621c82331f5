#!/usr/bin/env bash
# The API tells the truth about itself: serve the demo (SQLite, a scratch data folder, a free
# port) and let schemathesis generate requests from the OpenAPI schema, as a few demo users with
# an API token each. Fails on a server error (5xx), a response outside its documented schema,
# status code or media type.
#   scripts/api_fuzz.sh                     the bounded run of `make test`
#   scripts/api_fuzz.sh --include-path-regex hazards   extra arguments go to schemathesis
# Environment:
#   KUANGAN_FUZZ_EXAMPLES  test cases per operation and phase (default 10)
#   KUANGAN_FUZZ_USERS     demo users to run as, in turn (default: a province administrator,
#                          with broad read and write access, then an enterprise safety officer)
#   KUANGAN_FUZZ_SEED      the random seed (default 1: the same cases on every run)
#   KUANGAN_FUZZ_PHASES    schemathesis phases (default examples,fuzzing,stateful; add coverage
#                          for every boundary value of every parameter: about ten times longer)
#   KUANGAN_FUZZ_REPORT    a folder to keep the NDJSON reports in (default: dropped)
set -euo pipefail
cd "$(dirname "$0")/.."
V="$PWD/.venv/bin"
EXAMPLES="${KUANGAN_FUZZ_EXAMPLES:-10}"
USERS="${KUANGAN_FUZZ_USERS:-province_admin enterprise_safety_officer}"
SEED="${KUANGAN_FUZZ_SEED:-1}"
PHASES="${KUANGAN_FUZZ_PHASES:-examples,fuzzing,stateful}"

scratch="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
export KUANGAN_DATA_DIR="$scratch/data" KUANGAN_STATIC_ROOT="$scratch/static"
export KUANGAN_DEBUG=0 KUANGAN_TESTING=0 DJANGO_SETTINGS_MODULE=kuangan.settings
mkdir -p "$KUANGAN_STATIC_ROOT"
report="${KUANGAN_FUZZ_REPORT:-$scratch/report}"
mkdir -p "$report"
report="$(cd "$report" && pwd)"

echo "Loading the demo data into $KUANGAN_DATA_DIR …"
$V/kuangan demo --no-serve >"$scratch/demo.log" 2>&1 || { cat "$scratch/demo.log" >&2; exit 1; }

port="$($V/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Two workers of four threads, as `kuangan serve`; no access log (schemathesis reports).
$V/gunicorn kuangan.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --timeout 120 --no-control-socket --log-level warning >"$scratch/server.log" 2>&1 &
server=$!

# One API token per user, made directly (the token endpoint is throttled).
tokens="$($V/python - $USERS <<'PY'
import sys

import django

django.setup()
from kuangan.core import services  # noqa: E402
from kuangan.core.models import User  # noqa: E402

for username in sys.argv[1:]:
    _token, key = services.token_create(user=User.objects.get(username=username), name="fuzz")
    print(username, key)
PY
)"

for _ in $(seq 100); do
  # Any HTTP answer (the schema wants a token: 401) means the server is up.
  $V/python - "$base/api/schema/" 2>/dev/null <<'PY' && break
import sys
import urllib.error
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=2)  # noqa: S310
except urllib.error.HTTPError:
    pass
PY
  kill -0 "$server" 2>/dev/null || { cat "$scratch/server.log" >&2; exit 1; }
  sleep 0.3
done

rc=0
while read -r username key; do
  echo
  echo "== schemathesis as $username ($PHASES, $EXAMPLES cases per operation, seed $SEED)"
  # Revoking the token would end the run's authentication: that endpoint is left out. Run in
  # the scratch folder: schemathesis keeps the failures it found there (.schemathesis/), to
  # replay them first next time, and each run starts afresh.
  (cd "$scratch" && $V/schemathesis run "$base/api/schema/?format=json" \
    --header "Authorization: Token $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path /api/v1/auth/token/revoke/ \
    --phases "$PHASES" --max-examples "$EXAMPLES" --seed "$SEED" --workers 2 --no-color \
    --generation-database none --suppress-health-check all \
    --report ndjson --report-ndjson-path "$report/$username.ndjson" \
    "$@") >"$report/$username.txt" 2>&1 || rc=1
  # The failures (the first 300 lines of them), then the summary.
  sed -n '/=== FAILURES ===/,/=== SUMMARY ===/{/=== SUMMARY ===/!p}' "$report/$username.txt" |
    sed -n 1,300p
  sed -n '/=== SUMMARY ===/,$p' "$report/$username.txt"
done <<<"$tokens"

# Figures: operations, cases and server errors from the reports.
$V/python - "$report"/*.ndjson <<'PY'
import json
import sys

operations, cases, failures, server_errors = set(), 0, 0, 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line).get("ScenarioFinished")
            if not event:
                continue
            recorder = event["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                request = interaction["request"]
                if recorder["label"].startswith(request["method"]):
                    operations.add(recorder["label"])
                cases += 1
                response = interaction.get("response") or {}
                server_errors += response.get("status_code", 0) >= 500
            for checks in recorder.get("checks", {}).values():
                failures += sum(check["status"] == "failure" for check in checks)
print(
    f"\nAPI fuzz: {len(operations)} operations, {cases} cases, {failures} failed checks,"
    f" 5xx {server_errors}"
)
PY
if [ "$rc" != 0 ] && grep -q "Traceback\|ERROR" "$scratch/server.log"; then
  echo "-- server log (errors) --"
  grep -B2 -A30 "Traceback" "$scratch/server.log" | tail -150 || true
fi
exit "$rc"
