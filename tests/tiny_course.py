"""A second, tiny assignment for tests that need many quick gradings (kills, retries, a second lab).

`tiny` has one answer (`square`), two tests worth 1 and 2 points (the first sleeps,
so a grading lasts long enough to be interrupted mid-student; the second has a
hidden part), and one answer graded by hand worth 1 point. It is
graded by the kit's own nbgrader_config.py, sandbox and all.

With `with_kit=True` the course is laid out as a lab of the kit is: its own copy of
`gradekit/` (a course folder copied for the next term), whose
`hidden_checks/tiny_checks.py` holds the hidden check, imported by a locked first
cell as numpy_nn's are; with `data=True` a locked cell loads the course's MNIST
through mnist_loader.py, as numpy_nn's `load_data` cell does.
"""
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradekit.course import REPO_ROOT, run_nbgrader

TINY = "tiny"
ANSWERS = {  # student -> body of square(x); their points: EXPECTED_POINTS
    "right": "return x * x",
    "right_too": "return x ** 2",
    "half": "return abs(x) * x",
    "wrong": "return x + x",
}
EXPECTED_POINTS = {"right": 3.0, "right_too": 3.0, "half": 1.0, "wrong": 0.0}  # autograded; +1 by hand


def _grade_cell(source, grade_id, points):
    return new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": points,
        "schema_version": 3}})


CHECKS_MODULE = "tiny_checks"
# The hidden check of `tiny` as a lab's module under gradekit/hidden_checks/ (with_kit=True).
TINY_CHECKS = '''"""Hidden check of the tiny test lab."""
from gradekit.hidden_checks import bind_checks

CHECKS = ("square",)


def make_checks():
    return bind_checks(globals(), CHECKS, {})


def square(square):
    assert square(0.5) == 0.25, "square(0.5) должно быть 0.25"
'''
SETUP_CELL = ("import math\n### BEGIN HIDDEN TESTS\n"
              f"from gradekit.hidden_checks.{CHECKS_MODULE} import make_checks as _make_checks\n"
              "_checks = _make_checks()\n### END HIDDEN TESTS")
DATA_CELL = "from mnist_loader import load_mnist\n_labels = load_mnist(flatten=True)[1][:5]"


def _locked_cell(source, grade_id):
    return new_code_cell(source, metadata={"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": grade_id, "schema_version": 3}})


def tiny_notebook(sleep_seconds, with_kit=False, data=False):
    """The master notebook of `tiny`, whose first test waits `sleep_seconds`.

    with_kit: the hidden check is imported from the kit by a locked first cell (see the module docstring);
    data: a locked cell after the answer loads MNIST.
    """
    hidden = "_checks.square(square)" if with_kit else "assert square(0.5) == 0.25"
    answer = new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                           metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                  "grade_id": "square", "schema_version": 3}})
    notebook = new_notebook(cells=[
        new_markdown_cell("# Квадрат числа"),
        *([_locked_cell(SETUP_CELL, "setup")] if with_kit else []),
        answer,
        *([_locked_cell(DATA_CELL, "load_data")] if data else []),
        _grade_cell(f"import time\ntime.sleep({sleep_seconds})\nassert square(3) == 9", "test_square", 1),
        _grade_cell(f"assert square(-2) == 4\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
                    "test_square_negative", 2),
        new_markdown_cell("Почему квадрат числа не бывает отрицательным?"),
        new_markdown_cell("### BEGIN SOLUTION\nПроизведение двух чисел одного знака положительно.\n"
                          "### END SOLUTION", metadata={"nbgrader": {
                              "grade": True, "solution": True, "locked": False, "grade_id": "why_positive",
                              "points": 1, "schema_version": 3}}),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):  # fixed ids: the same lab is the same file (preflight cache)
        cell.id = f"tiny-{index}"
    return notebook


def tiny_course(path, students=tuple(ANSWERS), sleep_seconds=3, db_url=None, with_kit=False, data=False):
    """A released course with only `tiny` in it and the students' submissions in submitted/.

    with_kit: the course holds its own copy of gradekit/ with the check module (see the module docstring);
    data: the notebook loads MNIST in a locked cell (mnist_loader.py is copied next to it).
    """
    course = Path(path)
    (course / "source" / TINY).mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    if with_kit:
        shutil.copytree(REPO_ROOT / "gradekit", course / "gradekit", ignore=shutil.ignore_patterns("__pycache__"))
        checks_file(course).write_text(TINY_CHECKS, encoding="utf-8")
    if data:
        shutil.copy2(REPO_ROOT / "mnist_loader.py", course / "source" / TINY / "mnist_loader.py")
    nbformat.write(tiny_notebook(sleep_seconds, with_kit, data), course / "source" / TINY / f"{TINY}.ipynb")
    run_nbgrader(["generate_assignment", TINY, "--force", "--log-level=ERROR"], course, env_extra=_db(db_url))
    released = nbformat.read(course / "release" / TINY / f"{TINY}.ipynb", as_version=4)
    for student in students:
        notebook = nbformat.from_dict(released)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "square":
                cell.source = f"def square(x):\n    {ANSWERS[student]}"
        folder = course / "submitted" / student / TINY
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{TINY}.ipynb")
        if student != "half":  # one submission without timestamp.txt: nbgrader has no time to compare then
            (folder / "timestamp.txt").write_text("2024-02-20 18:00:00+03:00\n")
    return course


def checks_file(course):
    """The tiny lab's hidden-check module in a course made with with_kit=True."""
    return Path(course) / "gradekit" / "hidden_checks" / f"{CHECKS_MODULE}.py"


def _db(db_url):
    from gradekit.autograded.gradebook_db import DB_URL_VARIABLE

    return {DB_URL_VARIABLE: db_url} if db_url else {}
