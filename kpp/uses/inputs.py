"""The data root's own files for the uses (spec §7.1): price_index and reimbursement_prices.

Read by the landing reader's rules (CSV in both dialects or Parquet; a bad value
stops the load naming file, line and column) into schema `uses_inputs`; a file
that is absent leaves its table empty (the seed index, no agreed prices).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from kpp.landing.contract import DATA_ROOT_TABLES
from kpp.landing.reader import FileReport, load_table

USES_INPUTS_SCHEMA = "uses_inputs"
# the rows are kept under one key: the files belong to the data root, not to a period
_KEY = "data_root"


def load_uses_inputs(con: duckdb.DuckDBPyConnection, data_root: Path, csv_dialect: str = "auto") -> list[FileReport]:
    """Load the files present, in one transaction; the reports of the files found."""
    reports = []
    con.execute("begin transaction")
    try:
        for table in DATA_ROOT_TABLES.values():
            # no personnummer in these files: no pseudonym key is needed
            report = load_table(con, data_root, _KEY, table, key=None, csv_dialect=csv_dialect, schema=USES_INPUTS_SCHEMA)
            if report is not None:
                reports.append(report)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return reports
