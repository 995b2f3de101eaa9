"""The random generator of random ops, in plain Python integers.

Random ops (``uniform``, ``gaussian``) draw from a SplitMix64 stream seeded
per evaluation and per task, so an evaluation is reproducible and each task of
a set has its own stream. The search gives every individual a stream of its
own (:func:`evaluation_stream`), so that a lucky draw is never inherited by a
child. The compiled executor implements the same arithmetic on ``uint64``;
tests check that both executors agree.

The same generator, counter-based and vectorized here (:func:`uniforms`),
orders the training examples of every epoch after the first: stream
``(mix64(order_seed ^ ORDER_SALT), epoch)`` gives each example a key
(:func:`automl_zero.harness.epoch_order`, re-exported here, spells it out so
that exported modules can embed it).
"""

from __future__ import annotations

import math

import numpy as np

from automl_zero.harness import epoch_order as epoch_order  # re-exported: the orders are this stream's

MASK = 0xFFFFFFFFFFFFFFFF
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
SEED_MULTIPLIER = 0xD1B54A32D192ED03
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
TWO_PI = 6.283185307179586
INV_2_53 = 1.0 / 9007199254740992.0


#: Keeps evaluation streams apart from the plain ``(seed, task)`` streams of the same seed.
STREAM_SALT = 0x2545F4914F6CDD1D
#: Keeps the example orders apart from the random ops' streams.
ORDER_SALT = 0x6A09E667F3BCC909


def initial_state(seed: int, task_index: int) -> int:
    """Return the stream state for one task of one evaluation."""
    return ((seed & MASK) * SEED_MULTIPLIER + (task_index + 1) * GOLDEN_GAMMA) & MASK


def mix64(z: int) -> int:
    """SplitMix64's output function: a bijection of 64-bit integers that scatters nearby inputs."""
    z &= MASK
    z = ((z ^ (z >> 30)) * MIX1) & MASK
    z = ((z ^ (z >> 27)) * MIX2) & MASK
    return z ^ (z >> 31)


def evaluation_stream(seed: int, individual: int) -> int:
    """Return the random-op seed of one individual's evaluations in a search seeded ``seed``.

    Every individual draws afresh; the same (seed, individual) always draws
    the same numbers, so runs stay deterministic and resumable. Pass the
    result as an executor's ``seed`` to repeat an evaluation of the search.
    """
    return mix64((seed & MASK) * SEED_MULTIPLIER + (individual & MASK) * GOLDEN_GAMMA + STREAM_SALT)


def uniforms(seed: int, index: int, count: int) -> np.ndarray:
    """The first ``count`` draws of :class:`SplitMix64` ``(seed, index)``, computed at once."""
    start = np.uint64(initial_state(seed, index))
    steps = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN_GAMMA)
    z = steps + start  # uint64 arrays wrap around, as the generator's state does
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * INV_2_53


class SplitMix64:
    """SplitMix64 with uniform and Box-Muller Gaussian draws."""

    def __init__(self, seed: int, task_index: int = 0) -> None:
        self.state = initial_state(seed, task_index)

    def next_uniform(self) -> float:
        """Return a float in [0, 1) with 53 random bits."""
        self.state = (self.state + GOLDEN_GAMMA) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * MIX1) & MASK
        z = ((z ^ (z >> 27)) * MIX2) & MASK
        z ^= z >> 31
        return (z >> 11) * INV_2_53

    def uniform(self, low: float, high: float) -> float:
        """Return ``low + (high - low) * u`` with ``u`` uniform in [0, 1)."""
        return low + (high - low) * self.next_uniform()

    def gaussian(self, mean: float, std: float) -> float:
        """Return ``mean + std * g``, ``g`` standard normal by Box-Muller (two draws)."""
        u1 = self.next_uniform()
        u2 = self.next_uniform()
        g = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)
        return mean + std * g
