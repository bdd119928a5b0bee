"""Deterministic randomness and time helpers: seeded per child so output never depends on run order."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def child_rng(seed: int, index: int, stream: str = "") -> random.Random:
    """A generator for one child (or one network object) derived only from the seed and its index."""
    # String seeds are hashed with SHA-512 by random.Random, so this is stable across runs and platforms.
    return random.Random(f"{seed}:{stream}:{index}")


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, rounded normal for large ones)."""
    if lam <= 0.0:
        return 0
    if lam > 40.0:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def negbin(rng: random.Random, mean: float, k: float) -> int:
    """A negative binomial draw as a gamma-Poisson mixture with shape k (smaller k, heavier tail)."""
    if mean <= 0.0:
        return 0
    return poisson(rng, rng.gammavariate(k, mean / k))


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of a weights mapping, chosen in proportion to its weight (insertion order is stable)."""
    total = sum(weights.values())
    x = rng.random() * total
    for key, w in weights.items():
        x -= w
        if x < 0.0:
            return key
    return next(reversed(weights))


def zipf_choice(rng: random.Random, items: tuple[str, ...], s: float = 0.9) -> str:
    """An item from a frequency-ordered pool with Zipf-like skew, so common names recur."""
    n = len(items)
    # Inverse-CDF of a continuous power law over ranks 1..n: cheap and skewed like real name frequencies.
    u = rng.random()
    rank = int((u * ((n + 1) ** (1 - s) - 1) + 1) ** (1 / (1 - s))) - 1
    return items[min(max(rank, 0), n - 1)]


def to_date(t: float) -> date:
    """The calendar date of a time expressed as a fractional proleptic ordinal day."""
    return date.fromordinal(int(t))


def to_datetime(t: float) -> datetime:
    """A minute-resolution datetime from a fractional ordinal day."""
    day = int(t)
    minutes = int((t - day) * 1440)
    return datetime.fromordinal(day) + timedelta(minutes=minutes)


def ordinal(d: date) -> int:
    """The proleptic ordinal of a date (day 1 is 0001-01-01)."""
    return d.toordinal()


def add_years(d: date, years: int) -> date:
    """The same calendar day some years later (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def uk_date(t: float | None) -> str:
    """dd/mm/yyyy for CSV extracts, or empty when unknown."""
    if t is None:
        return ""
    return to_date(t).strftime("%d/%m/%Y")


def uk_datetime(t: float | None) -> str:
    """dd/mm/yyyy hh:mm for police and health extracts, or empty when unknown."""
    if t is None:
        return ""
    return to_datetime(t).strftime("%d/%m/%Y %H:%M")


def iso_date(t: float | None) -> str:
    """yyyy-mm-dd (CIN census XML and ground truth), or empty when unknown."""
    if t is None:
        return ""
    return to_date(t).isoformat()


def scramble(n: int, salt: int, width: int = 8) -> str:
    """A unique, order-hiding number of `width` digits for counter n (a bijection modulo 10**width)."""
    modulus = 10**width
    # The multiplier is coprime with 10, so n -> n*m + salt is a permutation of 0..10**width-1.
    return str((n * 38_454_709 + salt * 7_777_777 + 12_345) % modulus).zfill(width)
