"""scikit-learn estimators that train and run an algorithm in the VM.

:class:`EvolvedRegressor` and :class:`EvolvedClassifier` wrap an
:class:`~automl_zero.algorithm.Algorithm` (an evolved one, or a baseline by
default). ``fit`` trains it exactly as the evaluation does (docs/semantics.md, "Training"),
with the reference executor's op kernels
(:func:`automl_zero.vm.reference.execute`): memory zeroed, Setup once, then
for each epoch and each training example, in order, ``v0 = x, s0 = 0``,
Predict, the sigmoid (binary) or softmax (multiclass) of the prediction,
``v0 = x, s0 = y`` (multiclass: the one-hot label in v1), Learn. Unlike the
evaluation, training does not stop early (a diverging algorithm gives NaN
predictions) and does not validate between epochs (the evaluation's
validation runs Predict, which may change memory that the next epoch sees;
with one epoch, or a Predict without such writes, this makes no
difference).

``predict`` runs Predict on the rows of ``X`` in order, starting from the
fitted memory each call (the fitted state is never changed), as the
evaluation's validation does; the results equal those of the evaluation and
of the module :func:`automl_zero.analysis.export.to_python` writes, bit for
bit. Predict may write memory that the next row reads; the baselines' (and
most algorithms') Predict does not, and then every row is predicted
independently of the others.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((500, 3))
>>> y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
>>> model = EvolvedRegressor(epochs=3).fit(X, y)
>>> bool(model.score(X, y) > 0.99)
True
>>> clf = EvolvedClassifier().fit(X, np.where(X[:, 0] > 0, "yes", "no"))
>>> clf.classes_.tolist(), bool(clf.score(X, np.where(X[:, 0] > 0, "yes", "no")) > 0.95)
(['no', 'yes'], True)

"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from automl_zero.algorithm import (
    FEATURES_VECTOR,
    PREDICTION_SCALAR,
    PREDICTION_VECTOR,
    Algorithm,
    MemorySize,
    address_text,
    parse,
)
from automl_zero.baselines import BASELINES, LINEAR_MEMORY, logistic_regression
from automl_zero.harness import first_argmax, sigmoid, train_examples, truncating_softmax
from automl_zero.ops import Kind, Param
from automl_zero.tasks.base import EvalType
from automl_zero.vm.reference import Memory, load_example, run
from automl_zero.vm.rng import SplitMix64

__all__ = ["EvolvedClassifier", "EvolvedRegressor", "MemoryState", "constant_parameters", "with_constants"]

#: Learning rate of the default algorithms: SGD steps that suit standardized features.
DEFAULT_REGRESSION_RATE = 0.01
DEFAULT_CLASSIFICATION_RATE = 0.05
MULTICLASS_STRATEGIES = ("ovr", "native")


@dataclass(frozen=True, eq=False)
class MemoryState:
    """A trained memory: scalars ``s[S]``, vectors ``v[V, F]``, matrices ``m[M, F, F]``; the random stream's state."""

    s: np.ndarray
    v: np.ndarray
    m: np.ndarray
    rng_state: int


# ---------------------------------------------------------------------------
# The trainer: the evaluation's harness around the reference executor's kernels.
# ---------------------------------------------------------------------------


