"""LMS grade files (gradekit.grades.lms) from a gradebook filled through nbgrader's API (nothing executed).

Each roster under tests/lms/ is one real export format; the file the LMS would import is checked cell by cell.
The gradebook is tests/test_export.py's: s_on_time (5 of 5), s_late (4.75, half taken off), s_too_late (5, all
taken off), s_missing (nothing graded), s_extension_only (in the gradebook only).
"""
import contextlib
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import fill_gradebook

from gradekit.course import copy_course, run_nbgrader, tool_environment
from gradekit.dev.lab import ASSIGNMENT
from gradekit.grades.lms import main

FIXTURES = Path(__file__).parent / "lms"
ROSTER_ONLY = "s_dropped_course"
MOODLE = ASSIGNMENT, f"{ASSIGNMENT} feedback"
# the final scores of tests/test_export.py out of 100 (c.MoodleGrades.points in nbgrader_config.py) and their texts
FEEDBACK_100 = {
    "s_on_time": ("100.0", "Сдано 29.02.2024 23:59 МСК: вовремя, без штрафа. Баллы: 100; итог: 100 из 100."),
    "s_late": ("47.5", "Сдано 05.03.2024 12:00 МСК: после мягкого срока, штраф 50 % баллов (−47.5). "
                       "Баллы: 95; итог: 47.5 из 100."),
    "s_too_late": ("0.0", "Сдано 15.03.2024 00:00 МСК: после жёсткого срока, штраф — все баллы (−100). "
                          "Баллы: 100; итог: 0 из 100."),
}


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with hand-made grades and its `nbgrader export`."""
    course = copy_course(tmp_path_factory.mktemp("lms") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT], course)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", tool_environment()["PATH"])
        fill_gradebook(f"sqlite:///{course / 'gradebook.db'}")
    run_nbgrader(["export", "--to", "grades.csv"], course)
    return course


def run_lms(course, *args, separate_process=False, config=""):
    """The command's exit code and output; in this process (fast) unless asked otherwise."""
    argv = [*args, "--course-dir", str(course)]
    settings = course / "nbgrader_config.py"
    original = settings.read_text()
    settings.write_text(original + config)
    try:
        if separate_process:
            return subprocess.run([sys.executable, "-m", "gradekit.grades.lms", *argv], cwd=course,
                                  env=tool_environment(), text=True, capture_output=True)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.chdir(course), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
        return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())
    finally:
        settings.write_text(original)


def read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def exported_final_scores(course):
    rows = read_table(course / "grades.csv")
    return {row[0]: float(dict(zip(rows[0], row))["final_score"]) for row in rows[1:]}


def lms_file(course, tmp_path, lms, roster, config=""):
    out = tmp_path / "out.csv"
    result = run_lms(course, lms, "--roster", str(FIXTURES / roster), "--out", str(out), config=config)
    assert result.returncode == 0, result.stderr
    return read_table(out), result


def test_russian_moodle_participants_semicolon_bom(course, tmp_path):
    table, result = lms_file(course, tmp_path, "moodle", "moodle_participants_ru.csv")
    assert table == [
        ["Имя", "Фамилия", "Индивидуальный номер", *MOODLE],
        ["Иван", "Петров", "s_on_time", *FEEDBACK_100["s_on_time"]],
        ["Anne, Marie", 'O"Brien, Jr.', "s_late", *FEEDBACK_100["s_late"]],
        ["Bob", "Smith", "s_too_late", *FEEDBACK_100["s_too_late"]],
    ]  # s_missing has nothing graded: no row, so Moodle keeps whatever grade it has
    exported = exported_final_scores(course)
    for row in table[1:]:
        assert float(row[3]) == exported[row[2]] * 100 / 5  # the export's final score, scaled to the item
    assert "no graded submission (no row written, the LMS keeps its grade): s_missing" in result.stderr
    assert f"in the roster, not in the gradebook: {ROSTER_ONLY} (Пётр Кузнецов)" in result.stderr
    assert "in the gradebook, not in the roster: s_extension_only" in result.stderr
    assert "3 student(s) written" in result.stdout and "1 without a graded submission" in result.stdout


def test_windows_1251_roster_is_decoded_and_said_so(course, tmp_path):
    table, result = lms_file(course, tmp_path, "moodle", "moodle_participants_ru_cp1251.csv")
    assert table[0] == ["Имя", "Фамилия", "Индивидуальный номер", *MOODLE]
    assert table[2] == ["Анна-Мария", 'O"Brien, Jr.', "s_late", *FEEDBACK_100["s_late"]]
    assert "moodle_participants_ru_cp1251.csv: read as Windows-1251" in result.stderr


def test_default_moodle_download_without_id_number_matches_by_email(course, tmp_path):
    table, result = lms_file(course, tmp_path, "moodle", "moodle_participants_default_en.csv")
    assert table == [
        ["First name", "Last name", "Email address", *MOODLE],
        ["Иван", "Петров", "S_On_Time@Example.org", *FEEDBACK_100["s_on_time"]],  # as Moodle knows it
        ["Anne, Marie", 'O"Brien, Jr.', "s_late@example.org", *FEEDBACK_100["s_late"]],
        ["Bob", "Smith", "s_too_late@example.org", *FEEDBACK_100["s_too_late"]],
    ]


