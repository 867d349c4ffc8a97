"""The settings of the students' self-check, derived from nbgrader_config.py and the master notebook.

Students run `self_check.py` (shipped in the release next to util.py) without
nbgrader or this kit, so the values it needs travel in `self_check.json` beside
it: the grader's time limits, the kernel environment, the answer stubs, the two
deadlines and the points, and the nbgrader cells of the notebook. This module
writes that file into source/<assignment>/ (nbgrader copies it into the
release); `make release` runs it first, and tests/test_self_check.py fails when
the committed file differs from what the config and notebook give.

    python -m gradekit.release.self_check_settings            # rewrite it
    python -m gradekit.release.self_check_settings --check    # exit 1 when it is stale
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions
from nbgrader.utils import is_grade, is_locked, is_solution

from gradekit.autograded.execute import ResilientExecute
from gradekit.deadlines import SoftHardDeadlines
from gradekit.settings import Course, CourseError, load_course

SETTINGS_NAME = "self_check.json"
# The visible test of the trained network, and the test cells whose hidden checks judge what that network
# learnt (the t-SNE of its hidden layer, parity from its representations): when the first fails, the
# self-check says the others' hidden points are at stake too. Both must be test cells of the master notebook.
TRAINING_TEST = "test_accuracy"
TRAINED_NETWORK_CHECKS = ("test_tsne", "test_parity")
GENERATED_BY = "python -m gradekit.release.self_check_settings (do not edit by hand)"


def deadline_text(value: str) -> str:
    """A configured deadline as students read it: "29.02.2024" for a whole day, else with the time."""
    try:
        return datetime.date.fromisoformat(value.strip()).strftime("%d.%m.%Y")
    except ValueError:
        return datetime.datetime.fromisoformat(value.strip()).strftime("%d.%m.%Y %H:%M")


def cell_roles(notebook) -> list[dict]:
    """The nbgrader cells of the notebook in order: grade_id, cell type, role (test/answer/locked), points."""
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade_id"):
            continue
        role = "answer" if is_solution(cell) else "test" if is_grade(cell) else "locked" if is_locked(cell) else None
        if role is None:
            continue
        entry = {"grade_id": meta["grade_id"], "cell_type": cell.cell_type, "role": role}
        if is_grade(cell):
            entry["points"] = float(meta["points"])
        cells.append(entry)
    return cells


def build_settings(course: Course, assignment: str) -> dict:
    """Everything self_check.py needs, from the course's nbgrader_config.py and its master notebook.

    Args:
        course: the loaded course (gradekit.settings.load_course).
        assignment: the assignment under source/.

    Returns:
        The JSON-ready settings: limits, kernel_env, stubs, deadlines (aware ISO instants), max_points, cells.
    """
    master = course.assignment_dir("source", None, assignment) / f"{assignment}.ipynb"
    if not master.is_file():
        raise CourseError(f"{master}: master notebook not found")
    executor = ResilientExecute(config=course.config)
    deadlines = SoftHardDeadlines(config=course.config)
    deadlines.grace_seconds()  # raises ValueError when the hard deadline is before the soft one
    stubs = ClearSolutions(config=course.config)
    cells = cell_roles(nbformat.read(master, as_version=4))
    tests = {cell["grade_id"] for cell in cells if cell["role"] == "test"}
    unknown = [name for name in (TRAINING_TEST, *TRAINED_NETWORK_CHECKS) if name not in tests]
    if unknown:
        raise CourseError(f"{master}: no test cell {', '.join(unknown)} (TRAINING_TEST, TRAINED_NETWORK_CHECKS "
                          "in gradekit/release/self_check_settings.py)")
    return {
        "generated_by": GENERATED_BY,
        "assignment": assignment,
        "limits": {"cell_seconds": executor.timeout, "test_cell_seconds": executor.grade_cell_timeout,
                   "notebook_seconds": executor.notebook_timeout},
        "kernel_env": dict(executor.kernel_env),
        "stubs": {"code": stubs.code_stub["python"], "text": stubs.text_stub},
        "deadlines": {"soft": deadlines.soft_instant().isoformat(), "hard": deadlines.hard_instant().isoformat(),
                      "soft_text": deadline_text(deadlines.soft_deadline),
                      "hard_text": deadline_text(deadlines.hard_deadline),
                      "timezone": deadlines.timezone, "late_fraction": deadlines.late_fraction},
        "max_points": sum(cell.get("points", 0.0) for cell in cells),
        "training": {"test": TRAINING_TEST, "dependent": list(TRAINED_NETWORK_CHECKS)},
        "cells": cells,
    }


def render(settings: dict) -> str:
    return json.dumps(settings, ensure_ascii=False, indent=1) + "\n"


def settings_path(course: Course, assignment: str) -> Path:
    return course.assignment_dir("source", None, assignment) / SETTINGS_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write source/<assignment>/self_check.json for the students' "
                                                 "self-check from nbgrader_config.py and the master notebook.")
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    parser.add_argument("--course-dir", default=".")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is stale")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course_dir)
        assignment = args.assignment or course.default_assignment()
        text = render(build_settings(course, assignment))
    except (CourseError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    path = settings_path(course, assignment)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current != text:
            print(f"{path} is stale: run `python -m gradekit.release.self_check_settings`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if current != text:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    else:
        print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
