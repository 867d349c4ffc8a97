"""The instructor's class report: one HTML page with PNG plots, from the exported grades.

Inputs (all under the course directory by default):
- grades.csv written by `nbgrader export` (the kit's exporter schema);
- the gradebook, for the maximum score of every grade cell;
- autograded/<student>/<assignment>/, to judge the tests worth 0 points from their outputs;
- reports/integrity_<assignment>.csv, when `python -m gradekit.submitted.integrity` has run;
- reports/similarity_<assignment>.csv, when `python -m gradekit.submitted.similarity` has run (linked).

Usage, from the course root:  python -m gradekit.grades.class_report [--out reports/class_report]
"""
import argparse
import csv
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from gradekit.cells import AssignmentCells, assignment_cells, grade_id, has_failed
from gradekit.deadlines import LATE, ON_TIME, TOO_LATE
from gradekit.grades.export import COLUMNS, MISSING, course_rows
from gradekit.settings import CourseError, add_course_arguments, load_course

STATUSES = (ON_TIME, LATE, TOO_LATE, MISSING)
STUDENT_COLUMNS = tuple(COLUMNS)  # the kit's export writes these, then one column per grade cell
NUMERIC_COLUMNS = ("seconds_late", "raw_score", "late_penalty", "final_score", "max_score")


class ReportError(Exception):
    """A problem with an input file; the message names the file and what is wrong."""


@dataclass
class Student:
    student_id: str
    last_name: str
    first_name: str
    status: str
    final_score: float | None
    scores: dict = field(default_factory=dict)  # grade_id -> float or None (blank in the CSV)

    @property
    def name(self):
        return " ".join(part for part in (self.last_name, self.first_name) if part)

    @property
    def submitted(self):
        return self.status != "missing"


@dataclass
class TestResult:
    grade_id: str
    points: float
    passed: int
    judged: int  # students with a result for this test; 0 when it could not be judged
    source: str  # "scores" or "notebook outputs"

    @property
    def rate(self):
        return self.passed / self.judged if self.judged else None


# ---------------------------------------------------------------- reading the inputs

def parse_number(value, path, line, column):
    if value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise ReportError(f"{path}: line {line}, column {column}: {value!r} is not a number") from None


