"""The class report: an HTML page with PNG plots built from a synthetic grades CSV and gradebook."""
import csv
import shutil
import statistics
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.api import Gradebook

from gradekit.course import copy_course, tool_environment
from gradekit.dev.lab import ASSIGNMENT, COURSE_ID, MANUAL_ANSWERS, MASTER_NOTEBOOK, TESTS
from gradekit.grades.class_report import STUDENT_COLUMNS, main
from gradekit.submitted.integrity import Finding, write_csv

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cell_points():
    """The points of every grade cell, as the master notebook sets them (two tests are worth 0)."""
    notebook = nbformat.read(MASTER_NOTEBOOK, as_version=4)
    points = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            points[meta["grade_id"]] = (float(meta["points"]), cell.cell_type)
    return points


POINTS = cell_points()
MAX_SCORE = sum(points for points, _ in POINTS.values())

# (student_id, last name, first name, status, failed tests); everybody fails test_accuracy
STUDENTS = [
    ("s01", "Иванова", "Анна", "on_time", {"test_accuracy"}),
    ("s02", "Smith, Jr.", "John", "late", {"test_accuracy", "test_train"}),
    ("s03", "<script>alert(1)</script>", "Eve", "too_late", {"test_accuracy", "test_train", "test_relu"}),
    ("s04", "Петров", "Пётр", "missing", None),
    ("s05", "O'Neil & Co", "Ann", "on_time", {"test_accuracy", "test_dense_grad_input"}),
]
SUBMITTED = [s for s in STUDENTS if s[3] != "missing"]
LATE_CAP = 2.5


def raw_score(failed):
    return sum(points for grade_id, (points, _) in POINTS.items() if grade_id not in failed)


def final_score(status, failed):
    raw = 0.0 if failed is None else raw_score(failed)
    return {"on_time": raw, "late": min(raw, LATE_CAP)}.get(status, 0.0)


def write_grades(path, students=STUDENTS):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STUDENT_COLUMNS + TESTS + MANUAL_ANSWERS)
        for student_id, last, first, status, failed in students:
            final = final_score(status, failed)
            if failed is None:
                scores = [""] * (len(TESTS) + len(MANUAL_ANSWERS))
                timestamp = ""
            else:
                scores = [0.0 if t in failed else POINTS[t][0] for t in TESTS] + [0.25] * len(MANUAL_ANSWERS)
                timestamp = "2024-02-20 18:00:00+03:00"
            raw = sum(s for s in scores if s != "")
            writer.writerow([student_id, last, first, f"{student_id}@example.org", ASSIGNMENT, timestamp, status,
                             0, raw, raw - final, final, MAX_SCORE] + scores)


def write_gradebook(course):
    with pytest.MonkeyPatch.context() as patch:
        # a new gradebook asks the `alembic` command for its schema version: it must be on PATH
        patch.setenv("PATH", tool_environment()["PATH"])
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
            gradebook.update_or_create_assignment(ASSIGNMENT)
            gradebook.update_or_create_notebook(ASSIGNMENT, ASSIGNMENT)
            for grade_id, (points, cell_type) in POINTS.items():
                gradebook.add_grade_cell(grade_id, ASSIGNMENT, ASSIGNMENT, max_score=points, cell_type=cell_type)


def write_autograded_notebook(course, student_id, failing):
    cells = []
    for test in TESTS:
        cell = new_code_cell(f"check_{test}()", metadata={"nbgrader": {"grade": True, "grade_id": test}})
        if test in failing:
            cell.outputs = [new_output("error", ename="AssertionError", evalue="", traceback=[])]
        cells.append(cell)
    path = course / "autograded" / student_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(new_notebook(cells=cells), path)


def run_report(course, *args):
    return subprocess.run([sys.executable, "-m", "gradekit.grades.class_report", "--course-dir", str(course), *args],
                          cwd=course, env=tool_environment(), capture_output=True, text=True)


class Tables(HTMLParser):
    """Every <table> of a page as a list of rows of cell texts, and every image's src."""

    def __init__(self, page):
        super().__init__()
        self.tables, self.images, self.in_cell = [], [], False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
            self.in_cell = True
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.tables[-1][-1][-1] += data

    def table(self, *header):
        return next(rows[1:] for rows in self.tables if tuple(rows[0]) == header)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("course"))
    write_grades(course / "grades.csv")
    write_gradebook(course)
    return course


