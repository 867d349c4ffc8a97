"""Hidden checks of the numpy_nn notebook (grading side only; see the package docstring).

The first cell of the notebook calls `make_checks()` before any student code runs,
and each test cell's hidden region calls one check of the namespace it returns,
e.g. `_nnkit_checks.dense_forward(Dense)`. Every public function below except
`make_checks` is such a check; it raises AssertionError with a message for the
student (in Russian, like the notebook) when the student's code is wrong.

`make_checks` rebinds every function of this module to a private globals dict
holding a copy of `builtins` and snapshots of `numpy`, `numpy.random`, `warnings`
and `util.load_mnist` taken at that moment, so a student cell that later reassigns
`np.allclose`, `builtins.all` or `util.load_mnist` cannot fool the checks. Hence
the rules for this module: no module-level classes or decorators (their methods
would keep the live globals); a class is made inside a function, whose rebound
globals its methods then get (`_affine_probe_class`).

The functions can also be called directly (tests): they then use the live modules.
"""
import importlib
import warnings
from contextlib import ExitStack

import numpy as np
from sklearn.linear_model import LogisticRegression

from gradekit.hidden_checks import bind_checks, snapshot

CHECKS = ("relu", "dense_init", "dense_forward", "dense_grad_input", "dense_grad_params", "loss", "forward",
          "train", "accuracy", "tsne", "parity")


def load_mnist(flatten=False):
    """util.load_mnist of the folder being graded; make_checks binds the function itself instead."""
    return importlib.import_module("util").load_mnist(flatten=flatten)


def make_checks():
    """The checks, each bound to snapshots of builtins, numpy, numpy.random, warnings and util.load_mnist."""
    return bind_checks(globals(), CHECKS, {
        "np": snapshot(np, random=snapshot(np.random)),
        "warnings": snapshot(warnings),
        "load_mnist": importlib.import_module("util").load_mnist,
    })


# --- helpers ---------------------------------------------------------------------------------------------------


def _quiet():
    """Warnings and numpy's floating-point messages off: nbgrader scores a cell writing to stderr as 0."""
    stack = ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(np.errstate(all="ignore"))
    return stack


def _assert_close(actual, expected, message, tolerance=1e-6):
    """Shape, and the error relative to the reference's scale."""
    expected = np.array(expected, dtype=np.float64)
    assert isinstance(actual, np.ndarray), f"{message}: ожидался numpy-массив, получено {type(actual).__name__}"
    assert actual.shape == expected.shape, f"{message}: ожидалась форма {expected.shape}, получена {actual.shape}"
    actual = np.array(actual, dtype=np.float64)
    assert np.isfinite(actual).all(), f"{message}: в результате есть nan или inf"
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-12)
    error = float(np.abs(actual - expected).max(initial=0.0)) / scale
    assert error < tolerance, f"{message}: относительная ошибка {error:.2e} больше допустимой {tolerance:.0e}"


def _assert_unchanged(array, before, message):
    assert np.array_equal(array, before), message


def _random_cases(seed, count=4):
    """Random sizes (batch, inputs, outputs) and a float64 generator."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        batch, n_in, n_out = (int(v) for v in rng.integers(1, 24, size=3))
        yield rng, batch, n_in, n_out


def _random_dense(Dense, rng, n_in, n_out, learning_rate=0.1):
    layer = Dense(n_in, n_out, learning_rate=learning_rate)
    layer.weights = rng.normal(size=(n_in, n_out))
    layer.biases = rng.normal(size=n_out)
    return layer


def _affine_probe_class():
    """A layer with known behaviour, so forward and train are checked apart from the student's Dense and ReLU."""

    class AffineProbe:
        def __init__(self, rng, n_in, n_out):
            self.matrix = rng.normal(size=(n_in, n_out))
            self.shift = rng.normal(size=n_out)
            self.backward_calls = []

        def forward(self, input):
            return np.tanh(input @ self.matrix + self.shift)

        def backward(self, input, grad_output):
            self.backward_calls.append((np.array(input), np.array(grad_output)))
            output = np.tanh(input @ self.matrix + self.shift)
            return (grad_output * (1 - output ** 2)) @ self.matrix.T

    return AffineProbe


