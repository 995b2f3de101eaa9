"""Executors: the NumPy reference (the definition of the semantics) and the compiled core."""

from automl_zero.vm.encode import EncodedAlgorithm, decode, encode

__all__ = ["EncodedAlgorithm", "decode", "encode"]
