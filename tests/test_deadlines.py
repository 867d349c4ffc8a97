"""Two deadlines through nbgrader's own late-penalty path, the due date set at release, extensions."""
import datetime
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from gradekit.course import REPO_ROOT, copy_course, run_nbgrader, tool_environment
from gradekit.deadlines import LATE, ON_TIME, TOO_LATE, SoftHardDeadlines, parse_deadline
from gradekit.dev.lab import ASSIGNMENT
from gradekit.settings import load_course
from gradekit.submitted.extensions import grant_extension

SCORE = 3.75
SOFT_UTC = datetime.datetime(2024, 2, 29, 21, 0, 0)  # end of 29.02.2024 in Moscow (UTC+3)


def course_at(db_url):
    """The repository's course settings, pointed at a scratch gradebook."""
    return load_course(REPO_ROOT, db_url)


def course_config(db_url):
    return course_at(db_url).config


@pytest.fixture(autouse=True)
def tools_on_path(monkeypatch):
    """A new gradebook asks the `alembic` command for its schema version."""
    monkeypatch.setenv("PATH", tool_environment()["PATH"])


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """A gradebook with the assignment due at the configured soft deadline and one 3.75-point cell."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    url = f"sqlite:///{path}"
    due = SoftHardDeadlines(config=course_config(url)).due_date()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", tool_environment()["PATH"])
        with Gradebook(url) as gradebook:
            gradebook.add_assignment(ASSIGNMENT, duedate=due)
            gradebook.add_notebook(ASSIGNMENT, ASSIGNMENT)
            gradebook.add_grade_cell("test_all", ASSIGNMENT, ASSIGNMENT, max_score=SCORE, cell_type="code")
    return path


@pytest.fixture
def gradebook_url(empty_gradebook, tmp_path):
    """A copy of the empty gradebook (creating one asks alembic, which is slow)."""
    path = tmp_path / "gradebook.db"
    shutil.copy(empty_gradebook, path)
    return f"sqlite:///{path}"


def submit(url, student, timestamp):
    with Gradebook(url) as gradebook:
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(ASSIGNMENT, student, timestamp=timestamp)
        grade = gradebook.find_grade("test_all", ASSIGNMENT, ASSIGNMENT, student)
        grade.auto_score = SCORE
        gradebook.db.commit()


def nbgrader_penalty(url, student):
    """Run nbgrader's AssignLatePenalties, configured by nbgrader_config.py, and read the stored penalty."""
    preprocessor = AssignLatePenalties(config=course_config(url))
    resources = {"nbgrader": {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": student, "db_url": url}}
    preprocessor.preprocess(nbformat.v4.new_notebook(), resources)
    with Gradebook(url) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return submission.late_submission_penalty, submission.total_seconds_late


def test_date_alone_means_the_following_midnight_in_moscow():
    assert parse_deadline("2024-02-29", "Europe/Moscow").astimezone(datetime.timezone.utc) == \
        datetime.datetime(2024, 2, 29, 21, 0, tzinfo=datetime.timezone.utc)
    assert parse_deadline("2024-02-29 18:30", "Europe/Moscow").astimezone(datetime.timezone.utc) == \
        datetime.datetime(2024, 2, 29, 15, 30, tzinfo=datetime.timezone.utc)


def test_configured_due_date_is_the_soft_deadline_in_utc():
    assert SoftHardDeadlines(config=course_config("sqlite://")).due_date() == SOFT_UTC


# timestamp.txt contents on each side of each deadline, in several timezones
BOUNDARY_CASES = [
    ("2024-02-20 18:00:00+03:00", 0.0, ON_TIME),
    ("2024-02-29 23:59:59+03:00", 0.0, ON_TIME),            # last second of the day
    ("2024-02-29 23:59:59.999999+03:00", 0.0, ON_TIME),     # sub-second: still that day
    ("2024-03-01 00:00:00+03:00", 0.0, ON_TIME),            # the deadline instant itself
    ("2024-03-01 00:00:01+03:00", SCORE / 2, LATE),         # first second after
    ("2024-03-01 00:00:00.5+03:00", SCORE / 2, LATE),
    ("2024-02-29 20:59:59 UTC", 0.0, ON_TIME),
    ("2024-02-29T21:00:01Z", SCORE / 2, LATE),
    ("2024-03-01 01:59:59+05:00", 0.0, ON_TIME),
    ("2024-03-01 02:00:01+05:00", SCORE / 2, LATE),
    ("2024-03-07 12:00:00+03:00", SCORE / 2, LATE),
    ("2024-03-14 23:59:59+03:00", SCORE / 2, LATE),         # last second of the hard day
    ("2024-03-15 00:00:00+03:00", SCORE / 2, LATE),         # the hard deadline instant
    ("2024-03-15 00:00:01+03:00", SCORE, TOO_LATE),
    ("2024-03-14 20:59:59Z", SCORE / 2, LATE),
    ("2024-03-14 21:00:01+00:00", SCORE, TOO_LATE),
    ("2024-03-15 01:59:59+05:00", SCORE / 2, LATE),
    ("2024-03-15 02:00:01+05:00", SCORE, TOO_LATE),
    ("2024-09-01 10:00:00+03:00", SCORE, TOO_LATE),
    # nbgrader reads a timestamp without an offset as UTC: 23:30 here is 02:30 in Moscow
    ("2024-02-29 23:30:00", SCORE / 2, LATE),
]


@pytest.mark.parametrize("timestamp, penalty, status", BOUNDARY_CASES)
def test_penalty_through_nbgrader(gradebook_url, timestamp, penalty, status):
    submit(gradebook_url, "student", timestamp)
    stored_penalty, seconds_late = nbgrader_penalty(gradebook_url, "student")
    assert stored_penalty == pytest.approx(penalty)
    assert SoftHardDeadlines(config=course_config(gradebook_url)).status(seconds_late) == status


def test_extension_moves_both_deadlines(gradebook_url):
    course = course_at(gradebook_url)
    cases = {"on_time": ("2024-03-02 12:00:00+03:00", 0.0),
             "late": ("2024-03-16 12:00:00+03:00", SCORE / 2),
             "too_late": ("2024-03-17 00:00:01+03:00", SCORE)}
    for student, (timestamp, _) in cases.items():
        submit(gradebook_url, student, timestamp)
        soft, hard = grant_extension(course, ASSIGNMENT, student, days=2)
        assert soft == parse_deadline("2024-03-02", "Europe/Moscow")
        assert hard == parse_deadline("2024-03-16", "Europe/Moscow")
    for student, (_, penalty) in cases.items():
        assert nbgrader_penalty(gradebook_url, student)[0] == pytest.approx(penalty)


def test_extension_before_submitting_survives_autograde_bookkeeping(gradebook_url):
    """Granted before the student submits, the extension is kept when the timestamp is recorded."""
    course = course_at(gradebook_url)
    with Gradebook(gradebook_url) as gradebook:
        gradebook.add_student("early_bird")
    grant_extension(course, ASSIGNMENT, "early_bird", days=1)
    submit(gradebook_url, "early_bird", "2024-03-01 12:00:00+03:00")
    assert nbgrader_penalty(gradebook_url, "early_bird")[0] == 0.0


def test_extension_for_unknown_student_is_refused(gradebook_url):
    with pytest.raises(ValueError, match="nbgrader db student add"):
        grant_extension(course_at(gradebook_url), ASSIGNMENT, "nobody", days=1)


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("due_date") / "course")
    result = run_nbgrader(["generate_assignment", ASSIGNMENT], course, capture=True)
    return course, result


def gradebook_due_date(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_assignment(ASSIGNMENT).duedate


def test_generate_assignment_records_soft_deadline_as_due_date(fresh_release):
    course, _ = fresh_release
    assert gradebook_due_date(course) == SOFT_UTC


def test_release_overrides_a_different_due_date_with_a_warning(fresh_release):
    course, _ = fresh_release
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime(2024, 1, 1))
    result = run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, capture=True)
    assert "changed from 2024-01-01 00:00:00 to 2024-02-29 21:00:00" in result.stderr
    assert gradebook_due_date(course) == SOFT_UTC


