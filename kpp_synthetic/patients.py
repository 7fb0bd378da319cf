"""Synthetic patients: personnummer (with samordningsnummer, reserve numbers and bad check
digits), age, sex, home region and contact-sampling weights."""

from __future__ import annotations

import numpy as np

from .helpers import _civil, _cum, _day, _pick

_HOME_REGIONS = ["03", "01", "04", "05", "12", "17", "18", "21"]


# ---------------------------------------------------------------------------
# Patients and personnummer
# ---------------------------------------------------------------------------

def _luhn(d: np.ndarray) -> np.ndarray:
    """Check digit of a (n, 12) digit matrix, computed on digits 3..11 (the last ten minus the check)."""
    s = np.zeros(len(d), dtype=np.int64)
    for i in range(9):
        x = d[:, 2 + i].astype(np.int64) * (2 if i % 2 == 0 else 1)
        s += x // 10 + x % 10
    return (10 - s % 10) % 10


class _Patients:
    def __init__(self, n: int, n_outsiders: int, year: int, dirty: float, rng: np.random.Generator):
        total = n + n_outsiders
        self.n, self.total = n, total
        ages = np.arange(100)
        age_w = np.where(ages < 70, 1.0, np.maximum(0.05, 1.0 - (ages - 70) / 32.0))
        age = _pick(rng, _cum(age_w), total)
        ref = _day(year, 7, 1)
        birth = ref - (age * 365.25).astype(np.int64) - rng.integers(0, 365, total)
        male = rng.random(total) < 0.5
        self.birth, self.male, self.age = birth, male, age
        # personnummer digits
        y, m, d = _civil(birth)
        dig = np.zeros((total, 12), dtype=np.int64)
        for j, (v, w) in enumerate(((y, 4), (m, 2), (d, 2))):
            col = [0, 4, 6][j]
            x = v.copy()
            for k in range(col + w - 1, col - 1, -1):
                dig[:, k] = x % 10
                x //= 10
        # unique serial per (birth date, sex): rank inside the group, scrambled by an affine map mod 500
        order = np.lexsort((np.arange(total), male, birth))
        key = birth[order] * 2 + male[order]
        start = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
        rank = np.arange(total) - np.repeat(start, np.diff(np.r_[start, total]))
        if rank.max() >= 500:
            raise ValueError("too many synthetic patients per birth date")
        serial = np.empty(total, dtype=np.int64)
        serial[order] = (37 * rank + 101 + (birth[order] % 7) * 71) % 500
        nnn = serial * 2 + male
        dig[:, 8] = nnn // 100
        dig[:, 9] = (nnn // 10) % 10
        dig[:, 10] = nnn % 10
        u = rng.random(total)
        self.samordning = u < 0.015
        dd = d + 60
        dig[self.samordning, 6] = (dd // 10)[self.samordning]
        dig[self.samordning, 7] = (dd % 10)[self.samordning]
        dig[:, 11] = _luhn(dig)
        reserve_share = 0.003 + 0.010 * dirty
        self.reserve = (u >= 0.015) & (u < 0.015 + reserve_share)
        r = self.reserve
        nr = int(r.sum())
        if nr:
            rnd = rng.integers(0, 10, (nr, 12))
            rnd[:, 0] = 9
            rnd[:, 1] = 9
            mm = rng.integers(13, 100, nr)  # never a month: not a valid date
            rnd[:, 4] = mm // 10
            rnd[:, 5] = mm % 10
            dig[r] = rnd
        self.bad_check = (~r) & (~self.samordning) & (rng.random(total) < 0.002)
        shift = rng.integers(1, 10, total)
        dig[self.bad_check, 11] = (dig[self.bad_check, 11] + shift[self.bad_check]) % 10
        self.pn = (dig + 48).astype(np.uint8)
        hr = np.where(rng.random(total) < 0.95, 0, rng.integers(1, len(_HOME_REGIONS), total))
        self.home = hr
        # sampling weights for the kinds of contacts
        activity = np.exp(rng.normal(0.0, 0.9, total))
        activity[n:] = 0.0  # outsiders never have contacts in this region
        a = age.astype(np.float64)
        self.cum_out = _cum(activity * (0.6 + a / 60.0))
        self.cum_in = _cum(activity * (0.25 + (a / 55.0) ** 2))
        self.cum_psy = _cum(activity * np.where((a >= 16) & (a <= 80), 1.0, 0.03))
        self.cum_kk = _cum(activity * np.where((~male) & (a >= 19) & (a <= 44), 1.0, 0.0))
        self.outsiders = np.arange(n, total)

    def pick(self, rng, cum, n):
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), self.n - 1)
