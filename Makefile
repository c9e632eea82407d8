# Backprop, Step by Step
#
#   make book    build the HTML book into _build/html (sets everything up on the first run)
#   make test    everything `make book` sets up, then every test (this is what CI runs)
#   make lab     JupyterLab on the book, opening its contents page (intro.md); the .md chapters
#                open as notebooks
#   make assignments  the student versions of the graded assignments (assignments/release/),
#                made by nbgrader from assignments/source/ (see README, "Graded assignments")
#   make wheel   bpcore as a wheel in dist/, for students (no assignment solutions in it)
#   make bench   speed of bpcore against a hand-optimised numpy loop, a per-neuron pure-Python
#                network and PyTorch 2.13.0 (when installed); of the symbolic derivations the
#                book runs; of each chapter run top to bottom in a fresh kernel as a student
#                runs it, against a reference notebook (and its time in the last build); of the
#                slider explorers (precompute time, page size, slider latency in Chromium;
#                needs `make book` first); and of the whole book build from a clean and a warm
#                cache; and of the grader, seconds per student per assignment (not a test)
#   make clean   remove .venv, node_modules, _vendor, _build, and the wheel (dist, build)
#
# The first run creates .venv with the pinned Python packages and installs the pinned browser
# assets with npm; later runs reuse them (they are redone when their pin files change).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := _vendor/.installed
HTML   := _build/html
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
DIST  ?= dist
WHEEL_NAME := bpcore-0.1.0-py3-none-any.whl
BOOK_WHEEL := _build/wheel/$(WHEEL_NAME)
WHEEL_SOURCES := $(shell find bpcore grader -name '*.py') pyproject.toml README.md

.PHONY: book test lab bench clean constraints assignments wheel

# The book's build draws every frame of every slider explorer in advance, so that the static
# pages need no kernel (bpcore.book.explore). The variable is set on the build's command line
# only: a student's kernel (make lab, a downloaded notebook) never sees it and draws each frame
# when a slider first asks for it.
BUILD_ENV := BPBOOK_PRECOMPUTE=1
# jupyter-book's execution cache keys a chapter on its code, not on that variable: a chapter
# executed by a build without it (jupyter-book run by hand) would come back from the cache with
# frames never drawn. Stop rather than publish such a page.
define check_frames
	@if grep -rl --include='*.html' bpcore-frame-pending $(HTML); then \
	  echo "error: these pages hold slider frames that were never drawn: their chapters were"; \
	  echo "       executed without $(BUILD_ENV) and reused from the execution cache."; \
	  echo "       Run: rm -rf _build/.jupyter_cache _build/.doctrees, then make again."; \
	  exit 1; fi
endef

# --- Python environment -----------------------------------------------------------------
$(STAMP): requirements.txt requirements-test.txt constraints.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: $(PYTHON) not found. Install Python 3.11: apt-get install -y python3 python3-venv"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: Python 3.11 or newer is needed, $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@if [ ! -x $(BIN)/pip ]; then \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); \
	    echo "error: '$(PYTHON) -m venv' failed: the venv module is missing. Install it: apt-get install -y python3-venv"; exit 1; }; \
	fi
	@echo "Installing the pinned Python packages into $(VENV) (first run: about 2 minutes)..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	  -r requirements.txt -r requirements-test.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# JupyterLab opens the .md chapters as notebooks (jupytext), not as text files.
	@mkdir -p $(dir $(LAB_SETTINGS))
	@echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' > $(LAB_SETTINGS)
	@touch $@

