"""Partition keys → the period and the dbt vars of a run."""

from datetime import date

import pytest

from orchestration.partitions import period_for_key, period_keys


def test_half_year_is_the_temp_kpp():
    period = period_for_key("2025-H1")
    assert (period.start, period.end, period.kind) == (date(2025, 1, 1), date(2025, 7, 1), "temp KPP")
    assert period.dbt_vars == {"partition_key": "2025-H1", "period_start": "2025-01-01", "period_end": "2025-07-01", "drg_year": 2025}


def test_year_is_the_full_year_kpp_with_an_exclusive_end():
    assert period_for_key("2025").dbt_vars == {
        "partition_key": "2025", "period_start": "2025-01-01", "period_end": "2026-01-01", "drg_year": 2025}


def test_keys_alternate_half_and_full_year():
    assert period_keys(2024, 2025) == ["2024-H1", "2024", "2025-H1", "2025"]


@pytest.mark.parametrize("key", ["2025-H2", "25", "2025H1", "FY2025", ""])
def test_other_keys_are_refused_with_the_accepted_forms(key):
    with pytest.raises(ValueError, match="YYYY-H1"):
        period_for_key(key)
