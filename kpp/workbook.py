"""An Excel workbook from a list of sheet specs (XlsxWriter): what a KPP calculator opens.

Generic on purpose: a sheet is a list of tables (a title, typed columns, rows), so the period
workbook (kpp/deliverables.py) and a uses workbook are each a list of specs.

Every text cell is written as a string (`write_string`), so `=HYPERLINK("x")` or `+1` arrive
as text, never as a formula or a number; numbers are numbers with Swedish-readable formats.
The file is streamed (constant memory): the cost list of a region fits without holding it.

A sheet whose one table is a `Query` gets its rows' XML from DuckDB, the same bytes XlsxWriter
writes cell by cell (tested), spliced into the sheet XlsxWriter wrote with the header: a cost
list of 290 000 contacts × 20 columns takes seconds, not half a minute of Python per cell.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Excel's sheet limit: 1 048 576 rows, one of them the header
MAX_ROWS = 1_048_576
# column kinds: how a value is written and formatted
TEXT, SEK, INT, SHARE, DECIMAL, BOOL, TIMESTAMP = "text", "sek", "int", "share", "decimal", "bool", "timestamp"
# a column whose values come as (value, kind) pairs: a key-figure table of amounts, counts and shares
MIXED = "mixed"
_FORMATS = {
    SEK: {"num_format": "#,##0.00"},
    INT: {"num_format": "#,##0"},
    SHARE: {"num_format": "0.00%"},
    DECIMAL: {"num_format": "#,##0.000000"},
    TIMESTAMP: {"num_format": "yyyy-mm-dd hh:mm"},
}
_WIDTHS = {TEXT: 14, SEK: 16, INT: 10, SHARE: 10, DECIMAL: 14, BOOL: 8, TIMESTAMP: 17, MIXED: 18}
# a fixed creation time: the same results give the same file
_CREATED = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Column:
    name: str  # the query's column
    header: str  # Swedish heading
    kind: str = TEXT
    width: int | None = None


@dataclass(frozen=True)
class Query:
    """The rows a DuckDB query selects, its columns in the order of the table's."""
    con: duckdb.DuckDBPyConnection
    sql: str
    params: Sequence = ()

    def __iter__(self) -> Iterator[tuple]:
        # in batches: a listing of a region is not held in memory
        result = self.con.execute(self.sql, list(self.params))
        while rows := result.fetchmany(10_000):
            yield from rows


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: Iterable[Sequence] | Query  # values in the order of `columns`; may be a stream
    title: str | None = None


@dataclass(frozen=True)
class Sheet:
    name: str  # at most 31 characters
    tables: Sequence[Table] = ()
    notes: Sequence[str] = field(default_factory=tuple)  # lines above the tables


