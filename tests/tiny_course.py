"""A second, tiny assignment for tests that need many quick gradings (kills, retries, a second lab).

`tiny` has one answer (`square`), two tests worth 1 and 2 points (the first sleeps,
so a grading lasts long enough to be interrupted mid-student; the second has a
hidden part), and one answer graded by hand worth 1 point. It is
graded by the kit's own nbgrader_config.py, sandbox and all.
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


def tiny_notebook(sleep_seconds):
    """The master notebook of `tiny`, whose first test waits `sleep_seconds`."""
    answer = new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                           metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                  "grade_id": "square", "schema_version": 3}})
    return new_notebook(cells=[
        new_markdown_cell("# Квадрат числа"),
        answer,
        _grade_cell(f"import time\ntime.sleep({sleep_seconds})\nassert square(3) == 9", "test_square", 1),
        _grade_cell("assert square(-2) == 4\n### BEGIN HIDDEN TESTS\nassert square(0.5) == 0.25\n### END HIDDEN TESTS",
                    "test_square_negative", 2),
        new_markdown_cell("Почему квадрат числа не бывает отрицательным?"),
        new_markdown_cell("### BEGIN SOLUTION\nПроизведение двух чисел одного знака положительно.\n"
                          "### END SOLUTION", metadata={"nbgrader": {
                              "grade": True, "solution": True, "locked": False, "grade_id": "why_positive",
                              "points": 1, "schema_version": 3}}),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def tiny_course(path, students=tuple(ANSWERS), sleep_seconds=3, db_url=None):
    """A released course with only `tiny` in it and the students' submissions in submitted/."""
    course = Path(path)
    (course / "source" / TINY).mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbformat.write(tiny_notebook(sleep_seconds), course / "source" / TINY / f"{TINY}.ipynb")
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


def _db(db_url):
    from gradekit.autograded.gradebook_db import DB_URL_VARIABLE

    return {DB_URL_VARIABLE: db_url} if db_url else {}
