"""AutoML-Zero: evolving whole machine-learning algorithms from basic math."""

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
