"""Count noise for the anomaly tests' steady tenants: Poisson draws from a seeded generator."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    if mean < 30:  # Knuth's method
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))