def write_workbook(path: Path, sheets: Sequence[Sheet], title: str = "") -> Path:
    """Write `sheets` in order to `path`. A sheet of one table gets a frozen header and a filter."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True,
        # text stays text: no formulas, numbers or links made from strings
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    workbook.set_properties({"title": title, "created": _CREATED})
    formats = {kind: workbook.add_format(spec) for kind, spec in _FORMATS.items()}
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "bottom": 1, "text_wrap": True, "valign": "top"})
    title_format = workbook.add_format({"bold": True, "font_size": 12})
    # style ids in a fixed order, whichever path writes a cell first (XlsxWriter numbers them on first use)
    for style in (bold, header, title_format, *formats.values()):
        style._get_xf_index()
    splices: dict[str, tuple[Path, str]] = {}
    try:
        for index, sheet in enumerate(sheets, start=1):
            rows_xml = path.with_name(f"{path.name}.sheet{index}.tmp")
            if (last := _write_sheet(workbook.add_worksheet(sheet.name), sheet, formats, bold, header, title_format,
                                     rows_xml)) is not None:
                splices[f"xl/worksheets/sheet{index}.xml"] = (rows_xml, last)
        workbook.close()
        _splice(path, splices)
    finally:
        for rows_xml, _ in splices.values():
            rows_xml.unlink(missing_ok=True)
    return path


def _write_sheet(ws, sheet: Sheet, formats: dict, bold, header, title_format, rows_xml: Path) -> str | None:
    """Write `sheet`; for a sheet of one `Query` its rows go to `rows_xml`, and the return value is
    the sheet's last cell (its extent), for `_splice`."""
    row = 0
    for note in sheet.notes:
        ws.write_string(row, 0, note, bold if row == 0 else None)
        row += 1
    if sheet.notes:
        row += 1
    widths: dict[int, int] = {}
    single = len(sheet.tables) == 1
    last = None
    for table in sheet.tables:
        if table.title:
            ws.write_string(row, 0, table.title, title_format)
            row += 1
        top = row
        for c, column in enumerate(table.columns):
            ws.write_string(row, c, column.header, header)
            widths[c] = max(widths.get(c, 0), column.width or max(_WIDTHS[column.kind], min(len(column.header), 40)))
        row += 1
        if single and isinstance(table.rows, Query):
            row += _write_rows_xml(table.columns, table.rows, row, formats, rows_xml)
            last = f"{_column_letter(len(table.columns) - 1)}{row}"
        else:
            for values in table.rows:
                if row >= MAX_ROWS:
                    raise ValueError(f"sheet {sheet.name}: more than {MAX_ROWS - 1:,} rows (use the CSV)")
                for c, (column, value) in enumerate(zip(table.columns, values)):
                    _write_cell(ws, row, c, column.kind, value, formats)
                row += 1
        if row > MAX_ROWS:
            raise ValueError(f"sheet {sheet.name}: more than {MAX_ROWS - 1:,} rows (use the CSV)")
        if single:
            ws.freeze_panes(top + 1, 0)
            ws.autofilter(top, 0, max(row - 1, top), len(table.columns) - 1)
        row += 1
    for c, width in widths.items():
        ws.set_column(c, c, width)
    return last


def _write_cell(ws, row: int, col: int, kind: str, value, formats: dict) -> None:
    if kind == MIXED and value is not None:
        value, kind = value
    if value is None:
        return
    if kind == TEXT:
        ws.write_string(row, col, str(value))
    elif kind == BOOL:
        ws.write_boolean(row, col, bool(value))
    elif kind == TIMESTAMP:
        ws.write_datetime(row, col, value, formats[TIMESTAMP])
    else:
        number = float(value)
        # as the CSVs (kpp/exports.py): what rounds to 0.000000 is 0, never shown as -0,00
        ws.write_number(row, col, 0.0 if abs(number) < 5e-7 else number, formats[kind])


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# XlsxWriter's text escapes: an escape-like literal gets its underscore escaped, control
# characters (not tab or newline) become _xHHHH_, leading or trailing whitespace is preserved
_CONTROL = [*range(0x00, 0x09), *range(0x0B, 0x20)]
_NEEDS_CONTROL_ESCAPE = r"[\x00-\x08\x0B-\x1F]|_x[0-9A-Fa-f]{4}_"
# Python's \s: RE2's ASCII \s plus \v, NEL and Unicode separators (\x1C-\x1F are escaped first)
_WHITESPACE = r"[\t\n\v\f\r \x{85}\pZ]"


def _text_sql(v: str) -> str:
    """The arguments of `concat` that give the XML after `<c r="A1` of a text cell whose value is `v`."""
    escaped = f"regexp_replace({v}, '(_x[0-9A-Fa-f]{{4}}_)', '_x005F\\1', 'g')"
    for code in _CONTROL:
        escaped = f"replace({escaped}, chr({code}), '_x{code:04X}_')"
    s = f"(case when regexp_matches({v}, '{_NEEDS_CONTROL_ESCAPE}') then {escaped} else {v} end)"
    preserve = f"case when regexp_matches({s}, '^{_WHITESPACE}|{_WHITESPACE}$') then ' xml:space=\"preserve\"' else '' end"
    xml = f"replace(replace(replace({s}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    return f"'\" t=\"inlineStr\"><is><t', {preserve}, '>', {xml}, '</t></is></c>'"