def _train(
    algorithm: Algorithm,
    size: MemorySize,
    X: np.ndarray,
    y: np.ndarray,
    *,
    mode: EvalType,
    num_classes: int,
    epochs: int,
    seed: int,
    task_index: int = 0,
) -> MemoryState:
    """Train as the evaluation does (without early stopping) and return the memory."""
    memory = Memory(size, X.shape[1])
    rng = SplitMix64(seed, task_index)

    def predict(x: np.ndarray) -> None:
        load_example(memory, mode, x, None)
        run(algorithm.predict, memory, rng)

    def normalize(label: float) -> float:
        if mode == EvalType.MULTICLASS:
            memory.v[PREDICTION_VECTOR] = truncating_softmax(memory.v[PREDICTION_VECTOR], num_classes)
        elif mode == EvalType.ACCURACY:
            memory.s[PREDICTION_SCALAR] = sigmoid(memory.s[PREDICTION_SCALAR])
        return 0.0  # no early stopping here

    def learn(x: np.ndarray, label: float) -> None:
        load_example(memory, mode, x, label)
        run(algorithm.learn, memory, rng)

    with np.errstate(all="ignore"):
        run(algorithm.setup, memory, rng)
        # The order seed of later epochs' reshuffles is the estimator's seed.
        train_examples(predict, normalize, learn, X, y, epochs, seed)
    return MemoryState(memory.s.copy(), memory.v.copy(), memory.m.copy(), rng.state)


def _scores(
    algorithm: Algorithm, size: MemorySize, state: MemoryState, X: np.ndarray, mode: EvalType, num_classes: int
) -> np.ndarray:
    """Run Predict on each row in order from a copy of ``state``: s1 per row, or v2[:K] per row (multiclass)."""
    memory = Memory(size, X.shape[1])
    memory.s[:], memory.v[:], memory.m[:] = state.s, state.v, state.m
    rng = SplitMix64(0)
    rng.state = state.rng_state
    out = np.empty((len(X), num_classes)) if mode == EvalType.MULTICLASS else np.empty(len(X))
    with np.errstate(all="ignore"):
        for i, x in enumerate(X):
            load_example(memory, mode, x, None)
            run(algorithm.predict, memory, rng)
            out[i] = (
                memory.v[PREDICTION_VECTOR, :num_classes]
                if mode == EvalType.MULTICLASS
                else memory.s[PREDICTION_SCALAR]
            )
    return out


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------


def _as_algorithm(algorithm: Any) -> Algorithm:
    if isinstance(algorithm, Algorithm):
        return algorithm
    if isinstance(algorithm, str):
        return _parse_cached(algorithm)
    raise TypeError(
        f"algorithm must be an Algorithm, its text in the paper's notation or None, got {type(algorithm).__name__}"
    )


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str) -> Algorithm:
    """``parse``, remembered: ``get_params`` reads a text algorithm's constants on every call."""
    return parse(text)


def _constant_slots(algorithm: Algorithm) -> dict[str, tuple[str, int, int]]:
    """Hyperparameter name -> ``(component, position, slot)`` of each real constant, in program order."""
    slots: dict[str, tuple[str, int, int]] = {}
    for component, instructions in algorithm.components():
        for position, instruction in enumerate(instructions):
            params = instruction.spec.params
            tunable = [slot for slot, param in enumerate(params) if param is not Param.INDEX]
            written = instruction.writes
            stem = f"{component}_{position}" + ("" if written is None else f"_{address_text(*written)}")
            for slot in tunable:
                name = stem + (f"_{params[slot].value}" if len(tunable) > 1 else "")
                slots[name] = (component, position, slot)
    return slots


def constant_parameters(algorithm: Algorithm) -> dict[str, float]:
    """The real constants of ``algorithm`` as named hyperparameters, in program order.

    The name says which instruction a constant belongs to:
    ``<component>_<position>_<output>``, e.g. ``setup_0_s2`` for ``s2 = 0.01``,
    the first instruction of Setup, or ``learn_3_v4`` for ``v4[0.5] = 1.5``,
    the fourth of Learn. An op with two real parameters adds which one:
    ``setup_1_m0_mean`` and ``setup_1_m0_std`` for ``m0 = gaussian(0.0, 0.3,
    ...)``, ``..._low`` and ``..._high`` for ``uniform``. Index parameters
    (which element ``v4[0.5]`` sets) are not constants: they choose a
    feature. These are the constants
    :func:`automl_zero.analysis.tune.constants` lists, dead code included
    (changing a dead constant changes nothing).

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to read.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> from automl_zero.baselines import two_layer_network
    >>> constant_parameters(two_layer_network())
    {'setup_0_s2': 0.01, 'setup_1_m0_mean': 0.0, 'setup_1_m0_std': 0.3, 'setup_2_v3_mean': 0.0, 'setup_2_v3_std': 0.3}

    """
    return {
        name: getattr(algorithm, component)[position].data[slot]
        for name, (component, position, slot) in _constant_slots(algorithm).items()
    }


