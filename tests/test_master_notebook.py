"""The master notebook runs top to bottom with every test passing."""
import pytest

from gradekit.dev.execution import errors, execute_notebook, stderr_text
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.source import nbgrader_meta


@pytest.fixture(scope="module")
def executed_master(tmp_path_factory):
    from gradekit.course import copy_course
    course = copy_course(tmp_path_factory.mktemp("master") / "course")
    return execute_notebook(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def test_no_cell_fails(executed_master):
    failed = [(nbgrader_meta(c).get("grade_id"), e.ename, e.evalue)
              for c in executed_master.cells for e in errors(c)]
    assert failed == []


def test_grade_cells_write_nothing_to_stderr(executed_master):
    """nbgrader scores a grade cell with any stderr output as 0."""
    noisy = {nbgrader_meta(c)["grade_id"]: stderr_text(c) for c in executed_master.cells
             if nbgrader_meta(c).get("grade") and stderr_text(c)}
    assert noisy == {}

