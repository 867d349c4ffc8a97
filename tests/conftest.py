"""Shared fixtures: throw-away course directories driven by real nbgrader commands."""
import csv

import pytest

from gradekit import ASSIGNMENT
from gradekit.course import copy_course, run_nbgrader
from gradekit.submitted.samples import place_samples, sample_names


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A fresh course copy after `nbgrader generate_assignment`."""
    course = copy_course(tmp_path_factory.mktemp("released") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    return course


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """A course in which every sample under tests/submissions was autograded and exported."""
    course = copy_course(tmp_path_factory.mktemp("graded") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    place_samples(course, sample_names())
    run_nbgrader(["autograde", ASSIGNMENT, "--force"], course)
    run_nbgrader(["export", "--to", "grades.csv"], course)
    return course


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
