"""The export files of spec §4, written from one period's published results.

A run's files are written to their own folder under `exports/.builds/`, and
`exports/<partition>` is a symbolic link swapped to it with one atomic rename:
whenever a run stops, the link names one complete run's output. The previous
build stays until the next swap, for a reader that opened it before.

Beside the CSVs (and summary.json) the build holds the workbook, the report and
the gate report (kpp/deliverables.py), all from the same published results.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kpp.marts import PERIOD_EXPORTS
from kpp.publish import PUBLICATIONS, columns, quote_ident
from kpp.settings import EXPORT_DIALECTS, Settings


@dataclass(frozen=True)
class Export:
    mart: str
    order_by: str

    @property
    def file_name(self) -> str:
        return f"{self.mart}.csv"


EXPORTS = (
    Export("cost_list", "contact_id"),
    Export("cost_list_breakdown", "contact_id, service_group, cost_type"),
    Export("unit_costs", "cost_center, service_code"),
    Export("cost_pools", "cost_center"),
    Export("unmatched", "source, id"),
    Export("drg_weights", "drg, care_type"),
    Export("cost_per_drg_point", "hospital, clinic, care_type"),
    Export("reconciliation", "check_order"),
    # audit extras beside spec §4's files
    Export("cost_per_drg_point_by_mdc", "hospital, clinic, care_type, mdc"),
    Export("patient_costs", "patient_pseudonym"),
    Export("rejects", "file, line"),
    Export("ledger_classification", "cost_center"),
    Export("overhead_allocation", "source, receiver, cost_type"),
    Export("specific_cost_scaling", "cost_center, account"),
)

# Text a spreadsheet would take for a formula ("CSV injection"): a leading apostrophe in the
# CSVs, a string cell in the workbook (docs/deliverables.md). Text columns only: a negative
# amount is a number.
FORMULA_PREFIXES = ("=", "+", "-", "@")
CONTRACT, SWEDISH = DIALECTS = EXPORT_DIALECTS
_BOM = "\ufeff".encode()
_FORMULA_LIKE = "left({0}, 1) in (" + ", ".join(f"'{c}'" for c in FORMULA_PREFIXES) + ")"


@dataclass(frozen=True)
class ExportOptions:
    """How the CSVs are written: the contract's dialect (`,`, decimal point, UTF-8, true/false) or
    the Swedish one (`;`, decimal comma, UTF-8 with BOM, SANT/FALSKT); Parquet beside them or not."""

    dialect: str = CONTRACT
    parquet: bool = False

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"export dialect {self.dialect!r}: use one of {', '.join(DIALECTS)}")

    @classmethod
    def of(cls, settings: Settings) -> "ExportOptions":
        """The run's settings: `kpp run --export-dialect/--parquet` or the run's config, else
        $KPP_EXPORT_DIALECT/$KPP_EXPORT_PARQUET, else the data root's kpp.toml [exports], else the contract's."""
        return cls(settings.export_dialect, settings.parquet)


def _select_list(types: dict[str, str], dialect: str = CONTRACT) -> str:
    """Amounts with 6 decimals (never `-0.000000`), timestamps ISO, formula-like text neutralised,
    no partition or ordering helper columns."""
    parts = []
    for name, column_type in types.items():
        if name in ("partition_key", "check_order"):
            continue
        quoted = quote_ident(name)
        if column_type in ("DOUBLE", "FLOAT") or column_type.startswith("DECIMAL"):
            # a tiny negative prints as -0.000000: identical inputs must give identical files
            number = f"regexp_replace(printf('%.6f', {quoted}), '^-(0\\.0+)$', '\\1')"
            if dialect == SWEDISH:
                number = f"replace({number}, '.', ',')"
            parts.append(f"{number} as {quoted}")
        elif column_type == "TIMESTAMP":
            parts.append(f"strftime({quoted}, '%Y-%m-%d %H:%M:%S') as {quoted}")
        elif column_type == "BOOLEAN" and dialect == SWEDISH:
            parts.append(f"case when {quoted} then 'SANT' when not {quoted} then 'FALSKT' end as {quoted}")
        elif column_type == "VARCHAR":
            parts.append(f"case when {_FORMULA_LIKE.format(quoted)} then '''' || {quoted} else {quoted} end as {quoted}")
        else:
            parts.append(quoted)
    return ", ".join(parts)


def summary(con: duckdb.DuckDBPyConnection, partition_key: str) -> dict:
    """The headline figures of the period's published results."""
    def one(sql: str):
        return con.execute(sql, [partition_key]).fetchone()[0]

    p = PERIOD_EXPORTS.published
    checks = dict(con.execute(f'select "check", actual from {p("reconciliation")} where partition_key = ?',
                              [partition_key]).fetchall())
    production = one(f"select sum(production_cost) from {p('ledger_classification')} where partition_key = ?")
    return {
        "partition": partition_key,
        "production_cost": round(float(production or 0), 2),
        "contacts_costed": one(f"select count(*) from {p('cost_list')} where partition_key = ?"),
        "contacts_cost": round(float(one(f"select coalesce(sum(total_cost), 0) from {p('cost_list')} where partition_key = ?")), 2),
        "patients": one(f"select count(*) from {p('patient_costs')} where partition_key = ?"),
        "unmatched_share": checks.get("unmatched_share_max"),
        "unabsorbed_share": checks.get("unabsorbed_share_max"),
        "cost_per_drg_point": one(
            f"select sum(inlier_cost) / nullif(sum(drg_points), 0) from {p('cost_per_drg_point')} where partition_key = ?"
        ),
        "rejected_rows": one(f"select count(*) from {p('rejects')} where partition_key = ?"),
        "published_by_run": one(f"select run_id from {PUBLICATIONS} where partition_key = ?"),
        "inputs": [
            dict(zip(("file", "sha256", "rows"), row))
            for row in con.execute(
                f"select file_name, sha256, rows_read from {p('input_files')} where partition_key = ? order by table_name",
                [partition_key],
            ).fetchall()
        ],
    }


