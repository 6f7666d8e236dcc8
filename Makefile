# Quick start: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test setup migrate demo messages check-messages lint clean

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet
	@touch $@

migrate: setup
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py demo

# The worker (mail, scheduled jobs) runs beside the server and stops with it.
run: demo
	$(BIN)/python manage.py run_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup
	$(BIN)/pytest -n auto

lint: setup
	$(BIN)/ruff check .

# Refresh the message catalogues after changing translatable strings (needs GNU gettext).
messages: setup
	$(BIN)/python manage.py makemessages --locale id --no-obsolete --add-location file --ignore '.venv/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --locale id --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
