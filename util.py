"""Вспомогательные функции для задания: численный градиент, загрузка MNIST,
визуализация двумерных представлений.

Helper functions for the assignment: numerical gradient, MNIST loading,
plotting of 2-D embeddings.
"""

import matplotlib.pyplot as plt
import numpy as np

# Загрузка MNIST (откуда берутся данные, кэш, скачивание) — в файле mnist_loader.py рядом.
from mnist_loader import load_mnist  # noqa: F401

# ---------------------------------------------------------------------------
# Численный градиент / numerical gradient
# ---------------------------------------------------------------------------


def eval_numerical_gradient(f, x, h=1e-5):
    """Численный градиент скалярной функции f в точке x (центральные разности).

    f вызывается с изменённой float64-копией x, поэтому f должна вычислять
    значение по своему аргументу. Сам x не изменяется. Результат имеет форму x
    и тип float64.
    """
    # A fresh C-ordered copy: only then is reshape(-1) a view that writes through.
    point = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(point)
    flat_point = point.reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat_point.size):
        original = flat_point[i]
        flat_point[i] = original + h
        f_plus = _as_scalar(f(point))
        flat_point[i] = original - h
        f_minus = _as_scalar(f(point))
        flat_point[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _as_scalar(value):
    array = np.asarray(value)
    if array.size != 1:
        raise ValueError(
            "Функция f должна возвращать одно число, а вернула массив формы "
            f"{array.shape} / f must return a scalar, got shape {array.shape}"
        )
    return float(array.item())


# ---------------------------------------------------------------------------
# Визуализация / plotting
# ---------------------------------------------------------------------------

DEFAULT_EMBEDDING_TITLE = "t-SNE представление"


def plot_embedding(X2d, y, title=None):
    """Рисует двумерное представление (N, 2), раскрашенное по меткам цифр.

    Возвращает matplotlib Axes. plt.show() не вызывается.
    """
    points, labels = _checked_embedding(X2d, y)
    figure = plt.figure(figsize=(8, 8))
    axes = figure.add_subplot()
    colors = plt.get_cmap("tab10")
    for digit in np.unique(labels):
        selected = labels == digit
        axes.scatter(points[selected, 0], points[selected, 1], s=5,
                     color=colors(int(digit) % 10), label=str(digit))
    axes.legend(title="Цифра", markerscale=3)
    axes.set_title(DEFAULT_EMBEDDING_TITLE if title is None else title)
    return axes


def _checked_embedding(X2d, y):
    points = np.asarray(X2d)
    labels = np.asarray(y)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"X2d должен иметь форму (N, 2), а имеет форму {points.shape}")
    if len(points) == 0:
        raise ValueError("X2d пуст: нечего рисовать")
    if labels.ndim != 1 or len(labels) != len(points):
        raise ValueError(
            f"y должен быть одномерным массивом длины {len(points)} (как X2d), "
            f"а имеет форму {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"метки y должны быть целыми числами, а имеют тип {labels.dtype}")
    if not np.issubdtype(points.dtype, np.number) or not np.all(np.isfinite(points)):
        raise ValueError("X2d должен содержать только конечные числа (без NaN и inf)")
    return points, labels


# ---------------------------------------------------------------------------
# Проверка представлений / checking representations
# ---------------------------------------------------------------------------


def check_representations(X, name="представления"):
    """Возвращает X, если по нему можно строить t-SNE и обучать модели, иначе ValueError.

    t-SNE из scikit-learn аварийно завершает Python (segmentation fault), если все
    строки данных одинаковы — например, когда Dense.forward возвращает нули или
    сломанное обучение свело представления к одной точке. Такую ошибку лучше
    показать сразу и понятным текстом. Проверяются до 2000 случайных строк (свой
    генератор случайных чисел: глобальное состояние np.random не меняется).
    """
    array = np.asarray(X)
    if array.ndim != 2 or len(array) == 0:
        raise ValueError(f"{name}: ожидалась непустая матрица [объекты, признаки], получена форма {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} содержат nan или inf: обучение сети разошлось. Проверьте Dense.backward и train "
            "(градиенты и шаг обучения) и перезапустите блокнот."
        )
    sample = array[np.random.default_rng(0).permutation(len(array))[:2000]]
    distinct = len(np.unique(sample, axis=0))
    if distinct < max(2, len(sample) // 10):
        raise ValueError(
            f"{name} почти одинаковы для всех изображений (различных среди {len(sample)} случайных: "
            f"{distinct}): сеть не различает входы (например, Dense.forward возвращает нули или обучение "
            "сломано). t-SNE на таких данных аварийно завершает Python, поэтому сначала добейтесь, "
            "чтобы сеть обучалась."
        )
    return X
