"""Class-scale autograding (gradekit.autograded.parallel): Dask workers, retries, SQLite and PostgreSQL gradebooks.

Every grading here is real `nbgrader autograde` of sample submissions; the parallel
results must equal those of a plain serial `nbgrader autograde`, cell by cell.
PostgreSQL tests need NUMPY_NN_TEST_PG_URL (a role that may create databases); .ci/run sets it.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import psutil
import pytest
from nbgrader.api import Gradebook

from gradekit.autograded import parallel
from gradekit.autograded.completion import NO_SWEEP
from gradekit.autograded.gradebook_db import DB_URL_VARIABLE
from gradekit.course import REPO_ROOT, copy_course, grading_environment
from gradekit.dev.lab import ASSIGNMENT, COURSE_ID
from gradekit.dev.samples import place_samples

from conftest import NO_POSTGRESQL, PG_URL_VARIABLE
from test_autograde import autograded_outputs, failing

SAMPLES = ["correct", "blank", "crash_os_exit", "bug_below_97"]
KILLED = "blank"  # its grader is SIGKILLed once, mid-notebook: it must be graded on the retry
BROKEN = "broken_notebook"  # a file that is not JSON: nbgrader fails on both attempts
PG_SAMPLES = ["blank", "crash_os_exit"]
needs_postgresql = pytest.mark.skipif(not os.environ.get(PG_URL_VARIABLE), reason=NO_POSTGRESQL)


def environment(db_url=None):
    env = grading_environment()
    env.pop(DB_URL_VARIABLE, None)
    if db_url:
        env[DB_URL_VARIABLE] = db_url
    return env


def new_course(path, samples, db_url=None):
    course = copy_course(path)
    result = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                            cwd=course, env=environment(db_url), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    place_samples(course, samples)
    return course


def sqlite_url(course):
    return f"sqlite:///{course / 'gradebook.db'}"


def cell_results(course, db_url, student):
    """{grade cell: (auto score, max score, failed)} from the gradebook and the autograded notebook."""
    with Gradebook(db_url, COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        scores = {grade.name: (grade.auto_score, grade.max_score) for grade in notebook.grades}
    outputs = autograded_outputs(course, student)
    return {name: (*score, failing(outputs[name])) for name, score in scores.items()}


def run_parallel(course, *args, env=None):
    return subprocess.run([sys.executable, "-m", "gradekit.autograded.parallel", ASSIGNMENT, "--no-progress", *args],
                          cwd=course, env=env or environment(), capture_output=True, text=True, timeout=1800)


def summary_of(course):
    return json.loads((course / "reports" / "autograde" / ASSIGNMENT / "summary.json").read_text())


def kill_grader_once(process, student):
    """SIGKILL the `nbgrader autograde --student=<student>` under `process` once its kernel runs.

    That is, in the middle of grading. (Killed the instant bwrap appeared, once under load, the
    sandboxed kernel outlived its grader, reparented to init: --die-with-parent apparently not armed yet.)
    """
    marker = f"--student={student}"
    while process.poll() is None:
        with suppress(psutil.NoSuchProcess):
            for child in psutil.Process(process.pid).children(recursive=True):
                with suppress(psutil.NoSuchProcess):
                    kernel_up = any("ipykernel_launcher" in " ".join(c.cmdline()) for c in child.children(True))
                    if marker in child.cmdline() and kernel_up:
                        child.send_signal(signal.SIGKILL)
                        return True
        time.sleep(0.2)
    return False


def serial_results(graded_courses, student):
    """The reference: the student's cells as plain serial `nbgrader autograde` graded them (conftest)."""
    course = graded_courses[student]
    return cell_results(course, sqlite_url(course), student)


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory):
    """SAMPLES and a broken notebook on 2 local workers; KILLED's grader is killed once mid-way."""
    course = new_course(tmp_path_factory.mktemp("parallel") / "course", SAMPLES)
    broken = course / "submitted" / BROKEN / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENT}.ipynb").write_text("{not a notebook", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "gradekit.autograded.parallel", ASSIGNMENT, "--workers", "2",
                                "--no-progress"], cwd=course, env=environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = []
    killer = threading.Thread(target=lambda: killed.append(kill_grader_once(process, KILLED)))
    killer.start()
    output, _ = process.communicate(timeout=1800)
    killer.join()
    return {"course": course, "returncode": process.returncode, "output": output, "killed": killed[0]}


