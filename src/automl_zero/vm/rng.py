"""The random generator of random ops, in plain Python integers.

Random ops (``uniform``, ``gaussian``) draw from a SplitMix64 stream seeded
per evaluation and per task, so an evaluation is reproducible and each task of
a set has its own stream. The compiled executor implements the same
arithmetic on ``uint64``; tests check that both executors agree.
"""

from __future__ import annotations

import math

MASK = 0xFFFFFFFFFFFFFFFF
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
SEED_MULTIPLIER = 0xD1B54A32D192ED03
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
TWO_PI = 6.283185307179586
INV_2_53 = 1.0 / 9007199254740992.0


def initial_state(seed: int, task_index: int) -> int:
    """Return the stream state for one task of one evaluation."""
    return ((seed & MASK) * SEED_MULTIPLIER + (task_index + 1) * GOLDEN_GAMMA) & MASK


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
