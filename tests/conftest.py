"""Shared fixtures: throw-away course directories driven by real nbgrader commands."""
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gradekit.autograded.preflight import Preflight, fingerprint
from gradekit.course import REPO_ROOT, copy_course, grading_environment, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import SAMPLES_DIR, place_samples, sample_names

PG_URL_VARIABLE = "NUMPY_NN_TEST_PG_URL"  # a PostgreSQL role that may create databases; .ci/run sets it
NO_POSTGRESQL = f"{PG_URL_VARIABLE} is not set: no PostgreSQL server to grade into (.ci/run starts one)"

# Samples graded in parallel course copies; the slow ones (timeouts) are spread out.
GRADING_GROUPS = 2
# Far above the ~8 min a group takes on an idle machine: only a hang gets here.
GRADING_TIMEOUT = 2400
# Answer cells get 150 s here instead of the course's 300 s (c.Execute.timeout): the slowest honest
# cell takes ~30 s, and what infinite_loop_tsne shows (the cell is stopped, the others keep their
# points) does not depend on the value; the 150 s saved are CPU the other group needs.
ANSWER_CELL_TIMEOUT = ["--Execute.timeout=150"]


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A fresh course copy after `nbgrader generate_assignment`."""
    course = copy_course(tmp_path_factory.mktemp("released") / "course")
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    return course


# The graded samples are kept between runs, keyed by a hash of everything that decides their grades
# (docs/authoring.md "Tests"): a change to pages, reports or docs does not regrade. A folder, or "off".
GRADED_CACHE = "NUMPY_NN_GRADED_CACHE"
KEPT_GRADINGS = 2  # newest cache entries kept


def grading_key(names):
    """A hash of what decides the samples' grades: the preflight's fingerprint (source, grading code, config,
    library versions, data settings), the samples, how they are placed, and this file's grading settings."""
    digest = hashlib.sha256(fingerprint(REPO_ROOT, REPO_ROOT / "source" / ASSIGNMENT, ASSIGNMENT).encode())
    for path in sorted(p for p in SAMPLES_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(SAMPLES_DIR)).encode() + b"\0" + path.read_bytes())
    for path in (REPO_ROOT / "gradekit" / "dev" / "samples.py", Path(__file__)):
        digest.update(path.read_bytes())
    digest.update("\0".join(names).encode())
    return digest.hexdigest()[:32]


def graded_cache_dir():
    value = os.environ.get(GRADED_CACHE, "")
    if value.strip().lower() == "off":
        return None
    return Path(value) if value else Path(Preflight().cache_dir).parent / "graded-samples"


@pytest.fixture(scope="session")
def graded_courses(tmp_path_factory):
    """Every sample under tests/submissions autograded and exported; {sample name: course dir}.

    Graded once per content (graded_cache_dir(), keyed by grading_key) and copied for this run, so the
    tests may change their copies.
    """
    names = sample_names()
    groups = [names[i::GRADING_GROUPS] for i in range(GRADING_GROUPS)]
    cache = graded_cache_dir()
    if cache is None:
        return grade_samples(groups, [tmp_path_factory.mktemp(f"graded{i}") for i in range(len(groups))])
    cache.mkdir(parents=True, exist_ok=True)
    key = grading_key(names)
    entry = cache / key
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run grading the same content: wait for it
        if not (entry / "complete").is_file():
            staging = cache / f".{key}-{uuid.uuid4().hex[:8]}"
            grade_samples(groups, [staging / f"graded{i}" for i in range(len(groups))])
            (staging / "complete").write_text("\n".join(names) + "\n")
            shutil.rmtree(entry, ignore_errors=True)
            os.rename(staging, entry)
            older = sorted((p for p in cache.iterdir() if p.is_dir() and p != entry and not p.name.startswith(".")),
                           key=lambda p: p.stat().st_mtime)
            for old in older[:max(0, len(older) - (KEPT_GRADINGS - 1))]:
                shutil.rmtree(old, ignore_errors=True)
                (cache / f"{old.name}.lock").unlink(missing_ok=True)
    copies = []
    for index in range(len(groups)):
        copy = tmp_path_factory.mktemp(f"graded{index}") / "course"
        shutil.copytree(entry / f"graded{index}" / "course", copy, symlinks=True)
        copies.append(copy)
    return {name: course for course, group in zip(copies, groups) for name in group}


def grade_samples(groups, folders):
    """Autograde and export each group of samples in a course copy under its folder; {name: course dir}."""
    courses, processes = [], []
    for folder, group in zip(folders, groups):
        course = copy_course(Path(folder) / "course")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
        place_samples(course, group)
        log = open(course / "autograde.log", "w")
        processes.append(subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force",
                                           *ANSWER_CELL_TIMEOUT],
                                          cwd=course, env=grading_environment(),
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        courses.append(course)
    try:
        for process, course in zip(processes, courses):
            # with the kit's Execute nothing a submission does may make nbgrader report a failure
            assert process.wait(timeout=GRADING_TIMEOUT) == 0, (course / "autograde.log").read_text()[-3000:]
    finally:
        # past the timeout (TimeoutExpired) the graders are killed with their sessions, kernels included
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    for course in courses:
        run_nbgrader(["export", "--to", "grades.csv"], course)
    return {name: course for course, group in zip(courses, groups) for name in group}


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    admin_url = os.environ.get(PG_URL_VARIABLE)
    if not admin_url:
        pytest.skip(NO_POSTGRESQL)
    import psycopg

    name = f"numpy_nn_{uuid.uuid4().hex[:12]}"
    url = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
