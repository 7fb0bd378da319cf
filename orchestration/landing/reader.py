"""Load one partition's landing folder into typed DuckDB tables (schema ``landing``).

Every file is read as text first, so a value that does not parse is reported
with its file, line, column and value instead of a cast error deep in SQL.
Personnummer are replaced by their keyed pseudonym and a validity flag before
anything is written to the database file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import duckdb

from orchestration.landing.contract import TABLES, Column, Table
from orchestration.landing.pseudonym import PseudonymKey, flag_sql, normalised_sql, pseudonym_sql

LANDING_SCHEMA = "landing"

_NUMBER = {
    ".": r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    ",": r"^[+-]?([0-9]+(,[0-9]*)?|,[0-9]+)$",
}
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"
_BOOLEANS = {
    "true": True, "false": False, "1": True, "0": False, "t": True, "f": False,
    "yes": True, "no": False, "y": True, "n": False, "ja": True, "nej": False,
}
_SQL_TYPES = {
    "text": "VARCHAR",
    "month": "DATE",
    "amount": "DECIMAL(38, 10)",
    "decimal": "DOUBLE",
    "integer": "INTEGER",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


class InputError(ValueError):
    """A landing file that cannot be costed; the message names file, line, column and value."""


@dataclass(frozen=True)
class FileReport:
    table_name: str
    file_name: str
    sha256: str
    file_format: str
    separator: str
    decimal_mark: str
    encoding: str
    rows_read: int


@dataclass(frozen=True)
class Dialect:
    separator: str = ","
    decimal_mark: str = "."
    encoding: str = "utf-8"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def find_file(landing_dir: Path, table: str, optional: bool = False) -> Path | None:
    found = [p for p in (landing_dir / f"{table}.csv", landing_dir / f"{table}.parquet") if p.is_file()]
    if not found and optional:
        return None
    if not found:
        raise InputError(
            f"{landing_dir}: missing input file {table}.csv (or {table}.parquet). "
            "All eight files of the data contract are required; a file may hold only its header."
        )
    if len(found) > 1:
        raise InputError(f"{landing_dir}: both {table}.csv and {table}.parquet exist; keep one.")
    return found[0]


def _hash_and_check_utf8(path: Path) -> tuple[str, bool]:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return digest.hexdigest(), is_utf8


def detect_dialect(header_line: str, encoding: str, configured: str = "auto") -> Dialect:
    """Spec §1: a header with ';' and no ',' is the Swedish dialect (';', decimal comma)."""
    if configured == "swedish" or (configured == "auto" and ";" in header_line and "," not in header_line):
        return Dialect(";", ",", encoding)
    return Dialect(",", ".", encoding)


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, raw: str, is_utf8: bool, csv_dialect: str, scratch: Path
) -> tuple[Dialect, list[str]]:
    encoding = "utf-8" if is_utf8 else "cp1252"
    source = path
    if not is_utf8:
        # DuckDB reads UTF-8 only (its encodings extension would need a download): transcode.
        source = scratch / f"{path.stem}.utf8.csv"
        with path.open("r", encoding="cp1252", newline="") as src, source.open("w", encoding="utf-8", newline="") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    with source.open("r", encoding="utf-8-sig", newline="") as handle:
        header_line = handle.readline().rstrip("\r\n")
    if not header_line.strip():
        raise InputError(f"{path.name}: the file is empty; it needs at least its header row.")
    dialect = detect_dialect(header_line, encoding, csv_dialect)
    header = next(csv.reader(io.StringIO(header_line), delimiter=dialect.separator))
    names = [h.strip().lower() for h in header]
    columns = "{" + ", ".join(f"{_lit(f'c{i}')}: 'VARCHAR'" for i in range(len(names))) + "}"
    try:
        con.execute(
            f"create or replace temp table {raw} as select row_number() over () + 1 as __line, * from read_csv({_lit(str(source))}, "
            f"columns={columns}, header=true, auto_detect=false, delim={_lit(dialect.separator)}, "
            "quote='\"', escape='\"', strict_mode=true, null_padding=false, all_varchar=true)"
        )
    except duckdb.Error as exc:
        raise InputError(f"{path.name}: the file is not a well-formed CSV ({dialect.separator!r}-separated): {exc}") from exc
    return dialect, names


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> list[str]:
    try:
        # A view, not a copy: Parquet is typed and compressed, re-scanning it per pass is cheaper
        # than materialising (and at region size spilling) every row once more.
        con.execute(f"create or replace temp view {raw} as select row_number() over () as __line, * from read_parquet({_lit(str(path))})")
    except duckdb.Error as exc:
        raise InputError(f"{path.name}: not a readable Parquet file: {exc}") from exc
    return [row[0] for row in con.execute(f"describe {raw}").fetchall() if row[0] != "__line"]


def _typed_expr(col: Column, src: str, src_type: str, dialect: Dialect) -> tuple[str, str]:
    """(text value, typed value) SQL for one column; NULL text means 'no value'."""
    text = f"nullif(trim(cast({src} as varchar)), '')"
    if col.kind in ("text", "personnummer"):
        return text, text
    native = src_type.upper()
    if col.kind in ("amount", "decimal", "integer", "timestamp", "boolean") and native != "VARCHAR":
        return text, f"try_cast({src} as {_SQL_TYPES[col.kind]})"
    if col.kind == "month" and native in ("DATE", "TIMESTAMP"):
        return text, f"cast(date_trunc('month', {src}) as date)"
    if col.kind == "month":
        return text, f"case when regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}') then try_cast({text} || '-01' as date) end"
    if col.kind in ("amount", "decimal", "integer"):
        # whole numbers may come as "3.0" from spreadsheet exports
        pattern = rf"^[+-]?[0-9]+([{dialect.decimal_mark}]0*)?$" if col.kind == "integer" else _NUMBER[dialect.decimal_mark]
        number = f"replace({text}, ',', '.')" if dialect.decimal_mark == "," else text
        if col.kind == "integer":
            number = f"try_cast({number} as double)"
        return text, f"case when regexp_matches({text}, {_lit(pattern)}) then try_cast({number} as {_SQL_TYPES[col.kind]}) end"
    if col.kind == "timestamp":
        return text, f"case when regexp_matches({text}, {_lit(_TIMESTAMP)}) then try_cast(replace({text}, 'T', ' ') as timestamp) end"
    if col.kind == "boolean":
        cases = " ".join(f"when {_lit(k)} then {str(v).lower()}" for k, v in _BOOLEANS.items())
        return text, f"case lower({text}) {cases} end"
    raise AssertionError(col.kind)


_EXPECTED = {
    "month": "a month YYYY-MM",
    "amount": "a decimal number (no thousand separators)",
    "decimal": "a decimal number (no thousand separators)",
    "integer": "a whole number",
    "timestamp": "a timestamp YYYY-MM-DD HH:MM[:SS]",
    "boolean": "true or false",
}


def _fail_at(path: Path, is_csv: bool, line: int, column: str, message: str) -> InputError:
    where = f"line {line}" if is_csv else f"row {line}"
    return InputError(f"{path.name} {where}, column {column}: {message}")


def _validate(con, path: Path, table: Table, raw: str, exprs: dict[str, tuple[str, str]], is_csv: bool,
              is_null: dict[str, str] | None = None) -> None:
    """Stop on the first unparseable, missing-required or unknown enumerated value, per column."""
    line = "__line"
    probes = []
    for col in table.columns:
        text, typed = exprs[col.name]
        # a typed (non-text) Parquet column is missing exactly when it is NULL: no text cast per row
        missing = (is_null or {}).get(col.name, f"{text} is null")
        bad = []
        if col.required:
            bad.append(missing)
        if col.kind not in ("text", "personnummer"):
            bad.append(f"(not ({missing}) and {typed} is null)")
        if col.allowed:
            bad.append(f"({text} is not null and lower({text}) not in ({', '.join(map(_lit, col.allowed))}))")
        if col.non_negative:
            bad.append(f"coalesce({typed} < 0, false)")
        if bad:
            probes.append((col, f"min(case when {' or '.join(bad)} then {line} end)"))
    if not probes:
        return
    firsts = con.execute(f"select {', '.join(p for _, p in probes)} from {raw}").fetchone()
    failures = [(line_no, col) for (col, _), line_no in zip(probes, firsts) if line_no is not None]
    if not failures:
        return
    line_no, col = min(failures, key=lambda f: f[0])
    text, _ = exprs[col.name]
    value = con.execute(f"select {text} from {raw} where {line} = ?", [line_no]).fetchone()[0]
    if value is None:
        raise _fail_at(path, is_csv, line_no, col.name, "a value is required here but the field is empty.")
    shown = "<personnummer>" if col.kind == "personnummer" else repr(value)
    if col.allowed and value.lower() not in col.allowed:
        key = ", ".join(f"{k}={v}" for k, v in zip(table.key, con.execute(
            f"select {', '.join(exprs[k][0] for k in table.key)} from {raw} where {line} = ?", [line_no]).fetchone())) if table.key else ""
        raise _fail_at(path, is_csv, line_no, col.name,
                       f"unknown value {shown}{' for ' + key if key else ''}; allowed: {', '.join(col.allowed)}.")
    if col.non_negative and value.lstrip().startswith("-"):
        raise _fail_at(path, is_csv, line_no, col.name, f"negative value {shown}; it must be 0 or more.")
    raise _fail_at(path, is_csv, line_no, col.name, f"cannot read {shown} as {_EXPECTED[col.kind]}.")


def _check_reference_keys(con, path: Path, table: Table, raw: str, exprs, is_csv: bool) -> None:
    """A register that contradicts itself cannot be costed (spec §2, rejects paragraph)."""
    keys = ", ".join(exprs[k][0] for k in table.key)
    line = "__line"
    dup = con.execute(
        f"select {keys}, list({line} order by {line}) from {raw} group by all having count(*) > 1 order by 2 limit 1"
    ).fetchone()
    if dup:
        key = ", ".join(f"{k}={v}" for k, v in zip(table.key, dup[:-1]))
        raise InputError(f"{path.name} lines {', '.join(map(str, dup[-1]))}: duplicate key {key}; each must occur once.")


def load_table(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    partition_key: str,
    table: Table,
    key: PseudonymKey,
    csv_dialect: str = "auto",
    schema: str = LANDING_SCHEMA,
) -> FileReport | None:
    """Load one file into `schema`; None for an optional file the delivery does not hold (its table then has no rows of the period)."""
    path = find_file(landing_dir, table.name, table.optional)
    if path is None:
        _empty_table(con, partition_key, table, schema)
        return None
    sha, is_utf8 = _hash_and_check_utf8(path)
    raw = f"raw_{table.name}"
    with tempfile.TemporaryDirectory(prefix="kpp-") as scratch:
        is_csv = path.suffix == ".csv"
        if is_csv:
            dialect, names = _read_csv(con, path, raw, is_utf8, csv_dialect, Path(scratch))
            source_columns = {name: (f"c{i}", "VARCHAR") for i, name in enumerate(names)}
        else:
            dialect = Dialect("", ".", "parquet")  # text numbers in Parquet use a decimal point
            names = _read_parquet(con, path, raw)
            types = dict(con.execute(f"select column_name, column_type from (describe {raw})").fetchall())
            source_columns = {n.strip().lower(): (n, types[n]) for n in names}
    missing = [c for c in table.required_columns if c not in source_columns]
    if missing:
        raise InputError(f"{path.name}: missing required column(s) {', '.join(missing)}; the file has {', '.join(source_columns)}.")
    exprs = {}
    is_null = {}
    for col in table.columns:
        if col.name in source_columns:
            src, src_type = source_columns[col.name]
            exprs[col.name] = _typed_expr(col, _q(src), src_type, dialect)
            if src_type.upper() != "VARCHAR":
                is_null[col.name] = f"{_q(src)} is null"
        else:
            exprs[col.name] = ("null", f"cast(null as {_SQL_TYPES.get(col.kind, 'VARCHAR')})")
    _validate(con, path, table, raw, exprs, is_csv, is_null)
    if table.key_is_reference:
        _check_reference_keys(con, path, table, raw, exprs, is_csv)

    line = f"{raw}.__line"
    select = [f"{_lit(partition_key)} as partition_key", f"cast({line} as bigint) as source_line"]
    pnr_join = ""
    for col in table.columns:
        text, typed = exprs[col.name]
        if col.kind == "personnummer":
            # Pseudonymise each distinct number once; only pseudonym and flag are stored. The
            # lookup is keyed on the delivered text, so the per-row work is one hash probe
            # (normalising is a regexp: done once per distinct value, not once per row).
            con.execute(
                f"create or replace temp table pnr_{table.name} as select distinct {text} as raw_pnr from {raw}"
            )
            con.execute(
                f"create or replace temp table pseudo_{table.name} as select raw_pnr, {pseudonym_sql('pnr')} as patient_pseudonym, "
                f"{flag_sql('pnr')} as personnummer_flag from (select raw_pnr, {normalised_sql('raw_pnr')} as pnr "
                f"from pnr_{table.name}) where pnr is not null",
                key.pads,
            )
            pnr_join = f"left join pseudo_{table.name} ps on ps.raw_pnr = {text}"
            select += ["ps.patient_pseudonym", "coalesce(ps.personnummer_flag, 'missing') as personnummer_flag"]
        elif col.allowed:
            select.append(f"lower({typed}) as {_q(col.name)}")
        else:
            select.append(f"{typed} as {_q(col.name)}")
    con.execute(f"create schema if not exists {schema}")
    target = f"{schema}.{table.name}"
    # No `order by source_line`: nothing reads the rows in file order without saying so, and
    # sorting the region's 50 M events cost ≈ 22 s of the load (docs/benchmarks.md, run 6).
    query = f"select {', '.join(select)} from {raw} {pnr_join}"
    con.execute(f"create table if not exists {target} as {query} limit 0")
    con.execute(f"delete from {target} where partition_key = ?", [partition_key])
    con.execute(f"insert into {target} by name {query}")
    rows_read = con.execute(f"select count(*) from {raw}").fetchone()[0]
    con.execute(f"drop {'table' if is_csv else 'view'} if exists {raw}")
    for t in (f"pnr_{table.name}", f"pseudo_{table.name}"):
        con.execute(f"drop table if exists {t}")
    return FileReport(table.name, path.name, sha, "csv" if is_csv else "parquet", dialect.separator,
                      dialect.decimal_mark, dialect.encoding, rows_read)


def ensure_drg_weights_table(con: duckdb.DuckDBPyConnection) -> None:
    """The table of a DRG weight list delivered with a run (orchestration/assets/landing.py), text as delivered.

    `outlier_threshold` is the national cost-outlier limit of spec §7.1 (an optional column of the file).
    """
    con.execute(f"create schema if not exists {LANDING_SCHEMA}")
    con.execute(
        f"create table if not exists {LANDING_SCHEMA}.drg_weights "
        "(partition_key varchar, drg varchar, year varchar, weight varchar, mdc varchar, description varchar)"
    )
    con.execute(f"alter table {LANDING_SCHEMA}.drg_weights add column if not exists outlier_threshold varchar")


def _empty_table(con: duckdb.DuckDBPyConnection, partition_key: str, table: Table, schema: str = LANDING_SCHEMA) -> None:
    columns = ", ".join(f"{_q(c.name)} {_SQL_TYPES.get(c.kind, 'VARCHAR')}" for c in table.columns)
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create table if not exists {schema}.{table.name} (partition_key varchar, source_line bigint, {columns})")
    con.execute(f"delete from {schema}.{table.name} where partition_key = ?", [partition_key])


def _check_contact_hospitals(con: duckdb.DuckDBPyConnection, partition_key: str, reports: list[FileReport]) -> None:
    """Spec §7.1: with a hospitals file, every hospital of an accepted contact must be in it.

    Accepted = the first row of each contact_id (a later duplicate is rejected, spec §2).
    """
    hospitals = next((r for r in reports if r.table_name == "hospitals"), None)
    if hospitals is None:
        return
    contacts = next(r for r in reports if r.table_name == "contacts")
    unknown = con.execute(
        f"""select c.hospital, min(c.source_line), count(*)
        from (select hospital, source_line from {LANDING_SCHEMA}.contacts where partition_key = $p
              qualify row_number() over (partition by contact_id order by source_line) = 1) as c
        where c.hospital is not null
          and c.hospital not in (select hospital from {LANDING_SCHEMA}.hospitals where partition_key = $p)
        group by c.hospital order by 2""",
        {"p": partition_key},
    ).fetchall()
    if unknown:
        hospital, line, n = unknown[0]
        where = "line" if contacts.file_format == "csv" else "row"
        others = f" (and {len(unknown) - 1} more hospital(s): {', '.join(repr(u[0]) for u in unknown[1:6])})" if len(unknown) > 1 else ""
        raise InputError(
            f"{contacts.file_name} {where} {line}, column hospital: hospital {hospital!r} ({n} contact(s)) is not in "
            f"{hospitals.file_name}{others}; every hospital of a contact needs its region and hospital_type there "
            "(docs/uses.md)."
        )


def load_partition(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    partition_key: str,
    key: PseudonymKey,
    csv_dialect: str = "auto",
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[FileReport]:
    """Load all eight files (and the optional ones delivered) in one transaction: a failing file leaves the previous load intact."""
    if not landing_dir.is_dir():
        raise InputError(f"No landing folder {landing_dir}: put the partition's eight files there (spec §1).")
    reports = []
    con.execute("begin transaction")
    try:
        for table in TABLES.values():
            report = load_table(con, landing_dir, partition_key, table, key, csv_dialect)
            if report is None:
                progress(f"no {table.name}.csv (optional): not delivered")
                continue
            progress(f"loaded {report.file_name}: {report.rows_read} rows ({report.file_format}, sha256 {report.sha256[:12]}…)")
            reports.append(report)
        _check_contact_hospitals(con, partition_key, reports)
        _record_files(con, partition_key, reports)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return reports


def _record_files(con, partition_key: str, reports: list[FileReport]) -> None:
    con.execute(
        f"create table if not exists {LANDING_SCHEMA}.input_files (partition_key varchar, table_name varchar, "
        "file_name varchar, sha256 varchar, file_format varchar, separator varchar, decimal_mark varchar, "
        "encoding varchar, rows_read bigint, loaded_at timestamp)"
    )
    con.execute(f"delete from {LANDING_SCHEMA}.input_files where partition_key = ?", [partition_key])
    for r in reports:
        d = asdict(r)
        con.execute(
            f"insert into {LANDING_SCHEMA}.input_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [partition_key, d["table_name"], d["file_name"], d["sha256"], d["file_format"], d["separator"],
             d["decimal_mark"], d["encoding"], d["rows_read"]],
        )
