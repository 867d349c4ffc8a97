"""An LMS archive of submissions through the real `nbgrader zip_collect` with the kit's file-name pattern."""
import zipfile

import pytest
from nbgrader.utils import parse_utc

from gradekit.course import copy_course, release_notebook, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT

LMS_ASSIGNMENT = "Lab_2_numpy_nn"  # the LMS's own title, underscores and all
GOOD = {
    # username: (attempt time as the LMS writes it, Moscow local; the same instant in UTC)
    "ivanov.ii": ("2024-02-29-23-59-59", "2024-02-29 20:59:59"),
    "s1024": ("2024-03-05-10-30-00", "2024-03-05 07:30:00"),
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("zip_collect") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT], course)
    notebook = release_notebook(course).read_bytes()
    archive_dir = course / "downloaded" / ASSIGNMENT / "archive"
    archive_dir.mkdir(parents=True)
    with zipfile.ZipFile(archive_dir / "gradebook_Lab_2.zip", "w") as archive:
        for user, (attempt, _) in GOOD.items():
            stem = f"{LMS_ASSIGNMENT}_{user}_attempt_{attempt}"
            archive.writestr(f"{stem}_{ASSIGNMENT}.ipynb", notebook)
            archive.writestr(f"{stem}.txt", "Name: ...\nSubmission field: ...\n")  # the LMS's receipt
        archive.writestr("Lab 2 numpy_nn - petrov.ipynb", notebook)  # not the LMS's name pattern
        archive.writestr(f"{LMS_ASSIGNMENT}_sidorov_attempt_2024-02-28-12-00-00_numpy_nn (1).ipynb", notebook)
        archive.writestr(f"{LMS_ASSIGNMENT}_kuznetsov_attempt_2024-02-28-12-00-00_solution.py", "print(1)\n")
    result = run_nbgrader(["zip_collect", ASSIGNMENT], course, capture=True)
    return course, result


def submitted(course, user):
    return course / "submitted" / user / ASSIGNMENT


def test_each_student_gets_the_notebook_and_timestamp(collected):
    course, result = collected
    assert result.returncode == 0
    for user, (_, utc) in GOOD.items():
        folder = submitted(course, user)
        assert (folder / f"{ASSIGNMENT}.ipynb").read_bytes() == release_notebook(course).read_bytes()
        # LMS local time made explicit: the timestamp is the right instant, not read as UTC
        assert parse_utc((folder / "timestamp.txt").read_text()) == parse_utc(utc)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(GOOD)


def test_malformed_and_foreign_files_are_reported_not_fatal(collected):
    _, result = collected
    log = result.stderr
    assert "Skipped submission with no match information provided" in log
    assert "Lab 2 numpy_nn - petrov.ipynb" in log
    assert "Skipped notebook with invalid name 'numpy_nn (1).ipynb'" in log
    assert "solution.py" in log
    assert "2 files collected, 5 files skipped" in log
