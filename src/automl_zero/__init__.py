"""AutoML-Zero: evolving whole machine-learning algorithms from basic math."""

import os

# Intel's SVML, where installed, would let Numba vectorize exp/sin/log across tasks with
# results that differ in the last bit from the C library's, breaking the bit-identity of
# the compiled and reference executors. Set before Numba is first imported; a user's own
# setting wins.
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

from automl_zero.algorithm import (
    REFERENCE_LINEAR_REGRESSION,
    Algorithm,
    Instruction,
    MemorySize,
    from_json,
    parse,
)
from automl_zero.ops import OPS, Kind, Op

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "REFERENCE_LINEAR_REGRESSION",
    "Algorithm",
    "Instruction",
    "Kind",
    "MemorySize",
    "Op",
    "from_json",
    "parse",
]
