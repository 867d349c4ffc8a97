"""Class-scale autograding: nbgrader's overhead over bare nbclient, and the speedup of 2 Dask workers over 1.

One run, the same submissions throughout, each measurement in a fresh course copy
and one after the other (never two at once, so they do not compete for cores):
  1. serial `nbgrader autograde` (the kit's config: sandbox, ResilientExecute);
  2. bare nbclient: the notebooks nbgrader executed in 1 (its autograded notebooks,
     test cells restored, outputs cleared), executed one after the other in a copy
     of each student's folder, no sandbox, no gradebook;
  3. `python -m gradekit.autograded.parallel --workers 1`, then 4. `--workers 2`.
Overhead ratio = 1 / 2; speedup = 3 / 4. Course set-up is not timed.
The speedup is bounded by the submissions themselves: two workers need at least the
longer half of the best split of the submissions. That bound is computed from the per-student
seconds of run 3 (reports/autograde/.../summary.json) and printed next to the speedup.
Run: .venv/bin/python benchmarks/parallel_grading.py [--samples correct late_correct ...]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from gradekit.autograded.gradebook_db import DB_URL_VARIABLE
from gradekit.course import SINGLE_THREADED, copy_course, grading_environment, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import place_samples

# Six submissions that train the full network and take about as long each (41-53 s alone), so that
# two workers can get equal shares. correct_alt takes 208 s alone (einsum, longer t-SNE and regression):
# in a set of four it alone bounds the speedup at about 1.6, whatever the grader does.
DEFAULT_SAMPLES = ["correct", "late_correct", "too_late_correct", "bug_grad_after_update",
                   "bug_weight_grad_mean", "bug_bias_grad_mean"]


def environment():
    env = grading_environment()
    env.pop(DB_URL_VARIABLE, None)
    return env


def new_course(root, name, samples):
    course = copy_course(Path(root) / name)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, capture=True)
    place_samples(course, samples)
    return course


def timed(command, course):
    started = time.monotonic()
    result = subprocess.run(command, cwd=course, env=environment(), capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds


def bare_nbclient_seconds(course, students, timeout):
    """Execute each autograded notebook (outputs cleared) with plain nbclient, one after the other."""
    total = 0.0
    for student in students:
        folder = course / "autograded" / student / ASSIGNMENT
        notebook = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        with tempfile.TemporaryDirectory() as scratch:
            workdir = shutil.copytree(folder, Path(scratch) / ASSIGNMENT)
            client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": str(workdir)}})
            started = time.monotonic()
            try:
                client.execute(env={**os.environ, **SINGLE_THREADED})
            except DeadKernelError:
                pass  # the same notebook's kernel died under nbgrader too
            total += time.monotonic() - started
    return total


def student_seconds(course):
    """{student: seconds} of the graded students, from the parallel command's summary."""
    summary = json.loads((course / "reports" / "autograde" / ASSIGNMENT / "summary.json").read_text())
    return {student: row["seconds"] for student, row in summary.items()}


def two_worker_bound(seconds):
    """The best speedup two workers can reach on these tasks: total / the best split's longer half."""
    times = list(seconds.values())
    total = sum(times)
    best = min(max(part, total - part)
               for size in range(len(times) + 1) for subset in combinations(times, size)
               for part in [sum(subset)])
    return total / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", nargs="+", default=DEFAULT_SAMPLES)
    parser.add_argument("--timeout", type=int, default=300, help="nbclient's per-cell timeout (s)")
    args = parser.parse_args()
    os.environ["PATH"] = environment()["PATH"]
    n = len(args.samples)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        course = new_course(tmp, "serial", args.samples)
        serial = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], course)
        print(f"serial nbgrader autograde   {serial:7.1f} s", flush=True)
        bare = bare_nbclient_seconds(course, args.samples, args.timeout)
        print(f"bare nbclient               {bare:7.1f} s", flush=True)
        workers = {}
        for count in (1, 2):
            course = new_course(tmp, f"workers{count}", args.samples)
            workers[count] = timed([sys.executable, "-m", "gradekit.autograded.parallel", ASSIGNMENT,
                                    "--workers", str(count), "--no-progress"], course)
            print(f"kit, {count} worker{'s' if count > 1 else ' '}              {workers[count]:7.1f} s", flush=True)
            if count == 1:
                one_worker_seconds = student_seconds(course)
    print(f"\nsubmissions: {n} ({' '.join(args.samples)}); cores: {os.cpu_count()}; "
          f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"overhead ratio (serial nbgrader / bare nbclient): {serial / bare:.3f}")
    speedup, bound = workers[1] / workers[2], two_worker_bound(one_worker_seconds)
    print(f"speedup (1 worker / 2 workers):                   {speedup:.2f}")
    print(f"speedup these submissions allow at most:          {bound:.2f} "
          f"(per student, 1 worker: {', '.join(f'{s} {t:.0f} s' for s, t in one_worker_seconds.items())})")
    print(f"seconds per submission: bare nbclient {bare / n:.1f}, serial nbgrader {serial / n:.1f}, "
          f"kit 1 worker {workers[1] / n:.1f}, kit 2 workers {workers[2] / n:.1f}")


if __name__ == "__main__":
    main()
