"""`make demo`: the whole cycle on a throw-away copy of the course in demo/.

release -> sample submissions under submitted/ -> nbgrader autograde ->
nbgrader export -> per-student, per-test score table. The instructor's own
gradebook at the repository root is never touched.
"""
import argparse
import shutil
import sys
import time
from pathlib import Path

from gradekit import ASSIGNMENT, COURSE_ID
from gradekit.course import REPO_ROOT, copy_course, run_nbgrader
from gradekit.grades.table import autograded_scores, format_table
from gradekit.submitted.samples import place_samples, sample_names


# nbgrader's INFO log (and its checksum warning for every cell with hidden tests)
# would bury the summary; the real commands in README.md show everything.
QUIET = "--log-level=ERROR"


def run_demo(course_dir):
    course_dir = Path(course_dir)
    if course_dir.exists():
        shutil.rmtree(course_dir)
    copy_course(course_dir)
    started = time.monotonic()

    print(f"== release: nbgrader generate_assignment {ASSIGNMENT}", flush=True)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", QUIET], course_dir)

    names = sample_names(demo_only=True)
    print(f"== submissions: {', '.join(names)}", flush=True)
    for sample in place_samples(course_dir, names):
        print(f"   {sample.name}: {sample.description}")

    print(f"== nbgrader autograde {ASSIGNMENT}", flush=True)
    run_nbgrader(["autograde", ASSIGNMENT, "--force", QUIET], course_dir)

    print("== nbgrader export", flush=True)
    run_nbgrader(["export", "--to", "grades.csv", QUIET], course_dir)

    db_url = "sqlite:///" + str((course_dir / "gradebook.db").resolve())
    print(f"\nAutograded scores ({time.monotonic() - started:.0f} s):\n")
    print(format_table(*autograded_scores(db_url, COURSE_ID)))
    print(f"\nGrades CSV: {course_dir / 'grades.csv'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", default=str(REPO_ROOT / "demo"))
    args = parser.parse_args(argv)
    run_demo(args.course_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
