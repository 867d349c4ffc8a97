"""One final score everywhere: a late student, autograded, then graded by hand, shows the same final score
in the gradebook (what Formgrader reads), `nbgrader export`, the feedback (the kit's note and nbgrader's own
score line), the LMS file, the class report and the score table, before and after the manual grading.

Real nbgrader runs on the tiny course (tests/tiny_course.py): 3 points of tests, 1 point graded by hand;
the student hands in between the deadlines, so half of the whole raw score is taken off.
"""
import csv
import datetime
import re
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook
from test_class_report import Tables
from test_feedback import page_text
from tiny_course import TINY, tiny_course

from gradekit.course import grading_environment, run_nbgrader
from gradekit.deadlines import SoftHardDeadlines, final_score
from gradekit.settings import load_course

STUDENT = "right"
BETWEEN_DEADLINES = "2024-03-05 12:00:00+03:00"
MOODLE_ROSTER = "\ufeffИмя;Фамилия;Индивидуальный номер;Адрес электронной почты\nАнна;Правая;right;right@example.org\n"


def kit(course, module, *args):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=course, env=grading_environment(),
                          capture_output=True, text=True, timeout=600)


def final_everywhere(course):
    """{place: (final score, max score)} of STUDENT, each read as a person would read it there."""
    places = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # nbgrader's own fields: Formgrader's
        submission = gradebook.find_submission(TINY, STUDENT)
        places["gradebook (Formgrader's data)"] = (round(submission.score - submission.late_submission_penalty, 4),
                               submission.max_score)

    run_nbgrader(["export", "--to", "grades.csv", "--log-level=ERROR"], course)
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["student_id"] == STUDENT)
    places["export"] = (float(row["final_score"]), float(row["max_score"]))

    run_nbgrader(["generate_feedback", TINY, "--force", "--log-level=ERROR"], course)
    text = page_text((course / "feedback" / STUDENT / TINY / f"{TINY}.html").read_text(encoding="utf-8"))
    note = re.search(r"Итог: ([\d.]+) из ([\d.]+)", text)
    places["feedback note"] = (float(note[1]), float(note[2]))
    header = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", text)  # nbgrader's own line, from the stored penalty
    places["feedback score line"] = (float(header[1]), float(header[2]))

    (course / "roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    lms = kit(course, "gradekit.grades.lms", "moodle", "--roster", "roster.csv", "--out", "moodle.csv")
    assert lms.returncode == 0, lms.stderr
    with open(course / "moodle.csv", newline="", encoding="utf-8") as handle:
        lms_row = next(r for r in csv.DictReader(handle) if r["Индивидуальный номер"] == STUDENT)
    out_of = float(re.search(r"из ([\d.]+)\.$", lms_row[f"{TINY} feedback"])[1])  # the Moodle item's scale
    assert out_of == 100.0
    export_max = places["export"][1]
    places["LMS file"] = (round(float(lms_row[TINY]) * export_max / out_of, 4), export_max)

    report = kit(course, "gradekit.grades.class_report", "--assignment", TINY)
    assert report.returncode == 0, report.stderr
    page = Tables((course / "reports" / "class_report" / "class_report.html").read_text(encoding="utf-8"))
    student = next(r for r in page.table("student id", "name", "status", "final score") if r[0] == STUDENT)
    places["class report"] = (float(student[3]), places["export"][1])  # the page states the maximum once

    table = kit(course, "gradekit.grades.table", TINY)
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    columns = dict(zip(header.split(), next(line for line in lines if line.split()[0] == STUDENT).split()))
    final_column = next(name for name in columns if name.startswith("final/"))
    places["score table"] = (float(columns[final_column]), float(final_column.split("/")[1]))
    return places, text


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The tiny course, STUDENT handed in between the two deadlines and autograded."""
    course = tiny_course(tmp_path_factory.mktemp("final") / "course", (STUDENT,), sleep_seconds=0)
    folder = course / "submitted" / STUDENT / TINY
    (folder / "timestamp.txt").write_text(BETWEEN_DEADLINES + "\n")
    notebook = nbformat.read(folder / f"{TINY}.ipynb", as_version=4)
    for cell in notebook.cells:  # an answer to grade by hand (an unchanged one nbgrader scores 0 by itself)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "why_positive":
            cell.source = "Минус на минус даёт плюс."
    nbformat.write(notebook, folder / f"{TINY}.ipynb")
    run_nbgrader(["autograde", TINY, "--log-level=ERROR"], course)
    return course


def test_the_same_final_score_in_all_seven_places_before_and_after_manual_grading(course):
    autograded, note = final_everywhere(course)
    assert autograded == dict.fromkeys(autograded, (1.5, 4.0)), autograded  # (3 automatic) halved
    assert len(autograded) == 7
    assert "могут добавиться позже" in note  # the answer graded by hand is still ungraded
    assert "Мягкий срок: 29.02.2024 23:59 МСК; жёсткий срок: 14.03.2024 23:59 МСК" in note
    assert "Время сдачи: 05.03.2024 12:00 МСК" in note and "Штраф: −1.5 из 3 набранных" in note

    # a TA grades the free-text answer as Formgrader does (nbgrader's Gradebook, in a process that loaded
    # the course's nbgrader_config.py, which Formgrader does too)
    load_course(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("why_positive", TINY, TINY, STUDENT)
        grade.manual_score = 1.0
        grade.needs_manual_grade = False
        gradebook.db.commit()

    # the grades file written before is now older than the gradebook: the class report says so
    stale = kit(course, "gradekit.grades.class_report", "--assignment", TINY)
    assert stale.returncode == 2 and "older than the gradebook" in stale.stderr, stale.stderr
    assert "run nbgrader export again" in stale.stderr

    graded, note = final_everywhere(course)
    assert graded == dict.fromkeys(graded, (2.0, 4.0)), graded  # half of the whole raw score, 4
    assert "могут добавиться" not in note
    assert "Штраф: −2 из 4 набранных" in note and "Итог: 2 из 4" in note


def test_the_gradebook_penalty_follows_every_write(tmp_path):
    """The listener on its own, on a gradebook filled through nbgrader's API (no grading)."""
    course = tiny_course(tmp_path / "course", (), sleep_seconds=0)
    settings = load_course(course)  # registers the listener with this course's deadlines
    deadlines = SoftHardDeadlines(config=settings.config)
    with Gradebook(settings.db_url) as gradebook:
        gradebook.add_student("s")
        gradebook.add_submission(TINY, "s", timestamp=datetime.datetime(2024, 3, 5, 9))  # UTC: late
        for grade in gradebook.find_submission_notebook(TINY, TINY, "s").grades:
            grade.auto_score = grade.max_score if grade.cell_type == "code" else None
            grade.needs_manual_grade = grade.auto_score is None
        gradebook.db.commit()
        submission = gradebook.find_submission(TINY, "s")
        assert (submission.score, submission.late_submission_penalty) == (3.0, 1.5)
        result = final_score(deadlines, submission)
        assert (result.status, result.final, result.manual_pending) == ("late", 1.5, True)

        gradebook.find_grade("why_positive", TINY, TINY, "s").extra_credit = 1.0  # alone: no manual score yet
        gradebook.find_grade("why_positive", TINY, TINY, "s").manual_score = 1.0
        gradebook.db.commit()
        gradebook.db.expire_all()
        assert gradebook.find_submission(TINY, "s").late_submission_penalty == 2.5  # half of 3 + 1 + 1

        gradebook.grant_extension(TINY, "s", days=10)  # both deadlines move: now on time
        gradebook.db.expire_all()
        submission = gradebook.find_submission(TINY, "s")
        assert submission.late_submission_penalty == 0.0
        assert final_score(deadlines, submission).final == submission.score == 5.0

        submission.extension, submission.timestamp = None, datetime.datetime(2024, 4, 1)  # after the hard one
        gradebook.db.commit()
        gradebook.db.expire_all()
        assert gradebook.find_submission(TINY, "s").late_submission_penalty == 5.0


def test_deadlines_are_shown_as_the_course_states_them():
    whole_days = SoftHardDeadlines(soft_deadline="2024-02-29", hard_deadline="2024-03-14", timezone="Europe/Moscow")
    assert whole_days.shown_deadlines() == ("29.02.2024 23:59 МСК", "14.03.2024 23:59 МСК")
    assert whole_days.shown_deadlines(datetime.timedelta(days=3)) == ("03.03.2024 23:59 МСК", "17.03.2024 23:59 МСК")
    exact = SoftHardDeadlines(soft_deadline="2024-02-29 18:00", hard_deadline="2024-03-15 00:00",
                              timezone="Europe/Moscow")
    assert exact.shown_deadlines() == ("29.02.2024 18:00 МСК", "15.03.2024 00:00 МСК")  # an exact time as stated
