"""One closing summary per autograding run: graded, faults (cause and students), skipped, preflight.

`nbgrader autograde` logs every student's grading at length; what a person must see
at the end of a run of 300 students is whether anything went wrong on the grader's
side. The kit's hooks record what happened to each student in `RUN` (this
process's run), and the summary is logged when the command ends (nbgrader_config.py
registers `log_summary` for `nbgrader autograde`; the kit's parallel command prints
its own from the students' results).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunSummary:
    """What happened to the students of one autograding process."""

    started: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    faults: dict[str, str] = field(default_factory=dict)  # student -> cause
    preflight: str | None = None  # the preflight's one-line verdict, once it ran

    def start(self, student: str) -> None:
        self.started.append(student)

    def finish(self, student: str) -> None:
        self.graded.append(student)

    def fault(self, student: str, cause: str) -> None:
        self.faults[student] = cause

    def failed(self) -> list[str]:
        """Students whose grading started and neither finished nor faulted (nbgrader's own errors)."""
        return [s for s in self.started if s not in self.graded and s not in self.faults]


RUN = RunSummary()


def fault_lines(faults: dict[str, str]) -> list[str]:
    """'FAULT: <cause>: students a, b' lines, one per cause."""
    by_cause: dict[str, list[str]] = {}
    for student, cause in sorted(faults.items()):
        by_cause.setdefault(cause, []).append(student)
    return [f"FAULT ({len(students)} student{'s' if len(students) > 1 else ''}: {', '.join(students)}): {cause}"
            for cause, students in by_cause.items()]


def summary_lines(graded: int, faults: dict[str, str], skipped: int, failed: list[str],
                  preflight: str | None) -> list[str]:
    """The closing lines of a run.

    Args:
        graded: students graded in this run.
        faults: {student: cause} of the grading faults (nothing of theirs was saved).
        skipped: students left alone because an earlier grading had completed.
        failed: students whose grading failed for another reason.
        preflight: the preflight's verdict line, or None when it did not run.
    Returns:
        Lines for the log.
    """
    head = (f"Autograde summary: graded {graded}, faults {len(faults)}, skipped {skipped} "
            f"(already autograded; --force regrades)")
    if failed:
        head += f", failed {len(failed)} ({', '.join(failed)})"
    lines = [head, f"Preflight: {preflight or 'not run (no student needed grading)'}"]
    lines += fault_lines(faults)
    if faults:
        lines.append("Faults are the grader's side, not the students': nothing of theirs was saved. Fix the cause "
                     "and run the same command again; it grades exactly these students.")
    return lines


def submitted_students(submitted_dir: Path, assignment: str, pattern: str = "*") -> list[str]:
    """Students with a submission of the assignment whose id matches nbgrader's --student pattern."""
    return sorted(p.parent.name for p in Path(submitted_dir).glob(f"*/{assignment}")
                  if p.is_dir() and fnmatch.fnmatchcase(p.parent.name, pattern or "*"))


_registered = []


def log_summary_at_exit() -> None:
    """Log the summary when this process ends, once (nbgrader loads nbgrader_config.py more than once)."""
    import atexit

    if not _registered:
        atexit.register(log_summary)
        _registered.append(log_summary)


def log_summary() -> None:
    """Log the summary of this `nbgrader autograde` process (registered with atexit in nbgrader_config.py)."""
    from nbgrader.apps import AutogradeApp

    if not AutogradeApp.initialized():
        return
    app = AutogradeApp.instance()
    coursedir = app.coursedir
    if not coursedir.assignment_id:
        return
    submitted = Path(coursedir.root) / coursedir.submitted_directory
    students = submitted_students(submitted, coursedir.assignment_id, coursedir.student_id)
    skipped = len([s for s in students if s not in RUN.started])
    lines = summary_lines(len(RUN.graded), RUN.faults, skipped, RUN.failed(), RUN.preflight)
    report = app.log.error if RUN.faults or RUN.failed() else app.log.info
    for line in lines:
        report(line)
