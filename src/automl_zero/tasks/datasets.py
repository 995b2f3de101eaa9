"""Real data sets, loaded offline from the files their authors publish.

Each loader returns a :class:`Dataset`: raw features as stored (``uint8``
pixels stay ``uint8``; scaling and projection are the task builder's job) and
class indices ``0..K-1``, split into the official train and test parts where
the data set has them.

Files are read with care because they often come from the internet: CIFAR-10
pickles go through an unpickler that can only build NumPy arrays, ``.npz``
files are opened with ``allow_pickle=False``, and every problem is reported as
a :class:`DatasetError` naming the file, what was expected and how to fix it,
before a loader returns anything.

Nothing here touches the network except :func:`fetch_openml_dataset` (and
``load_dataset(..., download=True)``), which the caller asks for explicitly.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import importlib
import importlib.util
import math
import os
import pickle
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np

PathLike: TypeAlias = str | os.PathLike[str]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))


class DatasetError(ValueError):
    """Malformed or inconsistent data; the message says which file and what is wrong."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """The data are not where they were looked for; the message says how to get them."""


# ---------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A classification data set with a train and a test part.

    Parameters
    ----------
    name : str
        For reports.
    train_x : ndarray, shape (n_train, d)
        Raw feature values, dtype as stored (``uint8`` for images).
    train_y : ndarray, shape (n_train,)
        Class indices in ``[0, num_classes)``; stored as ``int64``.
    test_x : ndarray, shape (n_test, d)
    test_y : ndarray, shape (n_test,)
    num_classes : int
        K >= 2.
    class_names : tuple of str, optional
        One name per class, for reports; empty when unknown.

    Raises
    ------
    DatasetError
        On wrong shapes, empty parts, non-numeric or non-finite features
        (naming the part and the first bad row), or labels that are not
        integers in ``[0, num_classes)``.

    Notes
    -----
    The arrays are stored as read-only, C-contiguous views: no copy is made
    of arrays that are already contiguous (a CIFAR-sized set must not be held
    twice), so a caller who keeps a writable reference to the input can still
    change the values.

    Examples
    --------
    >>> import numpy as np
    >>> data = Dataset("toy", np.zeros((4, 2)), np.array([0, 1, 0, 1]), np.ones((2, 2)), np.array([1, 0]), 2)
    >>> data.num_raw_features, data.train_y.dtype, data.train_x.flags.writeable
    (2, dtype('int64'), False)

    """

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    num_classes: int
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise DatasetError(f"dataset name must be a string, got {self.name!r}")
        where = f"dataset {self.name!r}"
        num_classes = self.num_classes
        if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer) or num_classes < 2:
            raise DatasetError(f"{where}: num_classes must be an integer >= 2, got {num_classes!r}")
        object.__setattr__(self, "num_classes", int(num_classes))
        names = tuple(self.class_names)
        if names and (len(names) != self.num_classes or not all(isinstance(n, str) for n in names)):
            raise DatasetError(
                f"{where}: class_names must be {self.num_classes} strings (one per class), got {names!r}"
            )
        object.__setattr__(self, "class_names", names)

        train_x = _checked_features(self.train_x, where, "train_x")
        test_x = _checked_features(self.test_x, where, "test_x")
        if train_x.shape[1] != test_x.shape[1]:
            raise DatasetError(
                f"{where}: train_x has {train_x.shape[1]} features but test_x has {test_x.shape[1]}; both parts "
                "must describe examples the same way"
            )
        train_y = _checked_labels(self.train_y, where, "train_y", len(train_x), self.num_classes)
        test_y = _checked_labels(self.test_y, where, "test_y", len(test_x), self.num_classes)
        for field, array in (("train_x", train_x), ("train_y", train_y), ("test_x", test_x), ("test_y", test_y)):
            object.__setattr__(self, field, array)

    @property
    def num_raw_features(self) -> int:
        """d, the number of stored feature values per example (before any projection)."""
        return int(self.train_x.shape[1])

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={len(self.train_x)}x{self.num_raw_features}, "
            f"test={len(self.test_x)}x{self.num_raw_features}, dtype={self.train_x.dtype}, "
            f"num_classes={self.num_classes})"
        )


def _read_only(array: np.ndarray) -> np.ndarray:
    # A view, so that marking it read-only leaves the caller's array alone.
    view = np.ascontiguousarray(array).view()
    view.flags.writeable = False
    return view


