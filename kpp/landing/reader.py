"""Load one partition's landing folder into typed DuckDB tables (schema ``landing``).

Every file is read as text first, so a value that does not parse is reported
with its file, line, column and value instead of a cast error deep in SQL.
Personnummer are replaced by their keyed pseudonym and a validity flag before
anything is written to the database file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import duckdb

from kpp.landing.contract import TABLES, Column, Table
from kpp.landing.pseudonym import PseudonymKey, flag_sql, normalised_sql, pseudonym_sql
from kpp.publish import quote_ident
from kpp.rebuild import STATE_SCHEMA, loader_version, stream_sha256

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
    """A landing file that cannot be costed; the message names file, line, column and value.

    A message never holds a personnummer: personal-data columns are shown as <personnummer>,
    and anything else that looks like one is masked too (a shifted row puts numbers anywhere).
    """

    def __init__(self, message: str):
        super().__init__(mask_personnummer(message))


# a personnummer as it may be written: YYYYMMDDNNNN or YYMMDDNNNN, with or without '-', '+' or a blank
_PERSONNUMMER_LIKE = re.compile(r"(?<![0-9])([0-9]{6}|[0-9]{8})[-+ ]?[0-9]{4}(?![0-9])")
# C0 and C1 control characters (NUL, escape, line feed inside a quoted value, ...): never in a register value
_CONTROL = r"[\x00-\x1F\x7F-\x9F]"
SPILL_DIR_NAME = "spill"
# No amount (SEK), quantity, weight or key value of a region reaches this: a value beyond it is a
# broken delivery, never a cost (the finer per service group limits are counted rejects in dbt).
MAX_ABS_VALUE = 10**12


def mask_personnummer(text: str) -> str:
    return _PERSONNUMMER_LIKE.sub("<personnummer>", text)


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
    kept: bool = False  # unchanged since the period's last load: its rows were kept, not read again


@dataclass(frozen=True)
class Dialect:
    separator: str = ","
    decimal_mark: str = "."
    encoding: str = "utf-8"


_q = quote_ident


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


def _identity(stat: os.stat_result) -> tuple:
    """What changes when a file is replaced or written to (ctime cannot be set back by its owner)."""
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _sha256(path: Path) -> tuple[str, tuple]:
    """SHA-256 of the file, and the identity of the file hashed."""
    with path.open("rb") as handle:
        identity = _identity(os.fstat(handle.fileno()))
        return stream_sha256(handle), identity


# UTF-8 of what Swedish registers hold beyond ASCII (U+00A0–U+00FF: å ä ö é, NBSP, §; U+2000–U+20FF: – ’ €).
# Windows-1252 text hardly ever forms these: its Å Ä Ö are C5 C4 D6, and Â/Ã (C2, C3) are rare, while
# e.g. cp1252 "Ö" + NBSP (D6 A0) is well-formed UTF-8 of a Hebrew accent: no evidence of UTF-8.
_UTF8_EVIDENCE = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xe2[\x80-\x82][\x80-\xbf]")
# (a C1 control, U+0080–U+009F, counts too: the file is UTF-8 and the value is refused by name)
_EVIDENCE_TEXT = re.compile("[\u0080-\u00ff\u2000-\u20ff\ufeff]")  # U+FEFF: a byte-order mark


# every byte but the C0 controls other than line ends, and DEL: deleting these leaves the control bytes
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not (b < 0x20 and b not in b"\r\n" or b == 0x7F))


class _Scan(NamedTuple):
    sha256: str
    is_utf8: bool
    identity: tuple
    # a control byte, a quote (a line break may hide in a quoted value) or a C1 lead byte: the
    # per-row control-character probe in SQL is needed (a file without any skips it)
    may_hold_control: bool


def _scan_encoding(path: Path) -> _Scan:
    """One pass over the bytes: SHA-256, whether the file is UTF-8, and the identity of the file read.

    A file that is not UTF-8 is read as Windows-1252 only if it holds no UTF-8 text at all:
    one stray Windows-1252 byte in a UTF-8 file is an input error naming its line, never a
    silent re-decode of the whole file (ÖRT would become Ã–RT).
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_line = None
    has_utf8 = other_non_ascii = may_hold_control = False
    lines_before = 0
    with path.open("rb") as handle:
        identity = _identity(os.fstat(handle.fileno()))
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            if bad_line is None:
                try:
                    text = decoder.decode(chunk)
                    if not has_utf8 and not text.isascii():  # isascii is cheap; the search stops at the first hit
                        has_utf8 = _EVIDENCE_TEXT.search(text) is not None
                        other_non_ascii = other_non_ascii or not has_utf8
                except UnicodeDecodeError as exc:
                    bad_line = lines_before + exc.object[: exc.start].count(b"\n") + 1
                    bad_byte = exc.object[exc.start]
                    has_utf8 = has_utf8 or _UTF8_EVIDENCE.search(exc.object) is not None
            elif not has_utf8:  # not UTF-8: is there UTF-8 text after the bad byte?
                has_utf8 = _UTF8_EVIDENCE.search(chunk) is not None
            if not may_hold_control:
                may_hold_control = bool(chunk.translate(None, _NOT_CONTROL_BYTES)) or b'"' in chunk or b"\xc2" in chunk
            lines_before += chunk.count(b"\n")
    if bad_line is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:  # the file ends inside a character
            bad_line, bad_byte = lines_before + 1, exc.object[exc.start]
    if bad_line is None and other_non_ascii and not has_utf8:
        # well-formed UTF-8 only by accident: none of its characters is one a register holds
        bad_line = 0
    if bad_line is not None and has_utf8:
        raise InputError(
            f"{path.name} line {bad_line}: byte 0x{bad_byte:02x} is not UTF-8, but the rest of the file is UTF-8 "
            "(mixed encodings). Export the whole file again as UTF-8."
        )
    return _Scan(digest.hexdigest(), bad_line is None, identity, may_hold_control)


