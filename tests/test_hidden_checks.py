"""The hidden checks (gradekit/hidden_checks/numpy_nn.py), called directly: no notebook, no kernel.

Each check passes on the reference solution (tests/submissions/correct) and fails on
concrete wrong code: the samples whose `hidden_failures` name it (graded end to end by
tests/test_autograde.py) and the small wrong answers in tests/wrong_answers/. The
answer cells are run in one namespace with the master's given cells, as in a kernel.
"""
import builtins
import inspect
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from gradekit import hidden_checks
from gradekit.cells import hidden_regions, without_regions
from gradekit.course import REPO_ROOT
from gradekit.dev.samples import load_sample, sample_names
from gradekit.dev.source import nbgrader_meta, read_master
from gradekit.hidden_checks import numpy_nn

if str(REPO_ROOT) not in sys.path:  # the checks read MNIST through util.load_mnist, as the notebook does
    sys.path.insert(0, str(REPO_ROOT))
import util  # noqa: E402

TESTS_DIR = Path(__file__).parent
WRONG_ANSWERS = TESTS_DIR / "wrong_answers"
WRONG_GIVEN = TESTS_DIR / "wrong_given"
GIVEN_CELLS = ("layer", "loss_functions")
CODE_ANSWERS = ("relu", "dense", "network_forward", "train_step")  # cheap to run: no MNIST, no training


def master_cells():
    return {nbgrader_meta(cell).get("grade_id"): cell for cell in read_master().cells}


MASTER = master_cells()


def run_cells(answers, given=None):
    """The globals of a kernel that ran `import numpy as np`, the given cells and these answer cells."""
    namespace = {"__name__": "__main__"}
    exec("import numpy as np", namespace)
    for grade_id in GIVEN_CELLS:
        exec((given or {}).get(grade_id, MASTER[grade_id].source), namespace)
    for grade_id in CODE_ANSWERS:
        if grade_id in answers:
            exec(answers[grade_id], namespace)
    return namespace


def hidden_call(check, namespace):
    """Call a check the way its test cell's hidden region does."""
    calls = {
        "relu": lambda c: c.relu(namespace["ReLU"]),
        "dense_init": lambda c: c.dense_init(namespace["Dense"]),
        "dense_forward": lambda c: c.dense_forward(namespace["Dense"]),
        "dense_grad_input": lambda c: c.dense_grad_input(namespace["Dense"]),
        "dense_grad_params": lambda c: c.dense_grad_params(namespace["Dense"]),
        "loss": lambda c: c.loss(namespace["softmax_crossentropy_with_logits"],
                                 namespace["grad_softmax_crossentropy_with_logits"]),
        "forward": lambda c: c.forward(namespace["forward"], namespace["predict"]),
        "train": lambda c: c.train(namespace["train"], namespace),
    }
    return calls[check]


CODE_CHECKS = ("relu", "dense_init", "dense_forward", "dense_grad_input", "dense_grad_params", "loss", "forward",
               "train")
CORRECT = load_sample("correct").answers
# A check fails with its own assert, or with numpy's shape error when the wrong code breaks the check's
# probe layers (bug_train_grad_not_chained); a NameError or the like would be a broken test, not a catch.
CAUGHT = (AssertionError, ValueError)


@pytest.fixture(scope="module")
def checks():
    return numpy_nn.make_checks()


@pytest.fixture(autouse=True)
def restore_patched_modules():
    """Answer cells may patch numpy, builtins and util for the whole process (tamper_monkeypatch): undo it."""
    modules = (np, np.random, np.testing, builtins, util)
    saved = [dict(vars(module)) for module in modules]
    yield
    for module, attributes in zip(modules, saved, strict=True):
        for name in set(vars(module)) - set(attributes):
            delattr(module, name)
        vars(module).update(attributes)


# --- the module and the notebook agree ----------------------------------------------------------------------


def test_the_first_cell_only_creates_the_checks():
    (region,) = hidden_regions(MASTER["imports"].source)
    assert len(region.inner) <= 4 and "make_checks()" in "\n".join(region.inner)


def test_every_hidden_call_of_the_notebook_is_a_check_of_the_module():
    hidden = "\n".join(line for cell in MASTER.values() for region in hidden_regions(cell.source)
                       for line in region.inner)
    called = set(re.findall(r"_nnkit_checks\.(\w+)\(", hidden))
    assert called == set(numpy_nn.CHECKS) == set(CODE_CHECKS) | {"accuracy", "tsne", "parity"}


