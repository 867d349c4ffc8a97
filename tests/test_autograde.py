"""Real `nbgrader autograde` of every sample under tests/submissions: each scores exactly as declared."""
import pytest
from nbgrader.api import Gradebook

from gradekit import ASSIGNMENT, COURSE_ID, TESTS
from gradekit.submitted.samples import load_sample, sample_names

from conftest import read_csv


def scores_of(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.max_score) for g in submission.grades if g.name in TESTS}


@pytest.mark.parametrize("name", sample_names())
def test_sample_scores_exactly_as_expected(graded_course, name):
    sample = load_sample(name)
    scores = scores_of(graded_course, name)
    assert set(scores) == set(TESTS)
    unknown = set(sample.expected_failures) - set(TESTS)
    assert not unknown, f"{name} expects failures of unknown tests {unknown}"
    expected = {test: 0.0 if test in sample.expected_failures else max_score
                for test, (_, max_score) in scores.items()}
    actual = {test: score for test, (score, _) in scores.items()}
    assert actual == expected


def test_correct_submission_gets_every_autograded_point(graded_course):
    scores = scores_of(graded_course, "correct")
    assert sum(s for s, _ in scores.values()) == sum(m for _, m in scores.values()) == 3.75


def test_blank_submission_gets_zero(graded_course):
    assert sum(s for s, _ in scores_of(graded_course, "blank").values()) == 0


def test_export_has_a_row_per_student_with_gradebook_scores(graded_course):
    rows = {row["student_id"]: row for row in read_csv(graded_course / "grades.csv")}
    assert set(rows) == set(sample_names())
    for student, row in rows.items():
        autograded = sum(s for s, _ in scores_of(graded_course, student).values())
        assert row["assignment"] == ASSIGNMENT
        assert float(row["raw_score"]) == pytest.approx(autograded)
        assert float(row["max_score"]) == 5.0
