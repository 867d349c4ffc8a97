"""The course's settings, read once from its nbgrader_config.py, for every command of the kit.

nbgrader's own commands read `nbgrader_config.py` from the course directory; the
kit's commands read the same file the same way (traitlets' loader, then
nbgrader's `CourseDirectory`), so the gradebook URL (`NUMPY_NN_DB_URL` included),
the course id, the folders and the deadlines are the ones nbgrader uses.

    course = load_course(".")
    course.db_url, course.course_id, course.assignment_dir("autograded", "ivanov", "numpy_nn")
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, MultipleInstanceError, SingletonConfigurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """The course directory or its gradebook is not what a command needs; the message says what to do."""


@dataclass(frozen=True)
class Course:
    """A course directory with its loaded nbgrader config."""

    root: Path
    config: Config

    @property
    def coursedir(self) -> CourseDirectory:
        return CourseDirectory(config=self.config)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id

    def directory(self, stage: str) -> Path:
        """The folder of a stage: "source", "release", "submitted", "autograded", "feedback", "solution"."""
        return self.root / getattr(self.coursedir, f"{stage}_directory")

    def assignment_dir(self, stage: str, student: str | None, assignment: str) -> Path:
        """<stage>/<student>/<assignment> (student None: <stage>/<assignment>, as in source/ and release/)."""
        base = self.directory(stage)
        return base / assignment if student is None else base / student / assignment

    def assignments(self) -> list[str]:
        """The assignments authored under source/, sorted."""
        source = self.directory("source")
        return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if source.is_dir() else []

    def default_assignment(self) -> str:
        """The only assignment under source/; with several, a command must be told which."""
        names = self.assignments()
        if len(names) != 1:
            found = ", ".join(names) or "none"
            raise CourseError(f"{self.directory('source')} holds {len(names)} assignments ({found}): "
                              "name the assignment on the command line")
        return names[0]

    def stubs(self) -> tuple[str, str]:
        """(code stub, text stub) that nbgrader puts where students write (ClearSolutions, as configured)."""
        from nbgrader.preprocessors import ClearSolutions

        clear = ClearSolutions(config=self.config)
        return clear.code_stub.get("python", ""), clear.text_stub

    def gradebook(self) -> Gradebook:
        """The course's gradebook; it must exist (an SQLite file is never created here by accident)."""
        sqlite_prefix = "sqlite:///"
        if self.db_url.startswith(sqlite_prefix) and not Path(self.db_url[len(sqlite_prefix):]).is_file():
            raise CourseError(f"{self.db_url[len(sqlite_prefix):]}: gradebook not found (run "
                              "`nbgrader generate_assignment` in this course first, or set NUMPY_NN_DB_URL)")
        return Gradebook(self.db_url, self.course_id)

    def notebook_names(self, assignment: str) -> list[str]:
        """The notebooks of a released assignment, as the gradebook knows them."""
        with self.gradebook() as gradebook:
            try:
                return [notebook.name for notebook in gradebook.find_assignment(assignment).notebooks]
            except MissingEntry:
                raise CourseError(f"the gradebook has no assignment {assignment!r}: run "
                                  f"`nbgrader generate_assignment {assignment}` first") from None


def add_course_arguments(parser, gradebook: bool = True) -> None:
    """The options every kit command takes to find its course: --course-dir and (gradebook) --db-url."""
    parser.add_argument("--course-dir", default=".", help="the course directory (with nbgrader_config.py)")
    if gradebook:
        parser.add_argument("--db-url", help="gradebook URL (default: NUMPY_NN_DB_URL, else the course's config)")


def load_course(course_dir: str | os.PathLike = ".", db_url: str | None = None) -> Course:
    """Load the course directory's nbgrader_config.py as nbgrader does.

    Args:
        course_dir: the course directory (the one holding nbgrader_config.py).
        db_url: a gradebook URL that replaces the configured one (a command's --db-url).

    Returns:
        The Course; its settings are nbgrader's, NUMPY_NN_DB_URL included.
    """
    root = Path(course_dir).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise CourseError(f"{root}: no {CONFIG_FILE} here; run the command from the course directory "
                          "or pass --course-dir")
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    if db_url:
        config.CourseDirectory.db_url = db_url
    return Course(root, config)


def running_command(app_class: type[SingletonConfigurable]) -> bool:
    """Whether this process is the nbgrader command `app_class` (for code in nbgrader_config.py).

    `app_class.initialized()` alone is not enough: traitlets records a command's instance on every
    singleton class above it, so below `nbgrader generate_solution` `ValidateApp.initialized()` is
    true as well (both derive from nbgrader's NbGrader).

    Args:
        app_class: an nbgrader application class, e.g. nbgrader.apps.ValidateApp.
    Returns:
        True only when the running command's application is an instance of app_class.
    """
    if not app_class.initialized():
        return False
    try:
        return isinstance(app_class.instance(), app_class)
    except MultipleInstanceError:  # another command's instance, seen through a shared base class
        return False
