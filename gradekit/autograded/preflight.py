"""Preflight: the instructor's solution is graded first, in the exact grading environment.

Before a class is graded, the assignment's master notebook (the solution, hidden
tests and all) runs through the kit's own execution (`ResilientExecute`: the
sandbox, the kernel, the course's data, the hidden checks as the sandbox binds
them), and every test cell must pass. If one does not, nothing is graded: a broken
environment would otherwise be charged to every student.

It runs by itself before the first student of `nbgrader autograde` (the
pre-convert hook, gradekit.autograded.completion) and at the start of the kit's
parallel command; its verdict is cached by a fingerprint of everything that
decides it (the assignment's source, the hidden checks, the grading code, the
course config, the versions of Python and the grading libraries, the data and
sandbox settings), so a rerun does not pay twice. On its own, for trying a new
environment (always runs, and refreshes the cache):

    python -m gradekit.autograded.preflight numpy_nn      # or: make preflight
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat
from nbgrader.utils import has_failed, is_grade, setenv
from traitlets import Bool, Unicode, default
from traitlets.config import Configurable

from gradekit.autograded.faults import GradingFault, describe_cell, error_outputs, one_line

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # gradekit/
# What decides how a notebook is executed and judged, besides the course's own files.
GRADING_CODE = ("autograded", "hidden_checks", "cells.py", "course.py")
LIBRARIES = ("numpy", "scikit-learn", "nbgrader", "nbclient", "nbconvert", "ipykernel", "jupyter_client")
ENVIRONMENT = ("MNIST_PATH", "MNIST_MIRROR", "NUMPY_NN_SANDBOX")
SKIPPED_NAMES = ("__pycache__", ".ipynb_checkpoints")


class Preflight(Configurable):
    """Settings of the preflight (`c.Preflight.*` in nbgrader_config.py or on the command line)."""

    enabled = Bool(
        True, help="Grade the instructor's solution before the students, and refuse to grade if it does not "
                   "get full marks. Off only to test the per-student fault handling."
    ).tag(config=True)
    cache_dir = Unicode(
        help="Folder of the cached verdicts (default: $XDG_CACHE_HOME/gradekit/preflight or "
             "~/.cache/gradekit/preflight). A verdict is keyed by its fingerprint, so course copies share it."
    ).tag(config=True)

    @default("cache_dir")
    def _cache_dir_default(self):
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return os.path.join(base, "gradekit", "preflight")


@dataclass
class Verdict:
    """The preflight's outcome for one assignment."""

    assignment: str
    passed: bool
    detail: str  # what failed, or the solution's score
    cached: bool = False

    def line(self) -> str:
        """One line for the log."""
        if self.passed:
            return f"{self.assignment}: passed ({self.detail}{', cached' if self.cached else ''})"
        return f"{self.assignment}: FAILED: {self.detail}"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(n in p.parts for n in SKIPPED_NAMES))


