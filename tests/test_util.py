"""util.py, the helpers students read: the numerical gradient, plotting, the t-SNE guard.
MNIST loading lives in mnist_loader.py (tests/test_mnist_loader.py)."""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import mnist_loader  # noqa: E402
import util  # noqa: E402


def test_util_gives_students_the_loader_of_mnist_loader():
    """The notebook and the hidden checks call util.load_mnist."""
    assert util.load_mnist is mnist_loader.load_mnist


# ---------------------------------------------------------------------------
# eval_numerical_gradient
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_gradient_of_sum_of_squares(dtype):
    x = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    grad = util.eval_numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert grad.shape == x.shape
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x.astype(np.float64), rtol=1e-7, atol=1e-7)


def test_float32_input_gives_float64_accurate_gradient():
    # Perturbing in float32 would lose about 1e-3 of the relative accuracy.
    x = np.random.default_rng(0).uniform(0.5, 2.0, size=20).astype(np.float32)
    grad = util.eval_numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * x.astype(np.float64) ** 2, rtol=1e-7)


def test_gradient_of_matrix_product():
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(4, 3))
    upstream = rng.normal(size=(4, 2))
    weights = rng.normal(size=(3, 2))
    grad = util.eval_numerical_gradient(lambda w: np.sum((inputs @ w) * upstream), weights)
    np.testing.assert_allclose(grad, inputs.T @ upstream, rtol=1e-6, atol=1e-8)


def test_gradient_of_non_contiguous_input_matches_its_layout():
    base = np.random.default_rng(2).normal(size=(4, 6))
    x = base[:, ::2].T  # shape (3, 4), not contiguous
    coefficients = np.arange(12.0).reshape(3, 4)
    grad = util.eval_numerical_gradient(lambda v: np.sum(coefficients * v), x)
    np.testing.assert_allclose(grad, coefficients, atol=1e-8)


def test_gradient_of_function_coupling_all_elements():
    # A perturbation that is not undone would spoil the following elements.
    rng = np.random.default_rng(4)
    matrix = rng.normal(size=(6, 6))
    x = rng.normal(size=(2, 3))
    grad = util.eval_numerical_gradient(lambda v: v.ravel() @ matrix @ v.ravel(), x)
    expected = ((matrix + matrix.T) @ x.ravel()).reshape(2, 3)
    np.testing.assert_allclose(grad, expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_leaves_input_unchanged(dtype):
    x = np.random.default_rng(3).normal(size=(2, 5)).astype(dtype)
    original = x.copy()
    seen_dtypes = set()

    def f(v):
        seen_dtypes.add(v.dtype)
        return np.sum(np.sin(v))

    util.eval_numerical_gradient(f, x)
    assert x.dtype == dtype
    np.testing.assert_array_equal(x, original)
    assert seen_dtypes == {np.dtype(np.float64)}


def test_gradient_requires_scalar_function():
    with pytest.raises(ValueError, match="скаляр|одно число"):
        util.eval_numerical_gradient(lambda v: v * 2, np.ones(3))


# ---------------------------------------------------------------------------
# plot_embedding
# ---------------------------------------------------------------------------


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def test_plot_embedding_draws_every_point_with_legend(close_figures):
    rng = np.random.default_rng(5)
    points = rng.normal(size=(40, 2))
    labels = np.array([0, 3, 7, 9] * 10)
    ax = util.plot_embedding(points, labels, title="Мой график")

    assert isinstance(ax, matplotlib.axes.Axes)
    drawn = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(drawn) == 40
    np.testing.assert_allclose(np.sort(drawn, axis=0), np.sort(points, axis=0))
    legend_labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend_labels == ["0", "3", "7", "9"]
    assert ax.get_title() == "Мой график"
    colors = {tuple(np.round(c.get_facecolor()[0], 4)) for c in ax.collections}
    assert len(colors) == 4


def test_plot_embedding_default_title_is_russian(close_figures):
    ax = util.plot_embedding(np.zeros((3, 2)), np.array([1, 1, 2]))
    assert ax.get_title() == "t-SNE представление"


@pytest.mark.parametrize("points, labels, message", [
    (np.zeros(6), np.zeros(6, int), "форму"),
    (np.zeros((5, 3)), np.zeros(5, int), "форму"),
    (np.zeros((5, 2)), np.zeros(4, int), "длины 5"),
    (np.zeros((5, 2)), np.zeros((5, 1), int), "одномерным"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]]), np.array([1, 2]), "конечные"),
    (np.array([[0.0, 1.0], [np.inf, 2.0]]), np.array([1, 2]), "конечные"),
    (np.zeros((0, 2)), np.zeros(0, int), "пуст"),
    (np.zeros((2, 2)), np.array([0.5, 1.5]), "целыми"),
], ids=["1d", "3-columns", "length", "2d-labels", "nan", "inf", "empty", "float-labels"])
def test_plot_embedding_rejects_bad_input(close_figures, points, labels, message):
    with pytest.raises(ValueError, match=message):
        util.plot_embedding(points, labels)


# --- check_representations -------------------------------------------------


def test_check_representations_returns_usable_data_unchanged():
    X = np.random.default_rng(0).normal(size=(50, 4))
    assert util.check_representations(X) is X


@pytest.mark.parametrize("bad, fragment", [
    (np.zeros((30, 5)), "одинаковы"),
    (np.tile(np.arange(5.0), (30, 1)), "одинаковы"),
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "nan"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "nan"),
    (np.zeros(5), "матрица"),
    (np.vstack([np.zeros((990, 3)), np.eye(10, 3)]), "почти одинаковы"),
])
def test_check_representations_refuses_degenerate_input(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        util.check_representations(bad, "Представления")
