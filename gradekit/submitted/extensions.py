"""Grant a student an extension: `python -m gradekit.submitted.extensions STUDENT --days N`.

nbgrader's gradebook has per-submission extensions (added to the due date, so
both deadlines move) but no command to set them. Run from the course directory;
the student must be in the gradebook (`nbgrader db student add ID`). Without a
submission yet, an empty one is created to hold the extension; the export
still lists the student as missing until the work is autograded.
"""
import argparse
import datetime
import sys

from nbgrader.api import MissingEntry

from gradekit.deadlines import SoftHardDeadlines
from gradekit.settings import CourseError, add_course_arguments, load_course


def grant_extension(course, assignment, student, days=0, hours=0):
    """Set (not add to) the student's extension; 0 removes it.

    Args:
        course: the loaded course (gradekit.settings.load_course).
        assignment, student: whose extension.
        days, hours: the extension's length.

    Returns:
        The student's (soft, hard) deadlines, extension included.
    """
    deadlines = SoftHardDeadlines(config=course.config)
    with course.gradebook() as gradebook:
        try:
            gradebook.find_student(student)
        except MissingEntry:
            raise ValueError(
                f"no student {student!r} in the gradebook; add them: nbgrader db student add {student}") from None
        try:
            gradebook.find_submission(assignment, student)
        except MissingEntry:
            gradebook.add_submission(assignment, student)
        gradebook.grant_extension(assignment, student, days=days, hours=hours)
        extension = gradebook.find_submission(assignment, student).extension or datetime.timedelta()
    return deadlines.soft_instant() + extension, deadlines.hard_instant() + extension


def main(argv=None):
    parser = argparse.ArgumentParser(description="Give a student more time: both deadlines move by the extension.")
    parser.add_argument("student")
    parser.add_argument("--days", type=float, default=0)
    parser.add_argument("--hours", type=float, default=0)
    parser.add_argument("--assignment", help="default: the only assignment under source/")
    add_course_arguments(parser)
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course_dir, args.db_url)
        assignment = args.assignment or course.default_assignment()
        soft, hard = grant_extension(course, assignment, args.student, args.days, args.hours)
    except (ValueError, MissingEntry, CourseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    # as the course states its deadlines (and the feedback note shows them): "02.03.2024 23:59 МСК"
    deadlines = SoftHardDeadlines(config=course.config)
    shown_soft, shown_hard = deadlines.shown_deadlines(soft - deadlines.soft_instant())
    print(f"{args.student}: soft deadline {shown_soft}, hard deadline {shown_hard}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
