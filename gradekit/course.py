"""The course directory: where it is, how to copy it, how to run nbgrader in it."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

# This checkout's own course (the lab the repository ships): what copy_course copies for the demo, tests and
# benchmarks. The kit's commands take their course from --course-dir instead (docs/decisions.md, Course layout).
REPO_ROOT = Path(__file__).resolve().parent.parent

# What a course directory needs before `nbgrader generate_assignment` runs.
COURSE_FILES = ["nbgrader_config.py", "util.py", "mnist_loader.py", "source", "rubric.yaml"]


def copy_course(destination, repo_root=REPO_ROOT):
    """Create a fresh course directory from the repository's source files."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        source = Path(repo_root) / name
        target = destination / name
        if source.is_dir():
            # symlinks=True keeps source/numpy_nn/util.py (and mnist_loader.py) links to the top-level files
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(source, target)
    return destination


# One BLAS/OpenMP thread per process: N graders or kernels on N cores otherwise oversubscribe them
# (measured: 6x slower training on 2 cores, docs/decisions.md).
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def tool_environment():
    """Environment in which nbgrader finds this interpreter's tools (it shells out to alembic)."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def grading_environment():
    """tool_environment() for a grader that shares the machine with other graders."""
    return {**tool_environment(), **SINGLE_THREADED}


def run_nbgrader(args, course_dir, check=True, capture=False, env_extra=None):
    """Run `nbgrader <args>` in course_dir with this interpreter's environment (plus env_extra)."""
    command = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(command, cwd=course_dir, env={**tool_environment(), **(env_extra or {})}, check=check,
                          text=True, capture_output=capture)


def release_notebook(course_dir, assignment=None):
    """release/<assignment>/<assignment>.ipynb; by default of the course's only assignment."""
    from gradekit.settings import load_course  # the graders import this module only for its environments

    course = load_course(course_dir)
    assignment = assignment or course.default_assignment()
    return course.assignment_dir("release", None, assignment) / f"{assignment}.ipynb"
