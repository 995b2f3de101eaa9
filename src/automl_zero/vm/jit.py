"""Numba compilation for the package: one decorator whose cache never loads a stale kernel.

Numba's own cache checks only the timestamp of the file that defines a
function. The package's kernels inline one another across files (the search
inlines the evaluation of :mod:`automl_zero.vm.compiled`, which inlines the
op table's kernels), so an edit to one file could leave another file's cached
kernel running old code. Here every cache entry is keyed, besides Numba's
own key, by :func:`package_key`: a hash of all of the package's sources and of
the op table, user-registered ops and the sources of the modules their
kernels import included. Anything that can change a kernel changes the key,
and an entry compiled under another key is never loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numba
from numba import njit
from numba.core.caching import FunctionCache
from numba.core.types import WrapperAddressProtocol
from numba.experimental import function_type  # noqa: F401  (registers first-class functions such as FirstClass)

from automl_zero.ops import OPS, table_fingerprint

__all__ = ["FirstClass", "kernel", "package_key", "slp_vectorization"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_key_cache: dict[int, str] = {}


def _module_files(statement: str) -> list[Path]:
    """Source files of the modules an import statement names (those that can be found)."""
    files = []
    for name in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", statement):
        found = importlib.util.find_spec(name)
        if found is not None and found.origin and found.origin.endswith(".py"):
            files.append(Path(found.origin))
    return files


def package_key() -> str:
    """Hash of the package's sources and of the op table (as compiled code sees it).

    Examples
    --------
    >>> len(package_key())
    64

    """
    count = len(OPS)  # the table only grows, so its length names its state
    if count not in _key_cache:
        digest = hashlib.sha256()
        for path in sorted(_PACKAGE_DIR.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(_PACKAGE_DIR)).encode())
            digest.update(path.read_bytes())
        digest.update(table_fingerprint().encode())
        for row in OPS:
            for statement in row.kernel_imports:
                for path in _module_files(statement):
                    digest.update(path.read_bytes())
        _key_cache[count] = digest.hexdigest()
    return _key_cache[count]


class _KeyedCache(FunctionCache):
    """Numba's file cache, with :func:`package_key` added to every entry's key."""

    def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
        return (*super()._index_key(sig, codegen), package_key())  # type: ignore[no-untyped-call]


def kernel(*, inline: bool = False, refcounted: bool = True) -> Callable[[F], F]:
    """Compile a function with Numba as the package does: cached under :func:`package_key`, no Python objects.

    Parameters
    ----------
    inline : bool
        Inline the function into its callers (Numba's ``inline="always"``):
        for small helpers of hot loops.
    refcounted : bool
        False: compile without Numba's reference counting of arrays (its
        ``_nrt`` option). Numba counts references with an atomic
        instruction on every array argument, view and tuple item, and its
        pruning pass leaves most of them in functions with branches: in the
        search they took a fifth of the time. Only for a kernel that
        allocates nothing (Numba then refuses to compile it) and calls no
        function that returns a new array (that array would never be freed;
        ``tests/vm/test_jit.py`` runs a search and checks that every
        allocation is freed).

    Returns
    -------
    callable
        The decorator.

    """
    options: dict[str, Any] = {"nogil": True, "error_model": "numpy", "boundscheck": False}
    if inline:
        options["inline"] = "always"
    if not refcounted:
        options["_nrt"] = False

    def decorate(function: F) -> F:
        dispatcher = njit(**options)(function)
        dispatcher._cache = _KeyedCache(function)  # type: ignore[no-untyped-call]
        return dispatcher  # type: ignore[no-any-return]

    return decorate


@contextmanager
def slp_vectorization() -> Iterator[None]:
    """Compile with LLVM's SLP vectorizer, off by default in Numba.

    With the task axis fully unrolled (T known at compile time), SLP is what
    turns an instruction's T scalar operations into SIMD: 2-4x faster vector
    and scalar ops here. It never reassociates, so results stay bit-identical.
    Numba reads the flag when it builds each compilation's pass manager.
    """
    config: Any = numba.config  # the stubs do not list the flag
    previous = config.SLP_VECTORIZE
    config.SLP_VECTORIZE = 1
    try:
        yield
    finally:
        config.SLP_VECTORIZE = previous


class FirstClass(WrapperAddressProtocol):
    """A kernel at one signature, as a first-class function: an argument that other kernels call.

    A kernel that takes it calls the compiled code through its address, so
    the kernel is compiled without that code. Numba otherwise links a
    callee's code into its caller and optimizes and translates it again there
    (for the evaluation inside the search, that doubled its compile time on a
    first run). One compiled kernel also serves every callee of the same
    signature (the evaluations of different op sets).

    Parameters
    ----------
    dispatcher : numba dispatcher
        The kernel.
    signature : numba signature
        Its argument and return types, as the calling kernels pass them.
    slp : bool
        Compile it with :func:`slp_vectorization`.

    """

    def __init__(self, dispatcher: Any, signature: Any, *, slp: bool = False) -> None:
        self.dispatcher = dispatcher
        self._signature = signature
        self._slp = slp
        self._address = 0

    def compile(self) -> None:
        """Compile the kernel for the signature, or load it from Numba's cache (once).

        Numba checks that the kernel returns the signature's return type.
        """
        if self._address:
            return
        if self._slp:
            with slp_vectorization():
                result = self.dispatcher.get_compile_result(self._signature)
        else:
            result = self.dispatcher.get_compile_result(self._signature)
        self._address = int(result.library.get_pointer_to_function(result.fndesc.llvm_cfunc_wrapper_name))

    def __wrapper_address__(self) -> int:
        self.compile()
        return self._address

    def signature(self) -> Any:
        """The Numba signature that kernels call it with."""
        return self._signature

    def __call__(self, *args: Any) -> Any:
        """Call the kernel from Python (kernels call the compiled code directly)."""
        self.compile()
        return self.dispatcher(*args)
