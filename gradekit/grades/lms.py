"""Grade files to import into the LMS (Moodle, Canvas), matched against the LMS's own roster.

    python -m gradekit.grades.lms moodle --roster moodle_participants.csv [--out FILE] [ASSIGNMENT]
    python -m gradekit.grades.lms canvas --roster canvas_gradebook_export.csv [--out FILE] [ASSIGNMENT]

The scores are the ones `nbgrader export` writes (gradekit.grades.export: raw
score, late penalty on the full score, final score), computed from the
gradebook by the same code. The roster is the LMS's export, so every written
row carries identifiers the LMS knows. Students found on only one side are
listed on stderr and in the summary; a roster that cannot be trusted
(duplicated keys, rows with the wrong number of cells, a missing column, not
UTF-8, empty) stops the command with one line and exit code 2, writing nothing.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from traitlets import Enum, Float, Unicode
from traitlets.config import Configurable

from gradekit.deadlines import SoftHardDeadlines
from gradekit.feedback.deadline_note import MISSING, short_feedback
from gradekit.grades.export import course_rows, score
from gradekit.settings import CourseError, add_course_arguments, load_course

EXIT_BAD_INPUT = 2


class RosterError(Exception):
    """The roster cannot be used; the message is one line for the instructor."""


@dataclass
class Roster:
    """An LMS roster: its header and its student rows (cell values by column name)."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]
    skipped: list[dict[str, str]] = field(default_factory=list)


def read_roster(path: str | os.PathLike, required: list[str], key_column: str, key_field: str,
                is_special=lambda row: False) -> Roster:
    """Read and check an LMS roster CSV.

    Args:
        path: the roster file (UTF-8, a BOM is allowed: Excel and Moodle write one).
        required: columns that must be in the header.
        key_column: the column that identifies a student; its values must be unique.
        key_field: "email" (compared case-insensitively) or "id".
        is_special: rows that are no students (Canvas's "Points Possible" row).

    Returns:
        The Roster. Rows with an empty key are kept in `skipped`.

    Raises:
        RosterError: not found, not UTF-8, empty, missing columns, a row with the wrong
            number of cells, or a key that occurs twice.
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"{path}: roster file not found")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(f"{path}: not UTF-8 text (byte {error.start}); save the roster as CSV UTF-8") from None
    try:
        table = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise RosterError(f"{path}: not a valid CSV file ({error})") from None
    if not table:
        raise RosterError(f"{path}: the roster is empty (expected a header row and students)")
    header = [cell.strip() for cell in table[0]]
    missing = [column for column in dict.fromkeys(required + [key_column]) if column not in header]
    if missing:
        raise RosterError(f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} "
                          f"(the header has {', '.join(repr(c) for c in header)})")
    roster, seen = Roster(path, header, []), {}
    for number, cells in enumerate(table[1:], start=2):
        if len(cells) != len(header):
            raise RosterError(f"{path}: row {number} has {len(cells)} cells, the header has {len(header)}")
        row = dict(zip(header, (cell.strip() for cell in cells)))
        if is_special(row):
            continue
        key = normalized(row[key_column], key_field)
        if not key:
            roster.skipped.append(row)
            continue
        if key in seen:
            raise RosterError(f"{path}: {key_column} {row[key_column]!r} occurs twice (rows {seen[key]} "
                              f"and {number}); fix the roster")
        seen[key] = number
        roster.rows.append(row)
    if not roster.rows:
        raise RosterError(f"{path}: no students in the roster (no row has a {key_column!r})")
    return roster


def normalized(value: str | None, key_field: str) -> str:
    """The form in which roster keys and gradebook values are compared."""
    value = (value or "").strip()
    return value.lower() if key_field == "email" else value


@dataclass
class Matching:
    """Roster rows paired with gradebook records, and what is on one side only."""

    pairs: list[tuple[dict, dict]]
    roster_only: list[dict]
    gradebook_only: list[dict]


def match(roster: Roster, records: list[dict], key_column: str, key_field: str) -> Matching:
    """Pair roster rows with gradebook records by `key_column` == the record's id or email."""
    by_key: dict[str, dict] = {}
    for record in records:
        key = normalized(record["email"] if key_field == "email" else record["student_id"], key_field)
        if key:
            by_key.setdefault(key, record)
    pairs, roster_only, used = [], [], set()
    for row in roster.rows:
        record = by_key.get(normalized(row[key_column], key_field))
        if record is None:
            roster_only.append(row)
        else:
            pairs.append((row, record))
            used.add(record["student_id"])
    gradebook_only = [record for record in records if record["student_id"] not in used]
    return Matching(pairs, roster_only + roster.skipped, gradebook_only)


