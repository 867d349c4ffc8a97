"""Preprocessors for everything a student gets to read (feedback, report).

The autograded notebook still holds the hidden tests (nbgrader issue #917), and
the IPython traceback of a failed hidden check quotes the hidden checks' module
(gradekit/hidden_checks/, imported by the locked `imports` cell) and the hidden
calls of the test cells. RedactHiddenTests removes both; MarkTestResults says in
every test cell whether it passed.
"""
import re
from pathlib import PurePath

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, List

from gradekit.cells import regions, without_regions
from gradekit.hidden_checks import PACKAGE_DIR, module_lines

# Lines this short (`else:`, `return x`) also occur in the visible code.
MIN_SECRET_LINE = 8
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# IPython's traceback holds one entry per frame, which starts with where the frame is:
# "Cell In[7], line 3" (IPython 8.5+) or "Input In [7], in ..." (older 8.x).
CELL_LOCATION = re.compile(r"^\s*(?:Cell|Input) In ?\[(\d+)\]")
HIDDEN_FRAMES = "[код тестов не показан]"
# A frame in a file of the hidden checks' package ("File /…/gradekit/hidden_checks/numpy_nn.py:12, in relu(ReLU)"),
# wherever the kit is installed (the path may be shortened to ~/…).
MODULE_LOCATION = re.compile(r"^\s*File\s.*\b{}[/\\]{}[/\\]".format(*PurePath(PACKAGE_DIR).parts[-2:]))


class RedactHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions from every cell and hidden code from every output.

    An error output keeps the failed check's `ename: evalue` and the frames of the
    student's own code (a bare assert in Dense.backward, hit by a hidden check,
    says nothing without them); frames in the hidden checks' module, in cells with
    a hidden region (the test cells calling the checks) or quoting a hidden line
    become one placeholder line. Hidden lines are those of the hidden regions and
    those of the module that the notebook does not show anyway. Lines of output
    text that repeat a hidden line (a warning quoting its source line, a print of
    the module) are dropped.
    """

    # The hidden checks live in the locked `imports` cell, which is no grade cell.
    enforce_metadata = Bool(False).tag(config=True)
    # HTMLExporter configures this for every converter part; as in nbgrader's GetGrades,
    # make it configurable here, or traitlets warns that the option is not recognized.
    display_data_priority = List(ClearHiddenTests.class_traits()["display_data_priority"].default()).tag(config=True)

    def preprocess(self, nb, resources):
        self.hidden_lines, self.hidden_cells, visible_lines = set(), set(), set()
        for cell in nb.cells:
            found = regions(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
            if found and cell.get("execution_count"):
                self.hidden_cells.add(str(cell.execution_count))
            self.hidden_lines.update(line.strip() for region in found for line in region.inner)
            visible_lines.update(line.strip() for line in without_regions(cell.source, found).splitlines())
        # the module's lines that the notebook shows anyway (`import numpy as np`, a student's
        # `logits = layer.forward(logits)`) are no secret, and keep the student's frames that quote them
        self.hidden_lines.update(module_lines() - visible_lines)
        self.hidden_lines = {line for line in self.hidden_lines if len(line) >= MIN_SECRET_LINE}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = self._without_hidden_frames(output.traceback)
            elif output.output_type == "stream":
                output.text = self._without_hidden_lines(output.text)
            elif "text/plain" in output.get("data", {}):
                output.data["text/plain"] = self._without_hidden_lines(output.data["text/plain"])
        return cell, resources

    def _is_hidden_frame(self, entry):
        text = ANSI_ESCAPE.sub("", entry)
        location = CELL_LOCATION.match(text)
        return bool(location and location.group(1) in self.hidden_cells or MODULE_LOCATION.match(text)
                    or self.begin_test_delimeter in text or self._quotes_hidden_line(text))

    def _quotes_hidden_line(self, text):
        # frames prefix source lines with "---> 12" and line numbers: look for hidden lines inside
        return any(hidden in text for hidden in self.hidden_lines)

    def _without_hidden_frames(self, traceback):
        kept = []
        for entry in traceback:
            if not self._is_hidden_frame(entry):
                kept.append(entry)
            elif not kept or kept[-1] != HIDDEN_FRAMES:
                kept.append(HIDDEN_FRAMES)
        return kept

    def _without_hidden_lines(self, text):
        kept = [line for line in text.splitlines(keepends=True) if not self._quotes_hidden_line(line)]
        return "".join(kept)


PASSED = "Тест пройден"
FAILED = "Тест не пройден"
STDERR_FAILED = "Тест не пройден: ячейка вывела сообщение в поток ошибок (stderr), nbgrader засчитывает это как ошибку"


def verdict(cell):
    """(passed, text) for a test cell, by nbgrader's own rule for code grade cells.

    With a score from the gradebook (feedback) the score decides, so the line never
    contradicts the score shown next to it; zero-point tests and notebooks without
    a gradebook (the report) fall back to the outputs: an error or any stderr fails.
    """
    meta = cell.metadata.nbgrader
    if meta.get("score") is not None and float(meta.get("points", 0)) > 0:
        passed = float(meta["score"]) >= float(meta["points"])
        return passed, PASSED if passed else FAILED
    if any(output.output_type == "error" for output in cell.outputs):
        return False, FAILED
    if any(output.output_type == "stream" and output.name == "stderr" for output in cell.outputs):
        return False, STDERR_FAILED
    return True, PASSED


class MarkTestResults(Preprocessor):
    """Append a visible passed/failed line to every autograded test cell."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            passed, text = verdict(cell)
            color = "#2e7d32" if passed else "#c62828"
            mark = "✔" if passed else "✘"
            html = f'<p class="nnkit-test-verdict" style="color:{color};font-weight:bold">{mark} {text}</p>'
            cell.outputs.append(new_output("display_data", data={"text/html": html, "text/plain": f"{mark} {text}"}))
        return cell, resources