# --- Browser assets, served from the book itself so that it reads offline ----------------
$(VENDOR): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "error: npm not found; it installs MathJax and the widget manager for the offline book."; \
	  echo "       Install Node.js and npm: apt-get install -y nodejs npm"; exit 1; }
	@echo "Installing the pinned browser assets with npm..."
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf _vendor && mkdir -p _vendor/mathjax _vendor/widgets
	cp node_modules/mathjax/es5/tex-mml-chtml.js _vendor/mathjax/
	cp -r node_modules/mathjax/es5/input node_modules/mathjax/es5/output node_modules/mathjax/es5/ui \
	      node_modules/mathjax/es5/a11y node_modules/mathjax/es5/adaptors node_modules/mathjax/es5/sre \
	      _vendor/mathjax/
	cp node_modules/@jupyter-widgets/html-manager/dist/embed.js \
	   node_modules/@jupyter-widgets/html-manager/dist/*.woff \
	   node_modules/@jupyter-widgets/html-manager/dist/*.woff2 \
	   node_modules/@jupyter-widgets/html-manager/dist/*.ttf \
	   node_modules/@jupyter-widgets/html-manager/dist/*.eot \
	   node_modules/@jupyter-widgets/html-manager/dist/*.svg _vendor/widgets/
	@touch $@

# Cached chapter outputs were computed by bpcore as it was then: when bpcore changes, drop them
# and Sphinx's record of what it has read, so that every chapter runs again.
_build/.bpcore-version: $(shell find bpcore -name '*.py')
	rm -rf _build/.jupyter_cache _build/.doctrees
	@mkdir -p _build && touch $@

# --- The two commands --------------------------------------------------------------------
book: $(STAMP) $(VENDOR) _build/.bpcore-version $(BOOK_WHEEL)
	$(BUILD_ENV) $(BIN)/jupyter-book build . --builder html
	$(check_frames)
	@echo
	@echo "The book: file://$(CURDIR)/$(HTML)/index.html"

test: $(STAMP) $(VENDOR) _build/.bpcore-version $(BOOK_WHEEL)
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "error: chromium not found; the browser tests use Debian's Chromium."; \
	  echo "       Install it: apt-get install -y chromium"; exit 1; }
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "error: bwrap not found; the grader isolates each submission with bubblewrap."; \
	  echo "       Install it: apt-get install -y bubblewrap"; exit 1; }
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || { \
	  echo "error: no Noto Sans CJK font; the browser tests check the Chinese glossary renders."; \
	  echo "       Install it: apt-get install -y fonts-noto-cjk"; exit 1; }
	@echo "== 1/4 unit tests"
	$(BIN)/python -m pytest -m "not book and not grading"
	@echo "== 2/4 the classroom: nbgrader's student versions, the sandboxed grader, cheating submissions"
	$(BIN)/python -m pytest -m grading
	@echo "== 3/4 execute every chapter and build the book, warnings as errors"
	$(BUILD_ENV) $(BIN)/jupyter-book build . --builder html -W -n --keep-going
	$(check_frames)
	@echo "== 4/4 the built book and JupyterLab in a real browser"
	$(BIN)/python -m pytest -m book

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(CURDIR) \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) intro.md

# nbgrader finds its helper programs (alembic) on PATH, hence the venv's bin first.
COURSE ?= assignments
assignments: $(STAMP)
	cd $(COURSE) && for a in $$(ls source); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" nbgrader generate_assignment $$a --force || exit 1; done
	@echo
	@echo "Student versions: $(COURSE)/release/"

# bpcore for students, without the repository: the wheel holds bpcore/ and grader/ only (the
# assignments' solutions and hidden tests live in assignments/source/, never in a package).
# setuptools from the venv when it has one, else pip fetches it. The book links a copy
# (_build/wheel/), so that a reader with only the site and pip can run the chapters.
wheel: $(DIST)/$(WHEEL_NAME)

$(DIST)/$(WHEEL_NAME) $(BOOK_WHEEL): $(STAMP) $(WHEEL_SOURCES)
	rm -rf build $@
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps \
	  $$($(BIN)/python -c 'import setuptools' 2>/dev/null && echo --no-build-isolation) -w $(dir $@) .
	$(BIN)/python -c 'import sys, zipfile; bad = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() \
	  if not n.startswith(("bpcore/", "grader/", "bpcore-0.1.0.dist-info/")) or n.endswith(".ipynb")]; \
	  sys.exit(f"error: the wheel holds {bad}" if bad else 0)' $@
	@echo
	@echo "For students: $@ (pip install '$(notdir $@)[book]')"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_symbolic.py
	$(BIN)/python benchmarks/bench_chapters.py
	$(BIN)/python benchmarks/bench_explore.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_grade.py

# Re-pin every indirect dependency after a change to requirements*.txt.
constraints: $(STAMP)
	( echo "# Every package of the environment, pinned, so that two installs are the same."; \
	  echo "# Regenerate after changing requirements*.txt: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable ) > constraints.txt

clean:
	rm -rf $(VENV) node_modules _vendor _build .pytest_cache .hypothesis bpcore.egg-info dist build
