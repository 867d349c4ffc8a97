"""Lint (ruff, configured in pyproject.toml) for the code that must stay ordinary, importable Python.

The hidden checks once were a function inside a notebook cell that no linter saw; now
they are a module, and this keeps them, and the region parser every stage shares, clean.
"""
import subprocess
import sys

from gradekit.course import REPO_ROOT

LINTED = ("gradekit/hidden_checks", "gradekit/cells.py", "tests/test_hidden_checks.py", "tests/test_lint.py")


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                             *LINTED], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
