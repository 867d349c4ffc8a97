"""Grade files to import into the LMS (Moodle, Canvas), matched against the LMS's own roster.

    python -m gradekit.grades.lms moodle --roster moodle_participants.csv [--out FILE] [ASSIGNMENT]
    python -m gradekit.grades.lms canvas --roster canvas_gradebook_export.csv [--out FILE] [ASSIGNMENT]

The scores are the ones `nbgrader export` writes, computed from the gradebook by
the same code (gradekit.deadlines.final_score: raw score, late penalty on the
whole raw score, final score), scaled to what the LMS item is out of.

Rosters are read as the LMSs write them: comma, semicolon or tab (detected by the
standard library's csv.Sniffer among these three), UTF-8 with or without BOM, a
Windows-1251 file decoded when charset-normalizer recognises it (else refused),
Moodle's header names in Russian or English, Canvas's with or without its SIS
columns and with the name in one column or two. Only what is safe to import is
written: no row for a student with nothing graded, no row with an empty identity
cell, no column that would make Canvas create a new assignment. Anything the
command cannot trust stops it with one line and exit code 2, writing nothing.
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

import charset_normalizer
from traitlets import Enum, Float, Unicode
from traitlets.config import Configurable

from gradekit.deadlines import SoftHardDeadlines
from gradekit.feedback.deadline_note import MISSING, short_feedback
from gradekit.grades.export import course_rows, score
from gradekit.settings import CourseError, add_course_arguments, load_course

EXIT_BAD_INPUT = 2
DELIMITERS = ",;\t"
SNIFF_CHARACTERS = 64 * 1024


class RosterError(Exception):
    """The roster cannot be used; the message is one line for the instructor."""


@dataclass
class Roster:
    """An LMS roster: its header, its student rows (cell values by the roster's column names), and
    what was learnt reading it."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]
    columns: dict[str, str]  # field (e.g. "email") -> the roster's column for it (e.g. "Адрес электронной почты")
    key_column: str
    key_field: str  # "id" or "email"
    skipped: list[dict[str, str]] = field(default_factory=list)  # rows with an empty key
    special: list[dict[str, str]] = field(default_factory=list)  # rows that are no students (Canvas)
    notes: list[str] = field(default_factory=list)  # e.g. "read as Windows-1251"


def decode(path: Path, data: bytes) -> tuple[str, str | None]:
    """The roster's text, and a note when it was not UTF-8 but recognisably Windows-1251.

    Raises:
        RosterError: neither UTF-8 nor Windows-1251.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        position = error.start
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None and guess.encoding == "cp1251":
        return str(guess), f"{path.name}: read as Windows-1251 (not UTF-8)"
    found = f"looks like {guess.encoding}" if guess is not None else f"byte {position}"
    raise RosterError(f"{path}: not UTF-8 text ({found}); save the roster as CSV UTF-8")


def parse_table(path: Path, text: str) -> tuple[list[list[str]], str]:
    """The non-blank rows of a CSV text whose delimiter (comma, semicolon or tab) is detected."""
    sample = text[:SNIFF_CHARACTERS]
    dialect = None
    for candidate in (sample, sample.splitlines()[0] if sample.strip() else ""):
        try:
            dialect = csv.Sniffer().sniff(candidate, delimiters=DELIMITERS)
            break
        except csv.Error:
            continue
    delimiter = dialect.delimiter if dialect else ","
    try:
        table = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                 if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise RosterError(f"{path}: not a valid CSV file ({error})") from None
    return table, delimiter


def find_column(header: list[str], names: tuple[str, ...]) -> str | None:
    """The header's column with one of these names (case and surrounding spaces ignored)."""
    wanted = {name.casefold() for name in names}
    return next((column for column in header if column.strip().casefold() in wanted), None)


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


def match(roster: Roster, records: list[dict]) -> Matching:
    """Pair roster rows with gradebook records by the roster's key == the record's id or email."""
    by_key: dict[str, dict] = {}
    for record in records:
        key = normalized(record["email"] if roster.key_field == "email" else record["student_id"], roster.key_field)
        if key:
            by_key.setdefault(key, record)
    pairs, roster_only, used = [], [], set()
    for row in roster.rows:
        record = by_key.get(normalized(row[roster.key_column], roster.key_field))
        if record is None:
            roster_only.append(row)
        else:
            pairs.append((row, record))
            used.add(record["student_id"])
    gradebook_only = [record for record in records if record["student_id"] not in used]
    return Matching(pairs, roster_only + roster.skipped, gradebook_only)


class LmsGradeFile(Configurable):
    """What both LMS files share: which roster column is the student, and the points scale."""

    roster_column = Unicode("", help=(
        "Roster column that identifies the student, by its name in the roster (either language for "
        "Moodle). Empty: the first of the LMS's usual key columns the roster has.")).tag(config=True)
    student_field = Enum(("", "id", "email"), default_value="", help=(
        "What roster_column holds: the nbgrader student id ('id') or the student's email as in the "
        "gradebook ('email', compared case-insensitively). Empty: decided by the column "
        "(email columns hold emails, the others ids).")).tag(config=True)
    points = Float(0.0, help=(
        "Maximum of the LMS grade item; final scores are scaled from the assignment's max score to it. "
        "0: not set (Canvas: the roster's Points Possible is used; Moodle: the command stops, since its "
        "roster does not say). When set and the roster says otherwise, the command stops.")).tag(config=True)

    name = "LMS"
    # field -> the header names the LMS uses for it (every language the LMS's export is read in)
    known_columns: dict[str, tuple[str, ...]] = {}
    # fields that can identify a student, in the order tried when roster_column is empty; field -> student_field
    key_fields: dict[str, str] = {}
    name_fields: tuple[str, ...] = ()

    def read(self, path: str | os.PathLike) -> Roster:
        """Read and check the roster.

        Raises:
            RosterError: not found, not UTF-8 or Windows-1251, empty, no key column, a row with the
                wrong number of cells, a key that occurs twice, no students.
        """
        path = Path(path)
        if not path.is_file():
            raise RosterError(f"{path}: roster file not found")
        text, note = decode(path, path.read_bytes())
        table, _ = parse_table(path, text)
        if not table:
            raise RosterError(f"{path}: the roster is empty (expected a header row and students)")
        header = [cell.strip() for cell in table[0]]
        columns = {name: column for name, names in self.known_columns.items()
                   if (column := find_column(header, names))}
        key_column, key_field = self.key(path, header, columns, table[1:])
        self.check_columns(path, header, columns)
        roster = Roster(path, header, [], columns, key_column, key_field, notes=[note] if note else [])
        seen: dict[str, int] = {}
        for number, cells in enumerate(table[1:], start=2):
            if len(cells) != len(header):
                raise RosterError(f"{path}: row {number} has {len(cells)} cells, the header has {len(header)}")
            row = dict(zip(header, (cell.strip() for cell in cells)))
            if self.is_special(row, columns, key_column):
                roster.special.append(row)
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

    def key(self, path: Path, header: list[str], columns: dict[str, str], body: list[list[str]]) -> tuple[str, str]:
        """The roster's identifying column and what it holds ("id" or "email").

        Unless configured, the first of the LMS's key columns that has a value for some student (a
        Moodle site where nobody has an ID number falls back to the email address).
        """
        if self.roster_column:
            wanted = next((names for names in self.known_columns.values()
                           if self.roster_column.casefold() in {n.casefold() for n in names}), (self.roster_column,))
            column = find_column(header, wanted)
            if column is None:
                raise RosterError(f"{path}: missing column(s) {self.roster_column!r} (set as roster_column; "
                                  f"the header has {', '.join(repr(c) for c in header)})")
            known = next((f for f, c in columns.items() if c == column), "")
            return column, self.student_field or self.key_fields.get(known, "id")
        for key_field, holds in self.key_fields.items():
            if key_field in columns:
                index = header.index(columns[key_field])
                if any(len(cells) > index and cells[index].strip() for cells in body):
                    return columns[key_field], self.student_field or holds
        present = [f for f in self.key_fields if f in columns]
        if present:  # no student has a value in any of them: the read stops with "no students"
            return columns[present[0]], self.student_field or self.key_fields[present[0]]
        usual = " or ".join(repr(self.known_columns[f][0]) for f in self.key_fields)
        raise RosterError(f"{path}: missing column(s) {usual} to identify students (the header has "
                          f"{', '.join(repr(c) for c in header)}); download the roster with it "
                          f"(docs/lms.md) or set c.{type(self).__name__}.roster_column")

    def check_columns(self, path: Path, header: list[str], columns: dict[str, str]) -> None:
        """Further columns the LMS's import needs."""

    def is_special(self, row: dict, columns: dict[str, str], key_column: str) -> bool:
        """Roster rows that are no students."""
        return False

    def item_points(self, roster: Roster, assignment: str) -> float:
        """What the LMS item is out of: the roster's word, else the setting; stops when neither or they differ."""
        raise NotImplementedError

    def scaled(self, value: float, max_score: float, points: float) -> float:
        """A score out of max_score as a score out of points."""
        return score(value * points / max_score) if max_score else score(value)

    def identity(self, roster: Roster, row: dict) -> list[str]:
        """The identity cells written for a student; none may be empty."""
        values = [row[column] for column in self.identity_columns(roster)]
        empty = [column for column, value in zip(self.identity_columns(roster), values) if not value]
        if empty:
            raise RosterError(f"{roster.path}: {row[roster.key_column]}: empty {', '.join(map(repr, empty))}; "
                              "the LMS could not place this grade: fix the roster")
        return values

    def identity_columns(self, roster: Roster) -> list[str]:
        """The roster's columns copied into the file (names first, then the identifying ones)."""
        raise NotImplementedError

    def table(self, roster: Roster, matching: Matching, assignment: str, max_score: float) -> list[list[str]]:
        """The rows of the file to write, header first."""
        raise NotImplementedError


MOODLE_COLUMNS = {
    # Moodle's own strings, English and Russian language packs (user profile fields, as its participant
    # download and its grade export name them)
    "first_name": ("First name", "Имя"),
    "last_name": ("Last name", "Фамилия"),
    "id_number": ("ID number", "Индивидуальный номер"),
    "email": ("Email address", "Адрес электронной почты"),
    "username": ("Username", "Логин"),
}


class MoodleGrades(LmsGradeFile):
    """Moodle "Import > CSV file": the student's names and key, the final score and a feedback text."""

    grade_column = Unicode("{assignment}", help=(
        "Header of the grade column; {assignment} is replaced. Map it to the Moodle grade item on import."
    )).tag(config=True)
    feedback_column = Unicode("{assignment} feedback", help=(
        "Header of the feedback column (Russian text: submission time, deadline status, penalty). "
        "Map it to 'Feedback for <grade item>' on import.")).tag(config=True)
    name = "Moodle"
    known_columns = MOODLE_COLUMNS
    key_fields = {"id_number": "id", "email": "email"}
    name_fields = ("first_name", "last_name")

    def item_points(self, roster, assignment):
        if not self.points:
            raise RosterError(f"{roster.path}: a Moodle roster does not say what the grade item is out of: set "
                              "c.MoodleGrades.points to its maximum grade (Moodle's default is 100)")
        return self.points

    def identity_columns(self, roster):
        names = [roster.columns[f] for f in self.name_fields if f in roster.columns]
        return names + [roster.key_column]

    def table(self, roster, matching, assignment, max_score):
        points = self.item_points(roster, assignment)
        deadlines = SoftHardDeadlines(parent=self)
        zone = ZoneInfo(deadlines.timezone)
        header = self.identity_columns(roster) + [self.grade_column.format(assignment=assignment),
                                                  self.feedback_column.format(assignment=assignment)]
        rows = [header]
        for row, record in matching.pairs:
            if record["status"] == MISSING:
                continue
            text = short_feedback(record["status"], submitted_at(record, zone), record["raw_score"],
                                  record["late_penalty"], record["final_score"], max_score, deadlines.late_fraction,
                                  out_of=points, extension=record["extension"])
            rows.append(self.identity(roster, row) + [str(self.scaled(record["final_score"], max_score, points)),
                                                      text])
        return rows


CANVAS_COLUMNS = {
    "student": ("Student",),
    "last_name": ("Last Name", "LastName"),
    "first_name": ("First Name", "FirstName"),
    "id": ("ID",),
    "sis_login_id": ("SIS Login ID",),
    "sis_user_id": ("SIS User ID",),
    "section": ("Section",),
}


class CanvasGrades(LmsGradeFile):
    """Canvas "Gradebook > Import": its identity columns, the "Points Possible" row, one assignment column."""

    assignment_column = Unicode("", help=(
        "Header of the Canvas assignment column, e.g. 'numpy_nn (12345)' as in Canvas's export. Empty: "
        "the roster's one column '<assignment> (<number>)'. Never a new column: Canvas would create a new "
        "assignment.")).tag(config=True)
    points_row_label = "Points Possible"
    name = "Canvas"
    known_columns = CANVAS_COLUMNS
    key_fields = {"sis_login_id": "id", "sis_user_id": "id"}
    name_fields = ("student", "last_name", "first_name")

    def check_columns(self, path, header, columns):
        needed = ["id", "section"] + ([] if "student" in columns else ["last_name", "first_name"])
        missing = [CANVAS_COLUMNS[f][0] for f in needed if f not in columns]
        if missing:
            raise RosterError(f"{path}: missing column(s) {', '.join(map(repr, missing))} of Canvas's gradebook "
                              f"export (the header has {', '.join(repr(c) for c in header)})")

    def is_special(self, row, columns, key_column):
        # Canvas's rows under the header that are no students ("Points Possible", and in some exports
        # "Muted" or "Manual Posting") have neither a Canvas user ID nor a login
        return not row[columns["id"]] and not row[key_column]

    def column_for(self, roster: Roster, assignment: str) -> str:
        """The assignment's column header, which must be in the roster."""
        if self.assignment_column:
            if self.assignment_column not in roster.header:
                raise RosterError(f"{roster.path}: no column {self.assignment_column!r} (c.CanvasGrades."
                                  "assignment_column); export the gradebook again after creating the assignment")
            return self.assignment_column
        pattern = re.compile(rf"^{re.escape(assignment)} \(\d+\)$")
        found = [column for column in roster.header if pattern.match(column)]
        if len(found) > 1:
            raise RosterError(f"{roster.path}: several columns look like {assignment}: {', '.join(found)}; "
                              "set c.CanvasGrades.assignment_column")
        if not found:
            raise RosterError(f"{roster.path}: no column '{assignment} (<number>)'; set "
                              "c.CanvasGrades.assignment_column to the Canvas assignment's column as in the export "
                              "(a new column would make Canvas create a new assignment)")
        return found[0]

    def item_points(self, roster, assignment):
        column = self.column_for(roster, assignment)
        label = self.points_row_label.casefold()
        stated = next((row[column] for row in roster.special
                       if any(value.strip().casefold() == label for value in row.values())), "")
        try:
            said = float(stated) if stated else None
        except ValueError:
            raise RosterError(f"{roster.path}: {self.points_row_label} of {column!r} is {stated!r}, "
                              "not a number") from None
        if said is not None and self.points and abs(said - self.points) > 1e-9:
            raise RosterError(f"{roster.path}: {column!r} is out of {said:g} in Canvas but c.CanvasGrades.points "
                              f"is {self.points:g}; fix one of them")
        if said is None and not self.points:
            raise RosterError(f"{roster.path}: no {self.points_row_label} for {column!r}; set "
                              "c.CanvasGrades.points to what the assignment is out of")
        return said if said is not None else self.points

    def identity_columns(self, roster):
        fields = [f for f in self.name_fields if f in roster.columns] + ["id"]
        columns = [roster.columns[f] for f in fields]
        if roster.key_column not in columns:
            columns.append(roster.key_column)
        return columns + [roster.columns["section"]]

    def identity(self, roster, row):
        values = [row[column] for column in self.identity_columns(roster)]
        required = [roster.columns["id"], roster.key_column]
        empty = [column for column in required if not row[column]]
        if empty:
            raise RosterError(f"{roster.path}: {row[roster.key_column] or row[roster.columns['id']]}: empty "
                              f"{', '.join(map(repr, empty))}; fix the roster")
        return values

    def table(self, roster, matching, assignment, max_score):
        column = self.column_for(roster, assignment)
        points = self.item_points(roster, assignment)
        identity = self.identity_columns(roster)
        header = identity + [column]
        rows = [header, [self.points_row_label] + [""] * (len(identity) - 1) + [str(score(points))]]
        for row, record in matching.pairs:
            if record["status"] != MISSING:
                rows.append(self.identity(roster, row) + [str(self.scaled(record["final_score"], max_score, points))])
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
                f"submission (no row: the LMS keeps its grade); {len(self.roster_only)} in the roster only; "
                f"{len(self.gradebook_only)} in the gradebook only")