# --- correct code passes, wrong code fails ------------------------------------------------------------------


@pytest.mark.parametrize("check", CODE_CHECKS)
def test_check_passes_on_the_reference_solution(checks, check):
    hidden_call(check, run_cells(CORRECT))(checks)


def sample_cases():
    """(sample, check) for every hidden failure of a sample that the module can be called on directly."""
    for name in sample_names():
        sample = load_sample(name)
        for test in sample.hidden_failures:
            if test.removeprefix("test_") in CODE_CHECKS:
                yield pytest.param(name, test.removeprefix("test_"), id=f"{name}-{test}")


@pytest.mark.parametrize(("sample", "check"), list(sample_cases()))
def test_check_fails_on_the_sample_that_only_it_catches(checks, sample, check):
    namespace = run_cells(load_sample(sample).answers)
    with pytest.raises(CAUGHT):
        hidden_call(check, namespace)(checks)


def wrong_answer_cases():
    for path in sorted(WRONG_ANSWERS.glob("*/*.py")):
        check = re.match(r"# fails: (\w+)", path.read_text(encoding="utf-8")).group(1)
        yield pytest.param(path, check, id=f"{path.parent.name}/{path.stem}-{check}")


@pytest.mark.parametrize(("path", "check"), list(wrong_answer_cases()))
def test_check_fails_on_a_wrong_answer(checks, path, check):
    namespace = run_cells(CORRECT)
    exec(path.read_text(encoding="utf-8"), namespace)  # over the correct cell (tests/wrong_answers/README.md)
    with pytest.raises(AssertionError):  # the check's own message, for the student
        hidden_call(check, namespace)(checks)


def test_the_loss_check_catches_a_wrong_loss_that_the_visible_test_accepts(checks, capsys):
    """nbgrader restores locked cells, so no submission can bring a wrong loss: this is the only proof."""
    namespace = run_cells(CORRECT, given={"loss_functions": (WRONG_GIVEN / "loss_functions.py").read_text("utf-8")})
    namespace["eval_numerical_gradient"] = util.eval_numerical_gradient  # imported by test_relu
    test_loss = MASTER["test_loss"].source
    exec(without_regions(test_loss, hidden_regions(test_loss)), namespace)
    assert "Отлично!" in capsys.readouterr().out, "the visible part passes: the wrong loss is self-consistent"
    with pytest.raises(AssertionError, match="^Заданная функция потерь"):
        hidden_call("loss", namespace)(checks)


# --- the checks that read MNIST, on made-up answers ---------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    return util.load_mnist(flatten=True)


def answer_key(labels, wrong=0):
    """A one-layer "network" whose logits are the given labels, the first `wrong` of them shifted by one."""
    logits = np.eye(10)[(labels + (np.arange(len(labels)) < wrong)) % 10]
    return [type("AnswerKey", (), {"forward": lambda self, X: logits[:len(X)]})()]


def test_accuracy_needs_more_than_97_percent_on_the_validation_set(checks, mnist):
    y_val = mnist[3]
    checks.accuracy(answer_key(y_val, wrong=int(0.02 * len(y_val))))
    with pytest.raises(AssertionError, match="нужно больше 97 %"):
        checks.accuracy(answer_key(y_val, wrong=int(0.04 * len(y_val))))