@pytest.fixture(scope="module")
def report(course):
    """The report of the course without autograded notebooks or integrity report."""
    result = run_report(course)
    assert result.returncode == 0, result.stderr
    page = course / "reports" / "class_report" / "class_report.html"
    return page, Tables(page.read_text(encoding="utf-8"))


def test_page_references_valid_pngs_in_its_folder(report):
    page, parsed = report
    assert len(parsed.images) == 3
    for name in parsed.images:
        png = page.parent / name
        assert not Path(name).is_absolute() and png.is_file(), name
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        height, width, _ = matplotlib.image.imread(png).shape
        assert height > 100 and width > 100


def test_summary_and_status_counts_come_from_the_grades(report):
    _, parsed = report
    finals = [final_score(s[3], s[4]) for s in SUBMITTED]
    summary = dict((row[0], row[1]) for row in parsed.table("", "value"))
    assert summary["students in the grades file"] == "5"
    assert summary["submitted"] == "4"
    assert summary["mean final score (submitted, max 5)"] == f"{statistics.fmean(finals):.2f}"
    assert summary["median final score (submitted, max 5)"] == f"{statistics.median(finals):.2f}"
    assert parsed.table("status", "students") == [["on time", "2"], ["late", "1"], ["too late", "1"], ["missing", "1"]]


def test_tests_are_listed_most_failed_first_with_their_pass_counts(report):
    _, parsed = report
    rows = parsed.table("test", "points", "passed", "judged", "pass rate", "judged from")
    order = [row[0] for row in rows]
    assert order[:3] == ["test_accuracy", "test_train", "test_relu"]
    by_test = {row[0]: row for row in rows}
    for test in TESTS:
        if POINTS[test][0] > 0:
            passed = sum(test not in s[4] for s in SUBMITTED)
            assert by_test[test][2:4] == [str(passed), str(len(SUBMITTED))], test
    assert by_test["test_accuracy"][4] == "0 %"
    # without autograded notebooks the 0-point tests cannot be judged, and they come last
    zero_point = [t for t in TESTS if POINTS[t][0] == 0]
    assert zero_point == ["test_dense_init", "test_loss"]
    assert order[-2:] == zero_point
    assert all(by_test[t][5] == "not judged" for t in zero_point)


def test_names_are_escaped_and_unicode_survives(report):
    page, parsed = report
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Eve" in text
    names = [row[1] for row in parsed.table("student id", "name", "status", "final score")]
    assert names == ["Иванова Анна", "Smith, Jr. John", "<script>alert(1)</script> Eve", "Петров Пётр",
                     "O'Neil & Co Ann"]


def test_integrity_section_says_when_the_report_is_absent(report):
    page, _ = report
    assert "No integrity report found" in page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def full_report(course, tmp_path_factory):
    """The report of the same course plus autograded notebooks and an integrity report."""
    full = tmp_path_factory.mktemp("full") / "course"
    shutil.copytree(course, full, ignore=shutil.ignore_patterns("reports"))
    write_autograded_notebook(full, "s01", {"test_loss", "test_accuracy"})
    write_autograded_notebook(full, "s02", {"test_loss"})
    write_autograded_notebook(full, "s03", set())
    write_autograded_notebook(full, "s05", set())
    write_csv([Finding("s03", "relu", 2, "reassigns an attribute of np", "np.maximum = lambda *a: 0"),
               Finding("s03", "test_relu", 0, "edited a locked or test cell (restored before grading)", ""),
               Finding("s02", "imports", 0, "deleted a locked or test cell (re-added before grading)", "")],
              full / "reports" / f"integrity_{ASSIGNMENT}.csv")
    result = run_report(full)
    assert result.returncode == 0, result.stderr
    return (full / "reports" / "class_report" / "class_report.html").read_text(encoding="utf-8")


