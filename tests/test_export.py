"""`nbgrader export` with the kit's CSV plugin, on a gradebook filled through nbgrader's API (nothing executed)."""
import csv
import datetime

import pytest
from nbgrader.api import Gradebook

from gradekit.course import copy_course, run_nbgrader, tool_environment
from gradekit.dev.lab import ASSIGNMENT, MANUAL_ANSWERS, TESTS
from gradekit.grades.export import COLUMNS

MAX_SCORE = 5.0
STUDENTS = {
    # id: (last name, first name, timestamp or None for no submission)
    "s_on_time": ("Петров", "Иван", "2024-02-29 23:59:59+03:00"),
    "s_late": ('O"Brien, Jr.', "Anne, Marie", "2024-03-05T09:00:00Z"),
    "s_too_late": ("Smith", "Bob", "2024-03-15 00:00:01+03:00"),
    "s_missing": ("Сидорова", "Мария", None),
    "s_extension_only": ("Lee", "Kim", None),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A released course whose gradebook holds hand-made grades; the real `nbgrader export` output."""
    course = copy_course(tmp_path_factory.mktemp("export") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT], course)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", tool_environment()["PATH"])
        fill_gradebook(f"sqlite:///{course / 'gradebook.db'}")
    run_nbgrader(["export", "--to", "grades.csv"], course)
    run_nbgrader(["export", "--to", "late_only.csv", "--student=s_late"], course)
    return course


def fill_gradebook(url):
    with Gradebook(url) as gradebook:
        for student, (last, first, timestamp) in STUDENTS.items():
            gradebook.add_student(student, last_name=last, first_name=first, email=f"{student}@example.org")
            if timestamp:
                gradebook.add_submission(ASSIGNMENT, student, timestamp=timestamp)
                for grade in gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).grades:
                    grade.auto_score = grade.max_score if grade.cell_type == "code" else None
                    grade.manual_score = grade.max_score if grade.cell_type == "markdown" else None
        # one test failed by autograding but accepted by hand: manual beats auto
        on_time = gradebook.find_grade("test_relu", ASSIGNMENT, ASSIGNMENT, "s_on_time")
        on_time.auto_score, on_time.manual_score = 0.0, on_time.max_score
        # one manual answer judged wrong
        gradebook.find_grade("control_q1", ASSIGNMENT, ASSIGNMENT, "s_late").manual_score = 0.0
        gradebook.db.commit()
        gradebook.add_submission(ASSIGNMENT, "s_extension_only")
        gradebook.grant_extension(ASSIGNMENT, "s_extension_only", days=3)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]


def test_header_is_the_agreed_schema_then_grade_cells_in_notebook_order(exported):
    header, _ = read_rows(exported / "grades.csv")
    assert header[:len(COLUMNS)] == ["student_id", "last_name", "first_name", "email", "assignment", "timestamp",
                                     "status", "seconds_late", "raw_score", "late_penalty", "final_score",
                                     "max_score"]
    cells = header[len(COLUMNS):]
    assert sorted(cells) == sorted(TESTS + MANUAL_ANSWERS)
    # notebook order: each test right after the tests before it, conclusions after their tests
    assert [c for c in cells if c in TESTS] == list(TESTS)
    assert cells.index("tsne_conclusion") > cells.index("test_tsne")
    assert cells.index("parity_conclusion") > cells.index("test_parity")
    assert cells[-3:] == ["control_q1", "control_q2", "control_q3"]


def test_one_row_per_student_with_names_surviving_quoting(exported):
    _, rows = read_rows(exported / "grades.csv")
    by_id = {row["student_id"]: row for row in rows}
    assert set(by_id) == set(STUDENTS)
    for student, (last, first, _) in STUDENTS.items():
        assert (by_id[student]["last_name"], by_id[student]["first_name"]) == (last, first)
        assert by_id[student]["email"] == f"{student}@example.org"
        assert by_id[student]["assignment"] == ASSIGNMENT
        assert float(by_id[student]["max_score"]) == MAX_SCORE


def test_statuses_penalties_and_final_scores(exported):
    _, rows = read_rows(exported / "grades.csv")
    by_id = {row["student_id"]: row for row in rows}
    expected = {  # status, raw, penalty, final
        "s_on_time": ("on_time", 5.0, 0.0, 5.0),
        "s_late": ("late", 4.75, 2.375, 2.375),      # penalty on the full raw score, manual grades included
        "s_too_late": ("too_late", 5.0, 5.0, 0.0),
        "s_missing": ("missing", 0.0, 0.0, 0.0),
        "s_extension_only": ("missing", 0.0, 0.0, 0.0),
    }
    for student, (status, raw, penalty, final) in expected.items():
        row = by_id[student]
        assert row["status"] == status, student
        assert (float(row["raw_score"]), float(row["late_penalty"]), float(row["final_score"])) == \
            (raw, penalty, final), student
    assert float(by_id["s_late"]["seconds_late"]) == (datetime.datetime(2024, 3, 5, 9) -
                                                    datetime.datetime(2024, 2, 29, 21)).total_seconds()
    assert float(by_id["s_too_late"]["seconds_late"]) == 14 * 86400 + 1  # 01.03 00:00 to 15.03 00:00:01 Moscow
    assert float(by_id["s_on_time"]["seconds_late"]) == 0


def test_timestamps_in_course_time_and_empty_when_missing(exported):
    _, rows = read_rows(exported / "grades.csv")
    by_id = {row["student_id"]: row for row in rows}
    assert by_id["s_on_time"]["timestamp"] == "2024-02-29 23:59:59+03:00"
    assert by_id["s_late"]["timestamp"] == "2024-03-05 12:00:00+03:00"
    assert by_id["s_missing"]["timestamp"] == by_id["s_extension_only"]["timestamp"] == ""


def test_cell_scores_take_manual_over_auto_and_zero_when_missing(exported):
    _, rows = read_rows(exported / "grades.csv")
    by_id = {row["student_id"]: row for row in rows}
    assert float(by_id["s_on_time"]["test_relu"]) == 0.25
    assert float(by_id["s_late"]["control_q1"]) == 0.0
    assert float(by_id["s_late"]["control_q2"]) == 0.25
    assert all(float(by_id["s_missing"][cell]) == 0.0 for cell in TESTS + MANUAL_ANSWERS)


def test_student_filter(exported):
    _, rows = read_rows(exported / "late_only.csv")
    assert [row["student_id"] for row in rows] == ["s_late"]


def test_raw_text_is_utf8_with_quoted_commas_and_quotes(exported):
    text = (exported / "grades.csv").read_text(encoding="utf-8")
    assert '"O""Brien, Jr.","Anne, Marie"' in text
    assert "Петров,Иван" in text
