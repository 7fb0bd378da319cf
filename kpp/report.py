"""A period's report (`exports/<period>/report.html`): one self-contained HTML page.

Headline figures, the reconciliation and four charts, drawn by matplotlib's SVG backend and
inlined, with styles in the page: it opens with no network (a hospital's locked-down PC).
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

import duckdb

from kpp.marts import PERIOD_WORKBOOK_AND_REPORT as READS
from kpp.periods import period_for_key

P = READS.published

CARE_TYPES = {"inpatient": "Slutenvård", "outpatient": "Öppenvård"}
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #1d2733; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ccd; }
p.lead { color: #556; margin-top: 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0; }
th, td { border: 1px solid #d5dae1; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.failed td { background: #fde2e1; } tr.warned td { background: #fff4d6; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: .85rem; color: #556; }
"""


def sek(value) -> str:
    """An amount with Swedish grouping: 1 234 567,89."""
    if value is None:
        return "–"
    return f"{float(value):,.2f}".replace(",", "\u00a0").replace(".", ",")


def _number(value, decimals: int = 2) -> str:
    return "–" if value is None else f"{float(value):,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def _table(header: Sequence[str], rows: Sequence[Sequence], numeric: set[int] = frozenset(), row_class=None) -> str:
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for row in rows:
        css = row_class(row) if row_class else ""
        out.append(f"<tr class='{css}'>" if css else "<tr>")
        out += [f"<td class='num'>{html.escape(str(v))}</td>" if i in numeric else f"<td>{html.escape(str(v))}</td>"
                for i, v in enumerate(row)]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _svg(fig) -> str:
    """The figure as inline SVG; the same data give the same bytes (no date, fixed ids)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(title: str, caption: str, svg: str) -> str:
    return (f"<figure class='chart' data-chart='{html.escape(title)}'><h3>{html.escape(title)}</h3>{svg}"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _pyplot():
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update({"svg.hashsalt": "kpp", "svg.fonttype": "path", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False})
    import matplotlib.pyplot as plt

    return plt


def _distribution_chart(con, k: str) -> str:
    """Cost per contact per care type (log scale), outliers apart, with every group's threshold."""
    import numpy as np

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, (care_type, label) in zip(axes, CARE_TYPES.items()):
        rows = con.execute(f"select total_cost, is_outlier from {P('cost_list')} where partition_key = ? and care_type = ? "
                           "and total_cost > 0", [k, care_type]).fetchnumpy()
        thresholds = con.execute(f"select outlier_threshold from {P('drg_weights')} where partition_key = ? and care_type = ? "
                                 "and outlier_threshold is not null", [k, care_type]).fetchnumpy()["outlier_threshold"]
        costs, outlier = rows["total_cost"], rows["is_outlier"].astype(bool)
        ax.set_title(f"{label}: {len(costs):,} vårdkontakter".replace(",", " "))
        if len(costs):
            bins = np.geomspace(max(costs.min(), 1.0), costs.max() * 1.01 + 1, 40)
            ax.hist([costs[~outlier], costs[outlier]], bins=bins, stacked=True, color=["#4c78a8", "#e45756"],
                    label=["innerfall och ej bedömda", "ytterfall"])
            for t in thresholds:
                ax.axvline(t, color="#f58518", linewidth=0.6, alpha=0.7)
            ax.set_xscale("log")
        ax.plot([], [], color="#f58518", label=f"trimpunkter ({len(thresholds)} DRG-grupper)")
        ax.set_xlabel("kostnad per vårdkontakt (kr, logaritmisk skala)")
        ax.set_ylabel("vårdkontakter")
        ax.legend(fontsize=7, frameon=False)
    return _svg(fig)


