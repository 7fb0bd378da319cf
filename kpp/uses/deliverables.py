"""What people open beside the uses' CSVs: `kpp_uses.xlsx` and `report.html` in exports/uses/.

The same writers as a period's (kpp/workbook.py, kpp/report.py), read from
the uses marts (the dbt exposure `uses_exports`, kpp/marts.py): one sheet per file, and a report with the cost-per-point trend and the invoices.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from kpp.marts import USES_EXPORTS as READS
from kpp.publish import quote_ident
from kpp.report import _STYLE, _figure, _pyplot, _svg, _table, sek
from kpp.workbook import (
    BOOL,
    DECIMAL,
    INT,
    SEK,
    SHARE,
    TEXT,
    Column,
    Query,
    Sheet,
    Table,
    write_workbook,
)

WORKBOOK = "kpp_uses.xlsx"
# file -> the sheet's Swedish name
SHEETS = {
    "productivity": "Produktivitet", "mdc_cost_shares": "MDC-kostnadsandelar", "comparison_ladder": "Jämförelsetrappa",
    "invoices": "Fakturor", "reimbursement_follow_up": "Uppföljning", "reconciliation": "Avstämning",
}


def _kind(name: str, column_type: str) -> str:
    """How a column is shown: by its type, and for numbers by what its name says it holds."""
    if column_type == "BOOLEAN":
        return BOOL
    if column_type in ("INTEGER", "BIGINT", "HUGEINT", "SMALLINT"):
        return INT
    if not (column_type in ("DOUBLE", "FLOAT") or column_type.startswith("DECIMAL")):
        return TEXT
    if name.endswith(("share", "_ratio")) or name.startswith("outlier_share"):
        return SHARE  # fractions (spec §7.4), shown as percent
    if name.endswith("_pct") or "points" in name or "weight" in name or name in ("expected", "actual", "difference"):
        return DECIMAL
    return SEK


def write_uses_workbook(con: duckdb.DuckDBPyConnection, build: Path, files: dict[str, tuple[str, str, dict[str, str]]]) -> Path:
    """One sheet per uses file (file -> model, row order, exported column types), as the CSVs hold them."""
    sheets = []
    for file_name, (model, order, types) in files.items():
        columns = [Column(name, name, _kind(name, kind)) for name, kind in types.items()]
        select = ", ".join(map(quote_ident, types))
        rows = Query(con, f"select {select} from {READS.relation(model)} order by {order}")
        sheets.append(Sheet(SHEETS[file_name], (Table(columns, rows),)))
    return write_workbook(build / WORKBOOK, sheets, title="KPP: produktivitet och utomlänsersättning")


def _trend_chart(con) -> str:
    plt = _pyplot()
    rows = con.execute(f"select partition, cost_per_point_current, cost_per_point_fixed from {READS.relation('productivity')} "
                       "where scope = 'somatic' and grouping = 'all' order by period_order").fetchall()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    labels = [r[0] for r in rows]
    ax.plot(labels, [r[1] for r in rows], marker="o", color="#4c78a8", label="löpande priser")
    ax.plot(labels, [r[2] for r in rows], marker="s", color="#f58518", label="fasta priser")
    ax.set_ylabel("kostnad per DRG-poäng (kr)")
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def _invoice_chart(con) -> str:
    plt = _pyplot()
    rows = con.execute(f"select partition, coalesce(buyer_region, '(okänd)'), sum(amount) from {READS.relation('invoices')} "
                       "group by partition, period_order, buyer_region order by period_order, buyer_region").fetchall()
    partitions = list(dict.fromkeys(r[0] for r in rows))
    regions = sorted({r[1] for r in rows})
    amounts = {(r[0], r[1]): float(r[2] or 0) for r in rows}
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(regions), 3) + 1.2))
    height = 0.8 / max(len(partitions), 1)
    for i, partition in enumerate(partitions):
        ax.barh([j + i * height for j in range(len(regions))], [amounts.get((partition, r), 0) / 1e6 for r in regions],
                height=height, label=partition)
    ax.set_yticks([j + height * (len(partitions) - 1) / 2 for j in range(len(regions))], regions)
    ax.invert_yaxis()
    ax.set_xlabel("fakturerat belopp (Mkr)")
    if partitions:  # nobody invoiced (no hospitals file, no region configured): an empty chart
        ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def write_uses_report(con: duckdb.DuckDBPyConnection, build: Path, summary: dict) -> Path:
    """One offline page: the published periods, the two charts, the invoices and the uses' gates."""
    invoices = con.execute(f"select partition, hospital, coalesce(buyer_region, ''), line, amount, kpp_cost from {READS.relation('invoices')} "
                           "order by period_order, hospital, buyer_region, line_order").fetchall()
    checks = con.execute(f"select check_name, expected, actual, passed from {READS.relation('uses_reconciliation')} "
                         "order by check_kind, check_name").fetchall()
    body = [
        "<h1>KPP: produktivitet och utomlänsersättning</h1>",
        f"<p class='lead'>Publicerade perioder: {html.escape(', '.join(summary['published']))}</p>",
        "<h2>Diagram</h2>",
        _figure("Kostnad per DRG-poäng", "Somatik, alla sjukhus, per publicerad period (innerfall).", _trend_chart(con)),
        _figure("Fakturerat per köparregion", "Summa av fakturans fyra rader per period.", _invoice_chart(con)),
        "<h2>Fakturor</h2>",
        _table(("Period", "Sjukhus", "Köparregion", "Rad", "Belopp", "KPP-kostnad"),
               [(p, h, b, line, sek(a), sek(k)) for p, h, b, line, a, k in invoices], {4, 5}),
        "<h2>Kontroller</h2>",
        _table(("Kontroll", "Förväntat", "Utfall", "Godkänd"),
               [(c, "–" if e is None else f"{float(e):.6g}", "–" if a is None else f"{float(a):.6g}", "ja" if ok else "NEJ")
                for c, e, a, ok in checks], {1, 2}, lambda r: "" if r[3] == "ja" else "failed"),
    ]
    page = build / "report.html"
    page.write_text("<!DOCTYPE html>\n<html lang='sv'><head><meta charset='utf-8'><title>KPP användning</title>"
                    f"<style>{_STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n", encoding="utf-8")
    return page
