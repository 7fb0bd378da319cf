"""KPP periods as Dagster partitions, over the years KPP_FIRST_YEAR..KPP_LAST_YEAR."""

from __future__ import annotations

from dagster import StaticPartitionsDefinition

from kpp.periods import Period, configured_years, period_for_key, period_keys

__all__ = ["Period", "period_for_key", "period_keys", "period_partitions"]

period_partitions = StaticPartitionsDefinition(period_keys(*configured_years()))
