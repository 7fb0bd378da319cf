"""A code location for the backfill test: three partitions of one asset in pool `duckdb`, run in process, as KPP's are."""

import time

from dagster import (
    Definitions,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
    in_process_executor,
)


@asset(partitions_def=StaticPartitionsDefinition(["2023", "2024", "2025"]), pool="duckdb")
def toy_period() -> None:
    time.sleep(1)


defs = Definitions(assets=[toy_period], jobs=[define_asset_job("toy_job", selection=[toy_period])],
                   executor=in_process_executor)