def _probe_network(seed):
    rng = np.random.default_rng(seed)
    probe = _affine_probe_class()
    sizes = [int(s) for s in rng.integers(2, 9, size=int(rng.integers(2, 6)))] + [10]
    layers = [probe(rng, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    X = rng.normal(size=(int(rng.integers(1, 20)), sizes[0]))
    return layers, X


def _reference_activations(layers, X):
    activations, current = [], X
    for layer in layers:
        current = layer.forward(current)
        activations.append(current)
    return activations


def _reference_loss(logits, answers):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(logits))
    grad = np.exp(log_softmax)
    grad[rows, answers] -= 1
    return -log_softmax[rows, answers], grad / len(logits)


def _knn_agreement(embedding, labels, k=5):
    """Share of the points most of whose k nearest neighbours show the same digit."""
    squared = (embedding ** 2).sum(axis=1)
    distances = squared[:, None] + squared[None, :] - 2 * embedding @ embedding.T
    np.fill_diagonal(distances, np.inf)
    neighbours = np.argsort(distances, axis=1)[:, :k]
    votes = np.array([np.bincount(labels[row], minlength=10).argmax() for row in neighbours])
    return float((votes == labels).mean())


# --- the checks, in notebook order -----------------------------------------------------------------------------


def relu(ReLU):
    with _quiet():
        for rng, batch, n_in, _ in _random_cases(seed=101):
            x = rng.normal(size=(batch, n_in))
            x_before = x.copy()
            _assert_close(ReLU().forward(x), x_before * (x_before > 0), "ReLU.forward на случайном входе")
            _assert_unchanged(x, x_before, "ReLU.forward не должен изменять входной массив")
            grad_output = rng.normal(size=(batch, n_in))
            grad_before = grad_output.copy()
            _assert_close(ReLU().backward(x, grad_output), grad_before * (x_before > 0),
                          "ReLU.backward со случайным градиентом на выходе")
            _assert_unchanged(x, x_before, "ReLU.backward не должен изменять входной массив")
            _assert_unchanged(grad_output, grad_before, "ReLU.backward не должен изменять grad_output")
        x32 = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
        _assert_close(ReLU().forward(x32), x32 * (x32 > 0), "ReLU.forward на входе float32")


def dense_init(Dense):
    for _, _, n_in, n_out in _random_cases(seed=202):
        layer = Dense(n_in, n_out, learning_rate=0.05)
        assert isinstance(layer.weights, np.ndarray) and layer.weights.shape == (n_in, n_out), \
            f"Dense({n_in}, {n_out}): weights должны иметь форму ({n_in}, {n_out})"
        assert isinstance(layer.biases, np.ndarray) and layer.biases.shape == (n_out,), \
            f"Dense({n_in}, {n_out}): biases должны быть вектором формы ({n_out},)"
        assert layer.learning_rate == 0.05, "Dense должен сохранять переданный learning_rate"
    assert Dense(3, 4).learning_rate == 0.1, "learning_rate по умолчанию должен быть равен 0.1"
    layer = Dense(400, 300)
    weights = np.array(layer.weights, dtype=np.float64)
    assert np.isfinite(weights).all() and np.isfinite(np.array(layer.biases, dtype=np.float64)).all(), \
        "Начальные параметры не должны содержать nan или inf"
    assert abs(weights.mean()) < 0.01 and 1e-3 < weights.std() < 1e-1, \
        "Начальные веса должны быть случайными, с нулевым средним и небольшим разбросом"


def dense_forward(Dense):
    with _quiet():
        for rng, batch, n_in, n_out in _random_cases(seed=303):
            layer = _random_dense(Dense, rng, n_in, n_out)
            weights, biases = layer.weights.copy(), layer.biases.copy()
            x = rng.normal(size=(batch, n_in))
            x_before = x.copy()
            _assert_close(layer.forward(x), x_before @ weights + biases,
                          f"Dense.forward на случайном входе формы {x.shape}")
            _assert_unchanged(x, x_before, "Dense.forward не должен изменять входной массив")
            _assert_unchanged(layer.weights, weights, "Dense.forward не должен менять веса")
            _assert_unchanged(layer.biases, biases, "Dense.forward не должен менять смещения")
        layer = Dense(5, 3)
        x32 = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
        _assert_close(layer.forward(x32), x32.astype(np.float64) @ layer.weights + layer.biases,
                      "Dense.forward на входе float32 (как у изображений MNIST)", tolerance=1e-5)


def dense_grad_input(Dense):
    with _quiet():
        for rng, batch, n_in, n_out in _random_cases(seed=404):
            # learning_rate > 0: the input gradient must use the weights from before the update
            layer = _random_dense(Dense, rng, n_in, n_out, learning_rate=0.5)
            weights = layer.weights.copy()
            x = rng.normal(size=(batch, n_in))
            grad_output = rng.normal(size=(batch, n_out))
            x_before, grad_before = x.copy(), grad_output.copy()
            _assert_close(layer.backward(x, grad_output), grad_before @ weights.T,
                          "Dense.backward: градиент по входу (learning_rate=0.5, случайный grad_output); "
                          "он считается по весам до обновления, отдельно для каждого объекта батча")
            _assert_unchanged(x, x_before, "Dense.backward не должен изменять input")
            _assert_unchanged(grad_output, grad_before, "Dense.backward не должен изменять grad_output")


def dense_grad_params(Dense):
    with _quiet():
        for rng, batch, n_in, n_out in _random_cases(seed=505):
            learning_rate = float(rng.uniform(0.01, 1.0))
            layer = _random_dense(Dense, rng, n_in, n_out, learning_rate=learning_rate)
            weights, biases = layer.weights.copy(), layer.biases.copy()
            x = rng.normal(size=(batch, n_in))
            grad_output = rng.normal(size=(batch, n_out))
            layer.backward(x.copy(), grad_output.copy())
            _assert_close(layer.weights, weights - learning_rate * (x.T @ grad_output),
                          f"Dense.backward: веса после шага (батч {batch}, learning_rate={learning_rate:.3f}); "
                          "градиент по весам — сумма по объектам батча")
            _assert_close(layer.biases, biases - learning_rate * grad_output.sum(axis=0),
                          f"Dense.backward: смещения после шага (батч {batch}); градиент по смещениям — "
                          f"сумма по объектам батча, форма смещений остаётся ({n_out},)")


def loss(loss_function, grad_function):
    rng = np.random.default_rng(606)
    logits = rng.normal(scale=3.0, size=(7, 10))
    answers = rng.integers(0, 10, size=7)
    expected_loss, expected_grad = _reference_loss(logits, answers)
    with _quiet():
        _assert_close(loss_function(logits.copy(), answers), expected_loss, "Заданная функция потерь")
        _assert_close(grad_function(logits.copy(), answers), expected_grad, "Градиент заданной функции потерь")


def forward(forward_function, predict_function):
    with _quiet():
        for seed in (707, 708, 709):
            layers, X = _probe_network(seed)
            X_before = X.copy()
            expected = _reference_activations(layers, X)
            actual = forward_function(layers, X)
            assert isinstance(actual, list) and len(actual) == len(layers), \
                f"forward для сети из {len(layers)} слоёв должен вернуть список из {len(layers)} активаций"
            for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
                _assert_close(got, want, f"forward: активация {index} должна быть выходом слоя {index}")
            _assert_unchanged(X, X_before, "forward не должен изменять входной массив X")
            predicted = np.array(predict_function(layers, X))
            assert np.array_equal(predicted, expected[-1].argmax(axis=-1)), \
                "predict должен возвращать номер класса с наибольшим логитом"


def train(train_function, notebook_globals):
    student_forward = notebook_globals.get("forward")
    # train is checked apart from forward: the reference forward pass stands in while it runs
    notebook_globals["forward"] = _reference_activations
    try:
        with _quiet():
            for seed in (808, 809, 810):
                layers, X = _probe_network(seed)
                y = np.random.default_rng(seed).integers(0, 10, size=len(X))
                activations = _reference_activations(layers, X)
                inputs = [X] + activations
                losses, grad = _reference_loss(activations[-1], y)
                mean_loss = train_function(layers, X, y)
                assert np.ndim(mean_loss) == 0 and abs(float(mean_loss) - float(losses.mean())) < 1e-8, \
                    "train должен вернуть среднюю по батчу функцию потерь"
                for index in reversed(range(len(layers))):
                    calls = layers[index].backward_calls
                    assert len(calls) == 1, \
                        f"train должен вызвать backward слоя {index} ровно один раз, а вызвал {len(calls)}"
                    got_input, got_grad = calls[0]
                    _assert_close(got_input, inputs[index],
                                  f"train: в backward слоя {index} нужно передать вход этого слоя, а не его выход")
                    _assert_close(got_grad, grad, f"train: градиент, переданный в backward слоя {index}")
                    output = activations[index]
                    grad = (grad * (1 - output ** 2)) @ layers[index].matrix.T
    finally:
        notebook_globals["forward"] = student_forward


def accuracy(network):
    with _quiet():
        _, _, X_val, y_val, _, _ = load_mnist(flatten=True)
        logits = X_val
        for layer in network:
            logits = layer.forward(logits)
        value = float((np.array(logits).argmax(axis=-1) == y_val).mean())
    assert value > 0.97, f"Точность сети на валидационной выборке {value:.2%} — нужно больше 97 %"


def tsne(x_original_tsne, x_learnt_tsne, subset_ids):
    with _quiet():
        _, y_train, _, _, _, _ = load_mnist(flatten=True)
        ids = np.array(subset_ids)
        assert ids.shape == (1000,) and len(np.unique(ids)) == 1000 and \
            ids.min() >= 0 and ids.max() < len(y_train), \
            "subset_ids должен содержать 1000 разных номеров изображений из X_train"
        labels = y_train[ids]
        embeddings = {}
        for name, embedding in (("x_original_tsne", x_original_tsne), ("x_learnt_tsne", x_learnt_tsne)):
            embedding = np.array(embedding, dtype=np.float64)
            assert embedding.shape == (1000, 2) and np.isfinite(embedding).all(), \
                f"{name} должен быть конечным массивом формы (1000, 2)"
            agreement = _knn_agreement(embedding, labels)
            assert agreement > 0.6, \
                f"{name}: соседние точки почти не совпадают по цифре ({agreement:.0%}); проверьте, " \
                "что t-SNE построен по изображениям X_train[subset_ids] в порядке subset_ids"
            embeddings[name] = embedding
    assert not np.allclose(embeddings["x_original_tsne"], embeddings["x_learnt_tsne"]), \
        "x_original_tsne и x_learnt_tsne совпадают: их нужно строить по разным представлениям"


def parity(parity_acc_original, parity_acc_learnt, network, forward_function):
    with _quiet():
        X_train, y_train, _, _, X_test, y_test = load_mnist(flatten=True)
        model = LogisticRegression(solver="lbfgs", max_iter=1000)
        model.fit(forward_function(network, X_train)[2], y_train % 2)
        reference_learnt = float(model.score(forward_function(network, X_test)[2], y_test % 2))
    original, learnt = float(parity_acc_original), float(parity_acc_learnt)
    assert 0.8 < original < 0.95, \
        f"parity_acc_original = {original:.4f}: логистическая регрессия по пикселям даёт " \
        "на тестовой выборке точность около 0.9"
    assert abs(learnt - reference_learnt) < 0.02, \
        f"parity_acc_learnt = {learnt:.4f}, а логистическая регрессия на выученных представлениях " \
        f"даёт на тестовой выборке {reference_learnt:.4f}"
