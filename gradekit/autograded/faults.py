"""Grading faults: failures on the grader's side, which are never a student's result.

A student's own error (their code raising, their cell running out of time, their
kernel dying in their code) is their result and scores as nbgrader scores it. A
fault is a failure of what the grader provides, so nothing of that grading attempt
may count (docs/decisions.md, "Grading faults"):

- the grading kernel (or its sandbox) does not start, or the talk with it breaks
  before any cell runs;
- a setup cell fails: one of the locked, ungraded code cells the notebook starts with,
  which run before any code a student wrote or added (the first cell that imports the
  hidden checks and calls `make_checks()`);
- a locked cell (code from the master notebook, tests included) raises one of the
  errors the course names as grader-side (`ResilientExecute.fault_errors`): a hidden
  check reporting a bug of its own (`gradekit.hidden_checks.GraderFault`);
- a locked cell raises an error of the course's data (`ResilientExecute.data_errors`:
  `MNISTNotFoundError`, ...) and the assignment's solution, run again in a fresh
  kernel, fails too (if it passes, the student's code caused the error).

`ResilientExecute` raises `GradingFault` for these. nbgrader then removes the
student's autograded folder, grades the other students and exits non-zero; no
score of the attempt is saved, and the next plain `nbgrader autograde` grades the
student again.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.utils import is_grade, is_locked, is_solution

from gradekit.cells import grade_id

# The line every fault leaves in the log; the kit's parallel grader reads it from a student's log.
FAULT_MARK = "GRADING FAULT"


class GradingFault(Exception):
    """The grader's side failed while grading one submission; `cause` says what, in one line."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


def setup_cells(nb: NotebookNode) -> set[int]:
    """Indices of the setup cells: the leading code cells that are locked and not graded.

    They end at the first code cell that is anything else (a solution, a test, or a cell the
    student added), so no code of the student's has run before a setup cell.

    Args:
        nb: the notebook being graded (after nbgrader restored its locked cells).
    Returns:
        The indices.
    """
    indices = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not is_locked(cell) or is_grade(cell) or is_solution(cell):
            break
        indices.add(index)
    return indices


def describe_cell(cell: NotebookNode, index: int) -> str:
    """'cell imports' (its grade_id) or 'cell 3' for a cell without one."""
    name = grade_id(cell)
    return f"cell {name}" if name else f"cell {index}"


def error_outputs(cell: NotebookNode) -> list[NotebookNode]:
    """The error outputs of a code cell."""
    return [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def one_line(ename: str, evalue: str, limit: int = 300) -> str:
    """'ename: evalue' on one line, shortened."""
    text = f"{ename}: {evalue}".replace("\n", " ").strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def fault_of_cell(cell: NotebookNode, index: int, setup: set[int], fault_errors: set[str]) -> str | None:
    """The cause of a grading fault shown by an executed cell, or None when the cell shows none.

    Args:
        cell: the executed code cell.
        index: its index in the notebook.
        setup: `setup_cells()` of the notebook.
        fault_errors: names of exceptions that mean a fault when a locked cell raises them.
    Returns:
        A one-line cause, or None.
    """
    errors = error_outputs(cell)
    if not errors:
        return None
    first = errors[0]
    if index in setup:
        return f"the setup {describe_cell(cell, index)} failed before any student code ran: " \
               f"{one_line(first.get('ename', ''), first.get('evalue', ''))}"
    if is_locked(cell):
        for error in errors:
            if error.get("ename") in fault_errors:
                return f"{describe_cell(cell, index)} reported a grader-side error: " \
                       f"{one_line(error.get('ename', ''), error.get('evalue', ''))}"
    return None
