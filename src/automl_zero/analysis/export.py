"""Export an algorithm as a standalone Python module that needs only NumPy.

The generated module holds one class with the algorithm's memory (``s``,
``v``, ``m``), its three component functions written one NumPy line per
instruction, and the evaluation harness of docs/semantics.md, "Training" (``fit``,
``predict``, ``predict_proba``). Every op is written with exactly the
reference executor's semantics (:mod:`automl_zero.vm.reference`): reductions
add their terms one by one in index order, ``sin``/``exp``/``log`` are the C
library's with IEEE results instead of exceptions, and random ops draw from
the same SplitMix64 stream. Trained on a task's training examples, the class
therefore predicts the task's validation examples bit for bit as the
evaluation does.

Each instruction carries a comment with the paper's notation and a short
gloss in plain words; fixed roles (s0 = label, s1 = prediction, v0 =
features; v1 = one-hot label and v2 = prediction vector for multiclass
tasks) are named where they hold, and an SGD-style update (``v1 = v1 + v2``
after ``v2 = s4 * v0``) is recognized.

Examples
--------
>>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
>>> source = to_python(REFERENCE_LINEAR_REGRESSION, MemorySize(5, 3, 1))
>>> print([line.strip() for line in source.splitlines() if "self.v[1] = self.v[1]" in line][0])
self.v[1] = self.v[1] + self.v[2]  # v1 = v1 + v2  (add the update v2 to the weights v1)

"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from automl_zero import harness
from automl_zero.algorithm import (
    FEATURES_VECTOR,
    LABEL_SCALAR,
    LABELS_VECTOR,
    PREDICTION_SCALAR,
    PREDICTION_VECTOR,
    Algorithm,
    Instruction,
    MemorySize,
)
from automl_zero.ops import Kind, Op, Param

__all__ = ["TASKS", "to_python", "to_sklearn", "write_python"]

#: Task kinds an exported class can be trained for.
TASKS = ("regression", "binary", "multiclass")

#: How exported lines name the feature size (the ``{F}`` of an op's ``numpy`` line).
_F = "self.num_features"

# ---------------------------------------------------------------------------
# Helpers embedded in the module: name -> (helpers it needs, source).
# Copies of the reference semantics (automl_zero.numerics); an op's ``numpy`` line
# names the ones it calls in its ``numpy_helpers``.
# ---------------------------------------------------------------------------


def _ieee(name: str, function: str, on_error: str) -> tuple[tuple[str, ...], str]:
    return (
        (),
        f'''
def {name}(x):
    """``math.{function}`` with an IEEE result instead of an exception."""
    x = float(x)
    try:
        return math.{function}(x)
    except (ValueError, OverflowError):
        return {on_error}
''',
    )


_HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    "_sin": _ieee("_sin", "sin", "math.nan"),
    "_cos": _ieee("_cos", "cos", "math.nan"),
    "_tan": _ieee("_tan", "tan", "math.nan"),
    "_arcsin": _ieee("_arcsin", "asin", "math.nan"),
    "_arccos": _ieee("_arccos", "acos", "math.nan"),
    "_exp": _ieee("_exp", "exp", "math.inf"),
    "_log": _ieee("_log", "log", "-math.inf if x == 0.0 else math.nan"),
    "_sqrt": _ieee("_sqrt", "sqrt", "math.nan"),
    "_sum": (
        (),
        '''
def _sum(terms):
    """Add terms one by one, in order, starting from the first (the VM's summation order)."""
    iterator = iter(terms)
    total = next(iterator)
    for term in iterator:
        total = total + term
    return np.float64(total)
''',
    ),
    "_dot": (
        ("_sum",),
        '''
def _dot(x, y):
    """Dot product, summed in index order."""
    return _sum(x * y)
''',
    ),
    "_matvec": (
        ("_sum",),
        '''
def _matvec(a, x):
    """Matrix times vector, each row's dot product summed in index order."""
    return np.array([_sum(a[i] * x) for i in range(len(a))])
''',
    ),
    "_matmul": (
        ("_sum",),
        '''
def _matmul(a, b):
    """Matrix product, each entry summed in index order."""
    return np.array([[_sum(a[i, :] * b[:, j]) for j in range(b.shape[1])] for i in range(a.shape[0])])
''',
    ),
    "_norm": (
        ("_sum", "_sqrt"),
        '''
def _norm(values):
    """Euclidean (Frobenius) norm, summed in row-major order."""
    flat = values.ravel()
    return _sqrt(_sum(flat * flat))
''',
    ),
    "_mean": (
        ("_sum",),
        '''
def _mean(values):
    """Mean of all elements, summed in row-major order."""
    return _sum(values.ravel()) / np.float64(values.size)
''',
    ),
    "_std": (
        ("_sum", "_sqrt"),
        '''
def _std(values):
    """Population standard deviation of all elements: sqrt(mean(x * x) - mean(x) ** 2)."""
    flat = values.ravel()
    mean = _sum(flat) / np.float64(flat.size)
    return _sqrt(_sum(flat * flat) / np.float64(flat.size) - mean * mean)
''',
    ),
    "_index": (
        (),
        '''
def _index(fraction, size):
    """Element index of a fraction of the feature size."""
    return min(int(fraction * size), size - 1)
''',
    ),
    "SplitMix64": (
        (),
        '''
class SplitMix64:
    """The random stream of the random ops: SplitMix64, uniform and Box-Muller Gaussian draws."""

    MASK = 0xFFFFFFFFFFFFFFFF
    GOLDEN_GAMMA = 0x9E3779B97F4A7C15

    def __init__(self, seed, task_index=0):
        self.state = ((seed & self.MASK) * 0xD1B54A32D192ED03 + (task_index + 1) * self.GOLDEN_GAMMA) & self.MASK

    def next_uniform(self):
        """A float in [0, 1) with 53 random bits."""
        self.state = (self.state + self.GOLDEN_GAMMA) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        z ^= z >> 31
        return (z >> 11) * (1.0 / 9007199254740992.0)

    def _draw(self, draw, size):
        if size is None:
            return draw()
        count = 1
        for n in size:
            count *= n
        return np.array([draw() for _ in range(count)]).reshape(size)  # row-major order

    def uniform(self, low, high, size=None):
        """low + (high - low) * u, u uniform in [0, 1); an array of the given shape if size is given."""
        return self._draw(lambda: low + (high - low) * self.next_uniform(), size)

    def gaussian(self, mean, std, size=None):
        """mean + std * g, g standard normal (Box-Muller, two draws each)."""

        def draw():
            u1 = self.next_uniform()
            u2 = self.next_uniform()
            return mean + std * (math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(6.283185307179586 * u2))

        return self._draw(draw, size)
''',
    ),
}
# The harness is not copied: the module embeds the source of automl_zero.harness's functions.
_HELPERS.update(
    {
        name: (needs, harness.source(name))
        for name, needs in {
            "sigmoid": ("_exp",),
            "truncating_softmax": ("_exp", "_sum"),
            "first_argmax": (),
            "epoch_order": (),
            "train_examples": ("epoch_order",),
        }.items()
    }
)
_HELPER_ORDER = tuple(_HELPERS)


def _with_dependencies(names: set[str]) -> list[str]:
    """Return ``names`` and every helper they need, in the module's order."""
    needed: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack.extend(_HELPERS[name][0])
    return [name for name in _HELPER_ORDER if name in needed]


# ---------------------------------------------------------------------------
# Glosses
# ---------------------------------------------------------------------------


class _Roles:
    """What each address holds, as far as the fixed roles and simple patterns tell, within one component."""

    def __init__(self, component: str, task: str, predict_reads: set[tuple[Kind, int]]) -> None:
        self.component = component
        self.predict_reads = predict_reads
        self.names: dict[tuple[Kind, int], str] = {}
        self.updates: set[tuple[Kind, int]] = set()
        if component in ("predict", "learn"):
            self.names[(Kind.VECTOR, FEATURES_VECTOR)] = "the features"
        if component == "predict" and task != "multiclass":
            self.names[(Kind.SCALAR, LABEL_SCALAR)] = "0 (no label in Predict)"
        if component == "learn":
            if task == "multiclass":
                self.names[(Kind.VECTOR, LABELS_VECTOR)] = "the one-hot label"
                self.names[(Kind.VECTOR, PREDICTION_VECTOR)] = "the predicted probabilities"
            else:
                self.names[(Kind.SCALAR, LABEL_SCALAR)] = "the label"
                self.names[(Kind.SCALAR, PREDICTION_SCALAR)] = (
                    "the predicted probability" if task == "binary" else "the prediction"
                )

    def name(self, kind: Kind, address: int) -> str:
        return self.names.get((kind, address), f"{kind.prefix}{address}")

    def gloss(self, instruction: Instruction) -> str:
        row = instruction.spec
        inputs = [(kind, (instruction.in1, instruction.in2)[i]) for i, kind in enumerate(row.inputs)]
        names = [self.name(kind, address) for kind, address in inputs]
        out = None if row.out is None else (row.out, instruction.out)
        words = row.gloss.format(a=names[0] if names else "", b=names[1] if len(names) > 1 else "")
        error_roles = ("the label", "the prediction", "the predicted probability")
        text = words
        new_name: str | None = None
        if instruction.op == Op.SCALAR_DIFF_OP and names[0] == "the label" and names[1] in error_roles[1:]:
            text = f"error: label - {names[1].removeprefix('the ')}"
            new_name = "the error"
        elif instruction.op == Op.SCALAR_DIFF_OP and names[0] in error_roles[1:] and names[1] == "the label":
            text = f"negative error: {names[0].removeprefix('the ')} - label"
            new_name = "the negative error"
        elif instruction.op == Op.VECTOR_DIFF_OP and names == ["the one-hot label", "the predicted probabilities"]:
            text = "error: one-hot label - predicted probabilities"
            new_name = "the error vector"
        elif (
            self.component == "learn"
            and row.algebra == "sum"
            and out is not None
            and out in inputs
            and len(set(inputs)) == 2
        ):
            other = inputs[1] if inputs[0] == out else inputs[0]
            if other in self.updates:
                target = f"{out[0].prefix}{out[1]}"
                if out in self.predict_reads:
                    what = "parameter" if out[0] is Kind.SCALAR else "weights"
                    target = f"the {what} {target}"
                text = f"add the update {other[0].prefix}{other[1]} to {target}"
        elif any(n != f"{k.prefix}{a}" for n, (k, a) in zip(names, inputs, strict=True)) and "{" not in row.gloss:
            text = f"{words} of {' and '.join(names)}" if len(names) > 1 else f"{words} of {names[0]}"
        if out is not None:
            if self.component == "predict" and out == (Kind.SCALAR, PREDICTION_SCALAR):
                text = f"the prediction: {text}"
            self.names.pop(out, None)
            self.updates.discard(out)
            if new_name is not None:
                self.names[out] = new_name
            if self.component == "learn" and row.algebra == "product":
                self.updates.add(out)
        return text


def _predict_reads(algorithm: Algorithm) -> set[tuple[Kind, int]]:
    """Addresses that Predict reads."""
    reads: set[tuple[Kind, int]] = set()
    for instruction in algorithm.predict:
        for i, kind in enumerate(instruction.spec.inputs):
            reads.add((kind, (instruction.in1, instruction.in2)[i]))
    return reads


def _statement(instruction: Instruction) -> tuple[str, tuple[str, ...]]:
    """Return the line of NumPy for one instruction (its row's ``numpy``) and the helpers it needs."""
    row = instruction.spec
    if row.params[:2] == (Param.LOW, Param.HIGH) and row.out is not None and instruction.data[0] > instruction.data[1]:
        # low > high: the VM sets low everywhere and draws nothing.
        return f"self.{row.out.prefix}[{instruction.out}] = {float(instruction.data[0])!r}", ()
    d0, d1, d2 = (repr(float(x)) for x in instruction.data)
    code = row.numpy.format(o=instruction.out, a=instruction.in1, b=instruction.in2, d0=d0, d1=d1, d2=d2, F=_F)
    return code, row.numpy_helpers


def _body(
    instructions: Sequence[Instruction], component: str, task: str, predict_reads: set[tuple[Kind, int]]
) -> tuple[list[str], set[str]]:
    """Return the commented lines of one component function and the helpers they use."""
    roles = _Roles(component, task, predict_reads)
    lines: list[str] = []
    helpers: set[str] = set()
    for instruction in instructions:
        code, used = _statement(instruction)
        helpers.update(used)
        lines.append(f"{code}  # {instruction}  ({roles.gloss(instruction)})")
    return lines, helpers


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------


def _indent(lines: Sequence[str], level: int) -> str:
    prefix = "    " * level
    return "\n".join(prefix + line if line else "" for line in lines)


def _harness(task: str, num_classes: int) -> dict[str, str]:
    """Task-specific pieces of the class: what the harness writes and reads."""
    if task == "multiclass":
        return {
            "before_predict": "self.s[0] = 0.0\nself.v[1] = 0.0  # no label during Predict",
            "before_learn": ("self.s[0] = 0.0\nself.v[1] = 0.0\nself.v[1, int(y)] = 1.0  # v1 = the one-hot label"),
            "result": f"self.v[2, :{num_classes}].copy()",
            "result_doc": f"v2[:{num_classes}], the raw class scores (before the softmax)",
            "normalize": (
                f"self.v[2] = truncating_softmax(self.v[2], {num_classes})"
                f"  # v2 = softmax of its first {num_classes} entries\n"
                "return abs(1.0 - self.v[2, int(y)])"
            ),
        }
    normalize = "return abs(y - self.s[1])"
    if task == "binary":
        normalize = "self.s[1] = sigmoid(self.s[1])  # s1 = sigmoid(s1), a probability\n" + normalize
    return {
        "before_predict": "self.s[0] = 0.0  # no label during Predict",
        "before_learn": "self.s[0] = y  # s0 = the label",
        "result": "float(self.s[1])",
        "result_doc": "s1, the prediction" + (" (a logit, before the sigmoid)" if task == "binary" else ""),
        "normalize": normalize,
    }


_BATCH_METHODS = {
    "regression": '''
def predict(self, X):
    """Predict a batch: s1 for each row of X (Predict runs on the rows in order, as in validation)."""
    return self._scores(X)
''',
    "binary": '''
def predict_proba(self, X):
    """Probabilities [P(class 0), P(class 1)] per row, P(class 1) = sigmoid(s1)."""
    positive = np.array([sigmoid(score) for score in self._scores(X)])
    return np.column_stack([1.0 - positive, positive])

def predict(self, X):
    """Predicted classes 0/1 per row: 1 where sigmoid(s1) > 0.5."""
    return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)
