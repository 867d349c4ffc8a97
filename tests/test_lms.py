"""LMS grade files (gradekit.grades.lms) from a gradebook filled through nbgrader's API (nothing executed)."""
import contextlib
import csv
import io
import subprocess
import sys

import pytest

from gradekit.course import copy_course, run_nbgrader, tool_environment
from gradekit.dev.lab import ASSIGNMENT
from gradekit.grades.lms import main
from test_export import STUDENTS, fill_gradebook

MOODLE_HEADER = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (4242)",
                 "Current Score"]
IN_ROSTER = ["s_on_time", "s_late", "s_too_late", "s_missing"]  # s_extension_only is in the gradebook only
ROSTER_ONLY = "s_dropped_course"


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def moodle_roster_rows():
    rows = [MOODLE_HEADER]
    for student in IN_ROSTER + [ROSTER_ONLY]:
        last, first = STUDENTS.get(student, ("Кузнецов", "Пётр", None))[:2]
        # emails in another case than the gradebook's: Moodle keeps what the user typed
        rows.append([first, last, student, "МГУ", "ВМК", f"{student.upper()}@Example.org"])
    return rows


def canvas_roster_rows():
    rows = [CANVAS_HEADER, ["    Points Possible", "", "", "", "", "5.00", "(read only)"]]
    for number, student in enumerate(IN_ROSTER + [ROSTER_ONLY], start=1):
        rows.append([f"Student {number}", str(1000 + number), f"sis{number}", student, "Группа 1", "", "0"])
    return rows


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with hand-made grades, its `nbgrader export`, and two rosters."""
    course = copy_course(tmp_path_factory.mktemp("lms") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT], course)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", tool_environment()["PATH"])
        fill_gradebook(f"sqlite:///{course / 'gradebook.db'}")
    run_nbgrader(["export", "--to", "grades.csv"], course)
    write_csv(course / "moodle_roster.csv", moodle_roster_rows())
    write_csv(course / "canvas_roster.csv", canvas_roster_rows())
    return course


def run_lms(course, *args, separate_process=False):
    """The command's exit code and output; in this process (fast) unless asked otherwise."""
    argv = [*args, "--course-dir", str(course)]
    if separate_process:
        return subprocess.run([sys.executable, "-m", "gradekit.grades.lms", *argv], cwd=course,
                              env=tool_environment(), text=True, capture_output=True)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(course), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


def read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def exported_final_scores(course):
    rows = read_table(course / "grades.csv")
    header = rows[0]
    return {row[0]: dict(zip(header, row)) for row in rows[1:]}