def _cost_per_point_chart(con, k: str) -> str:
    plt = _pyplot()
    rows = con.execute(f"select hospital || ' / ' || clinic, care_type, cost_per_point from {P('cost_per_drg_point')} "
                       "where partition_key = ? and cost_per_point is not null order by hospital, clinic, care_type",
                       [k]).fetchall()
    units = list(dict.fromkeys(r[0] for r in rows))
    fig, ax = plt.subplots(figsize=(10, 0.28 * max(len(units), 4) + 1))
    height = 0.4
    for i, (care_type, color) in enumerate(zip(CARE_TYPES, ("#4c78a8", "#72b7b2"))):
        values = {r[0]: r[2] for r in rows if r[1] == care_type}
        ax.barh([j + (i - 0.5) * height for j in range(len(units))],
                [values.get(u, 0) for u in units], height=height, color=color, label=CARE_TYPES[care_type])
    ax.set_yticks(range(len(units)), units)
    ax.invert_yaxis()
    ax.set_xlabel("kostnad per DRG-poäng (kr)")
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def _composition_chart(con, k: str) -> str:
    plt = _pyplot()
    direct, indirect, parked = con.execute(
        f"select sum(direct_cost), sum(indirect_cost), sum(parked_cost) from {P('cost_pools')} where partition_key = ?", [k]).fetchone()
    by_type = con.execute(f"""select coalesce(t.label_sv, b.cost_type), sum(b.amount) from {P('cost_list_breakdown')} b
        left join {READS.relation('cost_types')} t on t.cost_type = b.cost_type where b.partition_key = ? group by all order by 2 desc""",
                          [k]).fetchall()
    by_group = con.execute(f"""select coalesce(g.label_sv, b.service_group), sum(b.amount) from {P('cost_list_breakdown')} b
        left join {READS.relation('service_groups')} g on g.service_group = b.service_group where b.partition_key = ?
        group by all order by 2 desc""", [k]).fetchall()
    panels = [("Direkt och indirekt (kostnadspooler)",
               [("direkt", direct or 0), ("indirekt (overhead)", indirect or 0), ("särkostnader", parked or 0)]),
              ("Kostnadsslag (vårdkontakter)", by_type), ("Vårdtjänstgrupper (vårdkontakter)", by_group)]
    fig, axes = plt.subplots(1, 3, figsize=(12, 0.3 * max(len(p[1]) for p in panels) + 1.5))
    for ax, (title, items) in zip(axes, panels):
        ax.barh([label for label, _ in items], [float(v or 0) / 1e6 for _, v in items], color="#54a24b")
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("Mkr")
    fig.tight_layout()
    return _svg(fig)


def _unmatched_chart(con, k: str) -> str:
    plt = _pyplot()
    rows = con.execute(f"select reason, source, sum(amount) from {P('unmatched')} where partition_key = ? group by all "
                       "order by reason, source", [k]).fetchall()
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 2) + 1))
    ax.barh([f"{r[0]} ({r[1]})" for r in rows], [float(r[2] or 0) for r in rows], color="#e45756")
    ax.invert_yaxis()
    ax.set_xlabel("omatchad kostnad (kr)")
    if not rows:
        ax.text(0.5, 0.5, "ingen omatchad kostnad", ha="center", va="center", transform=ax.transAxes)
    return _svg(fig)


def period_report(con: duckdb.DuckDBPyConnection, partition_key: str, run_summary: dict) -> str:
    from kpp.deliverables import headline_rows

    period = period_for_key(partition_key)
    k = partition_key
    headline = [(label, sek(value) if unit == "kr" else _number(value, 4 if unit == "andel" else 0), unit)
                for label, value, unit in headline_rows(run_summary)]
    checks = con.execute(f'select "check", step, severity, expected, actual, difference, passed, detail '
                         f"from {P('reconciliation')} where partition_key = ? order by check_order", [k]).fetchall()
    reconciliation = [(c, s, sev, _number(e, 2), _number(a, 2), _number(d, 2), "ja" if ok else "NEJ", detail or "")
                      for c, s, sev, e, a, d, ok, detail in checks]
    charts = [
        _figure("Kostnad per vårdkontakt", "Fördelning per vårdtyp; ytterfall i rött, varje DRG-grupps trimpunkt som en linje.",
                _distribution_chart(con, k)),
        _figure("Kostnad per DRG-poäng", "Per sjukhus × klinik och vårdtyp (innerfall).", _cost_per_point_chart(con, k)),
        _figure("Kostnadens sammansättning", "Direkt/indirekt kostnad i kostnadspoolerna; kostnadsslag och vårdtjänstgrupper "
                "av kostnaden på vårdkontakterna.", _composition_chart(con, k)),
        _figure("Omatchad kostnad", "Per orsak och källa.", _unmatched_chart(con, k)),
    ]
    inputs = [(i["file"], f"{i['rows']:,}".replace(",", "\u00a0"), i["sha256"]) for i in run_summary["inputs"]]
    body = [
        f"<h1>KPP {html.escape(k)}</h1>",
        f"<p class='lead'>{html.escape(period.kind)}, {period.start} – {period.end} (exklusive); publicerade resultat från körning "
        f"{html.escape(str(run_summary.get('published_by_run')))}</p>",
        "<h2>Nyckeltal</h2>", _table(("Nyckeltal", "Värde", "Enhet"), headline, {1}),
        "<h2>Diagram</h2>", *charts,
        "<h2>Avstämning</h2>",
        _table(("Kontroll", "Steg", "Allvarlighet", "Förväntat", "Utfall", "Differens", "Godkänd", "Detalj"), reconciliation,
               {3, 4, 5}, lambda r: "" if r[6] == "ja" else ("failed" if r[2] == "error" else "warned")),
        "<h2>Indatafiler</h2>", _table(("Fil", "Rader", "SHA-256"), inputs, {1}),
    ]
    return ("<!DOCTYPE html>\n<html lang='sv'><head><meta charset='utf-8'>"
            f"<title>KPP {html.escape(k)}</title><style>{_STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n")


def write_period_report(con: duckdb.DuckDBPyConnection, partition_key: str, path, run_summary: dict) -> None:
    path.write_text(period_report(con, partition_key, run_summary), encoding="utf-8")