def test_moodle_grade_export_plain_text_tab(course, tmp_path):
    table, _ = lms_file(course, tmp_path, "moodle", "moodle_grades_tab_en.txt")
    assert table == [
        ["First name", "Last name", "ID number", *MOODLE],
        ["Иван", "Петров", "s_on_time", *FEEDBACK_100["s_on_time"]],
        ["Anne, Marie", 'O"Brien, Jr.', "s_late", *FEEDBACK_100["s_late"]],
        ["Bob", "Smith", "s_too_late", *FEEDBACK_100["s_too_late"]],
    ]


def test_moodle_feedback_in_the_items_scale_names_an_extension(course, tmp_path):
    table, _ = lms_file(course, tmp_path, "moodle", "moodle_participants_ru.csv",
                        config="\nc.MoodleGrades.points = 5\n")
    feedback = {row[2]: row[3:] for row in table[1:]}
    assert feedback["s_late"] == ["2.375", "Сдано 05.03.2024 12:00 МСК: после мягкого срока, штраф 50 % баллов "
                                           "(−2.375). Баллы: 4.75; итог: 2.375 из 5."]
    from gradekit.feedback.deadline_note import short_feedback
    extended = short_feedback("on_time", None, 4.0, 0.0, 4.0, 5.0, out_of=100,
                              extension=__import__("datetime").timedelta(days=3))
    assert extended == "Сдано: вовремя с учётом продления на 3 сут., без штрафа. Баллы: 80; итог: 80 из 100."


def test_moodle_by_a_configured_russian_column(course, tmp_path):
    table, _ = lms_file(course, tmp_path, "moodle", "moodle_participants_ru.csv",
                        config='\nc.MoodleGrades.roster_column = "Email address"\n')  # either language's name
    assert table[0] == ["Имя", "Фамилия", "Адрес электронной почты", *MOODLE]
    assert [row[2] for row in table[1:]] == ["S_On_Time@Example.org", "s_late@example.org", "s_too_late@example.org"]


def test_moodle_without_the_items_maximum_stops(course, tmp_path):
    out = tmp_path / "out.csv"
    result = run_lms(course, "moodle", "--roster", str(FIXTURES / "moodle_participants_ru.csv"), "--out", str(out),
                     config="\nc.MoodleGrades.points = 0\n")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "set c.MoodleGrades.points" in result.stderr and "default is 100" in result.stderr
    assert not out.exists()


def test_canvas_without_sis_user_id_out_of_100(course, tmp_path):
    table, result = lms_file(course, tmp_path, "canvas", "canvas_no_sis_user_id.csv")
    assert table == [
        ["Student", "ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (777)"],
        ["Points Possible", "", "", "", "100.0"],  # the roster's own scale
        ["Петров, Иван", "3101", "s_on_time", "ВМК-301", "100.0"],
        ['O"Brien, Jr., Anne, Marie', "3102", "s_late", "ВМК-301", "47.5"],
        ["Smith, Bob", "3103", "s_too_late", "ВМК-301", "0.0"],
    ]
    assert "in the roster, not in the gradebook: no SIS Login ID (Student, Test)" in result.stderr
    assert "Points Possible" not in result.stderr


def test_canvas_split_names_and_a_manual_posting_row(course, tmp_path):
    table, result = lms_file(course, tmp_path, "canvas", "canvas_split_names.csv")
    assert table == [
        ["Last Name", "First Name", "ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (4242)"],
        ["Points Possible", "", "", "", "", "5.0"],
        ["Петров", "Иван", "4101", "s_on_time", "Группа 1", "5.0"],
        ['O"Brien, Jr.', "Anne, Marie", "4102", "s_late", "Группа 1", "2.375"],
        ["Smith", "Bob", "4103", "s_too_late", "Группа 1", "0.0"],
    ]
    assert "Manual Posting" not in result.stderr and "1 in the roster only" in result.stdout


STOPS = {  # roster (from a fixture), extra config -> the one line
    "points_differ": ("canvas_no_sis_user_id.csv", "\nc.CanvasGrades.points = 5\n",
                      "'numpy_nn (777)' is out of 100 in Canvas but c.CanvasGrades.points is 5"),
    "no_assignment_column": ("canvas_roster_without_column", "",
                             "no column 'numpy_nn (<number>)'; set c.CanvasGrades.assignment_column"),
    "empty_canvas_id": ("canvas_roster_without_id", "", "s_late: empty 'ID'"),
}


@pytest.mark.parametrize("case", sorted(STOPS))
def test_canvas_stops_instead_of_an_unsafe_file(course, tmp_path, case):
    roster, config, expected = STOPS[case]
    if roster == "canvas_roster_without_column":
        rows = read_table(FIXTURES / "canvas_no_sis_user_id.csv")
        roster = write_csv(tmp_path / "roster.csv", [row[:4] + row[5:] for row in rows])
    elif roster == "canvas_roster_without_id":
        rows = read_table(FIXTURES / "canvas_no_sis_user_id.csv")
        rows[3][1] = ""
        roster = write_csv(tmp_path / "roster.csv", rows)
    else:
        roster = FIXTURES / roster
    out = tmp_path / "out" / "canvas.csv"
    result = run_lms(course, "canvas", "--roster", str(roster), "--out", str(out), config=config)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert not out.parent.exists()


