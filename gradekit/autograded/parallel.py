"""Autograde a whole class in parallel on Dask: one `nbgrader autograde --student=ID` per task.

    python -m gradekit.autograded.parallel numpy_nn --workers 2
    python -m gradekit.autograded.parallel numpy_nn --scheduler tcp://HOST:8786 --db-url postgresql://...

Each task runs nbgrader's own autograde for one student in a subprocess of a Dask
worker, so a crash costs only that student; a failed attempt is retried once
(with --force), and a student that fails twice is reported while the batch goes
on. A grading fault (the grader's side failed: gradekit.autograded.faults) is not
retried and saves nothing; the run names its cause and students and exits 1. Before
any student, the instructor's solution is graded in the same environment
(gradekit.autograded.preflight) and must pass. Without --scheduler the tasks run on a local Dask cluster of --workers
single-threaded workers; with it, on an existing cluster, whose workers must see
the course directory at the same path and run the kit's venv (docs/autograding.md
"Across machines"). A student whose autograded folder holds an unfinished grading (its
grader was killed or its machine lost) is graded again, never skipped. Logs:
<course>/reports/autograde/<assignment>/<student>.log and summary.json. Exit code 1
if the preflight failed, any student faulted or failed, or the Dask scheduler was lost.
"""
import argparse
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gradekit.autograded.completion import NO_SWEEP, is_unfinished
from gradekit.autograded.faults import FAULT_MARK
from gradekit.autograded.gradebook_db import DB_URL_VARIABLE
from gradekit.autograded.summary import summary_lines
from gradekit.course import grading_environment, tool_environment
from gradekit.settings import CourseError, load_course

SKIPPED = "Skipping existing assignment"  # nbgrader's log line when it keeps an earlier grading
ERROR_LINE = re.compile(r"^\s*(ERROR: |[\w.]*(Error|Exception): )")  # an exception or the sandbox check
DEFAULT_TIMEOUT = 1800  # s per attempt; ResilientExecute stops a notebook after 1200 s

_running = set()  # nbgrader processes started by this process's Dask worker threads
SCHEDULER_LOST = "scheduler-connection-lost"  # Dask's reason for cancelling every future of a client


class SchedulerLost(Exception):
    """The Dask scheduler went away mid-run; `attempts` holds what had finished."""

    def __init__(self, attempts):
        super().__init__("lost the Dask scheduler")
        self.attempts = attempts


@dataclass
class Attempt:
    student: str
    attempt: int
    returncode: int | None  # None: the task itself raised (e.g. the course is not mounted on that worker)
    seconds: float
    host: str
    log: str
    timed_out: bool = False
    resumed: bool = False  # an unfinished earlier grading was found, so this attempt regraded (--force)

    @property
    def ok(self):
        return self.returncode == 0

    @property
    def fault(self):
        """The cause of a grading fault this attempt logged, or None."""
        for line in self.log.splitlines():
            if FAULT_MARK + ":" in line:
                # "... GRADING FAULT: <student>: <cause>"
                return line.split(FAULT_MARK + ":", 1)[1].split(":", 1)[-1].strip()
        return None

    @property
    def status(self):
        """fault, failed, skipped (an earlier grading had completed), regraded (an earlier one had not), or graded."""
        if self.fault:
            return "fault"
        if not self.ok:
            return "failed"
        if SKIPPED in self.log:
            return "skipped"
        return "regraded" if self.resumed else "graded"

    def reason(self):
        if self.returncode is None:
            return "the task raised: " + self.log.strip().splitlines()[-1]
        if self.timed_out:
            return "no result within the timeout, nbgrader was killed"
        if self.returncode < 0:
            return f"nbgrader was killed by signal {-self.returncode}"
        errors = [line.strip() for line in self.log.splitlines() if ERROR_LINE.search(line)]
        return f"nbgrader exited with code {self.returncode}" + (f": {errors[-1][:300]}" if errors else "")


