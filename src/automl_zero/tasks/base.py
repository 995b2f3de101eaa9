"""The task: training and validation examples, epochs and how to score."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from automl_zero.harness import epoch_order


class EvalType(enum.IntEnum):
    """How validation is scored (numbers are what the compiled core reads)."""

    RMS = 0  # regression: fitness = 1 - (2/pi) * arctan(sqrt(mean squared error))
    ACCURACY = 1  # binary classification: sigmoid(s1) > 0.5 is class 1
    MULTICLASS = 2  # multiclass: one-hot label in v1, softmax of v2's first K entries, argmax is the class


#: Salts the seed sequences of :func:`order_seed_for`, apart from every data stream.
_ORDER_STREAM = 0x0DE5


def order_seed_for(*key: int) -> int:
    """A task's order seed (see :attr:`Task.order_seed`), from the integers that seed the task."""
    return int(np.random.default_rng([_ORDER_STREAM, *key]).integers(2**63))


@dataclass(frozen=True, eq=False)
class Task:
    """One task: examples as float64 arrays, features first.

    Parameters
    ----------
    train_x : ndarray, shape (n_train, F)
    train_y : ndarray, shape (n_train,)
    valid_x : ndarray, shape (n_valid, F)
    valid_y : ndarray, shape (n_valid,)
    num_epochs : int
        Passes over the training examples; validation follows each pass and
        the best validation fitness counts. The first pass takes the examples
        in the stored order, every later one reshuffles them (see
        :meth:`epoch_orders`).
    eval_type : EvalType
    name : str
        For reports.
    num_classes : int
        K, for ``EvalType.MULTICLASS`` only (2 <= K <= F): labels are class
        indices ``0..K-1``, the label is given one-hot in v1 and the
        prediction is read from the first K entries of v2.
    order_seed : int
        Decides the order of the training examples in every epoch after the
        first; task generators derive it from the task's own seed.

    Raises
    ------
    ValueError
        On wrong shapes, empty sets or values that are not finite.

    """

    train_x: np.ndarray
    train_y: np.ndarray
    valid_x: np.ndarray
    valid_y: np.ndarray
    num_epochs: int = 1
    eval_type: EvalType = EvalType.RMS
    name: str = ""
    num_classes: int = 0
    order_seed: int = 0

    def __post_init__(self) -> None:
        for field in ("train_x", "train_y", "valid_x", "valid_y"):
            array = np.ascontiguousarray(getattr(self, field), dtype=np.float64)
            array.flags.writeable = False
            object.__setattr__(self, field, array)
        where = f"task {self.name!r}" if self.name else "task"
        if self.train_x.ndim != 2 or self.valid_x.ndim != 2:
            raise ValueError(f"{where}: features must be 2-D (examples, features)")
        if self.train_y.shape != (len(self.train_x),) or self.valid_y.shape != (len(self.valid_x),):
            raise ValueError(f"{where}: labels must be 1-D with one label per example")
        if self.train_x.shape[1] != self.valid_x.shape[1] or self.train_x.shape[1] < 1:
            raise ValueError(f"{where}: train and valid features must have the same, non-zero width")
        if len(self.train_x) < 1 or len(self.valid_x) < 1:
            raise ValueError(f"{where}: needs at least one training and one validation example")
        for field in ("train_x", "train_y", "valid_x", "valid_y"):
            if not np.isfinite(getattr(self, field)).all():
                raise ValueError(f"{where}: {field} contains NaN or inf")
        if not isinstance(self.num_epochs, int) or self.num_epochs < 1:
            raise ValueError(f"{where}: num_epochs must be a positive integer, got {self.num_epochs!r}")
        object.__setattr__(self, "eval_type", EvalType(self.eval_type))
        if self.eval_type == EvalType.MULTICLASS:
            if not isinstance(self.num_classes, int) or not 2 <= self.num_classes <= self.num_features:
                raise ValueError(
                    f"{where}: a multiclass task needs 2 <= num_classes <= F = {self.num_features}, "
                    f"got {self.num_classes!r}"
                )
            for field in ("train_y", "valid_y"):
                labels = getattr(self, field)
                if not (np.all(labels == np.round(labels)) and labels.min() >= 0 and labels.max() < self.num_classes):
                    raise ValueError(f"{where}: {field} must hold class indices 0..{self.num_classes - 1}")
        elif self.num_classes != 0:
            raise ValueError(f"{where}: num_classes is only for multiclass tasks")

    def epoch_orders(self) -> np.ndarray:
        """Row indices of the training examples, epoch by epoch: shape (num_epochs, n_train).

        Every executor trains in this order; row 0 is the stored order.
        """
        cached: np.ndarray | None = self.__dict__.get("_epoch_orders")
        if cached is None:
            n = len(self.train_x)
            cached = np.stack([epoch_order(self.order_seed, e, n) for e in range(self.num_epochs)])
            cached.flags.writeable = False
            object.__setattr__(self, "_epoch_orders", cached)
        return cached

    @property
    def num_features(self) -> int:
        """F, the size of vectors (and of each side of matrices)."""
        return int(self.train_x.shape[1])

    @property
    def shape_key(self) -> tuple[int, int, int, int, int, int]:
        """Tasks with equal keys can be evaluated together in one compiled call."""
        return (
            self.num_features,
            len(self.train_x),
            len(self.valid_x),
            self.num_epochs,
            int(self.eval_type),
            self.num_classes,
        )