def test_zero_point_tests_are_judged_from_the_autograded_notebooks(full_report):
    rows = {row[0]: row for row in Tables(full_report).table("test", "points", "passed", "judged", "pass rate", "judged from")}
    assert rows["test_loss"][2:] == ["2", "4", "50 %", "notebook outputs"]
    assert rows["test_dense_init"][2:] == ["4", "4", "100 %", "notebook outputs"]
    # judged from scores, not from the notebooks, for tests with points
    assert rows["test_accuracy"][2:4] == ["0", "4"]


def test_integrity_flags_are_listed_per_student(full_report):
    rows = Tables(full_report).table("student id", "name", "cell", "line", "flag", "code")
    assert [(row[0], row[1], row[4]) for row in rows] == [
        ("s02", "Smith, Jr. John", "deleted a locked or test cell (re-added before grading)"),
        ("s03", "<script>alert(1)</script> Eve", "reassigns an attribute of np"),
        ("s03", "<script>alert(1)</script> Eve", "edited a locked or test cell (restored before grading)"),
    ]
    assert "2 student(s) flagged" in full_report


def test_an_unreadable_autograded_notebook_is_skipped_and_listed(course, tmp_path):
    """One invalid-JSON notebook and one JSON file that is no notebook do not abort the report: both are
    listed on the page and on stderr, and the others are judged as before."""
    broken = tmp_path / "course"
    shutil.copytree(course, broken, ignore=shutil.ignore_patterns("reports"))
    write_autograded_notebook(broken, "s01", {"test_loss"})
    write_autograded_notebook(broken, "s02", set())
    write_autograded_notebook(broken, "s03", set())
    notebooks = {student: broken / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                 for student in ("s02", "s03")}
    notebooks["s02"].write_text('{"cells": [', encoding="utf-8")  # cut off mid-write
    notebooks["s03"].write_text("[1, 2]", encoding="utf-8")
    result = run_report(broken)
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("class_report: skipped: ")]
    assert [line.split(": ")[2] for line in skipped] == ["s02", "s03"]
    assert all(str(notebooks[line.split(": ")[2]]) in line for line in skipped)
    page = (broken / "reports" / "class_report" / "class_report.html").read_text(encoding="utf-8")
    tables = Tables(page)
    assert [row[:3] for row in tables.table("student id", "name", "notebook", "problem")] == [
        ["s02", "Smith, Jr. John", str(notebooks["s02"])],
        ["s03", "<script>alert(1)</script> Eve", str(notebooks["s03"])]]
    assert "2 autograded notebook(s) could not be read" in page
    # only s01's readable notebook judges the 0-point tests
    rows = {row[0]: row for row in tables.table("test", "points", "passed", "judged", "pass rate", "judged from")}
    assert rows["test_loss"][2:4] == ["0", "1"] and rows["test_dense_init"][2:4] == ["1", "1"]


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def replace_in_grades(course, old, new):
    path = course / "grades.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("break_input, message", [
    (lambda c: (c / "grades.csv").unlink(), "grades.csv: file not found"),
    (lambda c: (c / "grades.csv").write_text(""), "grades.csv: file is empty"),
    (lambda c: (c / "grades.csv").write_bytes("student_id,last_name\ns1,Иванов\n".encode("cp1251")),
     "grades.csv: not UTF-8 text"),
    (lambda c: replace_in_grades(c, ",test_loss,", ",test_losss,"), "grades.csv: missing column(s) test_loss"),
    (lambda c: replace_in_grades(c, ",Иванова,", ",Иванова,Анна,"), "grades.csv: line 2: wrong number of fields"),
    (lambda c: replace_in_grades(c, ",on_time,", ",ontime,"), "grades.csv: line 2, column status: 'ontime'"),
    (lambda c: replace_in_grades(c, ",late,", ",late,abc"), "grades.csv: line 3, column seconds_late"),
    (lambda c: replace_in_grades(c, ",4.5,5.0,", ",4.5x,5.0,"), "grades.csv: line 2, column final_score: '4.5x'"),
    (lambda c: (c / "gradebook.db").unlink(), "gradebook.db: gradebook not found"),
    (lambda c: write_text(c / "reports" / f"integrity_{ASSIGNMENT}.csv", "student,rule\ns1,x\n"),
     f"integrity_{ASSIGNMENT}.csv: missing column(s) cell, line, code"),
], ids=["missing", "empty", "not-utf8", "column", "fields", "status", "number", "final", "no-gradebook",
        "integrity-columns"])