''',
    "multiclass": '''
def predict_proba(self, X):
    """Class probabilities per row: softmax of v2's first num_classes entries."""
    scores = self._scores(X)
    probabilities = [truncating_softmax(row, self.num_classes) for row in scores]
    return np.array(probabilities).reshape(len(scores), self.num_classes)

def predict(self, X):
    """Predicted class index per row: the first largest probability."""
    return np.array([first_argmax(row) for row in self.predict_proba(X)], dtype=np.int64)
''',
}

_TASK_HELPERS = {
    "regression": {"train_examples"},
    "binary": {"train_examples", "sigmoid"},
    "multiclass": {"train_examples", "truncating_softmax", "first_argmax"},
}


def to_python(
    algorithm: Algorithm,
    memory: MemorySize,
    *,
    class_name: str = "EvolvedAlgorithm",
    task: str = "regression",
    num_classes: int = 0,
    seed: int = 0,
) -> str:
    """Return the source of a standalone module (NumPy only) that runs ``algorithm``.

    The module defines one class, ``class_name``, with:

    - ``__init__(num_features, seed=seed)``: zeroed memory ``s``, ``v``,
      ``m`` (runs nothing);
    - ``setup()``, ``predict_step(x)`` and ``learn(x, y)``: the component
      functions, one line per instruction (``predict_step`` and ``learn``
      first write the features, and the label, where the evaluation does);
    - ``fit(X, y, epochs=1, max_abs_error=None)``: zero the memory, run
      Setup, then per epoch and example exactly the training steps of the
      evaluation (docs/semantics.md, "Training"), without its validation passes between
      epochs; with ``max_abs_error`` it stops like the evaluation when an
      error is NaN or larger, and sets ``stopped_early``;
    - ``predict(X)`` (and ``predict_proba(X)`` for classification): run
      Predict on each row in order, as the validation does, then restore the
      memory, so that each call starts from the trained state.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to export.
    memory : MemorySize
        Its memory; every address is checked against it.
    class_name : str
        Name of the generated class (a Python identifier).
    task : {"regression", "binary", "multiclass"}
        How the harness normalizes and reads the prediction: s1 as is,
        ``sigmoid(s1)``, or the softmax of ``v2[:num_classes]``.
    num_classes : int
        K, for ``task="multiclass"`` only (at least 2).
    seed : int
        Default seed of the random ops' stream (SplitMix64, stream
        ``(seed, 0)`` as for the first task of an evaluation).

    Returns
    -------
    str
        Python source.

    Raises
    ------
    ValueError
        On an unknown task, a bad class name or ``num_classes``, or an
        address out of range for ``memory``.

    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if not class_name.isidentifier():
        raise ValueError(f"class_name must be a Python identifier, got {class_name!r}")
    if task == "multiclass":
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"a multiclass export needs num_classes >= 2, got {num_classes!r}")
        if memory.vectors <= PREDICTION_VECTOR:
            raise ValueError(
                f"multiclass needs at least {PREDICTION_VECTOR + 1} vectors (v1 = one-hot label, "
                f"v2 = prediction), memory has {memory.vectors}"
            )
    elif num_classes != 0:
        raise ValueError("num_classes is only for task='multiclass'")
    algorithm.validate(memory)
    seed = int(seed)

    predict_reads = _predict_reads(algorithm)
    helpers = set(_TASK_HELPERS[task])
    bodies: dict[str, list[str]] = {}
    for name, instructions in algorithm.components():
        lines, used = _body(instructions, name, task, predict_reads)
        helpers.update(used)
        bodies[name] = lines
    random = "SplitMix64" in helpers
    harness = _harness(task, num_classes)

    def component(lines: list[str], before: str = "") -> str:
        inner = [*before.splitlines(), *lines] or ["pass"]
        return _indent(['with np.errstate(all="ignore"):', *("    " + line for line in inner)], 2)

    rng_init = "\n        self.rng = SplitMix64(self.seed)" if random else ""
    rng_save = "\n        rng_state = self.rng.state" if random else ""
    rng_restore = "\n            self.rng.state = rng_state" if random else ""
    helper_source = "".join(_HELPERS[name][1].strip() + "\n\n\n" for name in _with_dependencies(helpers))
    algorithm_text = textwrap.indent(str(algorithm), "    ")
    task_words = {
        "regression": "regression (the prediction is s1)",
        "binary": "binary classification (P(class 1) = sigmoid(s1))",
        "multiclass": f"multiclass classification, {num_classes} classes (softmax of v2[:{num_classes}])",
    }[task]
    batch = textwrap.indent(_BATCH_METHODS[task], "    ")

    return f'''"""{class_name}: an algorithm found by AutoML-Zero, as plain NumPy.

Generated by automl_zero.analysis.export; needs only NumPy. Task: {task_words}.
Memory: S={memory.scalars} scalars s, V={memory.vectors} vectors v of size F, M={memory.matrices} matrices m of F x F.
Fixed roles: s0 = label (0 during Predict), s1 = prediction, v0 = features{
        "; v1 = one-hot label, v2 = prediction vector" if task == "multiclass" else ""
    }.

The algorithm in the paper's notation:

{algorithm_text}
Every line computes exactly what the AutoML-Zero virtual machine computes
(sums in index order, IEEE results such as inf and NaN instead of
exceptions), so predictions are bit-identical to its evaluation.

Example::

    model = {class_name}(num_features=X_train.shape[1]).fit(X_train, y_train)
    y_pred = model.predict(X_test)
"""