def _transcode(path: Path, target: Path, expected_sha: str) -> None:
    """A Windows-1252 file as UTF-8 in the spill folder (DuckDB reads UTF-8 only), hashing the bytes read."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("cp1252")()
    line = 1
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                line += exc.object[: exc.start].count(b"\n")
                raise InputError(
                    f"{path.name} line {line}: byte 0x{exc.object[exc.start]:02x} is neither UTF-8 nor Windows-1252; "
                    "the file is not a text file of the data contract (docs/method.md, input files)."
                ) from None
            line += chunk.count(b"\n")
    if digest.hexdigest() != expected_sha:
        raise _changed(path)


def _check_unchanged(path: Path, identity: tuple) -> None:
    """After DuckDB read `path`: still the file hashed, so the rows come from the bytes whose SHA-256 is recorded.

    (A comparison of identities, not a second hash: at region size that is one read of 5 GB less.)
    """
    if _identity(path.stat()) != identity:
        raise _changed(path)


def _changed(path: Path) -> InputError:
    return InputError(f"{path.name}: the file changed while it was being loaded; deliver every file complete "
                      "before starting a run, then run again.")


_SAFE_CSV_DETAIL = re.compile(r"^(Expected Number of Columns: \d+ Found: \d+|Value with unterminated quote found\.|"
                              r"Maximum line size of \d+ bytes exceeded.*|Invalid unicode.*)$")


def _csv_error(path: Path, source: Path, exc: duckdb.Error, dialect: Dialect, names: list[str]) -> InputError:
    """DuckDB's CSV error without its "Original Line" (the raw row, personnummer included)."""
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    details = [line.strip() for line in text.splitlines()[1:] if _SAFE_CSV_DETAIL.match(line.strip())]
    found = re.search(r"CSV Error on Line: (\d+)", text)
    where = _bad_row(source, dialect, names, int(found[1])) if found else ""
    return InputError(
        f"{path.name}: the file is not a well-formed CSV ({dialect.separator!r}-separated): {first}"
        + (f"; {' '.join(details)}" if details else "") + (f"; {where}" if where else "")
        + ". (Values are not shown: the file may hold personal data.)"
    )