def read_csv_rows(path, required_columns):
    """The rows of a UTF-8 CSV as dicts, after checking the header has the required columns."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"{path}: file not found")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if not header:
                raise ReportError(f"{path}: file is empty (expected a header row)")
            missing = [column for column in required_columns if column not in header]
            if missing:
                raise ReportError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = list(reader)
    except UnicodeDecodeError as error:
        raise ReportError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise ReportError(f"{path}: not a valid CSV file ({error})") from None
    return rows


def read_grades(path, assignment, grade_ids):
    """The students of one assignment from the exported grades CSV, in file order."""
    grade_ids = tuple(grade_ids)
    rows = read_csv_rows(path, STUDENT_COLUMNS + grade_ids)
    students, max_scores = [], []
    for line, row in enumerate(rows, start=2):
        if None in row.values() or None in row:
            raise ReportError(f"{path}: line {line}: wrong number of fields")
        if row["assignment"] != assignment:
            continue
        if row["status"] not in STATUSES:
            raise ReportError(f"{path}: line {line}, column status: {row['status']!r} "
                              f"is not one of {', '.join(STATUSES)}")
        numbers = {column: parse_number(row[column], path, line, column) for column in NUMERIC_COLUMNS + grade_ids}
        students.append(Student(
            student_id=row["student_id"], last_name=row["last_name"], first_name=row["first_name"],
            status=row["status"], final_score=numbers["final_score"],
            scores={cell: numbers[cell] for cell in grade_ids},
        ))
        max_scores.append(numbers["max_score"])
    if not students:
        raise ReportError(f"{path}: no rows for assignment {assignment!r}")
    return students, max((m for m in max_scores if m is not None), default=None)


def check_final_scores_current(course, assignment, students, grades_path):
    """Refuse a grades file whose final scores are no longer the gradebook's.

    A TA may grade by hand after `nbgrader export`; the page would then show old final scores.
    The gradebook's are worked out by the export's own code (gradekit.deadlines.final_score).
    """
    try:
        current = {row["student_id"]: row for row in course_rows(course, assignment)[0]}
    except CourseError as error:
        raise ReportError(str(error)) from None
    for student in students:
        row = current.get(student.student_id)
        if row is None:
            continue
        if student.status != row["status"] or abs((student.final_score or 0.0) - row["final_score"]) > 1e-9:
            raise ReportError(
                f"{grades_path}: older than the gradebook ({student.student_id}: {student.status} "
                f"{student.final_score or 0:g} in the file, {row['status']} {row['final_score']:g} now); "
                "run nbgrader export again")


def read_cell_points(course, assignment) -> AssignmentCells:
    """The assignment's grade cells (tests, manual answers, points) from the course's gradebook."""
    try:
        with course.gradebook() as gradebook:
            return assignment_cells(gradebook, assignment, course.assignment_dir("source", None, assignment))
    except CourseError as error:
        raise ReportError(str(error)) from None
    except (MissingEntry, IndexError):
        raise ReportError(f"{course.db_url}: the gradebook has no notebook for assignment {assignment!r}") from None


# What reading a broken notebook raises: a missing or unreadable file (OSError), bad UTF-8 or JSON
# (UnicodeDecodeError, JSONDecodeError, nbformat's NotJSONError: all ValueErrors), JSON that is no
# notebook or has malformed cells (KeyError, TypeError, AttributeError).
UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError)


@dataclass
class Unreadable:
    """An autograded notebook that could not be read; its student's 0-point tests are not judged."""

    student_id: str
    path: Path
    reason: str


def failed_cells(notebook_path):
    """grade_ids of the code cells that show an error (nbgrader's own rule: an error or stderr output).

    Raises:
        one of UNREADABLE when the file is not a readable notebook.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    present = {grade_id(cell) for cell in notebook.cells if cell.cell_type == "code" and grade_id(cell)}
    failed = {grade_id(cell) for cell in notebook.cells if grade_id(cell) in present and has_failed(cell)}
    return present, failed


def reason(error: Exception) -> str:
    """The first line of an error's message (its type when it has none), at most 200 characters."""
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]


def read_integrity(path):
    """{student_id: [finding dict]} or None when the integrity report has not been written."""
    if not Path(path).is_file():
        return None
    findings = {}
    for row in read_csv_rows(path, ("student", "cell", "line", "rule", "code")):
        findings.setdefault(row["student"], []).append(row)
    return findings


def read_similarity(csv_path, index_path):
    """(similarity report page, number of flagged pairs), or None when the similarity report has not been written."""
    if not Path(csv_path).is_file() or not Path(index_path).is_file():
        return None
    return Path(index_path), len(read_csv_rows(csv_path, ("student_a", "student_b")))


# ---------------------------------------------------------------- what the page shows

def test_results(students, cells, autograded_notebooks, unreadable=None):
    """Pass counts per test. Tests with points are judged from the scores (pass = full marks); tests
    worth 0 points from the autograded notebooks' outputs (pass = no error), when they are there.
    A notebook that cannot be read is skipped (its student is not judged on those tests) and
    appended to `unreadable` (a list of Unreadable) when one is given."""
    submitted = [s for s in students if s.submitted]
    points = cells.points
    outcomes = {}  # student_id -> (cells present, cells failed), for the 0-point tests
    if any(points.get(t, 0) == 0 for t in cells.tests):
        for student in submitted:
            path = autograded_notebooks(student.student_id)
            if not path.is_file():
                continue
            try:
                outcomes[student.student_id] = failed_cells(path)
            except UNREADABLE as error:
                if unreadable is not None:
                    unreadable.append(Unreadable(student.student_id, path, reason(error)))
    results = []
    for test in cells.tests:
        max_points = points.get(test, 0)
        if max_points > 0:
            scored = [s.scores[test] for s in submitted if s.scores[test] is not None]
            passed = sum(score >= max_points - 1e-9 for score in scored)
            results.append(TestResult(test, max_points, passed, len(scored), "scores"))
        else:
            judged = [failed for present, failed in outcomes.values() if test in present]
            passed = sum(test not in failed for failed in judged)
            results.append(TestResult(test, 0.0, passed, len(judged), "notebook outputs"))
    return results


