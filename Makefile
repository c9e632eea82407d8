# Backprop, Step by Step: the two commands.
#   make test   set up .venv (first run only), then run every test
#   make bench  speed of bpcore against a hand-optimised numpy loop (not a test)
# The first run creates .venv and installs the pinned requirements; later runs reuse it
# (it is rebuilt when requirements*.txt or pyproject.toml change).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test bench clean

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: $(PYTHON) not found. Install Python 3.11 (Debian: apt-get install -y python3 python3-venv)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: Python 3.11 or newer is needed, $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@if [ ! -x $(BIN)/pip ]; then \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); \
	    echo "error: '$(PYTHON) -m venv' failed. On Debian/Ubuntu install the venv module: apt-get install -y python3-venv"; exit 1; }; \
	fi
	@echo "Installing the pinned packages into $(VENV) (first run: about a minute)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_train.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis bpcore.egg-info