class LmsGradeFile(Configurable):
    """What both LMS files share: which roster column is the student, and the points scale."""

    roster_column = Unicode(help="Roster column that identifies the student.").tag(config=True)
    student_field = Enum(("id", "email"), default_value="id", help=(
        "What roster_column holds: the nbgrader student id ('id') or the student's email as in the "
        "gradebook ('email', compared case-insensitively).")).tag(config=True)
    points = Float(0.0, help=(
        "Maximum of the LMS grade item; final scores are scaled from the assignment's max score to it. "
        "0: the assignment's max score (no scaling).")).tag(config=True)

    required_columns: list[str] = []
    name = "LMS"

    def is_special(self, row: dict) -> bool:
        """Roster rows that are no students."""
        return False

    def scaled(self, value: float, max_score: float, points: float) -> float:
        """A score out of max_score as a score out of points."""
        return score(value * points / max_score) if max_score else score(value)

    def table(self, roster: Roster, matching: Matching, assignment: str, max_score: float) -> list[list[str]]:
        """The rows of the file to write, header first."""
        raise NotImplementedError


class MoodleGrades(LmsGradeFile):
    """Moodle "Import > CSV file": identity columns, the final score and a feedback text per student."""

    roster_column = Unicode("ID number", help=(
        "Roster column (Moodle's participant/grade export) that identifies the student: 'ID number' "
        "(Moodle's idnumber = the nbgrader student id) or 'Email address' (with student_field = 'email')."
    )).tag(config=True)
    grade_column = Unicode("{assignment}", help=(
        "Header of the grade column; {assignment} is replaced. Map it to the Moodle grade item on import."
    )).tag(config=True)
    feedback_column = Unicode("{assignment} feedback", help=(
        "Header of the feedback column (Russian text: submission time, deadline status, penalty). "
        "Map it to 'Feedback for <grade item>' on import.")).tag(config=True)
    identity_columns = ("First name", "Last name", "ID number", "Email address")
    name = "Moodle"

    def table(self, roster, matching, assignment, max_score):
        points = self.points or max_score
        deadlines = SoftHardDeadlines(parent=self)
        zone = ZoneInfo(deadlines.timezone)
        header = list(self.identity_columns) + [self.grade_column.format(assignment=assignment),
                                               self.feedback_column.format(assignment=assignment)]
        rows = [header]
        for row, record in matching.pairs:
            identity = [row.get(column, "") for column in self.identity_columns]
            if record["status"] == MISSING:
                rows.append(identity + ["", short_feedback(MISSING, None, 0, 0, 0, max_score)])
                continue
            rows.append(identity + [str(self.scaled(record["final_score"], max_score, points)),
                                    short_feedback(record["status"], submitted_at(record, zone), record["raw_score"],
                                                   record["late_penalty"], record["final_score"], max_score,
                                                   deadlines.late_fraction)])
        return rows


class CanvasGrades(LmsGradeFile):
    """Canvas "Gradebook > Import": its identity columns, the "Points Possible" row, one assignment column."""

    roster_column = Unicode("SIS Login ID", help=(
        "Roster column (Canvas's gradebook export) that identifies the student, e.g. 'SIS Login ID', "
        "'SIS User ID' or 'ID' (Canvas's own user id).")).tag(config=True)
    assignment_column = Unicode("", help=(
        "Header of the Canvas assignment column, e.g. 'numpy_nn (12345)' as in Canvas's export. Empty: "
        "the roster's column '<assignment> (<number>)' if there is exactly one, else '<assignment>' "
        "(Canvas then creates a new assignment).")).tag(config=True)
    required_columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    points_row_label = "Points Possible"
    name = "Canvas"

    def is_special(self, row):
        return row.get("Student", "").strip().lower() == self.points_row_label.lower()

    def column_for(self, roster: Roster, assignment: str) -> str:
        """The assignment's column header."""
        if self.assignment_column:
            return self.assignment_column
        pattern = re.compile(rf"^{re.escape(assignment)} \(\d+\)$")
        found = [column for column in roster.header if pattern.match(column)]
        if len(found) > 1:
            raise RosterError(f"{roster.path}: several columns look like {assignment}: {', '.join(found)}; "
                              "set c.CanvasGrades.assignment_column")
        return found[0] if found else assignment

    def table(self, roster, matching, assignment, max_score):
        column = self.column_for(roster, assignment)
        points = self.points or max_score
        header = self.required_columns + [column]
        rows = [header, [self.points_row_label] + [""] * (len(self.required_columns) - 1) + [str(score(points))]]
        for row, record in matching.pairs:
            value = "" if record["status"] == MISSING else str(self.scaled(record["final_score"], max_score, points))
            rows.append([row[c] for c in self.required_columns] + [value])
        return rows


LMS_CLASSES = {"moodle": MoodleGrades, "canvas": CanvasGrades}


