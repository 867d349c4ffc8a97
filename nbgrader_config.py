"""nbgrader configuration of the numpy-nn course.

The repository root is the course directory, so every plain `nbgrader ...`
command run from here picks this file up.
"""
import os

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, OverwriteCells

from gradekit.autograded.execute import ResilientExecute
from gradekit.autograded.overwrite import RestoringOverwriteCells

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.course_id = "numpy-nn"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")

# The jupytext twin of a notebook (numpy_nn.md) holds the solutions and hidden
# tests in plain text: it must never be copied into the release or a submission.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md"]

# Students see Russian placeholders where their code and answers go.
c.ClearSolutions.code_stub = {"python": "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ВАШ ОТВЕТ ЗДЕСЬ"

# The hidden checks are created in the locked first cell, before any student
# code runs (so students cannot monkeypatch what they rely on); that cell is not
# a grade cell, which nbgrader refuses by default.
c.ClearHiddenTests.enforce_metadata = False

# A submission that deletes test cells gets them back (and gains nothing).
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "Ячейка {cell_id} отсутствовала в работе и восстановлена при проверке.\n\n"  # nbgrader adds "# " in code
)

# Execution limits, sized from benchmarks/notebook_timing.py (see docs/decisions.md):
# the training cell takes about 27 s on an idle 2-core machine (47 s under load).
c.Execute.timeout = 300
c.ResilientExecute.grade_cell_timeout = 120
c.ResilientExecute.notebook_timeout = 1200
_TIMEOUT_MESSAGE = "ячейка выполнялась дольше отведённого времени и была прервана (бесконечный цикл?)"
# The feedback shows the traceback, so it carries the whole message.
c.Execute.error_on_timeout = {
    "ename": "CellTimeoutError",
    "evalue": _TIMEOUT_MESSAGE,
    "traceback": [f"CellTimeoutError: {_TIMEOUT_MESSAGE}"],
}

# Grading faults (docs/decisions.md "Grading faults"): the student's grading stops, nothing is saved, the
# command exits non-zero and names them; the next run grades them. A locked cell raising GraderFault (a hidden
# check's own bug) is one (ResilientExecute.fault_errors' default); one raising an error of the course's MNIST
# is one when the solution, run again in a fresh kernel, fails too (else the student's code caused it).
c.ResilientExecute.data_errors = ["MNISTNotFoundError", "MNISTDownloadError", "MNISTChecksumError",
                                  "MNISTFormatError"]

# Autograde with the kit's preprocessors in place of nbgrader's: a dying kernel costs
# only the cells after it, and deleted test cells really come back.
_replacements = {Execute: ResilientExecute, OverwriteCells: RestoringOverwriteCells}
for _trait in ("sanitize_preprocessors", "autograde_preprocessors"):
    setattr(c.Autograde, _trait, [_replacements.get(p, p) for p in Autograde.class_traits()[_trait].default()])

# --- Feedback (gradekit.feedback): hidden tests stay hidden ---------------------
# nbgrader's feedback shows the autograded sources with the hidden tests in them
# (nbgrader issue #917) and tracebacks quoting the hidden checks. The kit's
# preprocessors run after GetGrades on the feedback copy only: they cut the hidden
# regions and error frames, and add a passed/failed line to every test cell.
from nbgrader.converters import GenerateFeedback  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from gradekit.feedback.deadline_note import ExplainDeadline  # noqa: E402
from gradekit.feedback.redact import MarkTestResults, RedactHiddenTests  # noqa: E402
from gradekit.feedback.table_style import FeedbackTableStyle  # noqa: E402

_feedback = GenerateFeedback.class_traits()["preprocessors"].default()
_after_grades = _feedback.index(GetGrades) + 1
# ExplainDeadline: a note on top with the submission time, deadline status and penalty (docs/lms.md);
# FeedbackTableStyle must follow nbconvert's CSS preprocessor, which resets the inlined CSS.
c.GenerateFeedback.preprocessors = (
    _feedback[:_after_grades] + [RedactHiddenTests, MarkTestResults, ExplainDeadline]
    + _feedback[_after_grades:] + [FeedbackTableStyle]
)
# Student and TA Markdown/HTML is sanitised: no script of theirs runs in a student's browser.
from gradekit.feedback.sanitize import SafeHTMLExporter  # noqa: E402

c.GenerateFeedback.exporter_class = SafeHTMLExporter

# --- Deadlines, due date, grade export, LMS intake (see docs/deadlines_and_export.md) ---
# Soft deadline: at most full points; hard deadline: at most half; later: 0.
# A date alone means the end of that day (the following midnight, which is itself on time).
from gradekit.deadlines import SoftHardDeadlines, keep_penalties_current  # noqa: E402
from gradekit.grades.export import KitCsvExport  # noqa: E402
from gradekit.release.due_date import SetDueDate  # noqa: E402
from gradekit.submitted.lms import LmsFileNames  # noqa: E402

