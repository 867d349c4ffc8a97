"""An interrupted grading never counts as graded (gradekit.autograded.completion).

Each test kills graders for real (SIGKILL: a lost machine, a power cut), runs again
as an instructor would, and compares every student's scores, cell by cell, with an
uninterrupted grading of the same class. The assignment is the tests' tiny one, whose
first test sleeps, so a kill lands mid-student.
"""
import json
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import psutil
import pytest
from nbgrader.api import Gradebook

from gradekit.autograded.completion import (NO_SWEEP, RECORD, GradingRecord, discard_interrupted, is_unfinished,
                                           read_record)
from gradekit.course import grading_environment
from tiny_course import EXPECTED_POINTS, TINY, tiny_course

STUDENTS = ("half", "right", "right_too", "wrong")


def new_course(path):
    return tiny_course(path, STUDENTS)


def scores(course):
    """{student: {grade_id: auto_score}} from the course's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: {grade.name: grade.auto_score
                          for grade in gradebook.find_submission_notebook(TINY, TINY, student).grades}
                for student in STUDENTS}


def assert_all_graded_as(course, reference):
    assert scores(course) == reference
    for student in STUDENTS:
        folder = course / "autograded" / student / TINY
        assert (folder / f"{TINY}.ipynb").is_file() and not is_unfinished(folder), student


def nbgrader_autograde(course, wait=True):
    command = [sys.executable, "-m", "nbgrader", "autograde", TINY]
    if wait:
        return subprocess.run(command, cwd=course, env=grading_environment(), capture_output=True, text=True,
                              timeout=600)
    return subprocess.Popen(command, cwd=course, env=grading_environment(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def kit_command(course, *args, wait=True):
    command = [sys.executable, "-m", "gradekit.autograded.parallel", TINY, "--no-progress", *args]
    if wait:
        return subprocess.run(command, cwd=course, env=grading_environment(), capture_output=True, text=True,
                              timeout=900)
    return subprocess.Popen(command, cwd=course, env=grading_environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def summary_of(course):
    return json.loads((course / "reports" / "autograde" / TINY / "summary.json").read_text())


def wait_for_grading(course, student, timeout=300):
    """The pid of the grader once it is grading `student` (its kernel running the sleeping test)."""
    record = course / "autograded" / student / TINY / RECORD
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = read_record(record.parent) if record.exists() else None
        if found is not None and found.pid > 0:
            with suppress(psutil.NoSuchProcess):
                if any("ipykernel_launcher" in " ".join(p.cmdline()) for p in
                       psutil.Process(found.pid).children(recursive=True)):
                    return found.pid
        time.sleep(0.1)
    raise AssertionError(f"{student} was never seen being graded")


def kill_tree(pid):
    """SIGKILL a process and everything below it, as a machine that dies."""
    with suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        processes = [root] + root.children(recursive=True)
        for process in processes:
            with suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGKILL)
        psutil.wait_procs(processes, timeout=30)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Scores of an uninterrupted plain `nbgrader autograde` of the class."""
    course = new_course(tmp_path_factory.mktemp("reference") / "course")
    result = nbgrader_autograde(course)
    assert result.returncode == 0, result.stderr[-3000:]
    found = scores(course)
    # not trivial: full, partial and zero scores
    assert {s: sum(v or 0 for v in cells.values()) for s, cells in found.items()} == \
        {s: EXPECTED_POINTS[s] for s in STUDENTS}
    return found


# --- unit level: the record ------------------------------------------------------------