def test_moodle_file_has_moodle_columns_and_the_export_final_scores(course):
    out = course / "out" / "moodle.csv"
    result = run_lms(course, "moodle", "--roster", "moodle_roster.csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = read_table(out)
    assert table[0] == ["First name", "Last name", "ID number", "Email address", ASSIGNMENT,
                        f"{ASSIGNMENT} feedback"]
    exported = exported_final_scores(course)
    rows = {row[2]: row for row in table[1:]}
    assert sorted(rows) == sorted(IN_ROSTER)
    for student in ["s_on_time", "s_late", "s_too_late"]:
        assert float(rows[student][4]) == float(exported[student]["final_score"]), student
    assert float(rows["s_late"][4]) == 2.375  # half of 4.75: the penalty is in it
    assert rows["s_missing"][4] == ""  # nothing graded: the LMS grade is not overwritten with 0
    assert rows["s_on_time"][3] == "S_ON_TIME@Example.org"  # identity copied from the roster, as the LMS knows it


def test_moodle_feedback_states_status_and_penalty_in_russian(course):
    out = course / "out" / "moodle_feedback.csv"
    assert run_lms(course, "moodle", "--roster", "moodle_roster.csv", "--out", str(out)).returncode == 0
    feedback = {row[2]: row[5] for row in read_table(out)[1:]}
    assert "вовремя" in feedback["s_on_time"] and "без штрафа" in feedback["s_on_time"]
    assert "05.03.2024 12:00" in feedback["s_late"]  # 09:00 UTC in Moscow time
    assert "после мягкого срока" in feedback["s_late"] and "50 %" in feedback["s_late"]
    assert "−2.375" in feedback["s_late"] and "итог: 2.375 из 5" in feedback["s_late"]
    assert "после жёсткого срока" in feedback["s_too_late"] and "все баллы" in feedback["s_too_late"]
    assert "не сдана" in feedback["s_missing"]


def test_missing_students_are_listed_on_both_sides(course):
    out = course / "out" / "moodle_missing.csv"
    result = run_lms(course, "moodle", "--roster", "moodle_roster.csv", "--out", str(out))
    assert f"in the roster, not in the gradebook: {ROSTER_ONLY}" in result.stderr
    assert "in the gradebook, not in the roster: s_extension_only" in result.stderr
    assert "no graded submission (grade left empty): s_missing" in result.stderr
    assert "4 student(s) written" in result.stdout and "1 in the roster only" in result.stdout
    assert "1 in the gradebook only" in result.stdout and "1 without a graded submission" in result.stdout


def test_moodle_matches_by_email_when_configured(course, tmp_path):
    config = course / "nbgrader_config.py"
    original = config.read_text()
    config.write_text(original + '\nc.MoodleGrades.roster_column = "Email address"\n'
                      'c.MoodleGrades.student_field = "email"\nc.LmsGradeFile.points = 100\n')
    try:
        out = tmp_path / "by_email.csv"
        result = run_lms(course, "moodle", "--roster", "moodle_roster.csv", "--out", str(out))
    finally:
        config.write_text(original)
    assert result.returncode == 0, result.stderr
    rows = {row[3]: row for row in read_table(out)[1:]}
    # case-insensitive email match; points scaled from 5 to 100
    assert float(rows["S_LATE@Example.org"][4]) == 2.375 * 20
    assert float(rows["S_ON_TIME@Example.org"][4]) == 100.0


def test_canvas_file_has_canvas_columns_and_points_possible_row(course):
    out = course / "out" / "canvas.csv"
    result = run_lms(course, "canvas", "--roster", "canvas_roster.csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = read_table(out)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (4242)"]
    assert table[1][0] == "Points Possible" and table[1][1:5] == [""] * 4 and float(table[1][5]) == 5.0
    exported = exported_final_scores(course)
    rows = {row[3]: row for row in table[2:]}
    assert sorted(rows) == sorted(IN_ROSTER)  # the roster's Points Possible row is no student
    for student in ["s_on_time", "s_late", "s_too_late"]:
        assert float(rows[student][5]) == float(exported[student]["final_score"]), student
    assert rows["s_late"][:5] == ["Student 2", "1002", "sis2", "s_late", "Группа 1"]
    assert rows["s_missing"][5] == ""
    assert f"in the roster, not in the gradebook: {ROSTER_ONLY} (Student 5)" in result.stderr


BROKEN_ROSTERS = {
    "duplicate_id": (lambda: moodle_roster_rows() + [["Иван", "Копия", "s_late", "", "", "x@example.org"]],
                     "'s_late' occurs twice (rows 3 and 7)"),
    "wrong_cell_count": (lambda: moodle_roster_rows()[:3] + [["Иван", "Петров", "s_x"]],
                         "row 4 has 3 cells, the header has 6"),
    "missing_column": (lambda: [[c for c in row if c != "s_on_time"][:2] for row in moodle_roster_rows()],
                       "missing column(s) 'ID number'"),
    "empty": (lambda: [], "the roster is empty"),
    "header_only": (lambda: [MOODLE_HEADER], "no students in the roster"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ROSTERS) + ["not_utf8", "not_found"])
def test_broken_roster_gives_one_clear_line_exit_2_and_writes_nothing(course, tmp_path, case):
    roster = tmp_path / f"{case}.csv"
    if case == "not_utf8":
        write_csv(roster, moodle_roster_rows(), encoding="cp1251")
        expected = "not UTF-8"
    elif case == "not_found":
        expected = "roster file not found"
    else:
        rows, expected = BROKEN_ROSTERS[case]
        write_csv(roster, rows())
    out = tmp_path / "out" / "moodle.csv"
    # the real command once, the other cases in this process
    result = run_lms(course, "moodle", "--roster", str(roster), "--out", str(out),
                     separate_process=case == "duplicate_id")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not out.parent.exists()


def test_duplicate_email_is_refused_when_matching_by_email(tmp_path):
    from gradekit.grades.lms import RosterError, read_roster
    rows = moodle_roster_rows() + [["A", "B", "s_other", "", "", "s_late@example.ORG"]]
    with pytest.raises(RosterError, match="occurs twice"):
        read_roster(write_csv(tmp_path / "r.csv", rows), [], "Email address", "email")


def test_canvas_refuses_an_ambiguous_assignment_column(course, tmp_path):
    rows = canvas_roster_rows()
    rows = [row[:6] + [extra] + row[6:] for row, extra in zip(rows, [f"{ASSIGNMENT} (777)", "5.00"] + [""] * 10)]
    roster = write_csv(tmp_path / "two_columns.csv", rows)
    out = tmp_path / "canvas.csv"
    result = run_lms(course, "canvas", "--roster", str(roster), "--out", str(out))
    assert result.returncode == 2 and "several columns look like numpy_nn" in result.stderr
    assert not out.exists()


def test_a_course_without_gradebook_gives_one_line(tmp_path):
    course = copy_course(tmp_path / "course")
    write_csv(course / "roster.csv", moodle_roster_rows())
    result = run_lms(course, "moodle", "--roster", "roster.csv")
    assert result.returncode == 2 and "gradebook not found" in result.stderr
    assert result.stderr.count("\n") == 1 and not (course / "reports").exists()