def _first_bad_row(x: np.ndarray) -> int | None:
    """Index of the first row holding NaN or inf, or None (integer arrays are always finite)."""
    if x.dtype.kind != "f":
        return None
    # Blocks of rows keep the boolean temporary small for large float arrays.
    step = max(1, 4_000_000 // max(1, x.shape[1] if x.ndim == 2 else 1))
    for start in range(0, len(x), step):
        block = x[start : start + step]
        finite = np.isfinite(block).reshape(len(block), -1).all(axis=1)
        if not finite.all():
            return start + int(np.argmin(finite))
    return None


def _checked_features(x: Any, where: str, part: str) -> np.ndarray:
    array = np.asarray(x)
    if array.dtype.kind not in "iuf":
        raise DatasetError(f"{where}: {part} must hold numbers (integer or float), got dtype {array.dtype}")
    if array.ndim != 2:
        raise DatasetError(f"{where}: {part} must be 2-D (examples, features), got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise DatasetError(f"{where}: {part} needs at least one example and one feature, got shape {array.shape}")
    bad = _first_bad_row(array)
    if bad is not None:
        raise DatasetError(f"{where}: {part} row {bad} contains NaN or inf; features must be finite")
    return _read_only(array)


def _checked_labels(y: Any, where: str, part: str, length: int, num_classes: int) -> np.ndarray:
    array = np.asarray(y)
    if array.shape != (length,):
        raise DatasetError(
            f"{where}: {part} must be 1-D with one label per example ({length}), got shape {array.shape}"
        )
    if array.dtype.kind not in "iuf":
        raise DatasetError(f"{where}: {part} must hold integer class indices, got dtype {array.dtype}")
    if array.dtype.kind == "f":
        integral = np.isfinite(array) & (array == np.round(array))
        if not integral.all():
            row = int(np.argmin(integral))
            raise DatasetError(f"{where}: {part} row {row} is {array[row].item()!r}, not an integral class index")
    outside = (array < 0) | (array >= num_classes)
    if outside.any():
        row = int(np.argmax(outside))
        raise DatasetError(
            f"{where}: {part} row {row} is {array[row].item()!r}, outside the class indices 0..{num_classes - 1}"
        )
    return _read_only(array.astype(np.int64, copy=False))


def _build(where: str, **fields: Any) -> Dataset:
    """Construct a Dataset, prefixing any complaint with the file it came from."""
    try:
        return Dataset(**fields)
    except DatasetError as exc:
        raise DatasetError(f"{where}: {exc}") from None


# ---------------------------------------------------------------------------
# Shared helpers: paths, labels, splits
# ---------------------------------------------------------------------------


def _as_path(path: Any, what: str) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise DatasetError(f"{what}: expected a path (str or os.PathLike), got {path!r}")
    return Path(os.fspath(path)).expanduser()


def _existing_dir(path: Any, what: str, hint: str) -> Path:
    directory = _as_path(path, what)
    if not directory.exists():
        raise DatasetNotFoundError(f"{what} {str(directory)!r} does not exist; {hint}")
    if not directory.is_dir():
        raise DatasetNotFoundError(f"{what} {str(directory)!r} is a file, expected a directory; {hint}")
    return directory


def _existing_file(path: Any, what: str) -> Path:
    file = _as_path(path, what)
    if not file.exists():
        raise DatasetNotFoundError(f"{what} {str(file)!r} does not exist; check the path")
    if not file.is_file():
        raise DatasetNotFoundError(f"{what} {str(file)!r} is not a file")
    return file


def _check_split_args(test_fraction: Any, seed: Any) -> None:
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, int | float) or not 0 < test_fraction < 1:
        raise DatasetError(f"test_fraction must be a number strictly between 0 and 1, got {test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DatasetError(f"seed must be an integer in [0, 2**32), got {seed!r}")


def _split(
    x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified split, the same one ``train_test_split(x, y, ..., stratify=y)`` makes."""
    from sklearn.model_selection import train_test_split

    try:
        # Splitting indices gives the same permutation as splitting x and y,
        # and copies x only once.
        indices: list[np.ndarray] = train_test_split(
            np.arange(len(y)), test_size=test_fraction, random_state=seed, stratify=y
        )
    except ValueError as exc:
        counts = np.bincount(y)
        raise DatasetError(
            f"{where}: cannot split {len(y)} examples of {len(counts)} classes (smallest class: "
            f"{int(counts.min())} examples) into train and test, stratified by class, with "
            f"test_fraction={test_fraction} ({exc}); give an explicit test part or change test_fraction"
        ) from None
    train, test = indices
    return x[train], y[train], x[test], y[test]


def _encode_labels(parts: Sequence[np.ndarray], where: str) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """Map the sorted distinct labels of all parts to 0..K-1; the labels, as text, name the classes."""
    arrays: list[np.ndarray] = []
    for label_part, raw in zip(("y", "y_test"), parts, strict=False):
        array = np.asarray(raw)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise DatasetError(f"{where}: {label_part} must be 1-D (one label per example), got shape {array.shape}")
        if array.dtype.kind == "S":
            try:
                array = np.char.decode(array, "utf-8")
            except UnicodeDecodeError as exc:
                raise DatasetError(f"{where}: {label_part} holds bytes that are not UTF-8 text ({exc})") from None
        elif array.dtype.kind == "f":
            integral = np.isfinite(array) & (array == np.round(array))
            if not integral.all():
                row = int(np.argmin(integral))
                raise DatasetError(
                    f"{where}: {label_part} row {row} is {array[row].item()!r}, not an integer class label "
                    "(is this a regression target?)"
                )
            array = array.astype(np.int64)
        elif array.dtype.kind not in "iubU":
            raise DatasetError(f"{where}: {label_part} must hold integer or string labels, got dtype {array.dtype}")
        arrays.append(array)
    kinds = {"text" if a.dtype.kind == "U" else "number" for a in arrays}
    if len(kinds) > 1:
        raise DatasetError(f"{where}: y and y_test must both hold numbers or both hold strings")
    classes, codes = np.unique(np.concatenate(arrays), return_inverse=True)
    if len(classes) < 2:
        raise DatasetError(f"{where}: the labels name only one class ({classes.tolist()!r}); classification needs two")
    codes = codes.reshape(-1).astype(np.int64)
    encoded = np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])
    return encoded, tuple(str(c) for c in classes.tolist())


def _suggest(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


# ---------------------------------------------------------------------------
# Bundled: scikit-learn's digits
# ---------------------------------------------------------------------------


def load_digits() -> Dataset:
    """Scikit-learn's bundled 8x8 handwritten digits (no download needed).

    The 1,797 images of 64 pixels in ``0..16`` are kept as ``uint8``. The data
    set has no official test part, so a fixed split is made:
    ``train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)``,
    1,347 training and 450 test examples.

    Returns
    -------
    Dataset
        Named ``"digits"``, 10 classes named ``"0"..."9"``.

    Examples
    --------
    >>> data = load_digits()
    >>> data.train_x.shape, data.test_x.shape, data.train_x.dtype
    ((1347, 64), (450, 64), dtype('uint8'))

    """
    from sklearn import datasets as sklearn_datasets

    bunch = sklearn_datasets.load_digits()
    x = np.asarray(bunch.data)
    if not (np.all(x == np.round(x)) and x.min() >= 0 and x.max() <= 16):
        raise DatasetError("digits: scikit-learn's copy no longer holds integer pixels in 0..16")
    y = np.asarray(bunch.target, dtype=np.int64)
    train_x, train_y, test_x, test_y = _split(x.astype(np.uint8), y, 0.25, 0, "digits")
    return _build(
        "digits",
        name="digits",
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=10,
        class_names=DIGIT_CLASSES,
    )


# ---------------------------------------------------------------------------
# CIFAR-10: python pickles, unpickled without running code
# ---------------------------------------------------------------------------

_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR_HINT = (
    f"download {_CIFAR_URL}, unpack it (tar xzf cifar-10-python.tar.gz) and pass the cifar-10-batches-py "
    "directory (or its parent), or fetch it from OpenML: `download: true` in a config, "
    "load_dataset('cifar10', download=True) in Python"
)
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST_FILE = "test_batch"
_CIFAR_PIXELS = 3 * 32 * 32

# NumPy's private helpers that ndarray pickles name, under the module names of
# NumPy 1.x (numpy.core) and 2.x (numpy._core); resolved only when a pickle asks.
_NUMPY_PICKLE_HELPERS = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
    }
)


class _ForbiddenGlobalError(pickle.UnpicklingError):
    """A pickle asked for a global outside the allow-list."""


def _numpy_helper(module: str, name: str) -> Any:
    leaf = module.rsplit(".", 1)[1]
    for candidate in (f"numpy._core.{leaf}", f"numpy.core.{leaf}"):
        try:
            return getattr(importlib.import_module(candidate), name)
        except (ImportError, AttributeError):
            continue
    raise _ForbiddenGlobalError(f"this NumPy has no {module}.{name}")


def _latin1_encode(text: str, encoding: str) -> bytes:
    # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(text,
    # "latin1"); only that use is allowed, not arbitrary codecs.
    if not isinstance(text, str) or encoding.lower().replace("-", "").replace("_", "") != "latin1":
        raise _ForbiddenGlobalError(f"_codecs.encode is allowed only for latin1 text, not {encoding!r}")
    return text.encode("latin-1")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that can build dicts, lists, bytes and NumPy arrays, and nothing else.

    Pickles from the internet can name any callable (``os.system``) as a
    global; refusing every global but the few that rebuild an ndarray means
    loading a file can never run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        if (module, name) in _NUMPY_PICKLE_HELPERS:
            return _numpy_helper(module, name)
        raise _ForbiddenGlobalError(f"global {module}.{name} is not allowed")


def _unpickle(file: Path) -> Any:
    try:
        with file.open("rb") as handle:
            return _ArrayUnpickler(handle, encoding="bytes").load()
    except _ForbiddenGlobalError as exc:
        raise DatasetError(
            f"{file}: refused to unpickle: {exc}. A CIFAR-10 batch holds only NumPy arrays, lists and bytes, so "
            f"this file is not one or has been altered; download it again from {_CIFAR_URL}"
        ) from None
    except Exception as exc:
        # Unpickling a damaged file can raise almost anything (EOFError,
        # ValueError, IndexError, ...); all mean the same to the caller.
        raise DatasetError(
            f"{file}: not a readable CIFAR-10 python batch ({type(exc).__name__}: {exc}); "
            f"download it again from {_CIFAR_URL}"
        ) from None


def _entry(batch: Mapping[Any, Any], key: str) -> Any:
    # The official files were pickled by Python 2 (bytes keys); accept str keys too.
    return batch[key.encode()] if key.encode() in batch else batch.get(key)


def _read_cifar_batch(file: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle(file)
    if not isinstance(batch, dict):
        raise DatasetError(f"{file}: expected a pickled dict with b'data' and b'labels', got {type(batch).__name__}")
    data = _entry(batch, "data")
    labels = _entry(batch, "labels")
    if data is None or labels is None:
        raise DatasetError(
            f"{file}: expected keys b'data' and b'labels', found {sorted(map(repr, batch))}"
            + (
                "; this looks like CIFAR-100, which is not supported"
                if _entry(batch, "fine_labels") is not None
                else ""
            )
        )
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _CIFAR_PIXELS:
        described = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DatasetError(f"{file}: b'data' must be a uint8 array of shape (n, {_CIFAR_PIXELS}), got {described}")
    label_array = np.asarray(labels)
    if label_array.shape != (len(data),) or label_array.dtype.kind not in "iu":
        raise DatasetError(
            f"{file}: b'labels' must hold {len(data)} integers (one per row of b'data'), "
            f"got {label_array.dtype} of shape {label_array.shape}"
        )
    outside = (label_array < 0) | (label_array > 9)
    if outside.any():
        row = int(np.argmax(outside))
        raise DatasetError(f"{file}: label {label_array[row]} at row {row} is not a CIFAR-10 class 0..9")
    return data, label_array.astype(np.int64)


def _read_cifar_batches(files: Sequence[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Stack batches into one preallocated uint8 array, holding one batch at a time besides it."""
    x: np.ndarray | None = None
    labels: list[np.ndarray] = []
    filled = 0
    for index, file in enumerate(files):
        data, batch_labels = _read_cifar_batch(file)
        rows = len(data)
        if x is None:
            # The official batches are equal in size, so this is the one allocation.
            x = np.empty((rows * len(files), _CIFAR_PIXELS), dtype=np.uint8)
        elif filled + rows > len(x):
            grown = np.empty((filled + rows * (len(files) - index), _CIFAR_PIXELS), dtype=np.uint8)
            grown[:filled] = x[:filled]
            x = grown
        x[filled : filled + rows] = data
        filled += rows
        labels.append(batch_labels)
        del data  # free this batch before unpickling the next
    if x is None:
        raise DatasetError("no CIFAR-10 batch files given")
    if filled < len(x):
        x = x[:filled].copy()
    return x, np.concatenate(labels)


def _read_cifar_meta(file: Path) -> tuple[str, ...]:
    meta = _unpickle(file)
    names = _entry(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or len(names) != 10 or not all(isinstance(n, bytes | str) for n in names):
        raise DatasetError(f"{file}: expected a dict whose b'label_names' lists the 10 CIFAR-10 class names")
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names)


def load_cifar10(path: PathLike) -> Dataset:
    """CIFAR-10 from the official python batches.

    Parameters
    ----------
    path : str or os.PathLike
        The ``cifar-10-batches-py`` directory (``data_batch_1`` to
        ``data_batch_5``, ``test_batch``, optionally ``batches.meta``) or the
        directory that contains it.

    Returns
    -------
    Dataset
        Named ``"cifar10"``: 50,000 training and 10,000 test images, each a
        ``uint8`` row of 3,072 values in CIFAR's channel-first order (1,024
        red, then green, then blue values, each row by row); 10 classes.

    Raises
    ------
    DatasetNotFoundError
        If the directory or one of the batch files is missing.
    DatasetError
        If a file is not a CIFAR-10 batch, or its pickle names anything but
        NumPy array internals (such a file is refused without running it).

    Notes
    -----
    The batches are pickles; they are read by an unpickler that can only
    rebuild dicts, lists, bytes and NumPy arrays. The pixels go into one
    preallocated ``uint8`` array, filled a batch at a time, so loading the
    full set needs about 180 MiB.

    """
    directory = _existing_dir(path, "CIFAR-10 directory", _CIFAR_HINT)
    if (directory / "cifar-10-batches-py").is_dir():
        directory = directory / "cifar-10-batches-py"
    missing = [name for name in (*_CIFAR_TRAIN_FILES, _CIFAR_TEST_FILE) if not (directory / name).is_file()]
    if missing:
        raise DatasetNotFoundError(f"CIFAR-10 directory {str(directory)!r} lacks {', '.join(missing)}; {_CIFAR_HINT}")
    meta = directory / "batches.meta"
    class_names = _read_cifar_meta(meta) if meta.is_file() else CIFAR10_CLASSES
    train_x, train_y = _read_cifar_batches([directory / name for name in _CIFAR_TRAIN_FILES])
    test_x, test_y = _read_cifar_batches([directory / _CIFAR_TEST_FILE])
    return _build(
        str(directory),
        name="cifar10",
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=10,
        class_names=class_names,
    )


# ---------------------------------------------------------------------------
# MNIST and Fashion-MNIST: IDX files
# ---------------------------------------------------------------------------

_MNIST_URL = "http://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)"
_FASHION_MNIST_URL = "https://github.com/zalandoresearch/fashion-mnist#get-the-data"
_IDX_FILES = (
    ("train images", "train-images-idx3-ubyte", 3),
    ("train labels", "train-labels-idx1-ubyte", 1),
    ("test images", "t10k-images-idx3-ubyte", 3),
    ("test labels", "t10k-labels-idx1-ubyte", 1),
)
_GZIP_MAGIC = b"\x1f\x8b"


def _mnist_hint(name: str) -> str:
    url = _FASHION_MNIST_URL if name == "fashion_mnist" else _MNIST_URL
    return (
        f"download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from {url} into one directory and pass it, "
        f"or fetch it from OpenML: `download: true` in a config, load_dataset({name!r}, download=True) in Python"
    )


def _find_idx_file(directory: Path, base: str) -> Path | None:
    # Some mirrors (Kaggle) write "train-images.idx3-ubyte" instead of "-idx3-".
    dotted = base.replace("-idx", ".idx")
    for candidate in (base, f"{base}.gz", dotted, f"{dotted}.gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _read_bytes(file: Path) -> bytes:
    try:
        if file.suffix == ".gz":
            with gzip.open(file, "rb") as handle:
                return handle.read()
        return file.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{file}: cannot read ({type(exc).__name__}: {exc}); download it again") from None


def _read_idx(file: Path, ndim: int) -> np.ndarray:
    """Parse an IDX file of unsigned bytes: magic, big-endian dimensions, then the values."""
    raw = _read_bytes(file)
    expected_magic = 0x0800 + ndim  # type code 0x08 (unsigned byte), then the number of dimensions
    kind = "images (magic 2051)" if ndim == 3 else "labels (magic 2049)"
    header = 4 + 4 * ndim
    if len(raw) < 4:
        raise DatasetError(f"{file}: truncated: {len(raw)} bytes, shorter than the 4-byte IDX magic number")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        hint = ""
        if raw[:2] == _GZIP_MAGIC:
            hint = "; the file is gzip-compressed: give it a .gz suffix or gunzip it"
        raise DatasetError(f"{file}: magic number {magic}, expected {expected_magic} for an IDX file of {kind}{hint}")
    if len(raw) < header:
        raise DatasetError(f"{file}: truncated: {len(raw)} bytes, shorter than the {header}-byte IDX header")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + math.prod(dims)
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise DatasetError(
            f"{file}: {problem}: the header promises {' x '.join(map(str, dims))} values, so {expected} bytes, "
            f"but the file has {len(raw)}; download it again"
        )
    return np.frombuffer(raw, dtype=np.uint8, count=math.prod(dims), offset=header).reshape(dims)


def _read_idx_pair(images_file: Path, labels_file: Path) -> tuple[np.ndarray, np.ndarray]:
    images = _read_idx(images_file, 3)
    labels = _read_idx(labels_file, 1)
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_file} holds {len(images)} images but {labels_file} holds {len(labels)} labels; "
            "they must come from the same release"
        )
    if labels.size and labels.max() > 9:
        row = int(np.argmax(labels > 9))
        raise DatasetError(f"{labels_file}: label {labels[row]} at position {row} is not a class 0..9")
    return images.reshape(len(images), -1), labels


def load_mnist(path: PathLike, *, name: str = "mnist") -> Dataset:
    """MNIST (or a data set in the same IDX files) from a directory.

    Parameters
    ----------
    path : str or os.PathLike
        Directory with ``train-images-idx3-ubyte``,
        ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
        ``t10k-labels-idx1-ubyte``, each plain or gzipped (``.gz``).
    name : str, default "mnist"
        The returned data set's name; ``"fashion_mnist"`` also gives
        Fashion-MNIST's class names.

    Returns
    -------
    Dataset
        60,000 training and 10,000 test images for the official files, each
        a ``uint8`` row of 28 x 28 = 784 pixels (row by row); 10 classes.

    Raises
    ------
    DatasetNotFoundError
        If the directory or one of the four files is missing.
    DatasetError
        On a wrong magic number, a truncated file (expected and actual byte
        counts), or image and label counts that disagree.

    """
    hint = _mnist_hint(name)
    directory = _existing_dir(path, f"{name} directory", hint)
    found: list[Path] = []
    missing: list[str] = []
    for _, base, _ in _IDX_FILES:
        file = _find_idx_file(directory, base)
        if file is None:
            missing.append(base)
        else:
            found.append(file)
    if missing:
        raise DatasetNotFoundError(
            f"{name} directory {str(directory)!r} lacks {', '.join(missing)} (plain or .gz); {hint}"
        )
    train_x, train_y = _read_idx_pair(found[0], found[1])
    test_x, test_y = _read_idx_pair(found[2], found[3])
    return _build(
        str(directory),
        name=name,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=10,
        class_names=FASHION_MNIST_CLASSES if name == "fashion_mnist" else DIGIT_CLASSES,
    )


def load_fashion_mnist(path: PathLike) -> Dataset:
    """Fashion-MNIST: the IDX files of :func:`load_mnist`, with clothing class names.

    Parameters
    ----------
    path : str or os.PathLike
        Directory with the four Fashion-MNIST IDX files (plain or ``.gz``).

    Returns
    -------
    Dataset
        Named ``"fashion_mnist"``.

    """
    return load_mnist(path, name="fashion_mnist")


# ---------------------------------------------------------------------------
# SVHN: MATLAB files
# ---------------------------------------------------------------------------

_SVHN_URL = "http://ufldl.stanford.edu/housenumbers/"
_SVHN_FILES = ("train_32x32.mat", "test_32x32.mat")
_SVHN_HINT = (
    f"download train_32x32.mat and test_32x32.mat (format 2, cropped digits) from {_SVHN_URL} into one directory "
    "and pass it, or fetch it from OpenML: `download: true` in a config, load_dataset('svhn', download=True) in Python"
)


def _read_svhn_mat(loadmat: Callable[..., Any], file: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        contents = loadmat(str(file), variable_names=["X", "y"])
    except NotImplementedError:
        raise DatasetError(
            f"{file}: saved as MATLAB v7.3 (HDF5), which scipy.io.loadmat cannot read; the official files are "
            f"MATLAB v5: download them again from {_SVHN_URL}"
        ) from None
    except Exception as exc:
        # scipy raises several types (MatReadError, ValueError, OSError, ...) for damaged files.
        raise DatasetError(f"{file}: not a readable MATLAB file ({type(exc).__name__}: {exc})") from None
    images, labels = contents.get("X"), contents.get("y")
    if not isinstance(images, np.ndarray) or not isinstance(labels, np.ndarray):
        raise DatasetError(f"{file}: expected variables X and y, found {sorted(k for k in contents if k[0] != '_')}")
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[:3] != (32, 32, 3):
        raise DatasetError(f"{file}: X must be uint8 of shape (32, 32, 3, N), got {images.dtype} {images.shape}")
    count = images.shape[3]
    if labels.shape not in ((count, 1), (count,)) or labels.dtype.kind not in "iuf":
        raise DatasetError(f"{file}: y must hold {count} labels, shape ({count}, 1), got {labels.dtype} {labels.shape}")
    y = labels.reshape(-1)
    valid = np.isin(y, np.arange(1, 11))
    if not valid.all():
        row = int(np.argmin(valid))
        raise DatasetError(
            f"{file}: label {y[row].item()!r} at position {row} is not an SVHN label 1..10 (10 is digit 0)"
        )
    y = y.astype(np.int64)
    y[y == 10] = 0
    # (H, W, C, N) -> (N, C, H, W): channel-first rows, the same layout as CIFAR-10.
    x = np.ascontiguousarray(images.transpose(3, 2, 0, 1)).reshape(count, -1)
    return x, y


def load_svhn(path: PathLike) -> Dataset:
    """SVHN (cropped digits, format 2) from the official MATLAB files.

    Parameters
    ----------
    path : str or os.PathLike
        Directory with ``train_32x32.mat`` and ``test_32x32.mat``
        (``extra_32x32.mat``, if present, is not used).

    Returns
    -------
    Dataset
        Named ``"svhn"``: 73,257 training and 26,032 test images for the
        official files. Each image is a ``uint8`` row of 3,072 values in
        channel-first order (all red values row by row, then green, then
        blue), the layout of CIFAR-10, so the two can share preprocessing.
        SVHN's label 10 (digit 0) becomes class 0, so class k is digit k.

    Raises
    ------
    DatasetNotFoundError
        If the directory or one of the two files is missing.
    DatasetError
        If scipy is not installed, or a file is not an SVHN ``.mat`` file.

    """
    directory = _existing_dir(path, "SVHN directory", _SVHN_HINT)
    missing = [name for name in _SVHN_FILES if not (directory / name).is_file()]
    if missing:
        raise DatasetNotFoundError(f"SVHN directory {str(directory)!r} lacks {', '.join(missing)}; {_SVHN_HINT}")
    try:
        from scipy.io import loadmat
    except ImportError:
        raise DatasetError("reading SVHN's .mat files needs scipy: pip install scipy") from None
    train_x, train_y = _read_svhn_mat(loadmat, directory / _SVHN_FILES[0])
    test_x, test_y = _read_svhn_mat(loadmat, directory / _SVHN_FILES[1])
    return _build(
        str(directory),
        name="svhn",
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=10,
        class_names=DIGIT_CLASSES,
    )


# ---------------------------------------------------------------------------
# Your own data: npz and CSV
# ---------------------------------------------------------------------------


def _feature_matrix(raw: np.ndarray, where: str) -> np.ndarray:
    """Numeric features as (n, d): bool becomes uint8, images (n, h, w, ...) are flattened per example."""
    if raw.dtype.kind == "b":
        raw = raw.astype(np.uint8)
    if raw.dtype.kind not in "iuf":
        raise DatasetError(f"{where} must hold numbers (integer or float), got dtype {raw.dtype}")
    if raw.ndim < 2:
        raise DatasetError(
            f"{where} must be 2-D (examples, features), got shape {raw.shape}; for a single feature use X[:, None]"
        )
    matrix = raw.reshape(len(raw), -1)
    bad = _first_bad_row(matrix)
    if bad is not None:
        raise DatasetError(f"{where} row {bad} contains NaN or inf; features must be finite")
    return matrix


def load_npz(path: PathLike, *, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """A classification data set saved with ``np.savez``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file with arrays ``X`` (examples, features) and ``y``, and
        optionally ``X_test`` and ``y_test`` (both or neither). ``X`` with
        more than two dimensions (images) is flattened per example.
    test_fraction : float, default 0.2
        Without ``X_test``, the fraction of examples held out as the test
        part, stratified by class.
    seed : int, default 0
        Seed of that split.

    Returns
    -------
    Dataset
        Named after the file (without suffix). Labels, integers or strings,
        are mapped in sorted order to ``0..K-1``; ``class_names`` keeps them
        as text. Features keep their dtype.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    DatasetError
        If the file is not an npz archive, lacks ``X`` or ``y``, holds
        pickled objects, NaN or inf features, non-integral numeric labels,
        or sizes that disagree.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> file = os.path.join(tempfile.mkdtemp(), "toy.npz")
    >>> np.savez(file, X=np.eye(4), y=np.array(["b", "a", "b", "a"]), X_test=np.eye(4)[:2], y_test=np.array(["a", "b"]))
    >>> data = load_npz(file)
    >>> data.train_y.tolist(), data.class_names
    ([1, 0, 1, 0], ('a', 'b'))

    """
    _check_split_args(test_fraction, seed)
    file = _existing_file(path, "npz file")
    try:
        with np.load(file, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise DatasetError(f"{file}: a single .npy array; expected an .npz archive with arrays X and y")
            keys = set(archive.files)
            missing = [key for key in ("X", "y") if key not in keys]
            if missing:
                raise DatasetError(f"{file}: lacks {' and '.join(missing)}; found arrays {sorted(keys)}")
            if ("X_test" in keys) != ("y_test" in keys):
                raise DatasetError(f"{file}: has {'X_test' if 'X_test' in keys else 'y_test'} without its partner")
            arrays = {key: archive[key] for key in ("X", "y", "X_test", "y_test") if key in keys}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        # allow_pickle=False turns object arrays into a ValueError, so a
        # crafted file cannot run code here.
        raise DatasetError(
            f"{file}: not a readable npz archive of plain arrays ({type(exc).__name__}: {exc})"
        ) from None

    x = _feature_matrix(arrays["X"], f"{file}: X")
    parts = [arrays["y"]]
    x_test = None
    if "X_test" in arrays:
        x_test = _feature_matrix(arrays["X_test"], f"{file}: X_test")
        parts.append(arrays["y_test"])
    for features, labels, names in ((x, arrays["y"], "X/y"), (x_test, arrays.get("y_test"), "X_test/y_test")):
        if features is not None and labels is not None and len(labels) != len(features):
            raise DatasetError(f"{file}: {names}: {len(features)} examples but {len(labels)} labels")
    encoded, class_names = _encode_labels(parts, str(file))
    if x_test is None:
        train_x, train_y, test_x, test_y = _split(x, encoded[0], test_fraction, seed, str(file))
    else:
        train_x, train_y, test_x, test_y = x, encoded[0], x_test, encoded[1]
    return _build(
        str(file),
        name=file.stem,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=len(class_names),
        class_names=class_names,
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _label_index(label_column: int | str, first_row: list[str], file: Path) -> tuple[int, bool]:
    """The label's column index, and whether the first row is a header."""
    width = len(first_row)
    if isinstance(label_column, str):
        names = [cell.strip() for cell in first_row]
        if label_column not in names:
            raise DatasetError(
                f"{file}: label_column {label_column!r} is not a column name; {_suggest(label_column, names)}"
                f"the first line reads {names}"
            )
        return names.index(label_column), True
    if not -width <= label_column < width:
        raise DatasetError(f"{file}: label_column {label_column} is out of range for {width} columns")
    index = label_column % width
    return index, any(not _is_number(cell) for j, cell in enumerate(first_row) if j != index)


def load_csv(
    path: PathLike,
    *,
    label_column: int | str = -1,
    test_fraction: float = 0.2,
    seed: int = 0,
    delimiter: str = ",",
) -> Dataset:
    """A classification data set from a CSV file of numeric features and a label column.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (UTF-8). Blank lines are skipped. The first line is a
        header when one of its feature cells is not a number, or when the
        label column holds numbers below it but not in it.
    label_column : int or str, default -1
        Index of the label column (negative counts from the end), or its
        name in the header.
    test_fraction : float, default 0.2
        Fraction of examples held out as the test part, stratified by class.
    seed : int, default 0
        Seed of that split.
    delimiter : str, default ","
        One character.

    Returns
    -------
    Dataset
        Named after the file (without suffix), features ``float64``. Labels,
        integers or strings, are mapped in sorted order to ``0..K-1``
        (numbers sorted as numbers); ``class_names`` keeps them as text.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    DatasetError
        On a cell that is not a finite number (naming file, line and
        column), rows of different lengths, non-integral numeric labels, or
        an unknown label column.

    """
    _check_split_args(test_fraction, seed)
    if isinstance(label_column, bool) or not isinstance(label_column, int | str):
        raise DatasetError(f"label_column must be a column index or name, got {label_column!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise DatasetError(f"delimiter must be one character, got {delimiter!r}")
    file = _existing_file(path, "CSV file")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{file}: not UTF-8 text ({exc})") from None
    except csv.Error as exc:
        raise DatasetError(f"{file}: not valid CSV ({exc})") from None
    if not rows:
        raise DatasetError(f"{file}: no rows")
    width = len(rows[0][1])
    if width < 2:
        raise DatasetError(
            f"{file}: line {rows[0][0]} has one column; need features and a label (is the delimiter {delimiter!r}?)"
        )
    label_index, has_header = _label_index(label_column, rows[0][1], file)
    if not has_header and not _is_number(rows[0][1][label_index]):
        # A word above a column of numeric labels is its name, not a label.
        has_header = len(rows) > 1 and all(_is_number(row[label_index]) for _, row in rows[1:] if len(row) == width)
    names = [cell.strip() for cell in rows[0][1]] if has_header else [f"column {j + 1}" for j in range(width)]
    data = rows[1:] if has_header else rows
    if not data:
        raise DatasetError(f"{file}: a header but no data rows")

    feature_columns = [j for j in range(width) if j != label_index]
    features = np.empty((len(data), width - 1), dtype=np.float64)
    label_cells: list[str] = []
    for i, (line, row) in enumerate(data):
        if len(row) != width:
            raise DatasetError(f"{file}, line {line}: {len(row)} cells, expected {width} like line {rows[0][0]}")
        for k, j in enumerate(feature_columns):
            cell = row[j].strip()
            where = f"{file}, line {line}, column {j + 1} ({names[j]!r})"
            if not cell:
                raise DatasetError(f"{where}: empty cell; missing values are not supported")
            try:
                value = float(cell)
            except ValueError:
                raise DatasetError(f"{where}: cannot read {cell!r} as a number") from None
            if not math.isfinite(value):
                raise DatasetError(f"{where}: {cell!r} is not finite; features must be finite")
            features[i, k] = value
        label_cells.append(row[label_index].strip())

    labels: np.ndarray
    if all(_is_number(cell) for cell in label_cells):
        values = [float(cell) for cell in label_cells]
        for (line, _), cell, value in zip(data, label_cells, values, strict=True):
            if not (math.isfinite(value) and value == round(value)):
                raise DatasetError(
                    f"{file}, line {line}, column {label_index + 1} ({names[label_index]!r}): label {cell!r} is not "
                    "an integer class label (is this a regression target?)"
                )
        labels = np.array([int(value) for value in values], dtype=np.int64)
    else:
        labels = np.array(label_cells, dtype=str)
    encoded, class_names = _encode_labels([labels], str(file))
    train_x, train_y, test_x, test_y = _split(features, encoded[0], test_fraction, seed, str(file))
    return _build(
        str(file),
        name=file.stem,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        num_classes=len(class_names),
        class_names=class_names,
    )


# ---------------------------------------------------------------------------
# Opt-in download from OpenML
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenMLSource:
    """Where a data set lives on OpenML and how its rows split into the official parts."""

    name: str
    version: int
    num_rows: int
    num_test: int  # the official test part is the last num_test rows
    num_features: int
    class_names: tuple[str, ...]
    ten_means_zero: bool = False  # SVHN's original labels: 10 is digit 0


_OPENML_SOURCES: Mapping[str, _OpenMLSource] = MappingProxyType(
    {
        "mnist": _OpenMLSource("mnist_784", 1, 70_000, 10_000, 784, DIGIT_CLASSES),
        "fashion_mnist": _OpenMLSource("Fashion-MNIST", 1, 70_000, 10_000, 784, FASHION_MNIST_CLASSES),
        "cifar10": _OpenMLSource("CIFAR_10", 1, 60_000, 10_000, 3072, CIFAR10_CLASSES),
        "svhn": _OpenMLSource("SVHN", 1, 99_289, 26_032, 3072, DIGIT_CLASSES, ten_means_zero=True),
    }
)


def _manual_hint(key: str) -> str:
    return {
        "mnist": _mnist_hint("mnist"),
        "fashion_mnist": _mnist_hint("fashion_mnist"),
        "cifar10": _CIFAR_HINT,
        "svhn": _SVHN_HINT,
    }[key].split(", or fetch it from OpenML")[0]


def missing_data(name: str, path: PathLike | None, download: bool) -> str | None:
    """Why a data set named in a config cannot be loaded, in the config's terms, or None.

    Only what can be told without reading the files: a ``path`` that does not
    exist, or a data set that needs files and has neither ``path`` nor
    ``download``. The message says how to fix it with the config's keys
    (``path:``, ``download: true``).

    Parameters
    ----------
    name : str
        The data set (a key of :data:`DATASETS`; others give None).
    path : str or os.PathLike, optional
        Where its files are (``~`` expands; relative to the working directory).
    download : bool
        Whether the config fetches it from OpenML.

    """
    key = name.strip().lower().replace("-", "_")
    if key not in DATASETS or key == "digits":
        return None
    if key in _OWN_FILES:
        wanted = f"set path: to {_OWN_FILES[key]}"
    else:
        wanted = f"{_manual_hint(key)} as path:, or set download: true (and path: null) to fetch it from OpenML"
    if path is None:
        return None if download else f"the {key} data set needs its files: {wanted}"
    where = Path(os.fspath(path)).expanduser()
    if not where.exists():
        return f"{str(where)!r} does not exist; {wanted}"
    return None


def _as_pixels(x: np.ndarray) -> np.ndarray:
    """``uint8`` when every value is an integer in 0..255 (OpenML serves pixels as floats), else unchanged."""
    if x.dtype == np.uint8:
        return x
    step = max(1, 4_000_000 // max(1, x.shape[1]))
    for start in range(0, len(x), step):
        block = x[start : start + step]
        # NaN fails every comparison, so it keeps the array as it is (and the Dataset rejects it).
        if not (np.all(block >= 0) and np.all(block <= 255) and np.all(block == np.round(block))):
            return x
    return x.astype(np.uint8)


def fetch_openml_dataset(name: str, *, data_home: PathLike | None = None) -> Dataset:
    """Download (or read from scikit-learn's cache) a data set from OpenML.

    This is the only function here that uses the network; files are cached
    under ``data_home`` (scikit-learn's default: ``~/scikit_learn_data``).

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "cifar10", "svhn"}
        Fetched as OpenML's ``mnist_784``, ``Fashion-MNIST``, ``CIFAR_10``
        and ``SVHN`` (version 1 each).
    data_home : str or os.PathLike, optional
        Cache directory for :func:`sklearn.datasets.fetch_openml`.

    Returns
    -------
    Dataset
        Pixels as ``uint8`` when they are integers in 0..255. The official
        test part is the last rows: 10,000 for MNIST, Fashion-MNIST and
        CIFAR-10 (their 60,000/50,000 training images come first), and
        26,032 for SVHN, whose OpenML copy holds the 73,257 training then the
        26,032 test images of format 2 (not the "extra" set); SVHN's label 10
        becomes class 0.

    Raises
    ------
    DatasetError
        On an unknown name, a network or OpenML error (with a hint for
        downloading the files by hand), or data whose size differs from the
        official release, which would make the split wrong.

    Notes
    -----
    scikit-learn parses OpenML's ARFF files with pandas when it is installed
    and with its pure-Python parser otherwise; the latter needs several GiB
    of memory for CIFAR-10 and SVHN, for which the official files (with
    :func:`load_cifar10`, :func:`load_svhn`) are much lighter.

    """
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in _OPENML_SOURCES:
        choices = sorted(_OPENML_SOURCES)
        raise DatasetError(
            f"no OpenML source for data set {name!r}; {_suggest(str(key), choices)}available: {', '.join(choices)}"
        )
    source = _OPENML_SOURCES[key]
    from sklearn import datasets as sklearn_datasets

    parser = "pandas" if importlib.util.find_spec("pandas") is not None else "liac-arff"
    try:
        bunch = sklearn_datasets.fetch_openml(
            source.name,
            version=source.version,
            data_home=None if data_home is None else os.fspath(data_home),
            as_frame=False,
            parser=parser,
        )
    except (OSError, ValueError) as exc:
        # URLError and HTTPError are OSErrors; OpenML's own errors are ValueErrors.
        raise DatasetError(
            f"could not fetch {source.name!r} (version {source.version}) from OpenML ({type(exc).__name__}: {exc}); "
            f"to load it without the network, {_manual_hint(key)}"
        ) from exc
    x = bunch.data
    if not isinstance(x, np.ndarray) or x.shape != (source.num_rows, source.num_features):
        described = f"shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
        raise DatasetError(
            f"OpenML {source.name!r}: expected a dense ({source.num_rows}, {source.num_features}) array, got "
            f"{described}; the official split cannot be applied. Download the files by hand: {_manual_hint(key)}"
        )
    raw_labels = np.asarray(bunch.target)
    try:
        numbers = raw_labels.astype(np.float64)
    except ValueError:
        raise DatasetError(f"OpenML {source.name!r}: labels are not numbers: {np.unique(raw_labels)[:10]!r}") from None
    if numbers.shape != (source.num_rows,) or not np.all(numbers == np.round(numbers)):
        raise DatasetError(f"OpenML {source.name!r}: expected {source.num_rows} integer labels")
    y = numbers.astype(np.int64)
    if source.ten_means_zero and y.max() == 10:
        if (y == 0).any():
            raise DatasetError(f"OpenML {source.name!r}: labels hold both 0 and 10; cannot tell which is digit 0")
        y[y == 10] = 0
    x = _as_pixels(x)
    cut = source.num_rows - source.num_test
    return _build(
        f"OpenML {source.name!r}",
        name=key,
        train_x=x[:cut],
        train_y=y[:cut],
        test_x=x[cut:],
        test_y=y[cut:],
        num_classes=len(source.class_names),
        class_names=source.class_names,
    )


# ---------------------------------------------------------------------------
# Registry and dispatcher
# ---------------------------------------------------------------------------

DATASETS: Mapping[str, Callable[..., Dataset]] = MappingProxyType(
    {
        "digits": load_digits,
        "cifar10": load_cifar10,
        "mnist": load_mnist,
        "fashion_mnist": load_fashion_mnist,
        "svhn": load_svhn,
        "npz": load_npz,
        "csv": load_csv,
    }
)
"""Data set name -> loader. ``digits`` takes no argument; the others take a path."""

_OWN_FILES = MappingProxyType(
    {
        "npz": "an .npz file with arrays X and y (and optionally X_test, y_test)",
        "csv": "a CSV file of numeric features and a label column",
    }
)


def load_dataset(
    name: str,
    path: PathLike | None = None,
    *,
    download: bool = False,
    data_home: PathLike | None = None,
) -> Dataset:
    """Load a data set by its registry name.

    Parameters
    ----------
    name : str
        One of ``DATASETS``: ``"digits"``, ``"cifar10"``, ``"mnist"``,
        ``"fashion_mnist"``, ``"svhn"``, ``"npz"``, ``"csv"`` (case and ``-``
        versus ``_`` do not matter).
    path : str or os.PathLike, optional
        The local files (see each loader); ``digits`` takes none.
    download : bool, default False
        With no ``path``, fetch the data set from OpenML
        (:func:`fetch_openml_dataset`). Not for ``npz`` and ``csv``.
    data_home : str or os.PathLike, optional
        OpenML cache directory; used only with ``download=True``.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetNotFoundError
        If a file-based data set gets no ``path`` and no ``download=True``;
        the message says where to get the files.
    DatasetError
        On an unknown name (with the closest valid one), contradictory
        arguments, or any error of the loader.

    Examples
    --------
    >>> load_dataset("digits").num_classes
    10

    """
    if not isinstance(name, str):
        raise DatasetError(f"data set name must be a string, got {name!r}")
    key = name.strip().lower().replace("-", "_")
    if key not in DATASETS:
        choices = sorted(DATASETS)
        raise DatasetError(f"unknown data set {name!r}; {_suggest(key, choices)}known: {', '.join(choices)}")
    if key == "digits":
        if path is not None:
            raise DatasetError("'digits' ships with scikit-learn and takes no path")
        return load_digits()
    if key in _OWN_FILES:
        if download:
            raise DatasetError(f"{key!r} loads your own file; there is nothing to download")
        if path is None:
            raise DatasetNotFoundError(f"load_dataset({key!r}) needs path=: {_OWN_FILES[key]}")
        return DATASETS[key](path)
    if path is not None and download:
        raise DatasetError(f"give either path= (files you have) or download=True (fetch {key!r} from OpenML), not both")
    if path is not None:
        return DATASETS[key](path)
    if download:
        return fetch_openml_dataset(key, data_home=data_home)
    raise DatasetNotFoundError(
        f"load_dataset({key!r}) needs the data: either {_manual_hint(key)} as path=, "
        f"or pass download=True to fetch it from OpenML ({_OPENML_SOURCES[key].name!r}) into data_home"
    )


__all__ = [
    "CIFAR10_CLASSES",
    "DATASETS",
    "DIGIT_CLASSES",
    "FASHION_MNIST_CLASSES",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "fetch_openml_dataset",
    "load_cifar10",
    "load_csv",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_npz",
    "load_svhn",
    "missing_data",
]
