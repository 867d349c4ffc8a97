"""Hidden checks of given (locked) code, which no submission can reach through nbgrader.

nbgrader restores locked cells before grading, so a wrong loss can never be
submitted; this runs the master's test_loss cell against one directly.
"""
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from gradekit.course import REPO_ROOT
from gradekit.dev.execution import errors, execute_notebook
from gradekit.dev.source import nbgrader_meta, read_master

WRONG_GIVEN = Path(__file__).parent / "wrong_given"


def notebook_of(cells_by_id, order):
    notebook = new_notebook(cells=[cells_by_id[grade_id] for grade_id in order])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def test_hidden_loss_check_catches_a_loss_the_visible_test_accepts(tmp_path):
    cells = {nbgrader_meta(c).get("grade_id"): c for c in read_master().cells}
    cells["loss_functions"].source = (WRONG_GIVEN / "loss_functions.py").read_text(encoding="utf-8")
    cells["gradient_import"] = new_code_cell("from util import eval_numerical_gradient")  # done by test_relu
    path = tmp_path / "loss_check.ipynb"
    nbformat.write(notebook_of(cells, ["imports", "layer", "gradient_import", "loss_functions", "test_loss"]), path)
    for helper in ("util.py", "mnist_loader.py"):
        shutil.copy(REPO_ROOT / helper, tmp_path / helper)

    executed = execute_notebook(path)
    test_loss = executed.cells[-1]
    printed = "".join(o.get("text", "") for o in test_loss.outputs)
    assert "Отлично!" in printed, "the visible part passes: the wrong loss is self-consistent"
    assert [e.evalue.split(":")[0] for e in errors(test_loss)] == ["Заданная функция потерь"]