def read_table_tab(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def moodle_rows():
    return read_table_tab(FIXTURES / "moodle_grades_tab_en.txt")


BROKEN_ROSTERS = {
    "duplicate_id": (lambda: moodle_rows() + [["Иван", "Копия", "s_late", "", "", "x@example.org", "-", "-", "1"]],
                     "'s_late' occurs twice (rows 3 and 7)"),
    "wrong_cell_count": (lambda: moodle_rows()[:3] + [["Иван", "Петров", "s_x"]],
                         "row 4 has 3 cells, the header has 9"),
    "no_key_column": (lambda: [row[:2] for row in moodle_rows()],
                      "missing column(s) 'ID number' or 'Email address' to identify students"),
    "empty": (lambda: [], "the roster is empty"),
    "header_only": (lambda: moodle_rows()[:1], "no students in the roster"),
}


def tab_separated(rows):
    return "".join("\t".join(row) + "\n" for row in rows)


@pytest.mark.parametrize("case", sorted(BROKEN_ROSTERS) + ["not_utf8", "not_found"])
def test_broken_roster_gives_one_clear_line_exit_2_and_writes_nothing(course, tmp_path, case):
    roster = tmp_path / f"{case}.txt"
    if case == "not_utf8":  # a Western-European Excel file: not Windows-1251, so refused, not guessed
        roster.write_bytes("First name;Last name;ID number\nJosé;Müller;s_late\nZoë;Brühl;s_on_time\n"
                           .encode("cp1252"))
        expected = "not UTF-8 text"
    elif case == "not_found":
        expected = "roster file not found"
    else:
        rows, expected = BROKEN_ROSTERS[case]
        roster.write_text(tab_separated(rows()), encoding="utf-8")
    out = tmp_path / "out" / "moodle.csv"
    # the real command once, the other cases in this process
    result = run_lms(course, "moodle", "--roster", str(roster), "--out", str(out),
                     separate_process=case == "duplicate_id")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not out.parent.exists()


def test_duplicate_email_is_refused_when_matching_by_email(tmp_path):
    from gradekit.grades.lms import MoodleGrades, RosterError
    rows = read_table(FIXTURES / "moodle_participants_default_en.csv")
    rows.append(["A", "B", "s_LATE@example.ORG", "Student", "", ""])
    with pytest.raises(RosterError, match="occurs twice"):
        MoodleGrades().read(write_csv(tmp_path / "r.csv", rows))


def test_canvas_refuses_an_ambiguous_assignment_column(course, tmp_path):
    rows = read_table(FIXTURES / "canvas_split_names.csv")
    rows = [row[:7] + [extra] + row[7:] for row, extra in
            zip(rows, [f"{ASSIGNMENT} (777)", "", "5.00"] + [""] * 10)]
    roster = write_csv(tmp_path / "two_columns.csv", rows)
    out = tmp_path / "canvas.csv"
    result = run_lms(course, "canvas", "--roster", str(roster), "--out", str(out))
    assert result.returncode == 2 and "several columns look like numpy_nn" in result.stderr
    assert not out.exists()


def test_a_course_without_gradebook_gives_one_line(tmp_path):
    course = copy_course(tmp_path / "course")
    result = run_lms(course, "moodle", "--roster", str(FIXTURES / "moodle_participants_ru.csv"))
    assert result.returncode == 2 and "gradebook not found" in result.stderr
    assert result.stderr.count("\n") == 1 and not (course / "reports").exists()


def test_the_demo_rosters_are_read_as_exported(course, tmp_path, capsys):
    """`make demo`'s round trip, on this gradebook (none of the demo students is in it)."""
    from gradekit.grades.lms import CanvasGrades, MoodleGrades, write_demo_files

    moodle = MoodleGrades().read(FIXTURES / "moodle_roster.csv")
    assert (moodle.key_column, moodle.key_field, moodle.columns["first_name"]) == ("Индивидуальный номер", "id", "Имя")
    canvas = CanvasGrades().read(FIXTURES / "canvas_roster.csv")
    assert canvas.key_column == "SIS Login ID" and len(canvas.rows) == 7 and len(canvas.special) == 1
    copy = copy_course(tmp_path / "demo")
    (copy / "gradebook.db").write_bytes((course / "gradebook.db").read_bytes())
    written = write_demo_files(copy, ASSIGNMENT)
    printed = capsys.readouterr().out
    assert "roster in:  Имя;Фамилия;Индивидуальный номер" in printed
    assert f"file out:   Имя,Фамилия,Индивидуальный номер,{ASSIGNMENT},{ASSIGNMENT} feedback" in printed
    assert [path.name for path in written] == [f"{ASSIGNMENT}_canvas.csv", f"{ASSIGNMENT}_moodle.csv"]