def test_extension_command(fresh_release):
    course, _ = fresh_release
    run_nbgrader(["db", "student", "add", "ext_student"], course)
    command = [sys.executable, "-m", "gradekit.submitted.extensions", "ext_student", "--days", "3"]
    result = subprocess.run(command, cwd=course, env=tool_environment(), text=True, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert "soft deadline 03.03.2024 23:59 МСК, hard deadline 17.03.2024 23:59 МСК" in result.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "ext_student").extension == datetime.timedelta(days=3)
    unknown = subprocess.run(command[:3] + ["nobody", "--days", "1"], cwd=course, env=tool_environment(),
                             text=True, capture_output=True)
    assert unknown.returncode == 1 and "nbgrader db student add nobody" in unknown.stderr


def test_graded_samples_get_the_late_penalties(graded_courses):
    """The demo's late samples, autograded for real (the slow session fixture)."""
    expected = {"correct": 0.0, "late_correct": SCORE / 2, "too_late_correct": SCORE}
    for name, penalty in expected.items():
        with Gradebook(f"sqlite:///{graded_courses[name] / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(ASSIGNMENT, name)
            assert submission.late_submission_penalty == pytest.approx(penalty / SCORE * submission.score)
            assert (submission.score, submission.late_submission_penalty) == pytest.approx((SCORE, penalty))