def test_bad_input_gives_one_clear_error(course, tmp_path, capsys, break_input, message):
    broken = tmp_path / "course"
    shutil.copytree(course, broken, ignore=shutil.ignore_patterns("reports"))
    break_input(broken)
    assert main(["--course-dir", str(broken)]) == 2
    assert message in capsys.readouterr().err
    assert not (broken / "reports" / "class_report").exists()


def test_the_command_exits_non_zero_without_a_traceback(tmp_path):
    result = run_report(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"class_report: error: {tmp_path}: no nbgrader_config.py here; run the command "
                                     "from the course directory or pass --course-dir")


def test_an_unknown_assignment_is_an_error(course, capsys):
    assert main(["--course-dir", str(course), "--assignment", "other_lab"]) == 2
    assert "the gradebook has no notebook for assignment 'other_lab'" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_page_renders_in_a_headless_browser(report, tmp_path):
    page, _ = report
    screenshot = tmp_path / "page.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={screenshot}",
                    "--window-size=1280,2400", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (2400, 1280)
    # a rendered page, not a blank one: the plots and tables put many distinct colours on it
    assert len({tuple(p) for p in pixels[::8, ::8, :3].reshape(-1, 3).round(2).tolist()}) > 20


# Student-controlled text that would run script or break out of an attribute if it reached the page raw.
HOSTILE_ID = "<script>alert(1)</script>"
HOSTILE_NAME = '"><img src=x onerror=alert(1)>'


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, page):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_student_controlled_text_is_escaped_by_the_template(tmp_path):
    """The page is rendered from the autoescaped template: a hostile student id, name, integrity finding
    and assignment name appear as text and add no element or attribute to the page."""
    from gradekit.grades.class_report import Student, TestResult
    from gradekit.grades.report_page import render_page

    students = [Student(HOSTILE_ID, HOSTILE_NAME, "O'Neil & Co", "on_time", 5.0),
                Student("s02", "Иванова", "Анна", "missing", None)]
    summary = {"students": 2, "submitted": 1, "mean": 5.0, "median": 5.0, "finals": [5.0],
               "status_counts": {"on_time": 1, "late": 0, "too_late": 0, "missing": 1}}
    integrity = {HOSTILE_ID: [{"cell": HOSTILE_NAME, "line": "3", "rule": "reassigns an attribute of np",
                               "code": "np.maximum = '</td></table><script>alert(2)</script>'"}]}
    page = render_page(tmp_path, assignment=HOSTILE_NAME, students=students, max_score=5.0, summary=summary,
                       results=[TestResult("test_relu", 0.25, 1, 1, "scores")],
                       manual=[("tsne_conclusion", 0.25, 1, 0.25)], integrity=integrity,
                       sources={"grades": tmp_path / HOSTILE_ID, "integrity": tmp_path / "integrity.csv"},
                       similarity=(tmp_path / 'similarity" onmouseover="alert(3)' / "index.html", 1),
                       plots={"histogram": "score_histogram.png", "status": "status_counts.png", "pass_rates": None})
    assert "<script" not in page and "<img src=x" not in page
    parsed = Elements(page)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert [attrs["src"] for tag, attrs in parsed.tags if tag == "img"] == ["score_histogram.png",
                                                                              "status_counts.png"]
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == ['similarity" onmouseover="alert(3)/index.html']
    # the text survives, unchanged, as text
    text = "".join(parsed.text)
    for value in (HOSTILE_ID, f"{HOSTILE_NAME} O'Neil & Co", f"Class report: {HOSTILE_NAME}",
                  "np.maximum = '</td></table><script>alert(2)</script>'"):
        assert value in text
    rows = Tables(page).table("student id", "name", "status", "final score")
    assert rows[0] == [HOSTILE_ID, f"{HOSTILE_NAME} O'Neil & Co", "on time", "5.00"]
    integrity_rows = Tables(page).table("student id", "name", "cell", "line", "flag", "code")
    assert integrity_rows == [[HOSTILE_ID, f"{HOSTILE_NAME} O'Neil & Co", HOSTILE_NAME, "3",
                               "reassigns an attribute of np",
                               "np.maximum = '</td></table><script>alert(2)</script>'"]]