def clusters(labels, seed):
    """A 2-D embedding with one tight cluster per digit."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(10, 2))[labels] * 10 + rng.normal(size=(len(labels), 2))


def test_tsne_wants_embeddings_of_the_chosen_images_that_differ(checks, mnist):
    y_train = mnist[1]
    ids = np.random.default_rng(0).choice(len(y_train), size=1000, replace=False)
    checks.tsne(clusters(y_train[ids], 1), clusters(y_train[ids], 2), ids)
    with pytest.raises(AssertionError, match="в порядке subset_ids"):  # the images of other ids
        checks.tsne(clusters(y_train[ids], 1), clusters(y_train[(ids + 1) % len(y_train)], 2), ids)
    with pytest.raises(AssertionError, match="совпадают"):
        checks.tsne(clusters(y_train[ids], 1), clusters(y_train[ids], 1), ids)
    with pytest.raises(AssertionError, match="1000 разных номеров"):
        checks.tsne(clusters(y_train[ids], 1), clusters(y_train[ids], 2), np.r_[ids[:-1], ids[0]])


def test_parity_recomputes_the_learnt_accuracy(checks, mnist):
    from sklearn.linear_model import LogisticRegression

    X_train, y_train, _, _, X_test, y_test = mnist
    projection = np.random.default_rng(3).normal(size=(X_train.shape[1], 16))
    features = lambda network, X: [None, None, X @ projection]  # noqa: E731 - a stand-in for forward
    model = LogisticRegression(max_iter=1000).fit(features(None, X_train)[2], y_train % 2)
    learnt = model.score(features(None, X_test)[2], y_test % 2)
    checks.parity(0.9, learnt, None, features)
    with pytest.raises(AssertionError, match="parity_acc_learnt"):
        checks.parity(0.9, learnt + 0.05, None, features)
    with pytest.raises(AssertionError, match="parity_acc_original"):
        checks.parity(0.99, learnt, None, features)


# --- the checks keep the world of the first cell ------------------------------------------------------------


def test_checks_made_before_a_patch_are_not_fooled_by_it(monkeypatch, mnist):
    """A student cell run after the first cell patches numpy, numpy.random, builtins and util."""
    checks = numpy_nn.make_checks()
    y_val = mnist[3]
    always_next_digit = answer_key(y_val, wrong=len(y_val))  # 0 % right
    relu_in_place = run_cells(load_sample("bug_relu_backward_inplace").answers)
    init = "np.random.randn(input_units, output_units) * 0.01"
    init_off_centre = run_cells({**CORRECT, "dense": CORRECT["dense"].replace(init, f"{init} + 0.05")})
    monkeypatch.setattr(np, "array_equal", lambda *args, **kwargs: True)
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: False)
    monkeypatch.setattr(np.random, "default_rng", lambda seed=None: np.random.Generator(np.random.PCG64(0)))
    monkeypatch.setattr(builtins, "abs", lambda value: 0)
    monkeypatch.setattr(util, "load_mnist", lambda flatten=False: (*mnist[:3], (y_val + 1) % 10, *mnist[4:]))

    # the module's own functions do see the patches: they are real
    numpy_nn.relu(relu_in_place["ReLU"])
    numpy_nn.dense_init(init_off_centre["Dense"])
    numpy_nn.accuracy(always_next_digit)
    # the checks made before them do not
    with pytest.raises(AssertionError, match="не должен изменять grad_output"):
        checks.relu(relu_in_place["ReLU"])
    with pytest.raises(AssertionError, match="с нулевым средним"):
        checks.dense_init(init_off_centre["Dense"])
    checks.dense_forward(run_cells(CORRECT)["Dense"])
    with pytest.raises(AssertionError, match="нужно больше 97 %"):
        checks.accuracy(always_next_digit)


def test_every_function_of_the_checks_runs_on_the_snapshots(checks):
    checks = types.SimpleNamespace(**{name: inspect.unwrap(getattr(checks, name)) for name in numpy_nn.CHECKS})
    globals_ = checks.relu.__globals__
    assert globals_ is not vars(numpy_nn) and globals_["np"] is not np and globals_["np"].random is not np.random
    assert globals_["__builtins__"] is not vars(builtins) and globals_["load_mnist"] is util.load_mnist
    assert all(getattr(checks, name).__globals__ is globals_ for name in numpy_nn.CHECKS)
    helpers = [value for value in globals_.values() if callable(value) and getattr(value, "__module__", None)
               == numpy_nn.__name__]
    assert helpers and all(helper.__globals__ is globals_ for helper in helpers)


def test_a_bug_of_a_checks_own_code_is_a_grader_fault_and_a_students_error_is_not():
    """guard: NameError/ImportError raised by the check's own code -> GraderFault; everything else unchanged."""
    def buggy(student):
        return undefined_name  # noqa: F821 (the bug)

    def verdict(student):
        assert student() == 1, "неверно"

    guarded_bug, guarded_verdict = hidden_checks.guard(buggy), hidden_checks.guard(verdict)
    buggy.__code__ = buggy.__code__.replace(co_filename=str(hidden_checks.PACKAGE_DIR / "lab.py"))
    with pytest.raises(hidden_checks.GraderFault, match="buggy.*NameError"):
        guarded_bug(lambda: 1)

    def student_with_a_name_error():
        return missing_in_students_code  # noqa: F821

    with pytest.raises(NameError):  # the student's own NameError is their result
        guarded_verdict(student_with_a_name_error)
    with pytest.raises(AssertionError, match="неверно"):
        guarded_verdict(lambda: 2)
    guarded_verdict(lambda: 1)
