"""An Excel workbook from a list of sheet specs (XlsxWriter): what a KPP calculator opens.

Generic on purpose: a sheet is a list of tables (a title, typed columns, rows), so the period
workbook (kpp/deliverables.py) and a uses workbook are each a list of specs.

Every text cell is written as a string (`write_string`), so `=HYPERLINK("x")` or `+1` arrive
as text, never as a formula or a number; numbers are numbers with Swedish-readable formats.
The file is streamed (constant memory): the cost list of a region fits without holding it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
class Table:
    columns: Sequence[Column]
    rows: Iterable[Sequence]  # values in the order of `columns`; may be a stream
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
    try:
        for sheet in sheets:
            _write_sheet(workbook.add_worksheet(sheet.name), sheet, formats, bold, header, title_format)
    finally:
        workbook.close()
    return path


def _write_sheet(ws, sheet: Sheet, formats: dict, bold, header, title_format) -> None:
    row = 0
    for note in sheet.notes:
        ws.write_string(row, 0, note, bold if row == 0 else None)
        row += 1
    if sheet.notes:
        row += 1
    widths: dict[int, int] = {}
    single = len(sheet.tables) == 1
    for table in sheet.tables:
        if table.title:
            ws.write_string(row, 0, table.title, title_format)
            row += 1
        top = row
        for c, column in enumerate(table.columns):
            ws.write_string(row, c, column.header, header)
            widths[c] = max(widths.get(c, 0), column.width or max(_WIDTHS[column.kind], min(len(column.header), 40)))
        row += 1
        for values in table.rows:
            if row >= MAX_ROWS:
                raise ValueError(f"sheet {sheet.name}: more than {MAX_ROWS - 1:,} rows (use the CSV)")
            for c, (column, value) in enumerate(zip(table.columns, values)):
                _write_cell(ws, row, c, column.kind, value, formats)
            row += 1
        if single:
            ws.freeze_panes(top + 1, 0)
            ws.autofilter(top, 0, max(row - 1, top), len(table.columns) - 1)
        row += 1
    for c, width in widths.items():
        ws.set_column(c, c, width)


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
