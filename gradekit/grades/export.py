"""`nbgrader export` plugin: one CSV row per student and assignment, with the late penalty and every grade cell.

The scores come from `gradekit.deadlines.final_score`, the one function that
works out the late penalty on the whole raw score (autograded plus manual), the
same that keeps the gradebook's own penalty current. `course_rows` gives the
same rows to the kit's other readers (LMS files, score table, class report).
"""
import csv
import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

from gradekit.cells import grade_ids_in_order
from gradekit.deadlines import SoftHardDeadlines, final_score, points
from gradekit.settings import CourseError

COLUMNS = ["student_id", "last_name", "first_name", "email", "assignment", "timestamp", "status",
           "seconds_late", "raw_score", "late_penalty", "final_score", "max_score"]
MISSING = "missing"


score = points  # the name the kit's readers import


def was_graded(submission):
    """Whether any cell of the submission got a score; an extension alone also creates a submission."""
    return any(grade.auto_score is not None or grade.manual_score is not None
               for notebook in submission.notebooks for grade in notebook.grades)


class KitCsvExport(ExportPlugin):
    """Grades as CSV (UTF-8, csv-module quoting) with the kit's two-deadline penalty."""

    def export(self, gradebook):
        destination = self.to or "grades.csv"
        deadlines = SoftHardDeadlines(parent=self)
        zone = ZoneInfo(deadlines.timezone)
        assignments = [a for a in gradebook.assignments if not self.assignment or a.name in self.assignment]
        wanted = {str(student) for student in self.student}
        students = [s for s in gradebook.students if not wanted or s.id in wanted]
        self.log.info("Exporting grades to %s", destination)
        with open(destination, "w", newline="", encoding="utf-8") as handle:
            grade_ids = self.grade_columns(assignments)
            writer = csv.writer(handle)
            writer.writerow(COLUMNS + grade_ids)
            for assignment in assignments:
                for student in students:
                    row = self.row(gradebook, assignment, student, deadlines, zone)
                    writer.writerow([row[c] for c in COLUMNS] + [row["cells"].get(g, 0.0) for g in grade_ids])

    def grade_columns(self, assignments):
        """Every grade cell of the exported assignments, in notebook order."""
        columns = []
        for assignment in assignments:
            for notebook in assignment.notebooks:
                names = [cell.name for cell in notebook.grade_cells]
                order = grade_ids_in_order(self.source_notebook(assignment.name, notebook.name))
                names.sort(key=lambda name: (order.index(name) if name in order else len(order), name))
                columns += [name for name in names if name not in columns]
        return columns

    def source_notebook(self, assignment, notebook):
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            return ""
        return Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"

    def row(self, gradebook, assignment, student, deadlines, zone):
        row = dict(student_id=student.id, last_name=student.last_name or "", first_name=student.first_name or "",
                   email=student.email or "", assignment=assignment.name, max_score=score(assignment.max_score),
                   timestamp="", status=MISSING, seconds_late=0, raw_score=0.0, late_penalty=0.0,
                   final_score=0.0, manual_pending=False, extension=None, cells={})
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return row
        if not was_graded(submission):
            return row
        result = final_score(deadlines, submission)
        row.update(status=result.status, seconds_late=round(result.seconds_late, 3), raw_score=result.raw,
                   late_penalty=result.penalty, final_score=result.final, manual_pending=result.manual_pending,
                   extension=submission.extension)
        if submission.timestamp is not None:
            utc = submission.timestamp.replace(tzinfo=datetime.UTC)
            row["timestamp"] = utc.astimezone(zone).isoformat(" ")
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                row["cells"][grade.name] = score(grade.score)
        return row


def course_rows(course, assignment: str) -> tuple[list[dict], float]:
    """The export's row for every gradebook student of one assignment, for the kit's other readers.

    Args:
        course: the loaded Course (gradekit.settings.load_course).
        assignment: the assignment's name.

    Returns:
        KitCsvExport.row of each student in gradebook order, and the assignment's max score.

    Raises:
        CourseError: the gradebook has no such assignment.
    """
    exporter = KitCsvExport(config=course.config)
    deadlines = SoftHardDeadlines(config=course.config)
    zone = ZoneInfo(deadlines.timezone)
    with course.gradebook() as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"the gradebook has no assignment {assignment!r}") from None
        rows = [exporter.row(gradebook, found, student, deadlines, zone) for student in gradebook.students]
        return rows, score(found.max_score)