def submitted_at(record: dict, zone: ZoneInfo) -> datetime | None:
    """The export's timestamp as a datetime in the course timezone (named, e.g. MSK), or None."""
    return datetime.fromisoformat(record["timestamp"]).astimezone(zone) if record["timestamp"] else None


def write_csv_atomically(path: Path, rows: list[list[str]]) -> None:
    """Write UTF-8 CSV through a temporary file, so a failure leaves no half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                         prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            csv.writer(handle).writerows(rows)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@dataclass
class LmsResult:
    """What was written and who could not be matched."""

    path: Path
    written: int
    ungraded: list[str]
    roster_only: list[str]
    gradebook_only: list[str]

    def summary(self, lms: str) -> str:
        """One line for the instructor: written, ungraded, unmatched on each side."""
        return (f"{lms}: {self.written} student(s) written to {self.path}; {len(self.ungraded)} without a graded "
                f"submission (grade left empty); {len(self.roster_only)} in the roster only; "
                f"{len(self.gradebook_only)} in the gradebook only")


def describe_row(row: dict, key_column: str) -> str:
    """A roster row as `key (names)` for the lists of unmatched students."""
    names = " ".join(value for column in ("First name", "Last name", "Student") if (value := row.get(column)))
    key = row.get(key_column) or f"no {key_column}"
    return f"{key} ({names})" if names else key


def make_lms_file(lms: str, course, roster_path, assignment: str, out: Path, log=print) -> LmsResult:
    """Read the roster and the gradebook, write the LMS file, list the unmatched students.

    Args:
        lms: "moodle" or "canvas".
        course: the loaded Course (its config holds the LMS settings).
        roster_path: the LMS's roster export.
        assignment: the assignment's name.
        out: the file to write.
        log: where the per-student lines go (stderr in the command).

    Returns:
        The LmsResult.

    Raises:
        RosterError, CourseError: bad input; nothing is written.
    """
    settings = LMS_CLASSES[lms](config=course.config)
    roster = read_roster(roster_path, settings.required_columns, settings.roster_column, settings.student_field,
                         settings.is_special)
    records, max_score = course_rows(course, assignment)
    matching = match(roster, records, settings.roster_column, settings.student_field)
    rows = settings.table(roster, matching, assignment, max_score)
    write_csv_atomically(out, rows)
    ungraded = [record["student_id"] for _, record in matching.pairs if record["status"] == MISSING]
    result = LmsResult(out, len(matching.pairs), ungraded,
                       [describe_row(row, settings.roster_column) for row in matching.roster_only],
                       [record["student_id"] for record in matching.gradebook_only])
    for student in result.ungraded:
        log(f"no graded submission (grade left empty): {student}")
    for student in result.roster_only:
        log(f"in the roster, not in the gradebook: {student}")
    for student in result.gradebook_only:
        hint = " (no email in the gradebook)" if settings.student_field == "email" and not next(
            r for r in records if r["student_id"] == student)["email"] else ""
        log(f"in the gradebook, not in the roster: {student}{hint}")
    return result


SAMPLE_ROSTERS_DIR = Path(__file__).resolve().parents[2] / "tests" / "lms"


def write_demo_files(course_dir: str | os.PathLike, assignment: str) -> list[Path]:
    """`make demo`: the Moodle and Canvas files of the demo course, from the sample rosters in tests/lms/.

    Args:
        course_dir: the demo's course directory (graded).
        assignment: the assignment's name.

    Returns:
        The files written (reports/lms/<assignment>_<lms>.csv).
    """
    course = load_course(course_dir)
    written = []
    for lms in sorted(LMS_CLASSES):
        out = course.root / "reports" / "lms" / f"{assignment}_{lms}.csv"
        result = make_lms_file(lms, course, SAMPLE_ROSTERS_DIR / f"{lms}_roster.csv", assignment, out,
                               log=lambda line: print(f"   {line}"))
        print(f"   {result.summary(LMS_CLASSES[lms].name)}")
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code (2 on bad input)."""
    parser = argparse.ArgumentParser(description="Write a grade file for Moodle or Canvas from the gradebook.")
    parser.add_argument("lms", choices=sorted(LMS_CLASSES), help="the LMS to import into")
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    parser.add_argument("--roster", required=True, help="the LMS's roster / grade-book export (CSV)")
    parser.add_argument("--out", help="file to write (default: reports/lms/<assignment>_<lms>.csv)")
    add_course_arguments(parser)
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course_dir, args.db_url)
        assignment = args.assignment or course.default_assignment()
        out = Path(args.out) if args.out else course.root / "reports" / "lms" / f"{assignment}_{args.lms}.csv"
        result = make_lms_file(args.lms, course, args.roster, assignment, out,
                               log=lambda line: print(line, file=sys.stderr))
    except (RosterError, CourseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"error: cannot write {error.filename or 'the LMS file'}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(result.summary(LMS_CLASSES[args.lms].name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
