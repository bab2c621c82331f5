# The two commands of the README are `make demo` and `make test`; the others are conveniences.
.PHONY: demo test setup setup-test serve lint format browser-test ci

demo: setup            ## set up, load the demo data, serve on http://127.0.0.1:8000
	.venv/bin/kuangan demo

test: setup-test       ## set up, run every check and the whole suite (SQLite, then PostgreSQL)
	scripts/test.sh

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

serve:                 ## serve the existing database (after `make demo` once)
	.venv/bin/kuangan serve

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

browser-test: setup-test  ## only the Playwright tests in Chromium
	KUANGAN_TESTING=1 .venv/bin/pytest -q -m browser

ci:                    ## what CI runs: start PostgreSQL if needed, then `make test`
	.ci/run
