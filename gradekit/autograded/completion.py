"""A student counts as autograded only when a grading attempt completed.

nbgrader skips a student whose `autograded/<student>/<assignment>/` folder exists
("Skipping existing assignment"), and it creates that folder at the start of a
grading. A grader killed in between (a lost machine, a power cut, SIGKILL) leaves
a folder that the next run would take for a finished grading, while the gradebook
holds the half-written (zero) scores. So (docs/decisions.md, "Interrupted gradings"):

- `GradingRecords.before` (Autograde.pre_convert_hook) writes a grading record,
  `.gradekit-grading.json` with host, boot, pid and start time, into the new folder
  before nbgrader writes anything else there;
- `GradingRecords.after` (Autograde.post_convert_hook) removes it once nbgrader has
  graded every notebook of the student and saved the scores;
- a folder that still holds a record is an unfinished grading. At the start of
  `nbgrader autograde` (nbgrader_config.py) `discard_interrupted` removes the
  folders whose grader is gone, so nbgrader grades those students anew; the kit's
  parallel command regrades (--force) any student whose folder holds a record.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
from traitlets.log import get_logger

from gradekit.autograded.summary import RUN

RECORD = ".gradekit-grading.json"
# Set by the kit's parallel command for its graders: it regrades unfinished gradings itself (--force)
# and reports them, so its graders must not remove another student's record first.
NO_SWEEP = "NUMPY_NN_KEEP_UNFINISHED"
# An attempt on another machine is taken as lost after this long: longer than any grading
# may run (ResilientExecute stops a notebook after 1200 s; the parallel grader kills at 1800 s).
STALE_AFTER = 1800.0


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return str(psutil.boot_time())


@dataclass
class GradingRecord:
    """Who is grading a student's folder, since when."""

    host: str
    boot: str
    pid: int
    process_started: float
    started: float

    @classmethod
    def of_this_process(cls) -> GradingRecord:
        return cls(socket.gethostname(), _boot_id(), os.getpid(), psutil.Process().create_time(), time.time())

    def grader_is_gone(self, now: float | None = None) -> bool:
        """True when the process that wrote the record cannot still be grading."""
        if self.host != socket.gethostname():
            return (now or time.time()) - self.started > STALE_AFTER
        if self.boot != _boot_id():
            return True
        try:
            return abs(psutil.Process(self.pid).create_time() - self.process_started) > 1.0
        except psutil.NoSuchProcess:
            return True

    def describe(self) -> str:
        started = datetime.datetime.fromtimestamp(self.started).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
        return f"started {started} by process {self.pid} on {self.host}"


def read_record(folder: Path) -> GradingRecord | None:
    """The grading record of an autograded folder; None when the folder holds a finished grading (or none).

    A record that cannot be read (a grader killed while writing it) counts as one whose grader is gone.
    """
    path = Path(folder) / RECORD
    if not path.exists():
        return None
    try:
        return GradingRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return GradingRecord(host=socket.gethostname(), boot="unreadable", pid=-1, process_started=0.0,
                             started=0.0)


def is_unfinished(folder: Path) -> bool:
    """True when the folder was left by a grading that did not complete."""
    return read_record(folder) is not None


class GradingRecords:
    """The pre/post_convert_hooks of `nbgrader autograde` that keep the grading records.

    nbgrader passes hooks the command's --student pattern, not the student being
    graded, so the student and assignment come from the submitted notebooks' paths
    (submitted/<student>/<assignment>/), and the folders from the course's config.
    """

    def __init__(self, config):
        self.config = config
        self.checked = set()  # assignments whose preflight passed in this process

    def folder(self, notebooks: list[str]) -> Path | None:
        """The autograded folder of the submission whose notebooks nbgrader is grading."""
        from nbgrader.coursedir import CourseDirectory

        if not notebooks:
            return None
        submitted = Path(notebooks[0]).parent
        coursedir = CourseDirectory(config=self.config)
        return Path(coursedir.format_path(coursedir.autograded_directory, submitted.parent.name, submitted.name))

    def before(self, assignment: str, student: str, notebooks: list[str]) -> None:
        """pre_convert_hook: the sandbox check and the preflight, then the student's folder with its record."""
        from gradekit.autograded.sandbox import check_before_grading

        check_before_grading()
        folder = self.folder(notebooks)
        if folder is None:
            return
        self.preflight(folder.name)
        try:
            start_record(folder)
        except Exception:
            # nbgrader logs a failing hook only at INFO level
            get_logger().error("Could not write the grading record in %s", folder, exc_info=True)
            raise
        RUN.start(folder.parent.name)

    def preflight(self, assignment: str) -> None:
        """Before the first student of an assignment: the solution must pass here, or nothing is graded.

        nbgrader lets the SystemExit through its per-student error handling: the run stops at once.
        """
        from gradekit.autograded.preflight import require_preflight

        if assignment in self.checked:
            return
        config = running_config(self.config)
        root = Path(config.CourseDirectory.root or os.getcwd())
        RUN.preflight = require_preflight(root, config, assignment, get_logger().info)
        self.checked.add(assignment)

    def after(self, assignment: str, student: str, notebooks: list[str]) -> None:
        """post_convert_hook: every notebook of the student is graded and its scores saved."""
        folder = self.folder(notebooks)
        if folder is None:
            return
        try:
            (folder / RECORD).unlink(missing_ok=True)
            RUN.finish(folder.parent.name)
        except Exception:
            get_logger().error("Could not remove the grading record in %s: the student will be graded again",
                               folder, exc_info=True)
            raise


def running_config(fallback):
    """The running nbgrader command's config (the config file and its command line), else `fallback`."""
    from traitlets.config import Application

    return Application.instance().config if Application.initialized() else fallback


def start_record(folder: Path) -> None:
    """Create the autograded folder holding a grading record, atomically: never one without the other."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    record = json.dumps(GradingRecord.of_this_process().__dict__)
    if folder.exists():  # nbgrader regrades a single notebook of it (--notebook)
        (folder / RECORD).write_text(record, encoding="utf-8")
        return
    staging = folder.parent / f".grading-{folder.name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    (staging / RECORD).write_text(record, encoding="utf-8")
    os.rename(staging, folder)


def discard_interrupted(autograded_dir: Path, log=None) -> list[Path]:
    """Remove the autograded folders of gradings whose grader is gone; returns them.

    Run at the start of `nbgrader autograde`, so nbgrader grades those students
    anew instead of skipping them. Folders of gradings still running are left alone.
    """
    log = log or get_logger()
    removed = []
    if os.environ.get(NO_SWEEP):
        return removed
    for record_path in sorted(Path(autograded_dir).glob(f"*/*/{RECORD}")):
        folder = record_path.parent
        record = read_record(folder)
        if record is None or not record.grader_is_gone():
            continue
        log.warning("Removing the unfinished grading in %s (%s): it will be graded again", folder,
                    record.describe())
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
