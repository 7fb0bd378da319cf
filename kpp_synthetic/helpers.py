"""Small shared helpers: day numbers and civil dates, cumulative weights and categorical sampling."""

from __future__ import annotations

import numpy as np


def _day(y: int, m: int, d: int) -> int:
    return int((np.datetime64(f"{y:04d}-{m:02d}-{d:02d}") - np.datetime64("1970-01-01")).astype(np.int64))


def _civil(days: np.ndarray):
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def _cum(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    c = np.cumsum(w)
    return c / c[-1]


def _pick(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _pick_rows(u: np.ndarray, cum_rows: np.ndarray) -> np.ndarray:
    """Categorical choice per row: cum_rows (n, k) cumulative probabilities (last = 1)."""
    return np.minimum((u[:, None] >= cum_rows).sum(axis=1), cum_rows.shape[1] - 1)
