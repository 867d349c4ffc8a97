"""Per-student, per-test score table read from the nbgrader gradebook, ending with the final score.

The last columns (raw, late penalty, final) are the export's (gradekit.deadlines.final_score),
so the table shows the same final score as every other page of the kit.
"""
import argparse
import sys

from nbgrader.api import MissingEntry

from gradekit.cells import assignment_cells
from gradekit.grades.export import MISSING, course_rows
from gradekit.settings import CourseError, add_course_arguments, load_course


def autograded_scores(course, assignment):
    """{student: {grade_id: score}} for every autograded test cell, plus the test ids in notebook order.

    Args:
        course: the loaded course (gradekit.settings.load_course).
        assignment: the assignment's name.

    Returns:
        (test ids, {test id: max score}, {student: {test id: score}}, {student: the export's row}).
    """
    with course.gradebook() as gradebook:
        cells = assignment_cells(gradebook, assignment, course.assignment_dir("source", None, assignment))
        notebook = gradebook.find_assignment(assignment).notebooks[0]
        test_ids = cells.tests
        scores = {}
        for student in sorted(s.id for s in gradebook.students):
            try:
                submission = gradebook.find_submission_notebook(notebook.name, assignment, student)
            except MissingEntry:
                continue
            scores[student] = {grade.name: grade.auto_score for grade in submission.grades
                               if grade.name in test_ids}
        max_scores = {test: cells.points[test] for test in test_ids}
    finals = {row["student_id"]: row for row in course_rows(course, assignment)[0]}
    return test_ids, max_scores, scores, finals


def format_table(test_ids, max_scores, scores, finals=None):
    """The table as aligned text.

    Args:
        test_ids, max_scores, scores: as autograded_scores returns them.
        finals: {student: export row}; adds the columns raw, penalty and final (each student's
            whole score, manual points included).

    Returns:
        The table, header first.
    """
    total_max = sum(max_scores.values())
    header = ["student"] + [f"{t}/{max_scores[t]:g}" for t in test_ids] + [f"tests/{total_max:g}"]
    if finals is not None:
        full = max((row["max_score"] for row in finals.values()), default=0.0)
        header += [f"raw/{full:g}", "penalty", f"final/{full:g}"]
    rows = []
    for student, by_test in scores.items():
        cells = ["-" if by_test.get(t) is None else f"{by_test[t]:g}" for t in test_ids]
        total = sum(v for v in by_test.values() if v is not None)
        row = [student] + cells + [f"{total:g}"]
        if finals is not None:
            final = finals.get(student)
            row += (["-", "-", "-"] if final is None or final["status"] == MISSING else
                    [f"{final['raw_score']:g}", f"{final['late_penalty']:g}", f"{final['final_score']:g}"])
        rows.append(row)
    return align([header] + rows)


def align(rows):
    """Rows of strings as text columns, each as wide as its longest value."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(value.ljust(width) for value, width in zip(row, widths)) for row in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print the autograded score of every test for every student.")
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    add_course_arguments(parser)
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course_dir, args.db_url)
        assignment = args.assignment or course.default_assignment()
        print(format_table(*autograded_scores(course, assignment)))
    except (CourseError, MissingEntry, IndexError) as error:
        print(f"table: error: {error or 'the gradebook has no notebook for this assignment'}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