from __future__ import annotations

import math

import numpy as np


{helper_source}class {class_name}:
    """The algorithm with its memory; ``fit`` trains it as the AutoML-Zero evaluation does."""

    num_scalars = {memory.scalars}
    num_vectors = {memory.vectors}
    num_matrices = {memory.matrices}
    num_classes = {num_classes}

    def __init__(self, num_features, seed={seed}):
        self.num_features = int(num_features)
        self.seed = int(seed)
        self.s = np.zeros(self.num_scalars)
        self.v = np.zeros((self.num_vectors, self.num_features))
        self.m = np.zeros((self.num_matrices, self.num_features, self.num_features)){rng_init}
        self.stopped_early = False

    def reset(self):
        """Zero the memory and restart the random stream."""
        self.s[:] = 0.0
        self.v[:] = 0.0
        self.m[:] = 0.0{"" if not random else chr(10) + "        self.rng = SplitMix64(self.seed)"}

    def setup(self):
        """Setup: run once, on zeroed memory, before training."""
{component(bodies["setup"])}

    def predict_step(self, x):
        """Predict for one example: v0 = x, then Predict; return {harness["result_doc"]}."""
{component(bodies["predict"], "self.v[0] = x  # v0 = the features" + chr(10) + harness["before_predict"])}
        return {harness["result"]}

    def learn(self, x, y):
        """Learn from one example: v0 = x and the label, then Learn."""
{component(bodies["learn"], "self.v[0] = x  # v0 = the features" + chr(10) + harness["before_learn"])}

    def _normalize(self, y):
        """What the evaluation does between Predict and Learn; return the training error."""
        with np.errstate(all="ignore"):
{textwrap.indent(harness["normalize"], " " * 12)}

    def fit(self, X, y, epochs=1, max_abs_error=None):
        """Zero the memory, run Setup, then train on the examples for ``epochs`` passes.

        The first pass takes the examples in order, every later one reshuffles them from ``seed``,
        as the evaluation (and the estimators) do.

        With ``max_abs_error``, training stops (and ``stopped_early`` is set) at the first
        example whose error is NaN or larger, as in the evaluation.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.reset()
        self.stopped_early = False
        self.setup()
        steps = (self.predict_step, self._normalize, self.learn)
        self.stopped_early = not train_examples(*steps, X, y, epochs, self.seed, max_abs_error)
        return self

    def _scores(self, X):
        """Run Predict on each row in order; restore the memory afterwards."""
        X = np.asarray(X, dtype=np.float64)
        saved = (self.s.copy(), self.v.copy(), self.m.copy()){rng_save}
        try:
            return np.array([self.predict_step(x) for x in X])
        finally:
            self.s[:], self.v[:], self.m[:] = saved{rng_restore}
{batch}'''


def write_python(algorithm: Algorithm, memory: MemorySize, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`to_python`'s module to ``path`` and return the path.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to export.
    memory : MemorySize
        Its memory.
    path : str or Path
        Where to write (a ``.py`` file); parent folders are created.
    **kwargs
        Passed to :func:`to_python` (``class_name``, ``task``,
        ``num_classes``, ``seed``).

    Returns
    -------
    Path

    """
    path = Path(path)
    source = to_python(algorithm, memory, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def to_sklearn(algorithm: Algorithm, memory: MemorySize, *, task: str = "regression") -> str:
    """Return the source of a module whose ``make_estimator()`` returns a scikit-learn estimator of ``algorithm``.

    The estimator is an :class:`~automl_zero.estimator.EvolvedRegressor`
    (``task="regression"``) or :class:`~automl_zero.estimator.EvolvedClassifier`
    (``"binary"``; ``"multiclass"`` uses the VM's multiclass harness,
    ``multiclass="native"``). The algorithm's real constants are its
    hyperparameters, named by
    :func:`~automl_zero.estimator.constant_parameters`
    (``<component>_<position>_<output>``, e.g. ``setup_0_s2``); the module
    lists them with their evolved values in ``CONSTANTS`` and its docstring,
    and ``make_estimator(**constants)``, ``set_params`` or a
    ``GridSearchCV`` over them change them.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to export.
    memory : MemorySize
        Its memory; every address is checked against it.
    task : {"regression", "binary", "multiclass"}
        Which estimator and harness.

    Returns
    -------
    str
        Python source.

    Raises
    ------
    ValueError
        On an unknown task or an address out of range for ``memory``.

    Examples
    --------
    >>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
    >>> namespace = {}
    >>> exec(to_sklearn(REFERENCE_LINEAR_REGRESSION, MemorySize(5, 3, 1)), namespace)
    >>> namespace["CONSTANTS"]
    {'setup_0_s2': 0.001}
    >>> namespace["make_estimator"](setup_0_s2=0.05).get_params()["setup_0_s2"]
    0.05

    """
    from automl_zero.analysis.simplify import live_mask
    from automl_zero.estimator import _constant_slots, constant_parameters

    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    algorithm.validate(memory)
    estimator = "EvolvedRegressor" if task == "regression" else "EvolvedClassifier"
    options = ', multiclass="native"' if task == "multiclass" else ""
    found = constant_parameters(algorithm)
    try:
        live = live_mask(algorithm, multiclass=task == "multiclass")
    except ValueError:  # an algorithm the analysis does not cover (it writes s0 or v0): call everything live
        live = [True] * len(algorithm)
    offsets = {"setup": 0, "predict": len(algorithm.setup), "learn": len(algorithm.setup) + len(algorithm.predict)}
    dead = {
        name
        for name, (component, position, _) in _constant_slots(algorithm).items()
        if not live[offsets[component] + position]
    }
    width = max((len(name) for name in found), default=0)
    listing = "\n".join(
        f"    {name:<{width}}  {value!r}" + ("  (dead code: changes nothing)" if name in dead else "")
        for name, value in found.items()
    )
    example = next((name for name in found if name not in dead), None)
    tuning = (
        f"\nFor example, a grid over {example}, the first constant that can change a prediction:\n\n"
        f"    from sklearn.model_selection import GridSearchCV\n"
        f'    search = GridSearchCV(make_estimator(), {{"{example}": [...]}}).fit(X, y)\n'
        if example is not None
        else ""
    )
    constants = "".join(f'\n    "{name}": {value!r},' for name, value in found.items())
    return f'''"""A scikit-learn estimator running an evolved algorithm (written by `automl-zero export --to sklearn`).

The algorithm's constants are hyperparameters of the estimator (get_params, set_params,
GridSearchCV, RandomizedSearchCV), named <component>_<position>_<output>: setup_0_s2 is the
constant of the first instruction of Setup, which writes s2. Their evolved values:

{listing or "    (none)"}
{tuning}"""

from automl_zero.algorithm import MemorySize
from automl_zero.estimator import {estimator}

ALGORITHM = """\\
{algorithm}"""

#: The algorithm's constants (hyperparameters of the estimator) with their evolved values.
CONSTANTS = {{{constants}
}}


def make_estimator(epochs: int = 1, seed: int = 0, **constants: float) -> {estimator}:
    """The estimator: fit(X, y), predict(X), score(X, y); works in Pipeline and cross_val_score.

    ``constants`` set constants by name (see CONSTANTS); the others keep their evolved values.
    """
    memory = MemorySize({memory.scalars}, {memory.vectors}, {memory.matrices})
    return {estimator}(ALGORITHM, memory=memory, epochs=epochs, seed=seed{options}, **constants)
'''