def _bad_row(source: Path, dialect: Dialect, names: list[str], line_no: int) -> str:
    """Which column of record `line_no` (1 = header) is wrong, from a re-read on the error path only."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with source.open("r", encoding="utf-8-sig", newline="") as handle:
            for number, fields in enumerate(csv.reader(handle, delimiter=dialect.separator, strict=True), start=1):
                if number < line_no:
                    continue
                if len(fields) > len(names):
                    return (f"line {line_no} has {len(fields)} fields where the header has {len(names)}: "
                            f"column {len(names) + 1} is after the last column {names[-1]}")
                if len(fields) < len(names):
                    return (f"line {line_no} has {len(fields)} fields where the header has {len(names)}: "
                            f"column {names[len(fields)]} and later are missing")
                longest = max(range(len(fields)), key=lambda i: len(fields[i]))
                return f"line {line_no}, column {names[longest]}: a value of {len(fields[longest]):,} characters"
    except (csv.Error, UnicodeDecodeError):
        return f"line {line_no}"
    finally:
        csv.field_size_limit(old_limit)
    return f"line {line_no}"


def detect_dialect(header_line: str, encoding: str, configured: str = "auto") -> Dialect:
    """Spec §1: a header with ';' and no ',' is the Swedish dialect (';', decimal comma)."""
    if configured == "swedish" or (configured == "auto" and ";" in header_line and "," not in header_line):
        return Dialect(";", ",", encoding)
    return Dialect(",", ".", encoding)


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, raw: str, csv_dialect: str, spill: Path
) -> tuple[Dialect, list[str], str, bool]:
    """Read the file into temp table `raw` (all text); returns its dialect, header, SHA-256 and
    whether a value may hold a control character.

    The SHA-256 is of the bytes loaded: a Windows-1252 file is hashed again while it is
    transcoded, a UTF-8 file is checked to be the file hashed after DuckDB read it.
    """
    sha, is_utf8, identity, may_hold_control = _scan_encoding(path)
    encoding = "utf-8" if is_utf8 else "cp1252"
    source = path
    if not is_utf8:
        # DuckDB reads UTF-8 only (its encodings extension would need a download): transcode
        # into the data root's owner-only spill folder, removed as soon as the rows are read.
        source = spill / f"{path.stem}.utf8.csv"
        _transcode(path, source, sha)
    try:
        with source.open("r", encoding="utf-8-sig", newline="") as handle:
            header_line = handle.readline(1 << 16).rstrip("\r\n")
        if not header_line.strip():
            raise InputError(f"{path.name}: the file is empty; it needs at least its header row.")
        dialect = detect_dialect(header_line, encoding, csv_dialect)
        header = next(csv.reader(io.StringIO(header_line), delimiter=dialect.separator))
        names = [h.strip().lower() for h in header]
        _check_header(path, names)
        columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
        try:
            con.execute(
                f"create or replace temp table {raw} as select row_number() over () + 1 as __line, * from read_csv($source, "
                "columns=$columns, header=true, auto_detect=false, delim=$delim, "
                "quote='\"', escape='\"', strict_mode=true, null_padding=false, all_varchar=true)",
                {"source": str(source), "columns": columns, "delim": dialect.separator},
            )
        except duckdb.Error as exc:
            raise _csv_error(path, source, exc, dialect, names) from None
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    if is_utf8:
        _check_unchanged(path, identity)
    return dialect, names, sha, may_hold_control


def _shown_names(names: list[str], limit: int = 30) -> str:
    """A header as the user can read it: a binary file's 'header' is shortened and escaped, not pasted."""
    shown = [n if n.isprintable() and len(n) <= 40 else repr(n[:40]) + ("…" if len(n) > 40 else "") for n in names[:limit]]
    return ", ".join(shown) + (f", … ({len(names)} columns)" if len(names) > limit else "")