def _sorted_query(con: duckdb.DuckDBPyConnection, export: Export) -> tuple[str, dict[str, str]]:
    """The export's rows of one period (parameter: the partition key), sorted, in the marts'
    column order (a column a newer version added sits last in the published table); and the types."""
    mart, published = PERIOD_EXPORTS.relation(export.mart), PERIOD_EXPORTS.published(export.mart)
    published_types = columns(con, published.schema, published.table)
    types = {name: published_types[name] for name in columns(con, mart.schema, mart.table)}
    in_order = ", ".join(map(quote_ident, types))
    return f"select {in_order} from {published} where partition_key = ? order by {export.order_by}", types


def copy_csv(con: duckdb.DuckDBPyConnection, sql: str, params: list, types: dict[str, str], path: Path,
             options: ExportOptions = ExportOptions()) -> int:
    """A sorted query's columns `types` as CSV in the chosen dialect (and as Parquet beside it); returns its rows."""
    delimiter = "," if options.dialect == CONTRACT else ";"
    body = path.with_name(path.name + ".part")
    # the path is bound, not spliced into the SQL: a data root may hold any character. COPY
    # returns its row count, so the sorted query runs once.
    (rows,) = con.execute(f"copy (select {_select_list(types, options.dialect)} from ({sql})) to ? "
                          f"(header, delimiter '{delimiter}')", [*params, str(body)]).fetchone()
    if options.dialect == SWEDISH:  # Excel reads UTF-8 (Σ, å, ä, ö) only after a byte-order mark
        with path.open("wb") as out, body.open("rb") as written:
            out.write(_BOM)
            shutil.copyfileobj(written, out, 1 << 20)
        body.unlink()
    else:
        os.replace(body, path)
    if options.parquet:  # typed values, unformatted: for tools, not spreadsheets
        in_order = ", ".join(map(quote_ident, types))
        con.execute(f"copy (select {in_order} from ({sql})) to ? (format parquet)",
                    [*params, str(path.with_suffix(".parquet"))])
    return rows


def write_csv(con: duckdb.DuckDBPyConnection, export: Export, partition_key: str, path: Path,
              options: ExportOptions = ExportOptions()) -> int:
    """One export of the period as CSV in the chosen dialect (and as Parquet beside it); returns its rows."""
    sql, types = _sorted_query(con, export)
    return copy_csv(con, sql, [partition_key], types, path, options)


def new_build(target: Path, name: str) -> Path:
    """A new folder for one run's files under exports/.builds/, swapped in by `publish_build`."""
    build = target.parent / ".builds" / f"{name}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}"
    build.mkdir(parents=True)
    return build


def publish_build(target: Path, build: Path) -> None:
    """Point `target` at a complete build; an earlier failure's note no longer applies."""
    _point(target, build)
    failure_note(target).unlink(missing_ok=True)


def write_exports(con: duckdb.DuckDBPyConnection, partition_key: str, target: Path,
                  options: ExportOptions | None = None) -> dict:
    """Write every export of the period's published results and point `target` at them."""
    from kpp.deliverables import write_period_deliverables

    options = options or ExportOptions()
    build = new_build(target, partition_key)
    counts = {export.file_name: write_csv(con, export, partition_key, build / export.file_name, options)
              for export in EXPORTS}
    run_summary = summary(con, partition_key) | {"rows": counts, "csv_dialect": options.dialect}
    (build / "summary.json").write_text(json.dumps(run_summary, indent=2, default=str) + "\n", encoding="utf-8")
    write_period_deliverables(con, partition_key, build, run_summary, data_root=target.parent.parent)
    publish_build(target, build)
    return run_summary


def _point(target: Path, build: Path) -> None:
    """Swap the link `target` to `build` in one rename; keep the previous build for readers still in it."""
    if target.is_dir() and not target.is_symlink():  # a plain folder from an earlier version
        shutil.rmtree(target)
    previous = target.resolve() if target.is_symlink() else None
    link = target.parent / f".{target.name}.{os.getpid()}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(build.relative_to(target.parent), target_is_directory=True)
    os.replace(link, target)
    for old in build.parent.glob(f"{target.name}.*"):
        if old.resolve() not in (build.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


def failure_note(target: Path) -> Path:
    """Written beside a period's exports when its latest run failed, so the older exports are not taken for it."""
    return target.parent / f"{target.name}.FAILED.txt"