def describe_row(row: dict, roster: Roster) -> str:
    """A roster row as `key (names)` for the lists of unmatched students."""
    names = " ".join(row[column] for f in ("first_name", "last_name", "student")
                     if (column := roster.columns.get(f)) and row.get(column))
    key = row.get(roster.key_column) or f"no {roster.key_column}"
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
    roster = settings.read(roster_path)
    records, max_score = course_rows(course, assignment)
    matching = match(roster, records)
    rows = settings.table(roster, matching, assignment, max_score)
    write_csv_atomically(out, rows)
    ungraded = [record["student_id"] for _, record in matching.pairs if record["status"] == MISSING]
    result = LmsResult(out, len(rows) - (2 if lms == "canvas" else 1), ungraded,
                       [describe_row(row, roster) for row in matching.roster_only],
                       [record["student_id"] for record in matching.gradebook_only])
    for note in roster.notes:
        log(note)
    for student in result.ungraded:
        log(f"no graded submission (no row written, the LMS keeps its grade): {student}")
    for student in result.roster_only:
        log(f"in the roster, not in the gradebook: {student}")
    for student in result.gradebook_only:
        hint = " (no email in the gradebook)" if roster.key_field == "email" and not next(
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
        roster = SAMPLE_ROSTERS_DIR / f"{lms}_roster.csv"
        out = course.root / "reports" / "lms" / f"{assignment}_{lms}.csv"
        result = make_lms_file(lms, course, roster, assignment, out, log=lambda line: print(f"   {line}"))
        print(f"   {result.summary(LMS_CLASSES[lms].name)}")
        if lms == "moodle":  # the round trip: Moodle's Russian participant download in, the file to import out
            print(f"   roster in:  {roster.read_text(encoding='utf-8-sig').splitlines()[0]}")
            for line in out.read_text(encoding="utf-8").splitlines()[:3]:
                print(f"   file out:   {line}")
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
