"""A second lab under source/ goes through every command of the kit with no change to gradekit/.

The tiny assignment (tests/tiny_course.py) has its own grade ids, points, a hidden
test and a manually graded answer; nothing of it is known to gradekit. It is graded,
graded by hand, exported, tabulated, reported, given an extension and fed back, on
the SQLite gradebook and on a real PostgreSQL server (NUMPY_NN_DB_URL, as
docs/autograding.md "Across machines" sets it).
"""
import csv
import subprocess
import sys

import pytest

from gradekit.autograded.gradebook_db import DB_URL_VARIABLE
from gradekit.course import grading_environment, run_nbgrader
from gradekit.settings import load_course
from tiny_course import TINY, tiny_course


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    return request.getfixturevalue("pg_database") if request.param == "postgresql" else None


def kit(course, db_url, module, *args):
    env = {**grading_environment(), **({DB_URL_VARIABLE: db_url} if db_url else {})}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_second_lab_through_every_command(tmp_path, db_url, monkeypatch):
    course = tiny_course(tmp_path / "course", ("right", "half"), sleep_seconds=0, db_url=db_url)
    db_env = {DB_URL_VARIABLE: db_url} if db_url else {}
    run_nbgrader(["autograde", TINY], course, env_extra=db_env)

    # a TA grades the free-text answer through nbgrader's API, in the course's own gradebook
    if db_url:
        monkeypatch.setenv(DB_URL_VARIABLE, db_url)
    settings = load_course(course)
    assert settings.db_url == (db_url or f"sqlite:///{course / 'gradebook.db'}")
    with settings.gradebook() as gradebook:
        gradebook.find_grade("why_positive", TINY, TINY, "right").manual_score = 1.0
        gradebook.db.commit()

    run_nbgrader(["export", "--to", "grades.csv"], course, env_extra=db_env)
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = {row["student_id"]: row for row in reader}
        assert reader.fieldnames[-3:] == ["test_square", "test_square_negative", "why_positive"]
    assert (rows["right"]["final_score"], rows["right"]["max_score"], rows["right"]["why_positive"]) == \
        ("4.0", "4.0", "1.0")
    assert (rows["half"]["final_score"], rows["half"]["status"]) == ("1.0", "on_time")

    table = kit(course, db_url, "gradekit.grades.table", TINY)
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["student", "test_square/1", "test_square_negative/2", "tests/3", "raw/4", "penalty",
                              "final/4"]
    assert sorted(line.split() for line in lines) == [["half", "1", "0", "1", "1", "0", "1"],
                                                      ["right", "1", "2", "3", "4", "0", "4"]]

    report = kit(course, db_url, "gradekit.grades.class_report", "--assignment", TINY)
    assert report.returncode == 0, report.stderr
    page = (course / "reports" / "class_report" / "class_report.html").read_text(encoding="utf-8")
    assert "test_square_negative" in page and "why_positive" in page

    extension = kit(course, db_url, "gradekit.submitted.extensions", "half", "--days", "2", "--assignment", TINY)
    assert extension.returncode == 0, extension.stderr
    assert extension.stdout.strip() == "half: soft deadline 02.03.2024 23:59 МСК, hard deadline 16.03.2024 23:59 МСК"

    run_nbgrader(["generate_feedback", TINY], course, env_extra=db_env)
    feedback = (course / "feedback" / "right" / TINY / f"{TINY}.html").read_text(encoding="utf-8")
    assert "Тест пройден" in feedback
    assert "square(0.5)" not in feedback, "a hidden test reached the feedback"
    if db_url:
        assert not (course / "gradebook.db").exists(), "a command opened SQLite instead of PostgreSQL"