def test_a_record_of_a_dead_process_on_this_machine_is_stale(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    record = GradingRecord.of_this_process()
    assert not record.grader_is_gone()
    record.pid = process.pid
    assert record.grader_is_gone()


def test_a_record_from_another_machine_is_stale_only_after_the_longest_grading():
    record = GradingRecord.of_this_process()
    record.host = "another-grading-machine"
    assert not record.grader_is_gone(now=record.started + 60)
    assert record.grader_is_gone(now=record.started + 3 * 3600)


def test_the_sweep_keeps_live_gradings_and_finished_ones(tmp_path):
    autograded = tmp_path / "autograded"
    live, dead, finished, garbled = (autograded / s / TINY for s in ("live", "dead", "finished", "garbled"))
    for folder in (live, dead, finished, garbled):
        folder.mkdir(parents=True)
        (folder / f"{TINY}.ipynb").write_text("{}")
    record = GradingRecord.of_this_process()
    (live / RECORD).write_text(json.dumps(record.__dict__))
    (dead / RECORD).write_text(json.dumps({**record.__dict__, "boot": "an earlier boot"}))
    (garbled / RECORD).write_text('{"host": ')  # killed while writing it
    with pytest.MonkeyPatch.context() as patch:  # the kit's own graders: the kit regrades these itself
        patch.setenv(NO_SWEEP, "1")
        assert discard_interrupted(autograded) == [] and dead.exists()
    assert sorted(discard_interrupted(autograded)) == sorted([dead, garbled])
    assert live.exists() and finished.exists() and not dead.exists() and not garbled.exists()


# --- kills for real ------------------------------------------------------------------


@pytest.mark.parametrize("victim", ["right", "half"], ids=["with-timestamp", "without-timestamp"])
def test_plain_nbgrader_killed_then_run_again(reference, tmp_path, victim):
    course = new_course(tmp_path / "course")
    grader = nbgrader_autograde(course, wait=False)
    wait_for_grading(course, victim)
    kill_tree(grader.pid)
    grader.wait()
    assert is_unfinished(course / "autograded" / victim / TINY)
    result = nbgrader_autograde(course)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Removing the unfinished grading in {course / 'autograded' / victim / TINY}" in result.stderr
    assert_all_graded_as(course, reference)


def test_kit_command_killed_with_its_whole_tree_then_run_again(reference, tmp_path):
    course = new_course(tmp_path / "course")
    command = kit_command(course, "--workers", "2", wait=False)
    wait_for_grading(course, "right")
    in_flight = sorted(s for s in STUDENTS if is_unfinished(course / "autograded" / s / TINY))
    kill_tree(command.pid)
    command.wait()
    assert "right" in in_flight
    result = kit_command(course, "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    summary = summary_of(course)
    assert {s for s, row in summary.items() if row["status"] == "regraded"} == set(in_flight)
    assert {row["status"] for s, row in summary.items() if s not in in_flight} <= {"graded", "skipped"}
    assert "Unfinished earlier gradings (a grader was interrupted), graded again: " + ", ".join(in_flight) \
        in result.stdout
    assert_all_graded_as(course, reference)


class DaskCluster:
    """`dask scheduler` and two `dask worker --nthreads 1` processes on 127.0.0.1, as on a big course's machines."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.dask = str(Path(sys.executable).parent / "dask")
        self.scheduler = self.workers = None

    def start(self):
        scheduler_file = self.directory / f"scheduler-{time.monotonic_ns()}.json"
        self.scheduler = subprocess.Popen(
            [self.dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)], cwd=self.directory, env=grading_environment(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(240):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.25)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = [subprocess.Popen([self.dask, "worker", self.address, "--nthreads", "1", "--host",
                                          "127.0.0.1", "--no-dashboard"], cwd=self.directory,
                                         env=grading_environment(), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL) for _ in range(2)]
        from dask.distributed import Client

        with Client(self.address) as client:
            client.wait_for_workers(2, timeout=120)
        return self

    def worker_running(self, pid):
        """The worker process whose tree holds `pid`."""
        ancestors = {p.pid for p in psutil.Process(pid).parents()}
        return next(worker for worker in self.workers if worker.pid in ancestors)

    def stop(self):
        for process in [*(self.workers or []), self.scheduler]:
            if process is not None:
                kill_tree(process.pid)
                process.wait()


@pytest.fixture
def cluster(tmp_path):
    clusters = []

    def start():
        clusters.append(DaskCluster(tmp_path).start())
        return clusters[-1]

    yield start
    for started in clusters:
        started.stop()


def test_dask_worker_killed_mid_student(reference, tmp_path, cluster):
    course = new_course(tmp_path / "course")
    dask = cluster()
    command = kit_command(course, "--scheduler", dask.address, wait=False)
    grader = wait_for_grading(course, "right")
    kill_tree(dask.worker_running(grader).pid)
    output, _ = command.communicate(timeout=900)
    assert command.returncode == 0, output
    assert summary_of(course)["right"]["status"] == "regraded", output
    assert "Regraded after an interrupted grading: right" in output
    assert_all_graded_as(course, reference)


def test_scheduler_killed_mid_run_then_run_again(reference, tmp_path, cluster):
    course = new_course(tmp_path / "course")
    dask = cluster()
    command = kit_command(course, "--scheduler", dask.address, wait=False)
    wait_for_grading(course, "right")
    kill_tree(dask.scheduler.pid)
    output, _ = command.communicate(timeout=900)
    assert command.returncode != 0, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "lost the Dask scheduler" in errors[0], output
    assert "Traceback" not in output
    dask.stop()
    result = kit_command(course, "--scheduler", cluster().address)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert_all_graded_as(course, reference)
