# Shortcuts for the scripts in scripts/ (the README's quick start uses those directly).
VENV ?= .venv
LINT_PATHS = app tests bench scripts/compat scripts/screenshots.py gunicorn.conf.py wsgi.py

.PHONY: serve test lint format requirements

serve:  ## set up and serve the API on DF_BIND (default 127.0.0.1:8080)
	./scripts/serve

test:  ## install what the tests need and run the whole suite
	./scripts/test

lint:  ## ruff checks and formatting check, as in pre-commit
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

format:  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

# Regenerate the pinned requirements.txt from requirements.in (direct dependencies,
# unpinned or loosely pinned) in a scratch virtual environment.
requirements:
	@test -f requirements.in || { echo "requirements.in is missing: list the direct dependencies there first" >&2; exit 1; }
	rm -rf .requirements-venv
	python3 -m venv .requirements-venv
	.requirements-venv/bin/pip install --quiet --disable-pip-version-check -r requirements.in
	{ echo "# Runtime dependencies, pinned. Regenerate with \`make requirements\` after changing requirements.in."; \
	  .requirements-venv/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements.txt
	rm -rf .requirements-venv