def fingerprint(course_root: Path, source_dir: Path, assignment: str) -> str:
    """A hash of everything that decides the preflight's verdict for this assignment.

    Args:
        course_root: the course directory (its nbgrader_config.py is part of it).
        source_dir: the assignment's folder under source/.
        assignment: its name.
    Returns:
        A hex digest.
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("assignment", assignment.encode())
    for path in _files(source_dir):
        add(f"source/{path.relative_to(source_dir)}", path.read_bytes())
    for name in GRADING_CODE:
        path = PACKAGE_ROOT / name
        for file in (_files(path) if path.is_dir() else [path]):
            if file.suffix == ".py":
                add(f"kit/{file.relative_to(PACKAGE_ROOT)}", file.read_bytes())
    config = course_root / "nbgrader_config.py"
    add("config", config.read_bytes() if config.is_file() else b"")
    add("python", sys.version.encode())
    for library in LIBRARIES:
        try:
            add(f"lib/{library}", metadata.version(library).encode())
        except metadata.PackageNotFoundError:
            add(f"lib/{library}", b"-")
    for name in ENVIRONMENT:
        add(f"env/{name}", os.environ.get(name, "\0").encode())
    add("bwrap", (shutil.which("bwrap") or "").encode())
    return digest.hexdigest()


def grade_solution(config, source_dir: Path, assignment: str) -> Verdict:
    """Execute the master notebook(s) as autograding does and judge every test cell.

    Args:
        config: the course's nbgrader config.
        source_dir: the assignment's folder under source/.
        assignment: its name.
    Returns:
        The verdict: passed when no autograded test cell failed and nothing faulted.
    """
    from gradekit.autograded.execute import ResilientExecute

    notebooks = sorted(source_dir.glob("*.ipynb"))
    if not notebooks:
        return Verdict(assignment, False, f"no notebook in {source_dir}")
    failures, passed, total = [], 0, 0
    with tempfile.TemporaryDirectory(prefix=f"gradekit-preflight-{assignment}-") as folder:
        work = Path(folder) / assignment
        shutil.copytree(source_dir, work, symlinks=False, ignore=shutil.ignore_patterns(*SKIPPED_NAMES, "*.md"))
        for path in notebooks:
            nb = nbformat.read(work / path.name, as_version=4)
            executor = ResilientExecute(config=config)
            # as nbgrader's autograde runs it (which, when this is its re-check, has set it already: nbgrader's
            # setenv does not nest)
            marked = nullcontext() if os.environ.get("NBGRADER_EXECUTION") else setenv(NBGRADER_EXECUTION="autograde")
            try:
                with marked:
                    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(work)}})
            except GradingFault as fault:
                return Verdict(assignment, False, f"{path.name}: {fault.cause}")
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                test = is_grade(cell)
                total += test
                errors = error_outputs(cell)
                # every test passes, and no other cell of the solution fails (loading the data, say)
                if (test and has_failed(cell)) or errors:
                    why = one_line(errors[0].get("ename", ""), errors[0].get("evalue", "")) if errors \
                        else "it wrote to stderr"
                    failures.append(f"{describe_cell(cell, index)}: {why}")
                elif test:
                    passed += 1
    if failures:
        return Verdict(assignment, False, f"the solution fails in this grading environment ({passed} of {total} "
                                          f"tests pass): " + "; ".join(failures))
    return Verdict(assignment, True, f"the solution passes all {total} tests")


def run_preflight(course_root: Path, config, assignment: str, use_cache: bool = True) -> Verdict:
    """The preflight verdict of an assignment, from the cache when its fingerprint is known to pass.

    Concurrent graders of the same fingerprint wait for one another (a file lock), so it runs once.

    Args:
        course_root: the course directory.
        config: its nbgrader config.
        assignment: the assignment to check.
        use_cache: False to run even when a passing verdict is cached (a new environment).
    Returns:
        The verdict (passing verdicts are cached; failing ones are not).
    """
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    source_dir = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    settings = Preflight(config=config)
    cache = Path(settings.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    key = fingerprint(Path(course_root), source_dir, assignment)
    record = cache / f"{key}.json"
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if use_cache and record.is_file():
            try:
                saved = json.loads(record.read_text(encoding="utf-8"))
                return Verdict(assignment, True, saved["detail"], cached=True)
            except (OSError, ValueError, KeyError):
                pass
        verdict = grade_solution(config, source_dir, assignment)
        if verdict.passed:
            record.write_text(json.dumps({"assignment": assignment, "detail": verdict.detail,
                                          "time": time.time()}), encoding="utf-8")
        return verdict


# {(course root, assignment): (passed, when)} of the re-checks made while grading (solution_still_passes)
_RECHECKS: dict[tuple[str, str], tuple[bool, float]] = {}
RECHECK_VALID = 600.0  # s a re-check's answer is reused for other students


def solution_still_passes(config, assignment: str) -> bool:
    """Whether the assignment's solution passes now, run afresh (no cache) in the grading environment.

    Asked when a student's grading meets a course-data error: if the solution still passes, the data is
    there and the student's code caused the error. The answer is reused for RECHECK_VALID seconds.

    Args:
        config: the running command's config.
        assignment: the assignment being graded.
    Returns:
        True when the solution passes.
    """
    root = str(config.CourseDirectory.root or os.getcwd())
    known = _RECHECKS.get((root, assignment))
    if known is not None and time.monotonic() - known[1] < RECHECK_VALID:
        return known[0]
    passed = run_preflight(Path(root), config, assignment, use_cache=False).passed
    _RECHECKS[(root, assignment)] = (passed, time.monotonic())
    return passed


def enabled(config) -> bool:
    """Whether the course runs the preflight before grading (c.Preflight.enabled)."""
    return Preflight(config=config).enabled


OFF = "off (c.Preflight.enabled = False)"


def require_preflight(course_root: Path, config, assignment: str, report) -> str:
    """The preflight before any student, for every grading command: stops the command if it fails.

    Args:
        course_root: the course directory.
        config: the running command's config.
        assignment: the assignment about to be graded.
        report: called with each line to show (the command's log or stdout).
    Returns:
        The verdict's line for the run's summary (OFF when c.Preflight.enabled is False).
    """
    if not enabled(config):
        return OFF
    report(f"Preflight: grading the solution of {assignment} in this grading environment ...")
    verdict = run_preflight(Path(course_root), config, assignment)
    report(f"Preflight: {verdict.line()}")
    if not verdict.passed:
        raise SystemExit(f"ERROR: Preflight {verdict.line()}\nNothing was graded: the grader's environment is at "
                         f"fault, not the students. Fix it (python -m gradekit.autograded.preflight {assignment} "
                         "checks it alone) and run the same command again.")
    return verdict.line()


def main(argv: list[str] | None = None) -> int:
    """`python -m gradekit.autograded.preflight [ASSIGNMENT]`: grade the solution now; exit 1 if it fails."""
    from gradekit.course import tool_environment
    from gradekit.settings import CourseError, add_course_arguments, load_course

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    add_course_arguments(parser, gradebook=False)
    args = parser.parse_args(argv)
    os.environ["PATH"] = tool_environment()["PATH"]
    try:
        course = load_course(args.course_dir)
        assignment = args.assignment or course.default_assignment()
    except CourseError as error:
        raise SystemExit(f"ERROR: {error}") from None
    print(f"Preflight: grading the solution of {assignment} in this grading environment ...", flush=True)
    verdict = run_preflight(course.root, course.config, assignment, use_cache=False)
    print(f"Preflight: {verdict.line()}")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
