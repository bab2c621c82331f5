# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test setup setup-test serve bench lint

demo: setup
	.venv/bin/kuangan demo

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

test: setup-test
	scripts/test.sh

serve:
	.venv/bin/kuangan serve

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