def _cell_sql(kind: str, v: str, formats: dict) -> str:
    """The arguments of `concat` that give the XML after `<c r="A1` of a cell of `kind` whose value
    `v` is not null: as `_write_cell`."""
    if kind == TEXT:
        return _text_sql(f"cast({v} as varchar)")
    if kind == BOOL:
        return f"'\" t=\"b\"><v>', ({v})::integer::varchar, '</v></c>'"
    if kind == TIMESTAMP:
        # XlsxWriter's serial: days since 1899-12-31 plus the day's fraction, one more after Excel's 1900-02-29
        us = f"(epoch_us({v}) - epoch_us(date_trunc('day', {v})))"
        serial = (f"(datediff('day', date '1899-12-31', {v})"
                  f" + ((({us}) // 1000000)::double + (({us}) % 1000000)::double / 1e6) / 86400.0)")
        number = f"(case when {serial} > 59 then {serial} + 1 else {serial} end)"
    elif kind in (SEK, INT, SHARE, DECIMAL):
        number = f"(case when abs({v}) < 5e-7 then 0.0 else {v}::double end)"
    else:
        raise ValueError(f"a column of kind {kind!r} cannot be written by a query")
    return f"'\" s=\"{formats[kind]._get_xf_index()}\"><v>', printf('%.16G', {number}), '</v></c>'"


def _write_rows_xml(columns: Sequence[Column], query: Query, first: int, formats: dict, out: Path) -> int:
    """Write the `<row>` elements of `query`'s rows, the first at 0-based row `first`, to `out`;
    return how many."""
    names = [f"c{i}" for i in range(len(columns))]
    # one concat per row: a chain of `||` copied each row's string once per cell (a third of the time)
    cells = ", ".join(
        f"case when {name} is null then '' else concat('<c r=\"{_column_letter(i)}', r, "
        f"{_cell_sql(column.kind, name, formats)}) end"
        for i, (name, column) in enumerate(zip(names, columns)))
    # row_number() over () keeps the query's order (DuckDB's order preservation)
    sql = f"""select concat('<row r="', r, '">', {cells}, '</row>')
              from (select *, (row_number() over () + {first})::varchar as r
                    from ({query.sql}) as listing({", ".join(names)}))"""
    n = 0
    result = query.con.execute(sql, list(query.params))
    with out.open("w", encoding="utf-8") as fh:
        while rows := result.fetchmany(10_000):
            fh.write("".join(r[0] for r in rows))
            n += len(rows)
    return n


def _splice(path: Path, splices: dict[str, tuple[Path, str]]) -> None:
    """Put each sheet's rows into the sheet XlsxWriter wrote with only its header, and the sheet's
    extent into its `<dimension>`: every other member of the file as XlsxWriter wrote it. A spliced
    sheet is deflated at level 1, twice as fast as zlib's default for a file a quarter larger
    (docs/deliverables.md); it is opened by name so that the archive's level applies."""
    if not splices:
        return
    spliced = path.with_name(path.name + ".splice.tmp")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(spliced, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as dst:
            for info in src.infolist():
                if info.filename not in splices:
                    dst.writestr(info, src.read(info))
                    continue
                rows_xml, last = splices[info.filename]
                head, tail = src.read(info).decode("utf-8").split("</sheetData>", 1)
                head = re.sub(r'<dimension ref="([A-Z]+[0-9]+)(:[A-Z]+[0-9]+)?"/>', rf'<dimension ref="\1:{last}"/>', head, 1)
                with dst.open(info.filename, "w", force_zip64=True) as member, rows_xml.open("rb") as rows:
                    member.write(head.encode("utf-8"))
                    shutil.copyfileobj(rows, member, 1 << 20)
                    member.write(("</sheetData>" + tail).encode("utf-8"))
        spliced.replace(path)
    finally:
        spliced.unlink(missing_ok=True)
