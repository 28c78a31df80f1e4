"""Synthetic patient timelines with known answers, for testing and benchmarking ``ml.patterns``.

Real check-in data cannot leave a practice, and even if it could nobody knows which of its patterns
are real. Here the truth is planted: mood is a baseline plus Gaussian noise (SD 1.5) minus the planted
effects, so a miner can be scored on what it finds (recall) and on what it invents (null timelines).

Shape of every timeline: 8-12 factors, each present on its own random 15-40% of days; sleep around
7 h (about 1 night in 6 under 6 h); about 8% of days with no entry at all (so lag-1 pairs break at
gaps), and a few entries without mood or without sleep. Days are independent: no autocorrelation,
weekly rhythm or drift, so a null timeline has nothing to find.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ml.patterns import SHORT_SLEEP_HOURS, SLEEP_FACTOR, Day

FACTOR_POOL = (
    "work",
    "exercise",
    "alcohol",
    "caffeine",
    "social",
    "conflict",
    "travel",
    "outdoors",
    "screen_time",
    "meditation",
    "family",
    "deadline",
    "pain",
    "therapy",
    "cooking",
    "reading",
)
START = dt.date(2024, 1, 1)
NOISE_SD = 1.5
MISSING_DAY = 0.08
MISSING_MOOD = 0.03
MISSING_SLEEP = 0.05
EFFECT_KINDS = ("same_day_factor", "next_day_factor", "short_sleep_next_day")

Effect = tuple[str, int]  # (factor, lag_days), as ml.patterns reports them


def _timeline(seed: int, days: int, n_factors: int | None, plant: bool) -> tuple[list[Day], set[Effect]]:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(8, 13)) if n_factors is None else n_factors
    if not 1 <= count <= len(FACTOR_POOL):
        raise ValueError(f"n_factors must be 1-{len(FACTOR_POOL)}")
    names = [str(n) for n in rng.choice(FACTOR_POOL, size=count, replace=False)]
    prevalence = rng.uniform(0.15, 0.40, size=count)
    present = rng.random((days, count)) < prevalence  # latent truth, also on days with no entry
    sleep = np.clip(np.round(rng.normal(7.0, 1.1, size=days) * 4) / 4, 3.0, 11.0)
    short = sleep < SHORT_SLEEP_HOURS
    baseline = rng.uniform(5.0, 6.5)
    mood = baseline + rng.normal(0.0, NOISE_SD, size=days)

    # Drawn for null timelines too, so that a null and a planted timeline with one seed differ only
    # in the planted effects.
    kinds = rng.choice(EFFECT_KINDS, size=int(rng.integers(1, 4)), replace=False)
    sizes = rng.uniform(1.5, 2.5, size=len(EFFECT_KINDS))
    factor_order = rng.permutation(count)
    planted: set[Effect] = set()
    if plant:
        for kind, size, column in zip(kinds, sizes, factor_order, strict=False):
            if kind == "same_day_factor":
                mood -= size * present[:, column]
                planted.add((names[column], 0))
            elif kind == "next_day_factor":
                mood[1:] -= size * present[:-1, column]
                planted.add((names[column], 1))
            else:
                mood[1:] -= size * short[:-1]
                planted.add((SLEEP_FACTOR, 1))
    mood = np.clip(np.round(mood, 1), 0.0, 10.0)

    skip_day = rng.random(days) < MISSING_DAY
    skip_mood = rng.random(days) < MISSING_MOOD
    skip_sleep = rng.random(days) < MISSING_SLEEP
    timeline = [
        Day(
            date=START + dt.timedelta(days=i),
            mood=None if skip_mood[i] else float(mood[i]),
            sleep_hours=None if skip_sleep[i] else float(sleep[i]),
            factors=frozenset(names[j] for j in np.flatnonzero(present[i])),
        )
        for i in range(days)
        if not skip_day[i]
    ]
    return timeline, planted


def planted_timeline(seed: int, days: int = 180, *, n_factors: int | None = None) -> tuple[list[Day], set[Effect]]:
    """(days, planted effects): one to three real effects of 1.5-2.5 mood points, all lowering mood:
    a factor on the same day, a factor on the next day, short sleep on the next day."""
    return _timeline(seed, days, n_factors, plant=True)


def null_timeline(seed: int, days: int = 180, *, n_factors: int | None = None) -> tuple[list[Day], set[Effect]]:
    """(days, empty set): the same shape as ``planted_timeline`` with no effect at all, so any pattern
    mined from it is a false one. Returns the same pair so the two are interchangeable in a loop."""
    return _timeline(seed, days, n_factors, plant=False)


def day_record(patient: str, day: Day) -> dict:
    """One line of the ``python -m ml.patterns`` input format."""
    return {
        "patient": patient,
        "date": day.date.isoformat(),
        "mood": day.mood,
        "sleep_hours": day.sleep_hours,
        "factors": sorted(day.factors),
    }


def write_jsonl(path: str | Path, patients: Mapping[str, Iterable[Day]]) -> int:
    """Write patient id -> days as CLI-format JSONL; returns the number of lines written."""
    lines = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for patient, days in patients.items():
            for day in days:
                handle.write(json.dumps(day_record(patient, day)) + "\n")
                lines += 1
    return lines