def autograde_student(course_dir, assignment, student, force=False, db_url=None, timeout=DEFAULT_TIMEOUT, attempt=1,
                      folder=None, resume=False):
    """The Dask task: `nbgrader autograde ASSIGNMENT --student=STUDENT` in course_dir, as an Attempt.

    Regrades (--force) on a retry, when told to (`resume`: the command found an unfinished
    grading of this student), and when the student's autograded `folder` holds an unfinished
    grading now (Dask runs a task again after its worker died mid-student).
    """
    resumed = resume or (folder is not None and is_unfinished(Path(folder)))
    command = [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={student}"]
    if force or attempt > 1 or resumed:
        command.append("--force")
    env = {**grading_environment(), NO_SWEEP: "1"}
    if db_url:
        env[DB_URL_VARIABLE] = db_url
    started, timed_out = time.monotonic(), False
    # The log goes to a file, not a pipe: a kernel that outlives a killed nbgrader would hold a pipe open.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output:
        # own session: a timeout kills nbgrader and its kernel together
        process = subprocess.Popen(command, cwd=course_dir, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        _running.add(process)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            timed_out = True
        finally:
            _running.discard(process)
        output.seek(0)
        log = output.read()
    return Attempt(student, attempt, process.returncode, time.monotonic() - started, socket.gethostname(), log,
                   timed_out, resumed)


def stop_local_graders():
    """Kill the graders this process started (the local cluster's); they are in sessions of their own."""
    for process in list(_running):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def prepare_gradebook(db_url, course_id, assignment):
    """Create the tables once, before parallel graders could race to; the assignment must be released."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(f"ERROR: the gradebook ({_without_password(db_url)}) has no assignment {assignment!r}: "
                             f"run `nbgrader generate_assignment {assignment}` with this gradebook first.") from None


def _without_password(db_url):
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


@contextmanager
def dask_client(workers, scheduler):
    """A Dask client: of an existing cluster, or of a local one with `workers` single-threaded workers."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            # A lost scheduler makes the client log its reconnection failures with tracebacks;
            # grade_class turns the loss into one line (SchedulerLost), so keep the rest quiet.
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
            yield client
        return
    # Threads are enough: every task's work happens in its own nbgrader process.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def grade_class(client, course_dir, assignment, students, force=False, db_url=None, timeout=DEFAULT_TIMEOUT,
                progress=True, folders=None, resume=frozenset()):
    """Autograde `students` as Dask tasks, each retried once.

    Args:
        folders: {student: autograded folder}, checked by each task for an unfinished grading.
        resume: students whose unfinished earlier grading was found before the run: regraded.

    Returns:
        {student: [Attempt, ...]}
    """
    from dask.distributed import as_completed
    from distributed.client import FutureCancelledError
    from tqdm import tqdm

    folders = folders or {}

    def submit(student, attempt):
        folder = folders.get(student)
        future = client.submit(autograde_student, str(course_dir), assignment, student, force, db_url, timeout,
                               attempt, None if folder is None else str(folder), student in resume,
                               key=f"autograde-{student}-{attempt}-{uuid.uuid4().hex[:8]}")
        tasks[future.key] = (student, attempt)
        return future

    tasks, attempts = {}, {student: [] for student in students}
    running = as_completed([submit(student, 1) for student in students])
    failed = 0
    with tqdm(total=len(students), unit="student", desc=f"autograde {assignment}", disable=not progress) as bar:
        try:
            for future in running:
                student, number = tasks.pop(future.key)
                try:
                    result = future.result()
                except FutureCancelledError as error:
                    if error.reason != SCHEDULER_LOST:
                        raise
                    raise SchedulerLost(attempts) from None
                except Exception:  # the task raised, or its worker died more often than Dask retries
                    result = Attempt(student, number, None, 0.0, "?", traceback.format_exc())
                future.release()
                attempts[student].append(result)
                if not result.ok and number == 1 and not result.fault:  # a fault would only fault again
                    bar.write(f"{student}: {result.reason()}; retrying once")
                    running.add(submit(student, 2))
                    continue
                if not result.ok:
                    failed += 1
                    bar.write(f"{student}: FAILED twice ({result.reason()})")
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
        except KeyboardInterrupt:
            stop_local_graders()  # a remote cluster's running graders finish on their own
            raise
    return attempts


def write_logs(attempts, log_dir):
    """One log per student (every attempt) and summary.json; returns the summary."""
    log_dir.mkdir(parents=True, exist_ok=True)
    summary = {}
    for student, tries in attempts.items():
        with open(log_dir / f"{student}.log", "w", encoding="utf-8") as log:
            for attempt in tries:
                note = " (an unfinished earlier grading was found: graded again)" if attempt.resumed else ""
                log.write(f"===== attempt {attempt.attempt} on {attempt.host}: {attempt.status}{note}, "
                          f"{attempt.seconds:.1f} s, exit code {attempt.returncode} =====\n{attempt.log}\n")
        final = tries[-1]
        summary[student] = {"status": final.status, "attempts": len(tries), "seconds": round(final.seconds, 1),
                            "host": final.host, "reason": final.fault or (None if final.ok else final.reason())}
    (log_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", help="default: the only assignment under source/")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="local Dask workers, i.e. students graded at once (default: the number of cores)")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--db-url",
                        help=f"gradebook URL, e.g. postgresql://user:password@host/db (default: ${DB_URL_VARIABLE}, "
                             f"else the course's nbgrader_config.py)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade students that are already autograded")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per attempt")
    parser.add_argument("--course-dir", type=Path, default=Path.cwd(),
                        help="the course directory (with nbgrader_config.py)")
    parser.add_argument("--log-dir", type=Path, help="default: <course>/reports/autograde/<assignment>")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--no-preflight", action="store_true",
                        help="do not grade the solution first (each grader still runs it, from the cache, unless "
                             "c.Preflight.enabled = False)")
    args = parser.parse_args(argv)

    os.environ["PATH"] = tool_environment()["PATH"]  # a new gradebook asks alembic for its version
    try:
        course = load_course(args.course_dir, args.db_url)
        args.assignment = args.assignment or course.default_assignment()
    except CourseError as error:
        raise SystemExit(f"ERROR: {error}") from None
    course_dir, db_url = course.root, course.db_url
    submitted = course.directory("submitted")
    found = sorted(p.parent.name for p in submitted.glob(f"*/{args.assignment}") if p.is_dir())
    students = args.student or found
    missing = sorted(set(students) - set(found))
    if missing:
        raise SystemExit(f"ERROR: no submission of {args.assignment} in {submitted} for: {', '.join(missing)}")
    if not students:
        raise SystemExit(f"ERROR: no submissions of {args.assignment} in {submitted}")
    prepare_gradebook(db_url, course.course_id, args.assignment)
    preflight = check_solution(course, args.assignment) if not args.no_preflight else "skipped (--no-preflight)"
    folders = {student: course.assignment_dir("autograded", student, args.assignment) for student in students}
    unfinished = sorted(student for student, folder in folders.items() if is_unfinished(folder))
    if unfinished:
        print(f"Unfinished earlier gradings (a grader was interrupted), graded again: {', '.join(unfinished)}",
              flush=True)

    started, scheduler_lost = time.monotonic(), None
    with dask_client(args.workers, args.scheduler) as client:
        threads = sum(client.nthreads().values())
        print(f"Autograding {len(students)} submissions of {args.assignment} on {client.scheduler.address} "
              f"({threads} worker threads now), gradebook {_without_password(db_url)}", flush=True)
        try:
            attempts = grade_class(client, course_dir, args.assignment, students, args.force, db_url,
                                   args.timeout, progress=not args.no_progress, folders=folders,
                                   resume=set(unfinished))
        except SchedulerLost as lost:
            attempts = lost.attempts
            scheduler_lost = client.scheduler.address
            logging.getLogger("distributed").setLevel(logging.CRITICAL)  # the closing client's complaints
    log_dir = args.log_dir or course_dir / "reports" / "autograde" / args.assignment
    if scheduler_lost:
        finished = {student: tries for student, tries in attempts.items() if tries}
        write_logs(finished, log_dir)
        left = [student for student in students if not any(attempt.ok for attempt in attempts[student])]
        raise SystemExit(f"ERROR: lost the Dask scheduler {scheduler_lost} mid-run; {len(left)} of {len(students)} "
                         f"students not confirmed graded ({', '.join(left)}). Start the scheduler again and rerun "
                         "this command: finished gradings are skipped, interrupted ones graded again.")
    summary = write_logs(attempts, log_dir)

    counts = {status: sorted(s for s, row in summary.items() if row["status"] == status)
              for status in ("graded", "regraded", "skipped", "failed", "fault")}
    retried = sorted(s for s, row in summary.items() if row["attempts"] > 1 and row["status"] != "failed")
    faults = {student: summary[student]["reason"] for student in counts["fault"]}
    graded = len(counts["graded"]) + len(counts["regraded"])
    for line in summary_lines(graded, faults, len(counts["skipped"]), counts["failed"], preflight):
        print(line)
    print(f"In {time.monotonic() - started:.0f} s. Logs: {log_dir}")
    if counts["regraded"]:
        print("Regraded after an interrupted grading: " + ", ".join(counts["regraded"]))
    if retried:
        print("Graded on the second attempt: " + ", ".join(retried))
    for student in counts["failed"]:
        print(f"FAILED: {student}: {summary[student]['reason']} (see {log_dir / (student + '.log')})")
    return 1 if counts["failed"] or counts["fault"] else 0


def check_solution(course, assignment):
    """The preflight before any student (gradekit.autograded.preflight); stops the command if it fails."""
    from gradekit.autograded.preflight import require_preflight

    return require_preflight(course.root, course.config, assignment, lambda line: print(line, flush=True))

if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted: the local graders were stopped; students graded so far keep their grades, "
                 "and a rerun grades the others.")