def _check_header(path: Path, names: list[str]) -> None:
    """A column named twice would be read from one of its copies (the ledger's amount twice: 1.5× the cost)."""
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if name in seen:
            where = "line 1" if path.suffix == ".csv" else "schema"
            raise InputError(f"{path.name} {where}: column {name} appears twice (columns {seen[name]} and {number}); "
                             "each column must occur once.")
        seen[name] = number


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> list[str]:
    try:
        # A view, not a copy: Parquet is typed and compressed, re-scanning it per pass is cheaper
        # than materialising (and at region size spilling) every row once more. The row's number
        # is the reader's own, not a window over the file (12 s of a region's events per pass).
        # (a view takes no parameters: the path is quoted by DuckDB itself)
        source = duckdb.ConstantExpression(str(path))
        con.execute(f"create or replace temp view {raw} as select file_row_number + 1 as __line, * exclude (file_row_number) "
                    f"from read_parquet({source}, file_row_number = true)")
    except duckdb.Error as exc:
        raise InputError(f"{path.name}: not a readable Parquet file: {str(exc).splitlines()[0]}") from None
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
              is_null: dict[str, str] | None = None, text_sources: list[str] = ()) -> None:
    """Stop on the first unparseable, missing-required or unknown enumerated value, per column,
    or the first control character in any of the `text_sources` columns."""
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
        if col.kind in ("amount", "decimal"):
            bad.append(f"coalesce(abs({typed}) >= {MAX_ABS_VALUE}, false)")
        if bad:
            probes.append((col, f"min(case when {' or '.join(bad)} then {line} end)"))
    # one regular expression per row over its text columns, not one per value (region scale)
    control = (f"min(case when regexp_matches(concat({', '.join(text_sources)}), {_lit(_CONTROL)}) then {line} end)"
               if text_sources else "null")
    control_line, *firsts = con.execute(f"select {', '.join([control] + [p for _, p in probes])} from {raw}").fetchone()
    failures = [(line_no, col) for (col, _), line_no in zip(probes, firsts) if line_no is not None]
    if control_line is not None and (not failures or control_line <= min(f[0] for f in failures)):
        values = con.execute(f"select {', '.join(exprs[c.name][0] for c in table.columns)} from {raw} where {line} = ?",
                             [control_line]).fetchone()
        for col, value in zip(table.columns, values):
            found = re.search(_CONTROL, value or "")
            if found:
                raise _fail_at(path, is_csv, control_line, col.name,
                               f"the value holds a control character (U+{ord(found[0]):04X}) at position "
                               f"{found.start() + 1}; text must not hold NUL, escape or line-break characters.")
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
    typed_value = con.execute(f"select {exprs[col.name][1]} from {raw} where {line} = ?", [line_no]).fetchone()[0]
    if typed_value is not None and abs(typed_value) >= MAX_ABS_VALUE:
        raise _fail_at(path, is_csv, line_no, col.name,
                       f"the value {shown} is not plausible (1e12 or more); no amount, quantity, weight or key value "
                       "of a region is that large (docs/data-protection.md, plausibility limits).")
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
    spill: Path | None = None,
    schema: str = LANDING_SCHEMA,
) -> FileReport | None:
    """Load one file into `schema`; `spill` is the owner-only folder for a transcoded copy (load_partition's).

    None for an optional file the delivery does not hold (its table then has no rows of the period).
    """
    path = find_file(landing_dir, table.name, table.optional)
    if path is None:
        _empty_table(con, partition_key, table, schema)
        return None
    raw = f"raw_{table.name}"
    is_csv = path.suffix == ".csv"
    if is_csv:
        dialect, names, sha, may_hold_control = _read_csv(con, path, raw, csv_dialect, spill)
        source_columns = {name: (f"c{i}", "VARCHAR") for i, name in enumerate(names)}
    else:
        sha, identity = _sha256(path)
        may_hold_control = True  # compressed: only the values can tell
        dialect = Dialect("", ".", "parquet")  # text numbers in Parquet use a decimal point
        names = _read_parquet(con, path, raw)
        types = dict(con.execute(f"select column_name, column_type from (describe {raw})").fetchall())
        source_columns = {n.strip().lower(): (n, types[n]) for n in names}
        # the file's own top-level names (not a nested column's parts): DuckDB renames a second `amount` to `amount_1`
        import pyarrow.parquet as pq

        _check_header(path, [n.strip().lower() for n in pq.read_schema(path).names])
    missing = [c for c in table.required_columns if c not in source_columns]
    if missing:
        raise InputError(f"{path.name}: missing required column(s) {', '.join(missing)}; the file has {_shown_names(list(source_columns))}.")
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
    text_sources = [_q(source_columns[c.name][0]) for c in table.columns if may_hold_control
                    and c.name in source_columns and source_columns[c.name][1].upper() == "VARCHAR"]
    _validate(con, path, table, raw, exprs, is_csv, is_null, text_sources)
    if table.key_is_reference:
        _check_reference_keys(con, path, table, raw, exprs, is_csv)

    line = f"{raw}.__line"
    select = ["cast($partition_key as varchar) as partition_key", f"cast({line} as bigint) as source_line"]
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
    con.execute(f"create table if not exists {target} as {query} limit 0", {"partition_key": partition_key})
    con.execute(f"delete from {target} where partition_key = ?", [partition_key])
    (rows_stored,) = con.execute(f"insert into {target} by name {query}", {"partition_key": partition_key}).fetchone()
    # rows read, counted apart from the insert (a Parquet file's footer, not a pass over the view)
    rows_read = (con.execute(f"select count(*) from {raw}") if is_csv else
                 con.execute("select sum(num_rows) from parquet_file_metadata(?)", [str(path)])).fetchone()[0]
    if rows_stored != rows_read:
        raise AssertionError(f"{path.name}: {rows_read} rows read but {rows_stored} stored")
    if not is_csv:  # the view read the file again: the rows must come from the bytes hashed
        _check_unchanged(path, identity)
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
    keep_unchanged: bool = True,
) -> list[FileReport]:
    """Load all eight files (and the optional ones delivered) in one transaction: a failing file leaves the previous load intact.

    A file whose SHA-256 equals the one its last load of the period recorded, loaded with the same
    pseudonym key and loader version, is not read again: its rows are kept (`keep_unchanged`).
    """
    if not landing_dir.is_dir():
        raise InputError(f"No landing folder {landing_dir}: put the partition's eight files there (spec §1).")
    reports = []
    version = loader_version(csv_dialect)
    con.execute("begin transaction")
    try:
        unchanged = _unchanged_files(con, landing_dir, partition_key, key.fingerprint, version) if keep_unchanged else {}
        with spill_folder(con) as spill:
            for table in TABLES.values():
                if table.name in unchanged:
                    report = unchanged[table.name]
                    progress(f"kept {report.file_name}: unchanged since its last load ({report.rows_read} rows, "
                             f"sha256 {report.sha256[:12]}…)")
                    reports.append(report)
                    continue
                report = load_table(con, landing_dir, partition_key, table, key, csv_dialect, spill)
                if report is None:
                    progress(f"no {table.name}.csv (optional): not delivered")
                    continue
                progress(f"loaded {report.file_name}: {report.rows_read} rows ({report.file_format}, sha256 {report.sha256[:12]}…)")
                reports.append(report)
        _check_contact_hospitals(con, partition_key, reports)
        _record_files(con, partition_key, reports, key.fingerprint, set(unchanged))
        _record_loads(con, landing_dir, partition_key, reports, key.fingerprint, version)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return reports