c.SoftHardDeadlines.soft_deadline = "2024-02-29"
c.SoftHardDeadlines.hard_deadline = "2024-03-14"
c.SoftHardDeadlines.timezone = "Europe/Moscow"
c.AssignLatePenalties.plugin_class = SoftHardDeadlines
# Every gradebook write (autograde, Formgrader's manual grades, extensions) stores the penalty of the whole
# raw score, so nbgrader's late_submission_penalty is never stale (docs/decisions.md, "One final score").
keep_penalties_current(c)
# The gradebook's due date is the soft deadline, written at release (re-run generate_assignment after a change).
c.GenerateAssignment.post_convert_hook = SetDueDate(c)
c.ExportApp.plugin_class = KitCsvExport
# What the Moodle grade item is out of (Moodle's default maximum grade; its roster does not say): LMS files
# scale the final score to it (docs/lms.md). Canvas's roster states its own in the "Points Possible" row.
c.MoodleGrades.points = 100
# LMS archive (Blackboard "Download assignment"): <LMS assignment>_<username>_attempt_<local time>_<file>;
# the username (no "_") becomes the student id, the attempt time (course timezone) timestamp.txt.
c.ZipCollectApp.collector_plugin = LmsFileNames
c.LmsFileNames.lms_timezone = "Europe/Moscow"
c.FileNameCollectorPlugin.named_regexp = (
    r".*[\\/][^\\/]*_(?P<student_id>[^_\\/]+)_attempt_(?P<timestamp>\d{4}(?:-\d\d){5})_(?P<file_id>[^\\/]+)$"
)
# A notebook under another name would be copied where autograde cannot grade it: skip and report it.
c.ZipCollectApp.strict = True

# --- Sandbox (gradekit/autograded/sandbox.py, docs/autograding.md "Sandbox") ---
# Every grading kernel runs in bubblewrap: no network, no view of the course,
# memory/process/file-size caps; `nbgrader validate`'s kernel is sandboxed too (below).
# The hook stops autograding, before any submission is touched,
# when bwrap is missing and NUMPY_NN_SANDBOX=off was not given.
from jupyter_client.provisioning import KernelProvisionerFactory  # noqa: E402
from nbgrader.apps import ValidateApp  # noqa: E402

from gradekit.autograded.sandbox import PROVISIONER_NAME, sandbox_requested  # noqa: E402
from gradekit.hidden_checks import kernel_paths  # noqa: E402
from gradekit.settings import running_command  # noqa: E402

# The first cell imports the hidden checks from gradekit/hidden_checks/ (grading side only): the kernel
# may read that package and gradekit/__init__.py, nothing else of the kit or the course.
c.SandboxProvisioner.read_only_paths = kernel_paths()

# `nbgrader validate` runs nbgrader's own Execute, whose kernel manager asks jupyter_client's
# provisioner factory for a provisioner; the factory's default provisioner (public config) is the
# sandbox's while validate runs. The factory is a singleton created without config, so it is created
# here with the course config. Validate's kernel gets no memory cap (docs/sandbox.md, Decisions).
if running_command(ValidateApp) and sandbox_requested():
    c.KernelProvisionerFactory.default_provisioner_name = PROVISIONER_NAME
    KernelProvisionerFactory.instance(config=c)

# --- Interrupted gradings (gradekit/autograded/completion.py, docs/decisions.md "Interrupted gradings") ---
# A student's autograded folder holds a grading record from the start of its grading until nbgrader
# has saved every score (the pre-convert hook also stops grading when the sandbox cannot run).
# At the start of `nbgrader autograde`, folders left by a grader that is gone (killed, machine lost)
# are removed, so those students are graded again instead of being skipped with zero points.
from nbgrader.apps import AutogradeApp  # noqa: E402

from gradekit.autograded.completion import RECORD, GradingRecords, discard_interrupted  # noqa: E402

c.CourseDirectory.ignore = c.CourseDirectory.ignore + [RECORD]  # never copied from a submission or into feedback
_records = GradingRecords(c)
c.Autograde.pre_convert_hook = _records.before
c.Autograde.post_convert_hook = _records.after
if running_command(AutogradeApp):  # this process is `nbgrader autograde`
    discard_interrupted(os.path.join(COURSE_ROOT, c.CourseDirectory.autograded_directory))
    # one closing summary (graded, faults with their causes, skipped, preflight) when the command ends
    from gradekit.autograded.summary import log_summary_at_exit  # noqa: E402

    log_summary_at_exit()
    # nbgrader 0.9.6's update_or_create_submission makes SQLAlchemy warn "Object of type <SubmittedAssignment>
    # not in session" (six lines a student, harmless: the objects are added right after)
    import warnings  # noqa: E402

    from sqlalchemy.exc import SAWarning  # noqa: E402

    warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session", category=SAWarning)

# --- Class-scale autograding (gradekit/autograded/parallel.py, docs/autograding.md "Grading a big course") ---
# NUMPY_NN_DB_URL (e.g. postgresql://grader:...@db-host/numpy_nn) replaces the SQLite gradebook
# for every nbgrader command; parallel graders on SQLite wait for its lock instead of failing.
from gradekit.autograded.gradebook_db import DB_URL_VARIABLE, wait_for_sqlite_lock  # noqa: E402

c.CourseDirectory.db_url = os.environ.get(DB_URL_VARIABLE) or c.CourseDirectory.db_url
wait_for_sqlite_lock(120)

# --- Formgrader view (gradekit/grades/fold_hidden.py, docs/grade_by_question.md) ---
# The Formgrader renders submissions with an HTMLExporter built from this config: fold the
# hidden regions (the first cell's import of the checks, the calls in the test cells) into one line.
from gradekit.grades.fold_hidden import FoldHiddenTests  # noqa: E402

c.HTMLExporter.preprocessors = [FoldHiddenTests]
# ... and sanitises the students' Markdown, HTML and outputs as the feedback does (gradekit/feedback/sanitize.py):
# a student's script must not run in the TA's logged-in Jupyter page.
from gradekit.feedback.sanitize import SanitizedMarkdown, clean  # noqa: E402

c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown2html": SanitizedMarkdown, "clean_html": clean}
# Not in the feedback: there the exporter's own preprocessors run before nbgrader's, and
# RedactHiddenTests (which also scrubs tracebacks quoting hidden lines) must see the regions.
c.GenerateFeedback.HTMLExporter.preprocessors = []
