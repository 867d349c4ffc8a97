"""nbgrader's Execute preprocessor, made robust for autograding a whole class.

Stock nbgrader loses every grade of a student whose kernel dies (a segfault in a
library, os._exit in student code): the DeadKernelError aborts the notebook and
SaveAutoGrades never runs. Here a dead or garbled kernel, or a notebook that has used up
its time budget, only costs the cells from that point on: each of them gets an
error output saying why, so the tests before it keep their points, the later
ones score 0, and the feedback shows what happened.

The kernel runs in the bubblewrap sandbox of gradekit.autograded.sandbox unless
NUMPY_NN_SANDBOX=off (then with a loud warning in the log). It imports the hidden
checks from the very `gradekit` this grader loaded (the one the sandbox binds), never
from another install or the submission's folder.

A failure on the grader's side (the kernel not starting, a setup cell failing, a
locked cell raising one of `fault_errors`) is not a student's result: it raises
`GradingFault` (gradekit.autograded.faults), so nothing of the attempt is saved.
"""
import os
import resource
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade
from traitlets import Bool, Dict, Integer, List, Unicode, default

from gradekit.autograded.faults import FAULT_MARK, GradingFault, fault_of_cell, one_line, setup_cells
from gradekit.autograded.sandbox import (
    SANDBOX_SWITCH,
    UNAVAILABLE,
    UNSANDBOXED_WARNING,
    SandboxKernelSpecs,
    SandboxUnavailable,
    bwrap_available,
    sandbox_requested,
)
from gradekit.autograded.summary import RUN
from gradekit.course import SINGLE_THREADED
from gradekit.hidden_checks import kernel_arguments

KERNEL_DIED = ("KernelDied",
               "Ядро Python аварийно завершилось при выполнении этой ячейки (например, segmentation fault "
               "или os._exit). Баллы за тесты выше сохранены, эта и следующие ячейки не выполнены.")
NOT_RUN_AFTER_CRASH = ("NotExecuted",
                       "Ячейка не выполнена: ядро Python аварийно завершилось в одной из ячеек выше.")
OUTPUT_LOST = ("OutputLost",
               "Ядро выполнило ячейку, но не прислало её вывод вовремя (например, ему не хватило памяти). "
               "Результат ячейки неизвестен, поэтому она считается не пройденной.")
KERNEL_LOST = ("KernelLost",
               "Связь с ядром Python нарушилась при выполнении этой ячейки (например, ему не хватило памяти "
               "и его сообщения пришли испорченными). Баллы за тесты выше сохранены, эта и следующие ячейки "
               "не выполнены.")
NOT_RUN_AFTER_KERNEL_LOST = ("NotExecuted",
                             "Ячейка не выполнена: связь с ядром Python нарушилась в одной из ячеек выше.")
