# Set-up and everyday commands. Everything runs in a virtualenv (VENV, default .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migration messages clean

# Create the venv and install the project (again only when pyproject.toml changed).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Install, migrate, import the sample directory, then start the bots whose tokens are set,
# or the console bot when none is.
run: $(STAMP)
	$(BIN)/alumni db upgrade
	$(BIN)/alumni directory import --sample
	@if [ -n "$$TELEGRAM_BOT_TOKEN$$DISCORD_BOT_TOKEN$$SLACK_BOT_TOKEN" ]; then \
		exec $(BIN)/alumni run all; \
	else \
		exec $(BIN)/alumni chat; \
	fi

# The whole test suite (PostgreSQL half: set ALUMNI_TEST_POSTGRES_URL, see README), spread over
# TEST_WORKERS processes by pytest-xdist; `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Regenerate the initial migration from core/db/models.py (before 0001 is deployed anywhere).
migration: $(STAMP)
	$(BIN)/python scripts/regen_migration.py

# Refresh the translation template and catalogs after changing texts.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -k pgettext:1c,2 -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages

clean:
	rm -rf $(VENV) build *.egg-info