def with_constants(algorithm: Algorithm, values: Mapping[str, Any]) -> Algorithm:
    """``algorithm`` with the constants named in ``values`` (see :func:`constant_parameters`) replaced.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm; it is not changed.
    values : mapping of str to float
        New values by hyperparameter name; the others stay.

    Returns
    -------
    Algorithm

    Raises
    ------
    ValueError
        On a name that is not a constant of ``algorithm`` (the message lists
        them) or a value that is not a finite real number.

    Examples
    --------
    >>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION
    >>> print(with_constants(REFERENCE_LINEAR_REGRESSION, {"setup_0_s2": 0.05}).setup[0])
    s2 = 0.05

    """
    slots = _constant_slots(algorithm)
    unknown = [name for name in values if name not in slots]
    if unknown:
        known = ", ".join(slots) or "none"
        raise ValueError(f"{', '.join(map(repr, unknown))}: not a constant of the algorithm; its constants are {known}")
    components = {name: list(instructions) for name, instructions in algorithm.components()}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite real number, got {value!r}")
        component, position, slot = slots[name]
        instruction = components[component][position]
        data = list(instruction.data)
        data[slot] = float(value)
        components[component][position] = dataclasses.replace(instruction, data=tuple(data))
    return Algorithm(*(tuple(components[name]) for name, _ in algorithm.components()))


def _needed_memory(algorithm: Algorithm, min_vectors: int) -> MemorySize:
    """The smallest memory that holds every address ``algorithm`` uses."""
    top = {Kind.SCALAR: PREDICTION_SCALAR, Kind.VECTOR: max(FEATURES_VECTOR, min_vectors - 1), Kind.MATRIX: 0}
    for _, instructions in algorithm.components():
        for instruction in instructions:
            row = instruction.spec
            slots = [(kind, (instruction.in1, instruction.in2)[i]) for i, kind in enumerate(row.inputs)]
            if row.out is not None:
                slots.append((row.out, instruction.out))
            for kind, address in slots:
                top[kind] = max(top[kind], address)
    return MemorySize(top[Kind.SCALAR] + 1, top[Kind.VECTOR] + 1, top[Kind.MATRIX] + 1)


def _as_memory(memory: Any, algorithm: Algorithm, default: MemorySize, min_vectors: int) -> MemorySize:
    if memory is None:
        size = default
    elif isinstance(memory, MemorySize):
        size = memory
    elif isinstance(memory, (tuple, list)) and len(memory) == 3:
        size = MemorySize(*(int(n) for n in memory))
    else:
        raise TypeError(f"memory must be a MemorySize, a tuple (S, V, M) or None, got {memory!r}")
    if size.vectors < min_vectors:
        raise ValueError(
            f"multiclass needs at least {min_vectors} vectors (v1 = one-hot label, v2 = prediction), "
            f"memory has {size.vectors}"
        )
    algorithm.validate(size)
    return size


