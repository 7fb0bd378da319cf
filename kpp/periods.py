"""KPP periods: ``YYYY-H1`` (temp KPP) and ``YYYY`` (full-year KPP), and their dates and dbt vars.

No Dagster here: `kpp` reads a period before it loads the definitions (orchestration/partitions.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# ASCII digits only and no trailing newline: `\d` would take "２０２５", `$` would take "2025\n"
_KEY = re.compile(r"(?P<year>[0-9]{4})(?P<half>-H1)?")


@dataclass(frozen=True)
class Period:
    key: str
    year: int
    is_half_year: bool

    @property
    def kind(self) -> str:
        return "temp KPP" if self.is_half_year else "full-year KPP"

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """Exclusive end: the period is [start, end)."""
        return date(self.year, 7, 1) if self.is_half_year else date(self.year + 1, 1, 1)

    @property
    def dbt_vars(self) -> dict[str, str | int]:
        return {
            "partition_key": self.key,
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            # both partitions of a year use that year's national DRG weights
            "drg_year": self.year,
        }


def period_for_key(key: str) -> Period:
    match = _KEY.fullmatch(key)
    if not match:
        raise ValueError(f"{key!r} is not a KPP period: use YYYY-H1 (temp KPP) or YYYY (full-year KPP), e.g. 2025-H1 or 2025.")
    return Period(key, int(match["year"]), bool(match["half"]))


def period_keys(first_year: int, last_year: int) -> list[str]:
    return [key for year in range(first_year, last_year + 1) for key in (f"{year}-H1", f"{year}")]

