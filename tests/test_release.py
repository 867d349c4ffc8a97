"""The student release: only the notebook, util.py with mnist_loader.py and the self-check, no secret, and it runs up to the student's work."""
import re
import shutil

import nbformat
import pytest

from gradekit.course import REPO_ROOT, SINGLE_THREADED, release_notebook, run_nbgrader
from gradekit.dev.execution import errors, execute_notebook
from gradekit.dev.lab import ASSIGNMENT
from gradekit.dev.source import read_master, secret_lines

# Names that only students' answer cells define: in a blank release, cells that use
# them fail with NameError because the answer cell raised NotImplementedError first.
ANSWER_VARIABLES = ("x_original_tsne", "x_learnt_tsne", "parity_acc_original", "parity_acc_learnt")

SPEC_SIGNATURES = (
    "class Layer:", "class ReLU(Layer):", "class Dense(Layer):",
    "def __init__(self, input_units, output_units, learning_rate=0.1):",
    "def forward(self, input):", "def backward(self, input, grad_output):",
    "def forward(network, X):", "def predict(network, X):", "def train(network, X, y):",
    "def iterate_minibatches(inputs, targets, batchsize, shuffle=False):",
    "def softmax_crossentropy_with_logits(logits, reference_answers):",
    "def grad_softmax_crossentropy_with_logits(logits, reference_answers):",
    "self.weights = np.random.randn(input_units, output_units) * 0.01",
    "self.biases = np.zeros(output_units)", "self.learning_rate = learning_rate",
)


@pytest.fixture(scope="module")
def release_dir(released_course):
    return released_course / "release" / ASSIGNMENT


@pytest.fixture(scope="module")
def released(released_course):
    return nbformat.read(release_notebook(released_course), as_version=4)


def test_release_holds_the_notebook_util_and_self_check(release_dir):
    assert sorted(p.name for p in release_dir.iterdir()) == [
        "mnist_loader.py", f"{ASSIGNMENT}.ipynb", "self_check.json", "self_check.py", "util.py"]


def test_committed_release_is_what_source_generates(release_dir):
    """release/numpy_nn/ in git is what students get: it must be regenerated (make release) with source/."""
    committed = REPO_ROOT / "release" / ASSIGNMENT
    assert sorted(p.name for p in committed.iterdir()) == sorted(p.name for p in release_dir.iterdir())
    stale = [p.name for p in release_dir.iterdir() if (committed / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"release/{ASSIGNMENT}/ is out of date with source/ ({', '.join(stale)}): run make release"


def test_no_secret_line_reaches_any_released_file(release_dir):
    secrets = secret_lines(read_master())
    assert len(secrets) > 100, "the scan must actually have the solutions and hidden tests to look for"
    for path in release_dir.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        released_lines = {line.strip() for line in text.splitlines()}
        if path.suffix == ".ipynb":
            notebook = nbformat.reads(text, as_version=4)
            released_lines |= {line.strip() for c in notebook.cells for line in c.source.splitlines()}
        leaked = sorted(secrets & released_lines)
        assert leaked == [], f"{path.name} leaks {leaked[:5]}"
        assert not re.search(r"BEGIN (SOLUTION|HIDDEN TESTS)", text), path.name


def test_release_keeps_the_spec_api(released):
    text = "\n".join(c.source for c in released.cells)
    missing = [s for s in SPEC_SIGNATURES if s not in text]
    assert missing == []


def test_answer_cells_show_the_russian_stub(released):
    answers = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers
    for cell in answers:
        stub = "raise NotImplementedError()" if cell.cell_type == "code" else "ВАШ ОТВЕТ ЗДЕСЬ"
        assert stub in cell.source, cell.metadata["nbgrader"]["grade_id"]


@pytest.fixture(scope="module")
def executed_release(released_course):
    return execute_notebook(release_notebook(released_course))


def test_blank_release_fails_only_where_students_must_write(executed_release):
    unexpected = []
    for cell in executed_release.cells:
        for error in errors(cell):
            if error.ename == "NotImplementedError":
                continue
            if error.ename == "NameError" and any(f"'{name}'" in error.evalue for name in ANSWER_VARIABLES):
                continue
            unexpected.append((cell.metadata.get("nbgrader", {}).get("grade_id"), error.ename, error.evalue))
    assert unexpected == []


def test_blank_release_loads_data_and_draws_samples(executed_release):
    load = next(c for c in executed_release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data")
    assert errors(load) == []
    assert any("image/png" in o.get("data", {}) for o in load.outputs)


def test_grading_takes_the_helpers_from_source_not_from_the_submission(released_course, tmp_path):
    """nbgrader autograde overwrites every non-notebook file of a submission with source/'s copy, so a
    student's edited util.py or deleted mnist_loader.py changes nothing (docs/decisions.md, MNIST loading)."""
    course = shutil.copytree(released_course, tmp_path / "course", symlinks=True)
    student = "edits_helpers"
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy(release_notebook(course), folder)
    (folder / "util.py").write_text("raise RuntimeError('a student edited util.py')\n")  # and no mnist_loader.py
    run_nbgrader(["db", "student", "add", student], course)
    run_nbgrader(["autograde", ASSIGNMENT, f"--student={student}"], course, env_extra=SINGLE_THREADED)

    graded = course / "autograded" / student / ASSIGNMENT
    for helper in ("util.py", "mnist_loader.py"):
        assert (graded / helper).read_bytes() == (REPO_ROOT / helper).read_bytes(), helper
    notebook = nbformat.read(graded / f"{ASSIGNMENT}.ipynb", as_version=4)
    load = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data")
    assert errors(load) == []  # MNIST loaded offline, inside the sandbox