def most_failed_first(results):
    """Judged tests by pass rate, lowest first (notebook order breaks ties), then the unjudged ones."""
    judged = sorted((r for r in results if r.judged), key=lambda r: r.rate)
    return judged + [r for r in results if not r.judged]


def manual_means(students, cells):
    rows = []
    for answer in cells.manual:
        graded = [s.scores[answer] for s in students if s.submitted and s.scores[answer] is not None]
        mean = statistics.fmean(graded) if graded else None
        rows.append((answer, cells.points.get(answer), len(graded), mean))
    return rows


def summary(students):
    submitted = [s for s in students if s.submitted]
    finals = [s.final_score for s in submitted if s.final_score is not None]
    return {
        "students": len(students),
        "submitted": len(submitted),
        "mean": statistics.fmean(finals) if finals else None,
        "median": statistics.median(finals) if finals else None,
        "finals": finals,
        "status_counts": {status: Counter(s.status for s in students)[status] for status in STATUSES},
    }


# ---------------------------------------------------------------- command line

def build_report(args):
    from gradekit.grades.report_page import write_report  # matplotlib only once the inputs are fine

    try:
        course = load_course(args.course_dir, args.db_url)
        assignment = args.assignment or course.default_assignment()
    except CourseError as error:
        raise ReportError(str(error)) from None
    course_dir = course.root
    grades_path = Path(args.grades) if args.grades else course_dir / "grades.csv"
    integrity_path = Path(args.integrity) if args.integrity else (
        course_dir / "reports" / f"integrity_{assignment}.csv")
    out_dir = Path(args.out) if args.out else course_dir / "reports" / "class_report"

    cells = read_cell_points(course, assignment)
    students, max_score = read_grades(grades_path, assignment, cells.tests + cells.manual)
    unreadable = []
    results = test_results(students, cells, lambda student: (
        course.assignment_dir("autograded", student, assignment) / f"{cells.notebook}.ipynb"), unreadable)
    for skipped in unreadable:
        print(f"class_report: skipped: {skipped.student_id}: {skipped.path} is not a readable notebook "
              f"({skipped.reason}); its 0-point tests are not judged", file=sys.stderr)
    integrity = read_integrity(integrity_path)
    similarity = read_similarity(course_dir / "reports" / f"similarity_{assignment}.csv",
                                 course_dir / "reports" / f"similarity_{assignment}" / "index.html")
    check_final_scores_current(course, assignment, students, grades_path)  # before anything is written
    max_score = max_score or sum(cells.points.values())
    return write_report(out_dir, assignment=assignment, students=students, max_score=max_score,
                        summary=summary(students), results=most_failed_first(results),
                        manual=manual_means(students, cells), integrity=integrity, similarity=similarity,
                        sources={"grades": grades_path, "integrity": integrity_path}, unreadable=unreadable)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the class report (HTML + PNG plots) from the exported grades.")
    add_course_arguments(parser)
    parser.add_argument("--grades", help="grades CSV from nbgrader export (default: <course-dir>/grades.csv)")
    parser.add_argument("--integrity", help="integrity CSV (default: <course-dir>/reports/integrity_<assignment>.csv)")
    parser.add_argument("--out", help="output folder (default: <course-dir>/reports/class_report)")
    parser.add_argument("--assignment", help="default: the only assignment under source/")
    args = parser.parse_args(argv)
    try:
        page = build_report(args)
    except ReportError as error:
        print(f"class_report: error: {error}", file=sys.stderr)
        return 2
    print(f"class report -> {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
