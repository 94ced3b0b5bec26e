"""Means of finite doubles that stay finite: scores may be anywhere in the range of a double
(±1.8e308), where a plain sum overflows (to infinity on SQLite, to an error on PostgreSQL;
``math.fsum`` raises ``OverflowError``).

The database sums scores scaled by 2^-64 (:data:`SCALED_SCORE_SUM`): a power of two scales
exactly, so the sum is the same as the unscaled one would be, short of subnormal scores
(|score| < 1e-288) that lose some bits; :func:`scaled_mean` scales the mean back."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

SCALE_BITS = 64
SCALE = math.ldexp(1.0, SCALE_BITS)
SCALED_SCORE_SUM = "sum({column} / 18446744073709551616.0)"
"""The SQL of the sum of ``column`` times 2^-64 (the literal is 2^64, exact as a double)."""

LARGEST = sys.float_info.max


def clamp(value: float) -> float:
    """``value`` within ±the largest double: a difference of two finite doubles may overflow
    (1e308 - -1e308); JSON has no infinity."""
    return max(-LARGEST, min(LARGEST, value))


def scaled_mean(scaled_sum: float | None, count: int) -> float | None:
    """The mean from a sum of values scaled by 2^-64 and their count; None for no value."""
    if not count:
        return None
    return clamp(math.ldexp(float(scaled_sum or 0.0) / count, SCALE_BITS))


def mean(values: Sequence[float]) -> float | None:
    """The mean of finite ``values``, finite; None for none. Exact sum (``math.fsum``) when it
    fits a double, else of the values scaled down by a power of two."""
    if not values:
        return None
    count = len(values)
    try:
        return math.fsum(values) / count
    except OverflowError:
        bits = count.bit_length() + 1
        return clamp(math.ldexp(math.fsum(math.ldexp(value, -bits) for value in values) / count, bits))
