"""KPP periods as Dagster partitions, over the years KPP_FIRST_YEAR..KPP_LAST_YEAR.

The range is fixed when the code location loads, from the environment of the process that loads it
(`dagster dev`'s, or `kpp`'s, which widens it to the period asked for before it loads the definitions).
"""

from __future__ import annotations

from dagster import StaticPartitionsDefinition

from kpp.periods import Period, period_for_key, period_keys
from kpp.settings import period_years

__all__ = ["Period", "period_for_key", "period_keys", "period_partitions"]

period_partitions = StaticPartitionsDefinition(period_keys(*period_years()))
