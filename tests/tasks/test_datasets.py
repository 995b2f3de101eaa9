"""Data set loaders on small files written in the real formats, and their errors."""

from __future__ import annotations

import gzip
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.io
import sklearn.datasets
from numpy.testing import assert_array_equal
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from automl_zero.tasks import datasets
from automl_zero.tasks.datasets import (
    CIFAR10_CLASSES,
    DATASETS,
    FASHION_MNIST_CLASSES,
    Dataset,
    DatasetError,
    DatasetNotFoundError,
    fetch_openml_dataset,
    load_cifar10,
    load_csv,
    load_dataset,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    load_npz,
    load_svhn,
)

# ---------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------


def small(**changes: Any) -> Dataset:
    fields: dict[str, Any] = {
        "name": "toy",
        "train_x": np.arange(8.0).reshape(4, 2),
        "train_y": np.array([0, 1, 0, 1]),
        "test_x": np.ones((2, 2)),
        "test_y": np.array([1, 0]),
        "num_classes": 2,
    }
    fields.update(changes)
    return Dataset(**fields)


def test_dataset_stores_read_only_contiguous_arrays_and_int64_labels() -> None:
    x = np.asfortranarray(np.arange(8.0).reshape(4, 2))
    kept = np.arange(4.0).reshape(2, 2)
    data = small(train_x=x, test_x=kept, train_y=np.array([0.0, 1.0, 0.0, 1.0]))
    for array in (data.train_x, data.train_y, data.test_x, data.test_y):
        assert array.flags.c_contiguous
        assert not array.flags.writeable
    assert data.train_y.dtype == np.int64
    assert data.num_raw_features == 2
    assert kept.flags.writeable  # the caller's array is not made read-only
    assert_array_equal(data.train_x, x)
    assert "toy" in repr(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"train_x": np.array([[0.0, 1.0], [2.0, np.nan], [0, 0], [0, 0]])}, "train_x row 1 contains NaN"),
        ({"test_x": np.array([[0.0, 1.0], [np.inf, 0.0]])}, "test_x row 1"),
        ({"test_x": np.ones((2, 3))}, "train_x has 2 features but test_x has 3"),
        ({"train_y": np.array([0, 1, 0])}, "train_y must be 1-D"),
        ({"train_y": np.array([0, 1.5, 0, 1])}, "train_y row 1 is 1.5"),
        ({"test_y": np.array([0, 2])}, "test_y row 1 is 2, outside the class indices 0..1"),
        ({"test_y": np.array([-1, 0])}, "test_y row 0"),
        ({"num_classes": 1}, "num_classes must be an integer >= 2"),
        ({"train_x": np.ones((0, 2)), "train_y": np.zeros(0)}, "at least one example"),
        ({"train_x": np.ones(4)}, "must be 2-D"),
        ({"train_x": np.array([["a", "b"]] * 4)}, "must hold numbers"),
        ({"class_names": ("a",)}, "class_names must be 2 strings"),
    ],
)
def test_dataset_rejects_bad_parts_naming_them(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        small(**changes)


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------


def test_digits_fixed_stratified_split() -> None:
    data = load_digits()
    assert data.name == "digits"
    assert data.train_x.shape == (1347, 64)
    assert data.test_x.shape == (450, 64)
    assert data.train_x.dtype == np.uint8
    assert data.num_classes == 10
    assert data.class_names == tuple("0123456789")
    bunch = sklearn.datasets.load_digits()
    train_x, test_x, train_y, test_y = train_test_split(
        bunch.data, bunch.target, test_size=0.25, random_state=0, stratify=bunch.target
    )
    assert_array_equal(data.train_x, train_x)
    assert_array_equal(data.train_y, train_y)
    assert_array_equal(data.test_x, test_x)
    assert_array_equal(data.test_y, test_y)
    again = load_digits()
    assert_array_equal(again.train_x, data.train_x)
    assert_array_equal(again.train_y, data.train_y)


# ---------------------------------------------------------------------------
# CIFAR-10
# ---------------------------------------------------------------------------


def write_cifar(
    root: Path, rows: tuple[int, ...] = (2, 2, 2, 2, 2, 3), *, protocol: int = 2, meta: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batches as the official files are: pickled dicts of bytes keys, uint8 data, a list of labels."""
    rng = np.random.default_rng(0)
    directory = root / "cifar-10-batches-py"
    directory.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    xs, ys = [], []
    for name, count in zip(names, rows, strict=True):
        data = rng.integers(0, 256, size=(count, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count).tolist()
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data, b"filenames": [b"x.png"] * count}
        (directory / name).write_bytes(pickle.dumps(batch, protocol=protocol))
        xs.append(data)
        ys.append(labels)
    if meta:
        names_bytes = [n.upper().encode() for n in CIFAR10_CLASSES]
        meta_dict = {b"num_cases_per_batch": rows[0], b"label_names": names_bytes, b"num_vis": 3072}
        (directory / "batches.meta").write_bytes(pickle.dumps(meta_dict, protocol=protocol))
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], np.array(ys[5])


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_round_trips_pixels_and_labels(tmp_path: Path, protocol: int) -> None:
    train_x, train_y, test_x, test_y = write_cifar(tmp_path, protocol=protocol)
    data = load_cifar10(tmp_path / "cifar-10-batches-py")
    assert data.name == "cifar10"
    assert data.train_x.dtype == np.uint8
    assert data.train_x.shape == (10, 3072)
    assert data.test_x.shape == (3, 3072)
    assert_array_equal(data.train_x, train_x)
    assert_array_equal(data.train_y, train_y)
    assert_array_equal(data.test_x, test_x)
    assert_array_equal(data.test_y, test_y)
    assert data.class_names == tuple(n.upper() for n in CIFAR10_CLASSES)


def test_cifar10_reads_numpy1_pickles_from_the_parent_directory(tmp_path: Path) -> None:
    # The official files name numpy.core.multiarray (NumPy 1.x); NumPy 2 writes numpy._core.
    train_x, _, _, _ = write_cifar(tmp_path, meta=False)
    for file in (tmp_path / "cifar-10-batches-py").iterdir():
        file.write_bytes(file.read_bytes().replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    assert b"numpy.core.multiarray" in (tmp_path / "cifar-10-batches-py" / "test_batch").read_bytes()
    data = load_cifar10(tmp_path)
    assert_array_equal(data.train_x, train_x)
    assert data.class_names == CIFAR10_CLASSES


def test_cifar10_batches_of_unequal_size(tmp_path: Path) -> None:
    train_x, train_y, _, _ = write_cifar(tmp_path, rows=(1, 3, 1, 4, 2, 1))
    data = load_cifar10(tmp_path)
    assert_array_equal(data.train_x, train_x)
    assert_array_equal(data.train_y, train_y)


class Evil:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (self.command,))


def test_cifar10_refuses_a_pickle_with_a_forbidden_global_without_running_it(tmp_path: Path) -> None:
    write_cifar(tmp_path)
    marker = tmp_path / "ran"
    batch = {b"data": Evil(f"touch {marker}"), b"labels": [0]}
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=r"data_batch_3.*global (posix|os|nt)\.system is not allowed"):
        load_cifar10(tmp_path)
    assert not marker.exists()


def test_cifar10_missing_directory_and_files_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"nowhere.*cifar-10-python\.tar\.gz.*download=True") as info:
        load_cifar10(tmp_path / "nowhere")
    assert isinstance(info.value, FileNotFoundError)
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_4").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"cifar-10-batches-py' lacks data_batch_4"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "label 10 at row 1"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "must hold 2 integers"),
        ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, r"shape \(n, 3072\)"),
        ({b"data": np.zeros((2, 3072)), b"labels": [0, 1]}, "float64"),
        ({b"pixels": np.zeros((2, 3072), np.uint8)}, "expected keys"),
        ([1, 2], "expected a pickled dict"),
    ],
)
def test_cifar10_malformed_batch(tmp_path: Path, batch: Any, message: str) -> None:
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=f"test_batch.*{message}"):
        load_cifar10(tmp_path)


def test_cifar10_truncated_pickle(tmp_path: Path) -> None:
    write_cifar(tmp_path)
    file = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    file.write_bytes(file.read_bytes()[:500])
    with pytest.raises(DatasetError, match="data_batch_1: not a readable CIFAR-10 python batch"):
        load_cifar10(tmp_path)


# ---------------------------------------------------------------------------
# MNIST / Fashion-MNIST
# ---------------------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(directory: Path, *, gz: bool, n_train: int = 5, n_test: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        if gz:
            (directory / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (directory / name).write_bytes(idx_bytes(array))
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_round_trips_plain_and_gzipped(tmp_path: Path, gz: bool) -> None:
    arrays = write_mnist(tmp_path, gz=gz)
    data = load_mnist(tmp_path)
    assert data.name == "mnist"
    assert data.train_x.dtype == np.uint8
    assert data.train_x.shape == (5, 784)
    assert data.test_x.shape == (3, 784)
    assert_array_equal(data.train_x.reshape(5, 28, 28), arrays["train-images-idx3-ubyte"])
    assert_array_equal(data.train_y, arrays["train-labels-idx1-ubyte"])
    assert_array_equal(data.test_x.reshape(3, 28, 28), arrays["t10k-images-idx3-ubyte"])
    assert_array_equal(data.test_y, arrays["t10k-labels-idx1-ubyte"])
    assert data.class_names == tuple("0123456789")


def test_fashion_mnist_same_files_with_class_names(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path, gz=True)
    data = load_fashion_mnist(tmp_path)
    assert data.name == "fashion_mnist"
    assert data.class_names == FASHION_MNIST_CLASSES
    assert_array_equal(data.test_y, arrays["t10k-labels-idx1-ubyte"])


def test_mnist_truncated_file_names_expected_and_actual_size(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=False)
    file = tmp_path / "t10k-images-idx3-ubyte"
    file.write_bytes(file.read_bytes()[:-10])
    expected = 16 + 3 * 28 * 28
    with pytest.raises(
        DatasetError, match=rf"t10k-images-idx3-ubyte: truncated.*{expected} bytes.*has {expected - 10}"
    ):
        load_mnist(tmp_path)


def test_mnist_truncated_gzip_stream(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=True)
    file = tmp_path / "train-images-idx3-ubyte.gz"
    file.write_bytes(file.read_bytes()[:-20])
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte\.gz: cannot read"):
        load_mnist(tmp_path)


def test_mnist_wrong_magic(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path, gz=False)
    # A label file where the images should be: magic 2049, not 2051.
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(arrays["train-labels-idx1-ubyte"]))
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte: magic number 2049, expected 2051"):
        load_mnist(tmp_path)


def test_mnist_gzipped_file_without_suffix_gets_a_hint(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=True)
    (tmp_path / "train-labels-idx1-ubyte.gz").rename(tmp_path / "train-labels-idx1-ubyte")
    with pytest.raises(DatasetError, match=r"gzip-compressed: give it a \.gz suffix"):
        load_mnist(tmp_path)


def test_mnist_image_and_label_counts_must_agree(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(DatasetError, match=r"holds 5 images but .*train-labels-idx1-ubyte holds 4 labels"):
        load_mnist(tmp_path)


def test_mnist_label_out_of_range(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([1, 12, 3], np.uint8)))
    with pytest.raises(DatasetError, match="label 12 at position 1"):
        load_mnist(tmp_path)


def test_mnist_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"missing.*does not exist.*yann\.lecun\.com"):
        load_mnist(tmp_path / "missing")
    write_mnist(tmp_path, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"lacks t10k-images-idx3-ubyte \(plain or \.gz\)"):
        load_mnist(tmp_path)


# ---------------------------------------------------------------------------
# SVHN
# ---------------------------------------------------------------------------


def write_svhn(directory: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(2)
    written = {}
    for name, count, labels in (("train_32x32.mat", 3, [10, 1, 9]), ("test_32x32.mat", 2, [5, 10])):
        images = rng.integers(0, 256, size=(32, 32, 3, count), dtype=np.uint8)
        y = np.array(labels, dtype=np.uint8).reshape(count, 1)
        scipy.io.savemat(directory / name, {"X": images, "y": y})
        written[name] = (images, y)
    return written


def test_svhn_channel_first_and_ten_means_zero(tmp_path: Path) -> None:
    written = write_svhn(tmp_path)
    data = load_svhn(tmp_path)
    assert data.name == "svhn"
    assert data.train_x.dtype == np.uint8
    assert data.train_x.shape == (3, 3072)
    assert data.test_x.shape == (2, 3072)
    assert_array_equal(data.train_y, [0, 1, 9])
    assert_array_equal(data.test_y, [5, 0])
    images, _ = written["train_32x32.mat"]
    # Row i, reshaped to (channel, height, width), is image i.
    assert_array_equal(data.train_x.reshape(3, 3, 32, 32), images.transpose(3, 2, 0, 1))
    assert data.train_x[1, 32 * 32 + 5 * 32 + 7] == images[5, 7, 1, 1]


def test_svhn_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"lacks train_32x32\.mat, test_32x32\.mat.*ufldl"):
        load_svhn(tmp_path)
    write_svhn(tmp_path)
    scipy.io.savemat(tmp_path / "test_32x32.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1], [11]])})
    with pytest.raises(DatasetError, match=r"test_32x32\.mat: label 11 at position 1"):
        load_svhn(tmp_path)
    scipy.io.savemat(tmp_path / "test_32x32.mat", {"images": np.zeros(3)})
    with pytest.raises(DatasetError, match="expected variables X and y"):
        load_svhn(tmp_path)
    (tmp_path / "test_32x32.mat").write_bytes(b"not a mat file")
    with pytest.raises(DatasetError, match=r"test_32x32\.mat: not a readable MATLAB file"):
        load_svhn(tmp_path)


def test_svhn_without_scipy_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_svhn(tmp_path)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(DatasetError, match="pip install scipy"):
        load_svhn(tmp_path)


# ---------------------------------------------------------------------------
# npz
# ---------------------------------------------------------------------------


def test_npz_with_test_part_and_string_labels(tmp_path: Path) -> None:
    file = tmp_path / "animals.npz"
    x = np.arange(12.0).reshape(4, 3)
    np.savez(file, X=x, y=np.array(["dog", "cat", "emu", "cat"]), X_test=x[:2] + 0.5, y_test=np.array(["emu", "dog"]))
    data = load_npz(file)
    assert data.name == "animals"
    assert data.class_names == ("cat", "dog", "emu")
    assert_array_equal(data.train_y, [1, 0, 2, 0])
    assert_array_equal(data.test_y, [2, 1])
    assert data.train_x.dtype == np.float64
    assert_array_equal(data.train_x, x)
    assert_array_equal(data.test_x, x[:2] + 0.5)


def test_npz_without_test_part_is_split_by_class(tmp_path: Path) -> None:
    file = tmp_path / "images.npz"
    x = np.arange(20 * 2 * 2, dtype=np.uint8).reshape(20, 2, 2)
    y = np.array([3] * 10 + [7] * 10)
    np.savez(file, X=x, y=y)
    data = load_npz(file, test_fraction=0.2, seed=5)
    assert data.train_x.dtype == np.uint8
    assert data.train_x.shape == (16, 4)
    assert data.test_x.shape == (4, 4)
    assert data.class_names == ("3", "7")
    assert sorted(data.test_y.tolist()) == [0, 0, 1, 1]
    # Every example lands in exactly one part, with its own label.
    rows = {tuple(r): label for r, label in zip(x.reshape(20, 4).tolist(), (y == 7).astype(int), strict=True)}
    seen = [tuple(r) for r in np.concatenate([data.train_x, data.test_x]).tolist()]
    assert sorted(seen) == sorted(rows)
    for part_x, part_y in ((data.train_x, data.train_y), (data.test_x, data.test_y)):
        assert [rows[tuple(r)] for r in part_x.tolist()] == part_y.tolist()
    again = load_npz(file, test_fraction=0.2, seed=5)
    assert_array_equal(again.test_x, data.test_x)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.array([[1.0], [np.nan], [0.0], [1.0]]), "y": np.array([0, 1, 0, 1])}, "X row 1 contains NaN or inf"),
        ({"X": np.ones((4, 1)), "y": np.array([0, 1.5, 0, 1])}, "y row 1 is 1.5, not an integer class label"),
        ({"X": np.ones((4, 1)), "y": np.array([0, 1, 0])}, "4 examples but 3 labels"),
        ({"X": np.ones((4, 1)), "labels": np.array([0, 1, 0, 1])}, r"lacks y; found arrays \['X', 'labels'\]"),
        ({"X": np.ones((4, 1)), "y": np.zeros(4)}, "only one class"),
        ({"X": np.ones(4), "y": np.array([0, 1, 0, 1])}, "must be 2-D"),
        ({"X": np.ones((4, 1)), "y": np.array([0, 1, 0, 1]), "X_test": np.ones((1, 1))}, "X_test without its partner"),
        ({"X": np.ones((4, 1)), "y": np.array([0, 1, 0, 1], dtype=object)}, "not a readable npz archive"),
        ({"X": np.ones((3, 1)), "y": np.array([0, 1, 1])}, "cannot split 3 examples of 2 classes"),
    ],
)
def test_npz_errors_name_the_file(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    file = tmp_path / "bad.npz"
    np.savez(file, **arrays)  # type: ignore[arg-type]
    with pytest.raises(DatasetError, match=rf"bad\.npz.*{message}"):
        load_npz(file)


def test_npz_missing_file_and_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"nothing\.npz"):
        load_npz(tmp_path / "nothing.npz")
    with pytest.raises(DatasetError, match="test_fraction"):
        load_npz(tmp_path / "nothing.npz", test_fraction=1.0)
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(DatasetError, match=r"junk\.npz: not a readable npz archive"):
        load_npz(tmp_path / "junk.npz")


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_and_string_labels(tmp_path: Path) -> None:
    lines = ["width,species,height"] + [f"{i}.5,{'setosa' if i % 2 else 'virginica'},{-i}" for i in range(10)]
    file = write_text(tmp_path / "iris.csv", "\n".join(lines) + "\n\n")
    data = load_csv(file, label_column="species", test_fraction=0.2, seed=0)
    assert data.name == "iris"
    assert data.class_names == ("setosa", "virginica")
    assert data.train_x.dtype == np.float64
    assert data.train_x.shape == (8, 2)
    assert data.test_x.shape == (2, 2)
    for part_x, part_y in ((data.train_x, data.train_y), (data.test_x, data.test_y)):
        for (width, height), label in zip(part_x.tolist(), part_y.tolist(), strict=True):
            i = int(width - 0.5)
            assert height == -i
            assert label == (0 if i % 2 else 1)


def test_csv_without_header_numeric_labels_last_column(tmp_path: Path) -> None:
    rows = [f"{i};{i * 2};{10 if i < 5 else 2}" for i in range(10)]
    file = write_text(tmp_path / "plain.csv", "\n".join(rows))
    data = load_csv(file, delimiter=";", test_fraction=0.4, seed=1)
    assert data.class_names == ("2", "10")  # sorted as numbers
    assert data.train_x.shape == (6, 2)
    everything = np.concatenate([data.train_x, data.test_x])
    assert sorted(everything[:, 0].tolist()) == list(range(10))
    for (a, b), label in zip(data.train_x.tolist(), data.train_y.tolist(), strict=True):
        assert b == 2 * a
        assert label == (1 if a < 5 else 0)


def test_csv_header_detected_above_numeric_columns(tmp_path: Path) -> None:
    # Column names that are numbers (pixel indices) above numeric labels.
    rows = ["0,1,label"] + [f"{i},{i},{i % 2}" for i in range(10)]
    data = load_csv(write_text(tmp_path / "pixels.csv", "\n".join(rows)))
    assert len(data.train_x) + len(data.test_x) == 10
    data = load_csv(write_text(tmp_path / "named.csv", "\n".join(rows)), label_column="label")
    assert data.class_names == ("0", "1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,y\n1,2,0\n1,x,1\n", r"line 3, column 2 \('b'\): cannot read 'x' as a number"),
        ("1,2,0\n1,,1\n", r"line 2, column 2 \('column 2'\): empty cell"),
        ("a,b,y\n1,2,0\nnan,2,1\n", r"line 3, column 1 \('a'\): 'nan' is not finite"),
        ("a,b,y\n1,2,0\n1,2\n", "line 3: 2 cells, expected 3"),
        ("a,b,y\n1,2,0\n1,2,0.5\n", r"line 3, column 3 \('y'\): label '0.5' is not an integer class label"),
        ("a,b,y\n", "a header but no data rows"),
        ("1\n2\n", "has one column"),
    ],
)
def test_csv_errors_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    file = write_text(tmp_path / "bad.csv", text)
    with pytest.raises(DatasetError, match=rf"bad\.csv.*{message}"):
        load_csv(file)


def test_csv_unknown_label_column_name_suggests(tmp_path: Path) -> None:
    file = write_text(tmp_path / "t.csv", "width,species\n1,a\n2,b\n")
    with pytest.raises(DatasetError, match="'specie' is not a column name; did you mean 'species'"):
        load_csv(file, label_column="specie")
    with pytest.raises(DatasetError, match="label_column 5 is out of range for 2 columns"):
        load_csv(file, label_column=5)


# ---------------------------------------------------------------------------
# OpenML (no network: fetch_openml is replaced)
# ---------------------------------------------------------------------------


@pytest.fixture
def small_openml(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Shrink the official sizes so that a fake of a few rows passes as the real thing."""
    sources = {
        key: datasets._OpenMLSource(
            source.name, source.version, 6, 2, 4, source.class_names, ten_means_zero=source.ten_means_zero
        )
        for key, source in datasets._OPENML_SOURCES.items()
    }
    monkeypatch.setattr(datasets, "_OPENML_SOURCES", sources)
    calls: list[dict[str, Any]] = []
    return calls


def fake_fetch(calls: list[dict[str, Any]], data: np.ndarray, target: np.ndarray) -> Any:
    def fetch_openml(name: str, **kwargs: Any) -> Bunch:
        calls.append({"name": name, **kwargs})
        return Bunch(data=data, target=target)

    return fetch_openml


def test_openml_converts_pixels_and_takes_the_last_rows_as_test(
    small_openml: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pixels = np.arange(24, dtype=np.float64).reshape(6, 4) * 10
    target = np.array(["5", "0", "4", "1", "9", "2"], dtype=object)
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch(small_openml, pixels, target))
    data = fetch_openml_dataset("mnist", data_home=tmp_path)
    assert small_openml[0]["name"] == "mnist_784"
    assert small_openml[0]["as_frame"] is False
    assert small_openml[0]["data_home"] == str(tmp_path)
    assert data.name == "mnist"
    assert data.train_x.dtype == np.uint8
    assert_array_equal(data.train_x, pixels[:4])
    assert_array_equal(data.test_x, pixels[4:])
    assert_array_equal(data.train_y, [5, 0, 4, 1])
    assert_array_equal(data.test_y, [9, 2])


def test_openml_svhn_ten_means_zero_and_non_pixels_stay_float(
    small_openml: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    values = np.linspace(0.0, 1.0, 24).reshape(6, 4)
    target = np.array(["10", "1", "2", "10", "3", "4"], dtype=object)
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch(small_openml, values, target))
    data = load_dataset("svhn", download=True)
    assert small_openml[0]["name"] == "SVHN"
    assert data.train_x.dtype == np.float64
    assert_array_equal(data.train_y, [0, 1, 2, 0])
    assert_array_equal(data.test_y, [3, 4])


def test_openml_network_error_and_wrong_size(
    small_openml: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(*args: Any, **kwargs: Any) -> Any:
        raise OSError("Name or service not known")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    with pytest.raises(DatasetError, match=r"could not fetch 'CIFAR_10'.*cifar-10-python\.tar\.gz"):
        fetch_openml_dataset("cifar10")
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch(small_openml, np.zeros((5, 4)), np.zeros(5)))
    with pytest.raises(DatasetError, match=r"expected a dense \(6, 4\) array, got shape \(5, 4\)"):
        fetch_openml_dataset("fashion_mnist")
    with pytest.raises(DatasetError, match="did you mean 'mnist'"):
        fetch_openml_dataset("minst")


# ---------------------------------------------------------------------------
# Registry and dispatcher
# ---------------------------------------------------------------------------


def test_registry_names() -> None:
    assert set(DATASETS) == {"digits", "cifar10", "mnist", "fashion_mnist", "svhn", "npz", "csv"}


def test_load_dataset_dispatches_to_local_loaders(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path / "fashion", gz=True)
    data = load_dataset("Fashion-MNIST", tmp_path / "fashion")
    assert data.name == "fashion_mnist"
    assert_array_equal(data.train_y, arrays["train-labels-idx1-ubyte"])
    write_cifar(tmp_path / "c")
    assert load_dataset("cifar10", str(tmp_path / "c")).name == "cifar10"
    assert load_dataset("digits").train_x.shape == (1347, 64)


def test_load_dataset_errors() -> None:
    with pytest.raises(DatasetError, match=r"unknown data set 'cifar-100'; did you mean 'cifar10'.*known: cifar10"):
        load_dataset("cifar-100")
    with pytest.raises(DatasetNotFoundError, match=r"cifar-10-python\.tar\.gz.*download=True"):
        load_dataset("cifar10")
    with pytest.raises(DatasetNotFoundError, match=r"train_32x32\.mat.*download=True"):
        load_dataset("svhn")
    with pytest.raises(DatasetNotFoundError, match="needs path="):
        load_dataset("npz")
    with pytest.raises(DatasetError, match="not both"):
        load_dataset("mnist", "somewhere", download=True)
    with pytest.raises(DatasetError, match="takes no path"):
        load_dataset("digits", "somewhere")
    with pytest.raises(DatasetError, match="nothing to download"):
        load_dataset("csv", download=True)
