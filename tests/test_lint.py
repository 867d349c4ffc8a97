"""Lint (ruff, configured in pyproject.toml) for the code that must stay ordinary, importable Python.

The hidden checks once were a function inside a notebook cell that no linter saw; now
they are a module, and this keeps them, the rest of the kit and the files students get clean.
"""
import subprocess
import sys

from gradekit.course import REPO_ROOT

# The kit, its course config, and the Python files shipped to students (pyproject.toml keeps those free of
# syntax newer than the students' Python).
LINTED = ("gradekit", "nbgrader_config.py", "util.py", "mnist_loader.py", "source/numpy_nn/self_check.py",
          "tests/test_hidden_checks.py", "tests/test_lint.py")


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                             *LINTED], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