def test_parallel_results_equal_serial_results_cell_by_cell(graded_courses, parallel_run):
    course = parallel_run["course"]
    assert summary_of(course)[KILLED]["attempts"] == 2, "the retried student is part of the comparison"
    serial = {s: serial_results(graded_courses, s) for s in SAMPLES}
    # the reference is not trivial: full marks, zero, and partial scores
    totals = {s: sum(score or 0 for score, _, _ in cells.values()) for s, cells in serial.items()}
    assert totals["correct"] == 3.75 and totals["blank"] == 0 and 0 < totals["crash_os_exit"] < 3.75
    assert serial["bug_below_97"]["test_accuracy"][2] and not serial["bug_below_97"]["test_train"][2]
    for student in SAMPLES:
        assert cell_results(course, sqlite_url(course), student) == serial[student], student


def test_a_crashed_grader_is_reported_and_retried(parallel_run):
    assert parallel_run["killed"], "the grader of the sample to kill was never seen running"
    row = summary_of(parallel_run["course"])[KILLED]
    # killed mid-notebook, it left an unfinished grading: the retry finds it and grades again
    assert row["status"] == "regraded" and row["attempts"] == 2
    assert f"{KILLED}: nbgrader was killed by signal 9; retrying once" in parallel_run["output"]
    assert f"Regraded after an interrupted grading: {KILLED}" in parallel_run["output"]
    assert f"Graded on the second attempt: {KILLED}" in parallel_run["output"]


def test_a_failing_student_is_reported_and_never_aborts_the_batch(parallel_run):
    summary = summary_of(parallel_run["course"])
    assert parallel_run["returncode"] == 1
    assert summary[BROKEN]["status"] == "failed" and summary[BROKEN]["attempts"] == 2
    assert "NotJSONError" in summary[BROKEN]["reason"]
    assert f"FAILED: {BROKEN}: nbgrader exited with code 1" in parallel_run["output"]
    assert {s for s, row in summary.items() if row["status"] in ("graded", "regraded")} == set(SAMPLES)
    log = (parallel_run["course"] / "reports" / "autograde" / ASSIGNMENT / f"{BROKEN}.log").read_text()
    assert log.count("===== attempt") == 2 and "Notebook does not appear to be JSON" in log


