"""Autograde the same submissions with and without the bubblewrap sandbox; print the overhead.

Both runs use real `nbgrader autograde` in fresh course copies, one after the
other (never in parallel, so they do not compete for cores), alternating the
order over the rounds.
Run: .venv/bin/python benchmarks/sandbox_overhead.py [--samples correct blank] [--rounds 1]
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradekit.autograded.sandbox import SANDBOX_SWITCH
from gradekit.course import copy_course, grading_environment, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import place_samples


def grading_seconds(samples, sandbox):
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, capture=True)
        place_samples(course, samples)
        env = {**grading_environment(), SANDBOX_SWITCH: "on" if sandbox else "off"}
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=course, env=env,
                       check=True, capture_output=True)
        return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", nargs="+", default=["correct", "blank"])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    totals = {True: 0.0, False: 0.0}
    for round_index in range(args.rounds):
        order = (True, False) if round_index % 2 == 0 else (False, True)
        for sandbox in order:
            seconds = grading_seconds(args.samples, sandbox)
            totals[sandbox] += seconds
            print(f"round {round_index + 1}  {'sandboxed  ' if sandbox else 'unsandboxed'}  {seconds:6.1f} s")
    print(f"samples: {' '.join(args.samples)}; rounds: {args.rounds}")
    print(f"sandboxed {totals[True]:.1f} s, unsandboxed {totals[False]:.1f} s, "
          f"overhead ratio {totals[True] / totals[False]:.3f}")


if __name__ == "__main__":
    main()
