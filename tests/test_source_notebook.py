"""The master notebook: jupytext pairing, the grade_id contract, points, and the spec's figures."""
import re

import pytest

from gradekit.dev import lab
from gradekit.dev.source import nbgrader_meta, read_master, read_master_markdown

# The grade_ids are a contract: grade exports, feedback, the rubric and the LMS files key on them.
# They are this test's expectation; everything else reads them from the notebook (gradekit.dev.lab).
AUTOGRADED_ANSWERS = ("relu", "dense", "network_forward", "train_step", "tsne", "parity")
TESTS = (
    "test_relu", "test_dense_init", "test_dense_forward", "test_dense_grad_input",
    "test_dense_grad_params", "test_loss", "test_forward", "test_train", "test_accuracy",
    "test_tsne", "test_parity",
)
MANUAL_ANSWERS = ("tsne_conclusion", "parity_conclusion", "control_q1", "control_q2", "control_q3")

LOCKED_GIVEN_CODE = ("imports", "layer", "loss_functions", "load_data", "minibatches",
                     "hidden_representations", "parity_targets")


@pytest.fixture(scope="module")
def master():
    return read_master()


def cells_by_kind(notebook):
    kinds = {"answer": [], "test": [], "manual": [], "locked": []}
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        if meta.get("grade") and meta.get("solution"):
            kinds["manual"].append(meta["grade_id"])
        elif meta.get("grade"):
            kinds["test"].append(meta["grade_id"])
        elif meta.get("solution"):
            kinds["answer"].append(meta["grade_id"])
        elif meta.get("locked"):
            kinds["locked"].append(meta["grade_id"])
    return kinds


def test_markdown_and_ipynb_are_in_sync(master):
    """The .md is what we author; the .ipynb nbgrader reads must be regenerated from it (make notebook)."""
    authored = read_master_markdown()

    def essence(notebook):
        return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in notebook.cells]

    assert essence(authored) == essence(master), \
        "source/numpy_nn/numpy_nn.ipynb has drifted from numpy_nn.md: run `make notebook`"


def test_grade_ids_are_the_contract(master):
    kinds = cells_by_kind(master)
    assert tuple(kinds["answer"]) == AUTOGRADED_ANSWERS
    assert tuple(kinds["test"]) == TESTS
    assert tuple(kinds["manual"]) == MANUAL_ANSWERS
    # the lists the other tests, the benchmarks and the demo read from the notebook are the same
    assert (lab.AUTOGRADED_ANSWERS, lab.TESTS, lab.MANUAL_ANSWERS) == (AUTOGRADED_ANSWERS, TESTS, MANUAL_ANSWERS)
    assert set(LOCKED_GIVEN_CODE) <= set(kinds["locked"])


def test_grade_ids_are_unique(master):
    ids = [nbgrader_meta(c)["grade_id"] for c in master.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids))


def test_points_total_five_with_manual_part(master):
    points = {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"]
              for c in master.cells if nbgrader_meta(c).get("grade")}
    assert sum(points.values()) == 5
    assert sum(points[g] for g in MANUAL_ANSWERS) >= 1


def test_test_cells_do_not_end_with_an_expression(master):
    """nbgrader treats a number printed as a grade cell's result as partial credit."""
    for cell in master.cells:
        if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            last = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")][-1]
            assert not re.fullmatch(r"[A-Za-z_][\w.]*", last.strip()), (nbgrader_meta(cell)["grade_id"], last)


def test_solution_regions_wrap_only_bodies(master):
    """Signatures and the spec's given code stay outside the regions students replace."""
    for cell in master.cells:
        if not nbgrader_meta(cell).get("solution") or cell.cell_type != "code":
            continue
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside:
                assert not re.match(r"\s*(class|def) ", line), (nbgrader_meta(cell)["grade_id"], line)


def test_spec_figures_are_kept(master):
    text = "\n".join(c.source for c in master.cells)
    for figure in ("29.02.2024", "14.03.2024", "0.07272727", "0.41212121", "0.75151515", "1.09090909",
                   "-0.90909091", "0.08484848", "1.07878788", "2.07272727", "val_accuracy > 0.97"):
        assert figure in text, figure
