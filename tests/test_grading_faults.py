"""Grading faults are the grader's, never a student's result (docs/decisions.md "Grading faults").

Each fault class is made real in a course laid out as a lab of the kit (its own copy of
gradekit/ with the lab's hidden-check module, tests/tiny_course.py `with_kit=True`), graded
by real `nbgrader autograde`: a non-zero exit naming the cause and the students, no score
recorded, and full marks for the right answer after the fix, with the same plain command.
"""
import csv
import json
import shutil
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from tiny_course import TINY, checks_file, tiny_course, tiny_notebook

from gradekit.autograded.faults import FAULT_MARK, fault_of_cell, setup_cells
from gradekit.autograded.preflight import fingerprint
from gradekit.course import grading_environment, run_nbgrader
from gradekit.settings import load_course

BROKEN_MAKE_CHECKS = "raise RuntimeError('make_checks is broken')\n    return bind_checks"
NO_PREFLIGHT = "--Preflight.enabled=False"  # so that the per-student fault handling is what is tested


def autograde(course, *args, env=None):
    result = run_nbgrader(["autograde", TINY, *args], course, check=False, capture=True, env_extra=env)
    return result.returncode, result.stdout + result.stderr


def auto_scores(course):
    """{student: autograded points} of the students the gradebook holds a scored submission for."""
    with load_course(course).gradebook() as gradebook:
        scores = {}
        for submission in gradebook.assignment_submissions(TINY):
            grades = [g for notebook in submission.notebooks for g in notebook.grades if g.auto_score is not None]
            if grades:
                scores[submission.student_id] = sum(g.auto_score for g in grades)
        return scores


def exported(course):
    run_nbgrader(["export", "--to", "grades.csv"], course)
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def assert_nothing_graded(course, students):
    for student in students:
        assert not (course / "autograded" / student / TINY).exists(), f"{student} has an autograded folder"
    assert auto_scores(course) == {}
    rows = exported(course)
    for student in students:
        if student in rows:
            assert (rows[student]["status"], rows[student]["final_score"]) == ("missing", "0.0")


def break_checks(course):
    """Make the lab's make_checks() raise; returns the good source to put back."""
    checks = checks_file(course)
    good = checks.read_text(encoding="utf-8")
    checks.write_text(good.replace("return bind_checks", BROKEN_MAKE_CHECKS), encoding="utf-8")
    return good