@contextlib.contextmanager
def spill_folder(con: duckdb.DuckDBPyConnection):
    """<data root>/spill, owner-only, empty on entry and removed on exit.

    It holds the UTF-8 copy of a Windows-1252 delivery (raw personnummer) for the seconds DuckDB
    reads it. A copy left by a killed process is removed by the next load: the caller holds
    the DuckDB file's single write lock, so no other load of this data root can be using it.
    """
    database = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    if database is None:  # an in-memory database (no data root): a private temporary folder
        with tempfile.TemporaryDirectory(prefix="kpp-spill-") as folder:
            yield Path(folder)
        return
    folder = Path(database).resolve().parent / SPILL_DIR_NAME
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unchanged_files(con, landing_dir: Path, partition_key: str, key_fingerprint: str, version: str) -> dict[str, FileReport]:
    """The files of the delivery that are byte for byte what the period's last load read, with the same
    key and loader: their landing rows are what loading them again would write."""
    if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = 'loaded_files'",
                       [STATE_SCHEMA]).fetchone()[0]:
        return {}
    landing_tables = {name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [LANDING_SCHEMA]).fetchall()}
    recorded = con.execute(
        f"select f.table_name, f.file_name, f.sha256, f.file_format, f.separator, f.decimal_mark, f.encoding, f.rows_read, "
        f"l.file_size from {STATE_SCHEMA}.loaded_files as l join {LANDING_SCHEMA}.input_files as f using (partition_key, table_name, sha256) "
        "where l.partition_key = ? and l.key_fingerprint = ? and l.loader_version = ?",
        [partition_key, key_fingerprint, version]).fetchall()
    candidates = {}
    for table_name, file_name, *rest, size in recorded:
        path = landing_dir / file_name
        found = find_file(landing_dir, table_name, optional=True) if table_name in TABLES else None
        if found == path and table_name in landing_tables and path.stat().st_size == size:
            candidates[table_name] = (path, FileReport(table_name, file_name, *rest, kept=True))
    # hashing releases the GIL: the large files in parallel
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        hashes = dict(zip(candidates, pool.map(lambda c: _sha256(c[0])[0], candidates.values())))
    return {t: report for t, (_, report) in candidates.items() if hashes[t] == report.sha256}