def _check_count(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


class _EvolvedBase(BaseEstimator):  # type: ignore[misc]
    """What the regressor and the classifier share: parameters and the trained algorithm.

    Besides the parameters of ``__init__``'s signature, every real constant
    of the algorithm is a parameter of its own (``**constants``, named by
    :func:`constant_parameters`), so that ``get_params`` lists them and
    ``set_params``, ``clone`` and the model-selection tools (GridSearchCV,
    RandomizedSearchCV) can change them; ``fit`` trains the algorithm with
    them in place. Setting ``algorithm`` forgets the constants set for the
    previous one (unless the same call names them).
    """

    algorithm_: Algorithm
    memory_size_: MemorySize
    n_features_in_: int

    def __init__(
        self,
        algorithm: Algorithm | str | None = None,
        *,
        memory: MemorySize | None = None,
        epochs: int = 1,
        seed: int = 0,
        **constants: float,
    ) -> None:
        self.algorithm = algorithm
        self.memory = memory
        self.epochs = epochs
        self.seed = seed
        # Private: scikit-learn's checks allow only the signature's parameters as public attributes.
        self._constants = constants

    def _default_algorithm(self) -> tuple[Algorithm, MemorySize]:
        """The algorithm (and its memory) used when ``algorithm`` is None."""
        raise NotImplementedError

    def _base_algorithm(self) -> tuple[Algorithm, MemorySize | None]:
        """The algorithm before the constants are applied, and its default memory (None: infer it)."""
        if self.algorithm is None:
            return self._default_algorithm()
        if isinstance(self.algorithm, str) and self.algorithm in BASELINES:
            factory, memory = BASELINES[self.algorithm]
            return factory(), memory
        return _as_algorithm(self.algorithm), None

    def _known_constants(self) -> dict[str, float] | None:
        """The algorithm's constants, or None while ``algorithm`` is not a valid one (checked in ``fit``)."""
        try:
            algorithm, _ = self._base_algorithm()
        except (TypeError, ValueError):
            return None
        return constant_parameters(algorithm)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters: those of ``__init__`` and one per constant of the algorithm.

        Parameters
        ----------
        deep : bool
            Unused (the estimator contains no other estimators); kept for
            scikit-learn's interface.

        Returns
        -------
        dict
            ``algorithm``, ``memory``, ``epochs``, ``seed`` (and
            ``multiclass``), then each constant by its name (e.g.
            ``setup_0_s2``) with its value: the one set, or the algorithm's.
            While a constant is set that the algorithm does not have (or
            the algorithm is not valid), only the constants set.

        """
        params: dict[str, Any] = super().get_params(deep=deep)
        known = self._known_constants()
        # Constants set that the algorithm lacks (an error ``fit`` reports) hide the algorithm's own,
        # so that get_params returns exactly what set_params was given, whatever the algorithm.
        if known is not None and all(name in known for name in self._constants):
            params.update(known)
        params.update(self._constants)
        return params

    def set_params(self, **params: Any) -> Any:
        """Set parameters, the algorithm's constants included (e.g. ``setup_0_s2=0.05``).

        Parameters
        ----------
        **params
            Parameters of ``__init__`` and constants by name. Setting
            ``algorithm`` forgets the constants set before, except those
            named in the same call. As scikit-learn recommends, names and
            values are checked in ``fit``: a name that is not a constant of
            the algorithm raises ValueError there, listing the constants.

        Returns
        -------
        self

        """
        signature = set(self._get_param_names())
        own = {name: value for name, value in params.items() if name in signature or "__" in name}
        constants = {name: value for name, value in params.items() if name not in own}
        super().set_params(**own)
        self._constants = dict(constants) if "algorithm" in own else {**self._constants, **constants}
        return self

    def _resolve(self, min_vectors: int = 0) -> tuple[Algorithm, MemorySize, int, int]:
        """Validate the parameters; return the algorithm with its constants set, its memory, the epochs, the seed."""
        base, default_memory = self._base_algorithm()
        algorithm = with_constants(base, self._constants)
        size = _as_memory(
            self.memory,
            algorithm,
            default_memory if default_memory is not None else _needed_memory(algorithm, min_vectors),
            min_vectors,
        )
        epochs = _check_count("epochs", self.epochs, 1)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        return algorithm, size, epochs, int(self.seed)


class EvolvedRegressor(RegressorMixin, _EvolvedBase):  # type: ignore[misc]
    """A regressor that trains an algorithm as the AutoML-Zero evaluation does.

    Parameters
    ----------
    algorithm : Algorithm, str or None
        The algorithm, its text in the paper's notation (``def Setup():``
        ...), or the name of a baseline in
        :data:`automl_zero.baselines.BASELINES` (with its default
        hyperparameters, which are constants like any other: e.g.
        ``"two_layer_network"``). None: SGD linear regression with a bias, learning rate 0.01
        (the program of :func:`automl_zero.baselines.logistic_regression`,
        which is linear regression with a bias when s1 is not squashed;
        suited to standardized features).
    memory : MemorySize, tuple (S, V, M) or None
        The memory the algorithm runs in. None: the baseline's memory for
        the default algorithm, else the smallest memory that holds every
        address the algorithm uses.
    epochs : int
        Passes over the training examples, in their order.
    seed : int
        Seed of the random ops' stream (stream ``(seed, 0)``, as for the
        first task of an evaluation).
    **constants : float
        The algorithm's real constants by name (:func:`constant_parameters`:
        ``setup_0_s2`` is the constant of the first instruction of Setup,
        which writes s2), as hyperparameters: ``get_params`` lists them with
        their values, and ``set_params`` or a search over them (GridSearchCV)
        changes them before ``fit``. Unset ones keep the algorithm's values.

    Attributes
    ----------
    algorithm_ : Algorithm
        The algorithm that was trained.
    memory_size_ : MemorySize
        Its memory size.
    memory_state_ : MemoryState
        The trained memory.
    n_features_in_ : int
        Number of features seen in ``fit`` (F, the vector size).
    feature_names_in_ : ndarray of str
        Names of the features, if ``X`` had string column names.

    See Also
    --------
    EvolvedClassifier
    automl_zero.analysis.export.to_python : the same model as a NumPy-only module.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((300, 4))
    >>> y = X @ np.array([1.0, 2.0, -1.0, 0.5])
    >>> text = '''
    ... def Setup():
    ...   s2 = 0.05
    ... def Predict():
    ...   s1 = dot(v0, v1)
    ... def Learn():
    ...   s3 = s0 - s1
    ...   s3 = s3 * s2
    ...   v2 = v0 * s3
    ...   v1 = v1 + v2
    ... '''
    >>> model = EvolvedRegressor(text, epochs=3).fit(X, y)
    >>> model.memory_size_  # the smallest memory that holds its addresses
    MemorySize(scalars=4, vectors=3, matrices=1)
    >>> bool(model.score(X, y) > 0.99)
    True

    """

    memory_state_: MemoryState

    def _default_algorithm(self) -> tuple[Algorithm, MemorySize]:
        return logistic_regression(DEFAULT_REGRESSION_RATE), LINEAR_MEMORY

    def fit(self, X: Any, y: Any) -> EvolvedRegressor:
        """Train the algorithm on ``X`` (rows in order) and the targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training examples; the algorithm sees them in this order.
        y : array-like of shape (n_samples,)
            Targets (regression) or class labels.

        Returns
        -------
        self

        """
        algorithm, size, epochs, seed = self._resolve()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        self.algorithm_ = algorithm
        self.memory_size_ = size
        self.memory_state_ = _train(algorithm, size, X, y, mode=EvalType.RMS, num_classes=0, epochs=epochs, seed=seed)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return s1 after Predict for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Examples; Predict runs on them in this order.

        Returns
        -------
        ndarray of shape (n_samples,)

        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return _scores(self.algorithm_, self.memory_size_, self.memory_state_, X, EvalType.RMS, 0)


class EvolvedClassifier(ClassifierMixin, _EvolvedBase):  # type: ignore[misc]
    """A classifier that trains an algorithm as the AutoML-Zero evaluation does.

    Two classes use the binary harness: the prediction is ``sigmoid(s1)``,
    the probability of ``classes_[1]`` (label 1 in s0). More classes use
    ``multiclass``:

    - ``"ovr"`` (default): one-vs-rest, one binary model per class, each
      trained with the binary harness on labels 1 (the class) / 0 (the
      others); its random stream is ``(seed, k)`` for class ``k``. The
      probabilities are the K sigmoids, normalized to sum to 1.
    - ``"native"``: the VM's multiclass harness for any number of classes
      (2 included): the one-hot label in v1 during Learn, the prediction
      the softmax of ``v2[:K]``; K must not exceed the number of features.
      Needs an algorithm written for it: by default softmax regression by
      SGD; ``algorithm="two_layer_softmax_network"`` is a 2-layer network
      with a softmax output (:data:`automl_zero.baselines.MULTICLASS_BASELINES`).

    Parameters
    ----------
    algorithm : Algorithm, str or None
        The algorithm, its text or the name of a baseline (as for
        :class:`EvolvedRegressor`). None: logistic regression by SGD with a
        bias, learning rate 0.05 (:func:`automl_zero.baselines.logistic_regression`);
        with ``multiclass="native"``, softmax regression by SGD with a bias,
        learning rate 0.1 (:func:`automl_zero.baselines.softmax_regression`).
    memory : MemorySize, tuple (S, V, M) or None
        As for :class:`EvolvedRegressor` (native multiclass needs at least
        3 vectors).
    epochs : int
        Passes over the training examples, in their order.
    seed : int
        Seed of the random ops' streams.
    multiclass : {"ovr", "native"}
        How more than two classes (``"native"``: any number) are learned.
    **constants : float
        The algorithm's real constants by name (:func:`constant_parameters`:
        ``setup_0_s2`` is the constant of the first instruction of Setup,
        which writes s2), as hyperparameters: ``get_params`` lists them with
        their values, and ``set_params`` or a search over them (GridSearchCV)
        changes them before ``fit``. Unset ones keep the algorithm's values.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    algorithm_ : Algorithm
    memory_size_ : MemorySize
    memory_state_ : MemoryState or tuple of MemoryState
        The trained memory; for one-vs-rest, one per class.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Names of the features, if ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> order = np.random.default_rng(0).permutation(len(y))  # SGD wants the classes mixed
    >>> X, y = X[order], y[order]
    >>> model = make_pipeline(StandardScaler(), EvolvedClassifier(epochs=5)).fit(X, y)
    >>> bool(model.score(X, y) > 0.8)
    True

    """

    classes_: np.ndarray
    memory_state_: MemoryState | tuple[MemoryState, ...]
    strategy_: str

    def __init__(
        self,
        algorithm: Algorithm | str | None = None,
        *,
        memory: MemorySize | None = None,
        epochs: int = 1,
        seed: int = 0,
        multiclass: str = "ovr",
        **constants: float,
    ) -> None:
        super().__init__(algorithm, memory=memory, epochs=epochs, seed=seed, **constants)
        self.multiclass = multiclass

    def _default_algorithm(self) -> tuple[Algorithm, MemorySize]:
        if self.multiclass == "native":
            return BASELINES["softmax_regression"][0](), BASELINES["softmax_regression"][1]
        return logistic_regression(DEFAULT_CLASSIFICATION_RATE), LINEAR_MEMORY

    def fit(self, X: Any, y: Any) -> EvolvedClassifier:
        """Train the algorithm on ``X`` (rows in order) and the class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training examples; the algorithm sees them in this order.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On bad parameters, fewer than two classes, or (native) more
            classes than features.

        """
        if self.multiclass not in MULTICLASS_STRATEGIES:
            raise ValueError(f"multiclass must be one of {MULTICLASS_STRATEGIES}, got {self.multiclass!r}")
        native = self.multiclass == "native"
        algorithm, size, epochs, seed = self._resolve(PREDICTION_VECTOR + 1 if native else 0)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        n_classes = len(classes)
        if n_classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes in y, got 1 class: {classes[0]!r}")
        if native and n_classes > X.shape[1]:
            raise ValueError(
                f"multiclass='native' predicts from v2[:K], so K = {n_classes} classes need at least "
                f"{n_classes} features, got {X.shape[1]}"
            )
        labels = labels.astype(np.float64)
        self.classes_ = classes
        self.algorithm_ = algorithm
        self.memory_size_ = size
        if native:
            self.strategy_ = "native"
            self.memory_state_ = _train(
                algorithm, size, X, labels, mode=EvalType.MULTICLASS, num_classes=n_classes, epochs=epochs, seed=seed
            )
        elif n_classes == 2:
            self.strategy_ = "binary"
            self.memory_state_ = _train(
                algorithm, size, X, labels, mode=EvalType.ACCURACY, num_classes=0, epochs=epochs, seed=seed
            )
        else:
            self.strategy_ = "ovr"
            self.memory_state_ = tuple(
                _train(
                    algorithm,
                    size,
                    X,
                    (labels == k).astype(np.float64),
                    mode=EvalType.ACCURACY,
                    num_classes=0,
                    epochs=epochs,
                    seed=seed,
                    task_index=k,
                )
                for k in range(n_classes)
            )
        return self

    def _raw(self, X: Any) -> np.ndarray:
        """Raw scores: s1 (n,) for binary, one s1 per class (n, K) for one-vs-rest, v2[:K] (n, K) native."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n_classes = len(self.classes_)
        if isinstance(self.memory_state_, tuple):
            columns = [
                _scores(self.algorithm_, self.memory_size_, state, X, EvalType.ACCURACY, 0)
                for state in self.memory_state_
            ]
            return np.column_stack(columns).reshape(len(X), n_classes)
        if self.strategy_ == "native":
            return _scores(self.algorithm_, self.memory_size_, self.memory_state_, X, EvalType.MULTICLASS, n_classes)
        return _scores(self.algorithm_, self.memory_size_, self.memory_state_, X, EvalType.ACCURACY, 0)

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw scores before the sigmoid or softmax.

        Binary: s1, the logit of ``classes_[1]``; one-vs-rest: each class's
        s1; native: ``v2[:K]`` (two classes: ``v2[1] - v2[0]``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Examples; Predict runs on them in this order.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)

        """
        raw = self._raw(X)
        if raw.ndim == 2 and raw.shape[1] == 2:
            return np.asarray(raw[:, 1] - raw[:, 0])
        return raw

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Binary: ``[1 - sigmoid(s1), sigmoid(s1)]``; one-vs-rest: the
        sigmoids normalized to sum to 1 (all-zero sigmoids give equal
        probabilities); native: the softmax of ``v2[:K]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Examples; Predict runs on them in this order.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)

        """
        raw = self._raw(X)
        if self.strategy_ == "native":
            return np.array([truncating_softmax(row, len(row)) for row in raw]).reshape(raw.shape)
        positive = np.array([sigmoid(score) for score in raw.ravel()]).reshape(raw.shape)
        if self.strategy_ == "binary":
            return np.column_stack([1.0 - positive, positive])
        total = positive.sum(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            normalized: np.ndarray = positive / np.where(total == 0.0, 1.0, total)
        return np.where(total == 0.0, 1.0 / raw.shape[1], normalized)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels.

        Binary: ``classes_[1]`` where ``sigmoid(s1) > 0.5``, as the
        evaluation scores it; otherwise the class of the first largest
        probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Examples; Predict runs on them in this order.

        Returns
        -------
        ndarray of shape (n_samples,)

        """
        probabilities = self.predict_proba(X)
        if self.strategy_ == "binary":
            index = (probabilities[:, 1] > 0.5).astype(np.int64)
        else:
            index = np.array([first_argmax(row) for row in probabilities], dtype=np.int64)
        return np.asarray(self.classes_[index])

    def __sklearn_tags__(self) -> Any:
        """Tags: a classifier that handles more than two classes."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
