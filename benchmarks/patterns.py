"""Pattern mining time for two years of daily data, against plain mean differences in the same run.

    .venv/bin/python -m benchmarks.patterns [--repeats 20] [--factors 15] [--days 730]

Mines one synthetic patient (ml.eval_data.timelines: 730 days, 15 factors) with ``mine_patterns`` at
its defaults (2000 permutations, BH at q = 0.10), and times the baseline on the same days: the
observed per-factor mean differences (same day and next day, short sleep, weekdays) with no
permutations and no correction, i.e. the least any version of this analysis must do. Prints medians
and the ratio. Target: mining under 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

import numpy as np

from ml.eval_data.timelines import planted_timeline
from ml.patterns import SHORT_SLEEP_HOURS, Day, mine_patterns


def plain_differences(days: list[Day]) -> dict[tuple[str, int], float]:
    """Mean mood with minus without for every test mine_patterns runs, without any inference."""
    by_date = {d.date: d for d in days}
    same = [d for d in days if d.mood is not None]
    pairs = [(d, n) for d in days if (n := by_date.get(d.date + dt.timedelta(days=1))) and n.mood is not None]
    mood = np.array([d.mood for d in same])
    next_mood = np.array([n.mood for _, n in pairs])
    out: dict[tuple[str, int], float] = {}

    def diff(y: np.ndarray, mask: np.ndarray) -> float:
        return float(y[mask].mean() - y[~mask].mean()) if 0 < mask.sum() < mask.size else float("nan")

    for factor in sorted(set().union(*(d.factors for d in days))):
        out[(factor, 0)] = diff(mood, np.array([factor in d.factors for d in same]))
        out[(factor, 1)] = diff(next_mood, np.array([factor in d.factors for d, _ in pairs]))
    slept = [d for d in same if d.sleep_hours is not None]
    out[("sleep_under_6h", 0)] = diff(
        np.array([d.mood for d in slept]), np.array([d.sleep_hours < SHORT_SLEEP_HOURS for d in slept])
    )
    slept_pairs = [(d, n) for d, n in pairs if d.sleep_hours is not None]
    out[("sleep_under_6h", 1)] = diff(
        np.array([n.mood for _, n in slept_pairs]),
        np.array([d.sleep_hours < SHORT_SLEEP_HOURS for d, _ in slept_pairs]),
    )
    weekday = np.array([d.date.weekday() for d in same])
    for number in range(7):
        out[(f"weekday_{number}", 0)] = diff(mood, weekday == number)
    return out


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--factors", type=int, default=15)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    days, planted = planted_timeline(7, days=args.days, n_factors=args.factors)
    baseline = timed(lambda: plain_differences(days), args.repeats)
    mining = timed(lambda: mine_patterns(days), args.repeats)
    patterns = mine_patterns(days)
    print(
        f"Pattern mining, one patient: {len(days)} logged days over {args.days}, {args.factors} factors; "
        f"{os.cpu_count()} CPUs; median of {args.repeats}"
    )
    print(f"{'plain mean differences (baseline)':<40}{baseline * 1000:>10.1f} ms")
    print(f"{'mine_patterns (2000 permutations + BH)':<40}{mining * 1000:>10.1f} ms")
    print(f"ratio: {mining / baseline:.1f}x baseline")
    print(f"found {len(patterns)} patterns; planted {sorted(planted)}")
    verdict = "PASS" if mining < 1.0 else "MISS"
    print(f"mining time {mining:.3f} s (target < 1 s) -> {verdict}")


if __name__ == "__main__":
    main()