BUDGET_EXHAUSTED = ("NotExecuted",
                    "Ячейка не выполнена: исчерпано время, отведённое на проверку всего блокнота.")


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class ResilientExecute(Execute):
    """Execute that survives a dying kernel and bounds each cell and the whole notebook in time."""

    grade_cell_timeout = Integer(
        120, help="Seconds a grade (test) cell may run; other cells use Execute.timeout."
    ).tag(config=True)

    notebook_timeout = Integer(
        1200, help="Seconds the whole notebook may run; cells after that are not executed."
    ).tag(config=True)

    kernel_env = Dict(
        {**SINGLE_THREADED, "MALLOC_ARENA_MAX": "2"},
        help="Environment variables for the grading kernel. One BLAS thread each (gradekit.course.SINGLE_THREADED). "
             "Two malloc arenas: glibc reserves 64 MiB of address space per thread otherwise, which counts "
             "against the address-space cap without ever being used.",
    ).tag(config=True)

    memory_limit_mb = Integer(
        2048, help="Address-space cap of the grading kernel in MiB (0: none), sandboxed or not. "
                   "A runaway allocation then fails with MemoryError in that cell instead of dragging the "
                   "machine into the OOM killer, which may pick another student's kernel or the grader itself."
    ).tag(config=True)

    sandbox = Bool(
        help=f"Run the kernel in the bubblewrap sandbox (sandbox.SandboxProvisioner). Default: on, "
             f"unless the environment variable {SANDBOX_SWITCH}=off."
    ).tag(config=True)

    fault_errors = List(
        Unicode(), ["GraderFault"],
        help="Names of exceptions that are the grader's fault when a locked cell (master code, tests) raises "
             "them: the student's grading stops as a fault instead of scoring 0 (e.g. the course data missing). "
             "GraderFault is what a hidden check raises for a bug of its own (gradekit.hidden_checks).",
    ).tag(config=True)

    data_errors = List(
        Unicode(),
        help="Names of exceptions that mean the course's data could not be loaded (e.g. MNISTNotFoundError). "
             "Raised by a locked cell, they are a grading fault only if the assignment's solution, run again "
             "in a fresh kernel, fails too; if it passes, the student's code caused them (it used up the "
             "memory, changed the environment) and they are the student's result.",
    ).tag(config=True)

    @default("sandbox")
    def _sandbox_default(self):
        return sandbox_requested()

    def create_kernel_manager(self):
        if self.sandbox and not bwrap_available():
            raise SandboxUnavailable(UNAVAILABLE)
        km = super().create_kernel_manager()
        if self.sandbox:
            # the kernel spec names the sandbox provisioner (jupyter_client's public launch hook)
            km.kernel_spec_manager = SandboxKernelSpecs(data_dir=km.data_dir, memory_limit_mb=self.memory_limit_mb)
        return km

    def start_new_kernel(self, **kwargs):
        kwargs.setdefault("env", {**os.environ, **self.kernel_env})
        # the hidden checks come from this grader's gradekit (the one the sandbox binds)
        ours = [argument for argument in kernel_arguments() if argument not in self.extra_arguments]
        self.extra_arguments = [*self.extra_arguments, *ours]
        if not self.sandbox:
            self.log.warning(UNSANDBOXED_WARNING, SANDBOX_SWITCH)
        result = super().start_new_kernel(**kwargs)
        if not self.sandbox and self.memory_limit_mb:
            limit = self.memory_limit_mb * 1024 * 1024
            resource.prlimit(self.km.provisioner.process.pid, resource.RLIMIT_AS, (limit, limit))
        return result

    def preprocess(self, nb, resources=None, km=None):
        self._stop_reason = None
        self._deadline = time.monotonic() + self.notebook_timeout
        self._setup = setup_cells(nb)
        self._student = ((resources or {}).get("nbgrader") or {}).get("student")  # None: the preflight
        self._assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        try:
            return super().preprocess(nb, resources, km)
        except GradingFault as fault:
            self.fault(fault.cause)
        except Exception as error:  # cells never raise here: this is the kernel or the sandbox
            self.fault(f"the grading kernel could not be started or reached: {one_line(type(error).__name__, error)}")

    def fault(self, cause):
        """Stop this student's grading as a grading fault (logged once, counted in the run's summary)."""
        self.log.error("%s: %s: %s", FAULT_MARK, self._student or "the instructor's solution (preflight)", cause)
        if self._student:
            RUN.fault(self._student, cause)
        raise GradingFault(cause) from None

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason is None and self._deadline - time.monotonic() < 1:
            self._stop_reason = BUDGET_EXHAUSTED
        if self._stop_reason is not None:
            cell.outputs = [error_output(*self._stop_reason)]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.log.error("The kernel died in cell %d; the remaining cells are marked as not executed", index)
            cell.outputs.append(error_output(*KERNEL_DIED))
            self._stop_reason = NOT_RUN_AFTER_CRASH
        except CellTimeoutError:
            # Cell time limits end in error_on_timeout, not here: this is the reply without its
            # outputs (nbgrader's raise_on_iopub_timeout), which would otherwise drop the student.
            self.log.error("The outputs of cell %d did not arrive; the cell is marked as failed", index)
            cell.outputs.append(error_output(*OUTPUT_LOST))
        except Exception:
            # Anything else means the talk with the kernel broke (seen at the memory cap: a garbled
            # message, "ValueError: Invalid Signature"). Its state is unknown, so grading of this
            # notebook stops here, as after a crash; nbgrader would drop the whole submission.
            self.log.exception("Lost the kernel in cell %d; the remaining cells are marked as not executed", index)
            cell.outputs.append(error_output(*KERNEL_LOST))
            self._stop_reason = NOT_RUN_AFTER_KERNEL_LOST
        # a setup cell failing in any way (the kernel dying in it included) is the grader's fault
        cause = fault_of_cell(cell, index, self._setup, set(self.fault_errors))
        if cause is None and self._student is not None:
            cause = self.data_fault(cell, index)
        if cause:
            raise GradingFault(cause)
        return cell, resources

    def data_fault(self, cell, index):
        """The cause of a data fault in this cell, confirmed by the solution failing in a fresh kernel too."""
        cause = fault_of_cell(cell, index, set(), set(self.data_errors))
        if cause is None:
            return None
        from gradekit.autograded.preflight import solution_still_passes

        if solution_still_passes(self.config, self._assignment):
            self.log.warning("%s: %s; the solution still loads the data in a fresh kernel, so this is the "
                             "student's result, not a fault", self._student, cause)
            return None
        return f"{cause} (the solution fails in a fresh kernel too)"

    @default("timeout_func")
    def _timeout_func_default(self):
        # nbclient's public per-cell time limit: it asks timeout_func for every cell it runs
        return self.cell_timeout

    def cell_timeout(self, cell):
        """Seconds this cell may run: its own limit (test cells: grade_cell_timeout), within the notebook's."""
        remaining = self._deadline - time.monotonic()
        limit = self.grade_cell_timeout if is_grade(cell) else self.timeout
        return max(1, int(min(limit or remaining, remaining)))
