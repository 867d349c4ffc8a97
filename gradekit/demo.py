"""`make demo`: the instructor's whole cycle on a throw-away copy of the course in demo/.

release -> sample submissions (one of them late, one too late, one copied) under
submitted/ -> the kit's parallel autograde (nbgrader autograde per student, sandboxed)
-> nbgrader generate_feedback -> nbgrader export -> integrity scan -> similarity
report -> class report -> one student's report -> self-check -> LMS grade files. The instructor's own
gradebook at the repository root is never touched.
"""
import argparse
import datetime
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gradekit.course import REPO_ROOT, copy_course, run_nbgrader, tool_environment
from gradekit.deadlines import SoftHardDeadlines
from gradekit.dev.samples import place_samples, sample_names
from gradekit.grades.class_report import read_csv_rows
from gradekit.grades.lms import write_demo_files
from gradekit.grades.table import align, autograded_scores, format_table
from gradekit.settings import load_course

# nbgrader's INFO log (and its checksum warning for every cell with hidden tests)
# would bury the summary; the real commands in README.md show everything.
QUIET = "--log-level=ERROR"
REPORTED_STUDENT = "correct"


def run_module(module, args, course_dir):
    """Run `python -m <module> <args>` of the kit in the course directory."""
    subprocess.run([sys.executable, "-m", module, *args], cwd=course_dir, env=tool_environment(), check=True)


PENALTY_COLUMNS = ["student_id", "status", "timestamp", "raw_score", "late_penalty", "final_score", "max_score"]


def format_penalties(rows, timezone):
    header = ["student", "status", f"submitted ({timezone})", "raw", "penalty", "final", "max"]
    lines = [[r["student_id"], r["status"], r["timestamp"][:16], r["raw_score"], r["late_penalty"],
              r["final_score"], r["max_score"]] for r in rows]
    return align([header] + lines)


def run_demo(course_dir):
    course_dir = Path(course_dir).resolve()
    if course_dir.exists():
        shutil.rmtree(course_dir)
    copy_course(course_dir)
    course = load_course(course_dir)  # the assignment is the course's own, as every kit command reads it
    assignment = course.default_assignment()
    deadlines = SoftHardDeadlines(config=course.config)
    started = time.monotonic()

    print(f"== release: nbgrader generate_assignment {assignment}  (due date = soft deadline)", flush=True)
    run_nbgrader(["generate_assignment", assignment, "--force", QUIET], course_dir)

    names = sample_names(demo_only=True)
    print(f"== submissions: {', '.join(names)}", flush=True)
    for sample in place_samples(course_dir, names):
        print(f"   {sample.name} ({sample.timestamp}): {sample.description}")

    print(f"== autograde on all cores: python -m gradekit.autograded.parallel {assignment}  "
          "(nbgrader autograde per student, every kernel in the bubblewrap sandbox)", flush=True)
    run_module("gradekit.autograded.parallel", [assignment, "--force"], course_dir)

    print(f"== nbgrader generate_feedback {assignment}  (hidden tests removed)", flush=True)
    run_nbgrader(["generate_feedback", assignment, "--force", QUIET], course_dir)

    print("== nbgrader export  (kit CSV with late penalties)", flush=True)
    run_nbgrader(["export", "--to", "grades.csv", QUIET], course_dir)

    print("== integrity scan, class report, a student's report", flush=True)
    run_module("gradekit.submitted.integrity", [assignment], course_dir)
    run_module("gradekit.submitted.similarity", [assignment], course_dir)
    run_module("gradekit.grades.class_report", [], course_dir)
    notebook = course_dir / "autograded" / REPORTED_STUDENT / assignment / f"{assignment}.ipynb"
    student_report = course_dir / "reports" / "students" / REPORTED_STUDENT
    run_module("gradekit.feedback.report", [str(notebook), "--out", str(student_report), "--pdf"], course_dir)
    print(f"== the students' self-check, quick mode, on {REPORTED_STUDENT}'s notebook (title block left empty)",
          flush=True)
    week_before = (deadlines.soft_instant() - datetime.timedelta(days=7)).date().isoformat()
    subprocess.run([sys.executable, "self_check.py", f"{assignment}.ipynb", "--no-run", "--now", week_before],
                   cwd=course_dir / "submitted" / REPORTED_STUDENT / assignment,
                   env=tool_environment(), check=False)

    print("== LMS grade files from the sample rosters in tests/lms/ (python -m gradekit.grades.lms): Moodle in "
          "Russian, Canvas", flush=True)
    lms_files = write_demo_files(course_dir, assignment)

    print(f"\nAutograded scores ({time.monotonic() - started:.0f} s):\n")
    print(format_table(*autograded_scores(course, assignment)))
    print(f"\nDeadlines (soft {deadlines.soft_deadline}, hard {deadlines.hard_deadline}, {deadlines.timezone}) "
          "from grades.csv:\n")
    print(format_penalties(read_csv_rows(course_dir / "grades.csv", PENALTY_COLUMNS), deadlines.timezone))
    print(f"\nGrades CSV:     {course_dir / 'grades.csv'}")
    print(f"Feedback:       {course_dir / 'feedback'}/<student>/{assignment}/{assignment}.html")
    print(f"Class report:   {course_dir / 'reports' / 'class_report' / 'class_report.html'}")
    print(f"Similarity:     {course_dir / 'reports' / f'similarity_{assignment}' / 'index.html'}")
    print(f"Student report: {student_report}")
    print(f"Self-check:     {course_dir / 'release' / assignment / 'self_check.py'}  "
          f"(students: python self_check.py {assignment}.ipynb)")
    print(f"LMS files:      {', '.join(str(path) for path in lms_files)}")
    print(f"Grade by question (manual answers, in the browser): cd {course_dir} && jupyter lab, "
          "then open /grade-by-question on that server (docs/grade_by_question.md)")
    print(f"\nThe demo took {time.monotonic() - started:.0f} s.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", default=str(REPO_ROOT / "demo"))
    args = parser.parse_args(argv)
    run_demo(args.course_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