def test_every_fault_class_then_the_same_plain_command_grades(tmp_path):
    """One course through each fault class in turn (a course costs a release), then the fix."""
    course = tiny_course(tmp_path / "course", ("right", "wrong"), sleep_seconds=0, with_kit=True, data=True)
    students = ["right", "wrong"]

    # 1. the preflight refuses a broken environment before any student is touched
    good = break_checks(course)
    code, output = autograde(course)
    assert code != 0
    assert "Preflight tiny: FAILED: tiny.ipynb: the setup cell setup failed" in output
    assert "RuntimeError: make_checks is broken" in output and "Nothing was graded" in output
    assert "Autograding" not in output, "a student was graded after the preflight failed"
    assert_nothing_graded(course, students)
    with load_course(course).gradebook() as gradebook:
        assert gradebook.assignment_submissions(TINY) == [], "the preflight let a submission into the gradebook"

    # 2. a broken hidden-check module: each student's grading stops as a fault
    code, output = autograde(course, NO_PREFLIGHT)
    assert code != 0
    cause = "the setup cell setup failed before any student code ran: RuntimeError: make_checks is broken"
    assert f"{FAULT_MARK}: right: {cause}" in output and f"{FAULT_MARK}: wrong: {cause}" in output
    assert f"FAULT (2 students: right, wrong): {cause}" in output
    assert "Autograde summary: graded 0, faults 2, skipped 0" in output
    assert_nothing_graded(course, students)
    checks_file(course).write_text(good, encoding="utf-8")

    # 3. the course's data missing in the grading environment: a fault, not a failed test
    missing = {"MNIST_PATH": str(course / "no-such-mnist.pkl.gz")}
    code, output = autograde(course, NO_PREFLIGHT, env=missing)
    assert code != 0
    assert f"{FAULT_MARK}: right: cell load_data reported a grader-side error: MNISTNotFoundError" in output
    assert "faults 2" in output
    assert_nothing_graded(course, students)

    # 4. a kernel (sandbox) that cannot start
    code, output = autograde(course, NO_PREFLIGHT, "--SandboxProvisioner.bwrap=/bin/false")
    assert code != 0
    assert f"{FAULT_MARK}: right: the grading kernel could not be started or reached" in output
    assert_nothing_graded(course, students)

    # the preflight alone, as an instructor tries a new environment: it passes now, and is cached
    alone = subprocess.run([sys.executable, "-m", "gradekit.autograded.preflight", TINY], cwd=course,
                           env=grading_environment(), capture_output=True, text=True, timeout=600)
    assert alone.returncode == 0 and "tiny: passed (the solution passes all 2 tests)" in alone.stdout, alone.stderr

    # fixed: the same plain command grades every student; the course's own kit copy (whose check module the
    # environment's install lacks) is what the kernel imported
    code, output = autograde(course)
    assert code == 0, output[-3000:]
    assert auto_scores(course) == {"right": 3.0, "wrong": 0.0}
    assert "Autograde summary: graded 2, faults 0, skipped 0" in output
    assert "Preflight: tiny: passed (the solution passes all 2 tests, cached)" in output
    # logs a person can read: no expected checksum warnings of hidden-test cells, no kernel banner
    assert "checksum" not in output and "Ctrl-C" not in output and "not in session" not in output

    code, output = autograde(course)
    assert code == 0 and "Autograde summary: graded 0, faults 0, skipped 2" in output

    # the course's data failing because of the student's own code (here their cell points MNIST_PATH
    # elsewhere; in the samples, memory_hog_train's exhausted memory) is their result, not a fault
    sneaky = course / "submitted" / "sneaky" / TINY
    shutil.copytree(course / "submitted" / "right" / TINY, sneaky)
    notebook = nbformat.read(sneaky / f"{TINY}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "square":
            cell.source = "import os\nos.environ['MNIST_PATH'] = '/no/such/mnist.pkl.gz'\n" + cell.source
    nbformat.write(notebook, sneaky / f"{TINY}.ipynb")
    code, output = autograde(course)
    assert code == 0, output[-3000:]
    assert FAULT_MARK not in output and "the solution still loads the data in a fresh kernel" in output
    assert auto_scores(course)["sneaky"] == 3.0


def test_the_parallel_grader_reports_faults_without_retrying(tmp_path):
    kit_course = tiny_course(tmp_path / "course", ("right", "wrong"), sleep_seconds=0, with_kit=True)
    good = break_checks(kit_course)
    checks = checks_file(kit_course)
    parallel = [sys.executable, "-m", "gradekit.autograded.parallel", TINY, "--workers", "1", "--no-progress"]

    result = subprocess.run(parallel, cwd=kit_course, env=grading_environment(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 1 and "Preflight: tiny: FAILED" in result.stdout, result.stdout + result.stderr
    assert not (kit_course / "autograded").exists() or not any((kit_course / "autograded").iterdir())

    config = kit_course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + "\nc.Preflight.enabled = False\n", encoding="utf-8")
    result = subprocess.run(parallel, cwd=kit_course, env=grading_environment(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAULT (2 students: right, wrong): the setup cell setup failed" in result.stdout
    summary = json.loads((kit_course / "reports" / "autograde" / TINY / "summary.json").read_text())
    assert {s: (row["status"], row["attempts"]) for s, row in summary.items()} == \
        {"right": ("fault", 1), "wrong": ("fault", 1)}
    assert_nothing_graded(kit_course, ["right", "wrong"])

    checks.write_text(good, encoding="utf-8")
    result = subprocess.run(parallel, cwd=kit_course, env=grading_environment(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Autograde summary: graded 2, faults 0, skipped 0" in result.stdout
    assert auto_scores(kit_course) == {"right": 3.0, "wrong": 0.0}


def test_the_preflight_fingerprint_follows_what_decides_a_grade(tmp_path):
    course = tmp_path / "course"
    source = course / "source" / TINY
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    nbformat.write(tiny_notebook(0), source / f"{TINY}.ipynb")
    first = fingerprint(course, source, TINY)
    assert fingerprint(course, source, TINY) == first
    (course / "rubric.yaml").write_text("unrelated: true\n")  # pages, reports, docs: no regrade
    assert fingerprint(course, source, TINY) == first
    (source / "data.csv").write_text("1,2\n")
    assert fingerprint(course, source, TINY) != first


def _cell(source, **nbgrader):
    meta = {"nbgrader": {"schema_version": 3, "grade_id": nbgrader.pop("grade_id"), "solution": False,
                         "grade": False, "locked": False, **nbgrader}} if nbgrader else {}
    return new_code_cell(source, metadata=meta)


def _failed(cell, ename):
    cell.outputs = [new_output("error", ename=ename, evalue="no data", traceback=[])]
    return cell


def test_which_cells_are_setup_and_which_errors_are_faults():
    setup = _cell("import numpy", grade_id="imports", locked=True)
    answer = _cell("x = 1", grade_id="answer", solution=True)
    test = _cell("assert x", grade_id="test", grade=True, locked=True, points=1)
    data = _cell("load()", grade_id="load_data", locked=True)
    added = _cell("print('my own cell')")
    names = {"MNISTNotFoundError", "GraderFault"}

    assert setup_cells(new_notebook(cells=[setup, answer, data, test])) == {0}
    # a cell the student added on top ends the setup: what follows may depend on it
    assert setup_cells(new_notebook(cells=[added, setup, answer])) == set()
    assert setup_cells(new_notebook(cells=[test, data])) == set()

    assert "setup cell imports failed" in fault_of_cell(_failed(setup, "ImportError"), 0, {0}, names)
    assert "cell load_data reported a grader-side error: MNISTNotFoundError" in \
        fault_of_cell(_failed(data, "MNISTNotFoundError"), 2, {0}, names)
    assert fault_of_cell(_failed(test, "GraderFault"), 3, {0}, names).startswith("cell test reported")
    # the student's own cells and ordinary failures are the student's result
    assert fault_of_cell(_failed(answer, "MNISTNotFoundError"), 1, {0}, names) is None
    assert fault_of_cell(_failed(added, "GraderFault"), 4, {0}, names) is None
    assert fault_of_cell(_failed(test, "AssertionError"), 3, {0}, names) is None
    assert fault_of_cell(_failed(data, "ValueError"), 2, {0}, names) is None