def test_graded_students_are_skipped_unless_forced(parallel_run, tmp_path):
    course = parallel_run["course"]
    notebook = course / "autograded" / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    before = notebook.stat().st_mtime_ns
    result = run_parallel(course, "--workers", "1", "--student", "correct", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert list(summary) == ["correct"]
    assert summary["correct"]["status"] == "skipped" and summary["correct"]["attempts"] == 1
    assert "Autograde summary: graded 0, faults 0, skipped 1 (already autograded; --force regrades)" in result.stdout
    assert notebook.stat().st_mtime_ns == before


def test_a_grader_past_the_timeout_is_killed_with_its_kernel(tmp_path):
    course = new_course(tmp_path / "course", ["attack_sleep_forever"])  # hangs in test_relu for 120 s
    process = subprocess.Popen([sys.executable, "-m", "gradekit.autograded.parallel", ASSIGNMENT, "--workers", "1",
                                "--timeout", "15", "--no-progress"], cwd=course, env=environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = {}  # every grader and kernel it starts: pid -> (process, command line)
    while process.poll() is None:
        with suppress(psutil.NoSuchProcess):
            for child in psutil.Process(process.pid).children(recursive=True):
                with suppress(psutil.Error):
                    seen.setdefault(child.pid, (child, " ".join(child.cmdline())))
        time.sleep(0.2)
    output = process.stdout.read()
    assert process.returncode == 1, output
    assert "FAILED: attack_sleep_forever: no result within the timeout, nbgrader was killed" in output
    assert summary_of(course)["attack_sleep_forever"]["attempts"] == 2
    assert any("--student=attack_sleep_forever" in command for _, command in seen.values())
    assert any("bwrap" in command for _, command in seen.values()), "killed before its kernel started"
    survivors = [command for child, command in seen.values()
                 if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
    assert not survivors, survivors


def test_each_grader_gets_one_blas_thread_and_the_gradebook_url(monkeypatch, tmp_path):
    seen = {}

    class FakePopen:
        def __init__(self, command, cwd, env, **kwargs):
            seen.update(command=command, cwd=cwd, env=env)
            self.pid, self.returncode = 0, 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(parallel.subprocess, "Popen", FakePopen)
    attempt = parallel.autograde_student(str(tmp_path), ASSIGNMENT, "ivanov", db_url="postgresql://h/db", attempt=2)
    assert attempt.ok and attempt.status == "graded" and attempt.student == "ivanov"
    assert seen["command"][1:] == ["-m", "nbgrader", "autograde", ASSIGNMENT, "--student=ivanov", "--force"]
    assert {seen["env"][v] for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")} == {"1"}
    assert seen["env"][DB_URL_VARIABLE] == "postgresql://h/db" and seen["cwd"] == str(tmp_path)
    # the kit regrades unfinished gradings itself: its graders leave other students' records alone
    assert seen["env"][NO_SWEEP] == "1"


def test_an_unreleased_assignment_stops_before_grading(tmp_path):
    course = copy_course(tmp_path / "course")
    (course / "submitted" / "ivanov" / ASSIGNMENT).mkdir(parents=True)
    result = run_parallel(course, "--workers", "1")
    assert result.returncode == 1
    assert f"has no assignment '{ASSIGNMENT}': run `nbgrader generate_assignment {ASSIGNMENT}`" in result.stderr
    assert not (course / "autograded").exists()


# --- SQLite under concurrent writers -------------------------------------------------

WRITER = """
import sys, time
from traitlets.config.loader import PyFileConfigLoader
from nbgrader.api import Gradebook
url, name, writes, start_at, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
if mode == "course":  # the course's nbgrader_config.py, as every nbgrader command loads it
    PyFileConfigLoader("nbgrader_config.py", path=sys.argv[6]).load_config()
elif mode == "no-wait":
    from gradekit.autograded.gradebook_db import wait_for_sqlite_lock
    wait_for_sqlite_lock(0)
with Gradebook(url, "numpy-nn") as gradebook:
    time.sleep(max(0, start_at - time.time()))
    print("writing", flush=True)
    for i in range(writes):
        gradebook.update_or_create_student(f"{name}-{i}", first_name="Иван", last_name=str(i))
        gradebook.update_or_create_submission("numpy_nn", f"{name}-{i}")
print("wrote", writes)
"""


@pytest.fixture
def empty_gradebook(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    env = environment()
    subprocess.run([sys.executable, "-c", "import sys; from nbgrader.api import Gradebook; "
                    "gb = Gradebook(sys.argv[1], 'numpy-nn'); gb.add_assignment('numpy_nn'); gb.close()", url],
                   env=env, check=True)
    return url, tmp_path / "gradebook.db"


def concurrent_writers(url, mode, writers=4, writes=30):
    start_at = time.time() + 6  # after every interpreter has started
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"w{n}", str(writes), str(start_at), mode,
                                   str(REPO_ROOT)], env=environment(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for n in range(writers)]
    return [(p.wait(timeout=600), p.stdout.read()) for p in processes]


def student_count(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM student").fetchone()[0]


def test_sqlite_gradebook_takes_concurrent_writers_with_the_course_config(empty_gradebook):
    url, path = empty_gradebook
    results = concurrent_writers(url, "course")
    assert [code for code, _ in results] == [0] * 4, "\n".join(output[-2000:] for _, output in results)
    assert student_count(path) == 4 * 30


def test_the_same_writers_collide_when_sqlite_does_not_wait(empty_gradebook):
    """The control: the load above does make writers meet on the lock."""
    url, _ = empty_gradebook
    results = concurrent_writers(url, "no-wait")
    assert any(code != 0 and "database is locked" in output for code, output in results)


HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE student SET first_name = 'x'")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@pytest.mark.parametrize("mode, succeeds", [("course", True), ("plain", False)])
def test_a_grader_waits_for_a_lock_held_longer_than_sqlite_default(empty_gradebook, mode, succeeds):
    """Python's sqlite3 gives up after 5 s; with the course config a grader waits (up to 120 s)."""
    url, path = empty_gradebook
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, "late", "1", "0", mode, str(REPO_ROOT)],
                              env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert writer.stdout.readline().strip() == "writing"
    time.sleep(8)  # the writer now waits for the lock
    holder.communicate("commit\n", timeout=60)
    output = writer.communicate(timeout=300)[0]
    assert holder.returncode == 0
    assert (writer.returncode == 0) == succeeds, output[-2000:]
    if not succeeds:
        assert "database is locked" in output


# --- PostgreSQL gradebook, tasks on an existing Dask cluster ---------------------------

@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and `dask worker --nworkers 2 --nthreads 1`, as on the machines of a big course."""
    from dask.distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    scheduler_file = tmp_path / "scheduler.json"
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(scheduler_file)], cwd=tmp_path, env=environment(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(120):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.5)
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard"], cwd=tmp_path, env=environment(),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@needs_postgresql  # skip before the module's serial grading is set up for it
def test_parallel_grading_into_postgresql_on_a_dask_cluster(pg_database, dask_cluster, graded_courses, tmp_path):
    course = new_course(tmp_path / "course", PG_SAMPLES, db_url=pg_database)
    result = run_parallel(course, "--scheduler", dask_cluster, "--db-url", pg_database)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert f"on {dask_cluster} (2 worker threads now)" in result.stdout
    assert all(row["status"] == "graded" for row in summary_of(course).values())
    assert not (course / "gradebook.db").exists(), "graded into SQLite instead of PostgreSQL"
    for student in PG_SAMPLES:
        expected = serial_results(graded_courses, student)
        assert cell_results(course, pg_database, student) == expected, student
