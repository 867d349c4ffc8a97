"""The lab this repository ships as its course, for the demo's helpers, the tests and the benchmarks.

Nothing here is a constant of the kit: the assignment name and the course id are read from the
repository's course (its nbgrader_config.py and source/ folder, through gradekit.settings), and the
grade ids from the master notebook's nbgrader metadata. Renaming the assignment or a cell needs
no change here; tests/test_source_notebook.py pins the grade ids as the course's contract.
"""
import nbformat
from nbgrader.utils import is_grade, is_solution

from gradekit.cells import grade_id
from gradekit.course import REPO_ROOT
from gradekit.settings import load_course

COURSE = load_course(REPO_ROOT)
ASSIGNMENT = COURSE.default_assignment()
COURSE_ID = COURSE.course_id
MASTER_NOTEBOOK = COURSE.assignment_dir("source", None, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"


def cell_kinds(notebook) -> dict[str, tuple[str, ...]]:
    """The grade ids of a notebook by kind, in notebook order.

    Returns:
        {"tests": autograded test cells (grade, not solution), "answers": code the students write
        (solution, not grade), "manual": manually graded answers (grade and solution)}.
    """
    kinds = {"tests": [], "answers": [], "manual": []}
    for cell in notebook.cells:
        if not grade_id(cell):
            continue
        if is_grade(cell):
            kinds["manual" if is_solution(cell) else "tests"].append(grade_id(cell))
        elif is_solution(cell):
            kinds["answers"].append(grade_id(cell))
    return {kind: tuple(ids) for kind, ids in kinds.items()}


_KINDS = cell_kinds(nbformat.read(MASTER_NOTEBOOK, as_version=4))
TESTS = _KINDS["tests"]
AUTOGRADED_ANSWERS = _KINDS["answers"]
MANUAL_ANSWERS = _KINDS["manual"]
