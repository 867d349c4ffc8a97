"""Shared fixtures: throw-away course directories driven by real nbgrader commands."""
import os
import signal
import subprocess
import sys
import uuid

import pytest
from sqlalchemy.engine import make_url

from gradekit.course import copy_course, grading_environment, run_nbgrader
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.samples import place_samples, sample_names

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


@pytest.fixture(scope="session")
def graded_courses(tmp_path_factory):
    """Every sample under tests/submissions autograded and exported; {sample name: course dir}."""
    names = sample_names()
    groups = [names[i::GRADING_GROUPS] for i in range(GRADING_GROUPS)]
    courses, processes = [], []
    for index, group in enumerate(groups):
        course = copy_course(tmp_path_factory.mktemp(f"graded{index}") / "course")
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