def _record_loads(con, landing_dir: Path, partition_key: str, reports: list[FileReport], key_fingerprint: str, version: str) -> None:
    """What `_unchanged_files` compares with next time: each file's size, key and loader version."""
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    con.execute(f"create table if not exists {STATE_SCHEMA}.loaded_files (partition_key varchar, table_name varchar, "
                "sha256 varchar, file_size bigint, key_fingerprint varchar, loader_version varchar)")
    con.execute(f"delete from {STATE_SCHEMA}.loaded_files where partition_key = ?", [partition_key])
    for r in reports:
        con.execute(f"insert into {STATE_SCHEMA}.loaded_files values (?, ?, ?, ?, ?, ?)",
                    [partition_key, r.table_name, r.sha256, (landing_dir / r.file_name).stat().st_size, key_fingerprint, version])


def _record_files(con, partition_key: str, reports: list[FileReport], key_fingerprint: str, kept: set[str] = frozenset()) -> None:
    """One row per file; key_fingerprint names the pseudonym key (published with the period's results).

    A kept file (`kept`: its table names) keeps its row, with the time it was loaded."""
    con.execute(
        f"create table if not exists {LANDING_SCHEMA}.input_files (partition_key varchar, table_name varchar, "
        "file_name varchar, sha256 varchar, file_format varchar, separator varchar, decimal_mark varchar, "
        "encoding varchar, rows_read bigint, loaded_at timestamp, key_fingerprint varchar)"
    )
    # a warehouse from before the fingerprint: its earlier loads keep NULL there
    con.execute(f"alter table {LANDING_SCHEMA}.input_files add column if not exists key_fingerprint varchar")
    con.execute(f"delete from {LANDING_SCHEMA}.input_files where partition_key = ? "
                "and not list_contains(cast(? as varchar[]), table_name)",
                [partition_key, sorted(kept)])
    for r in reports:
        if r.table_name in kept:
            continue
        d = asdict(r)
        con.execute(
            f"insert into {LANDING_SCHEMA}.input_files by name select ? as partition_key, ? as table_name, ? as file_name, "
            "? as sha256, ? as file_format, ? as separator, ? as decimal_mark, ? as encoding, ? as rows_read, "
            "current_timestamp as loaded_at, ? as key_fingerprint",
            [partition_key, d["table_name"], d["file_name"], d["sha256"], d["file_format"], d["separator"],
             d["decimal_mark"], d["encoding"], d["rows_read"], key_fingerprint],
        )
