"""What people open, beside a period's CSVs: the workbook, the report and the gate report.

All three read the period's published results (schema `published`), the same rows the CSVs
are written from; names beside codes come from the marts `cost_centers` and `services`, labels
of cost types and service groups from the national seeds: the relations of the dbt exposure
`period_workbook_and_report` (kpp/marts.py). docs/deliverables.md describes them.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from kpp.marts import PERIOD_WORKBOOK_AND_REPORT as READS
from kpp.periods import period_for_key
from kpp.publish import quote_ident
from kpp.settings import DataRoot
from kpp.workbook import (
    BOOL,
    DECIMAL,
    INT,
    MAX_ROWS,
    MIXED,
    SEK,
    SHARE,
    TIMESTAMP,
    Column,
    Query,
    Sheet,
    Table,
    write_workbook,
)

P = READS.published
_UNIT_KINDS = {"kr": SEK, "st": INT, "andel": SHARE}
# a listing (the cost list, the unmatched items) goes into the workbook when it fits a sheet below its header
MAX_LISTED = MAX_ROWS - 1


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def workbook_name(partition_key: str) -> str:
    return f"kpp_{partition_key}.xlsx"


def _table(con, columns: Sequence[Column], sql: str, params: Sequence, title: str | None = None) -> Table:
    """A table of the columns `columns` names, selected in that order from `sql`."""
    select = ", ".join(quote_ident(c.name) for c in columns)
    return Table(columns, Query(con, f"select {select} from ({sql})", params), title)


def headline_rows(run_summary: dict) -> list[tuple[str, object, str]]:
    """(label, value, unit) of the period's headline figures, from summary.json's figures."""
    share = lambda v: None if v is None else float(v)  # noqa: E731
    return [
        ("Produktionskostnad (vårdproduktionens kostnad)", run_summary["production_cost"], "kr"),
        ("Kostnad på vårdkontakter", run_summary["contacts_cost"], "kr"),
        ("Vårdkontakter med kostnad", run_summary["contacts_costed"], "st"),
        ("Patienter", run_summary["patients"], "st"),
        ("Kostnad per DRG-poäng (innerfall)", run_summary["cost_per_drg_point"], "kr"),
        ("Andel omatchad kostnad", share(run_summary["unmatched_share"]), "andel"),
        ("Andel ej absorberad kostnad", share(run_summary["unabsorbed_share"]), "andel"),
        ("Avvisade indatarader", run_summary["rejected_rows"], "st"),
    ]


RECONCILIATION_COLUMNS = (
    Column("check", "Kontroll", width=34), Column("step", "Steg"), Column("severity", "Allvarlighet"),
    Column("expected", "Förväntat", SEK), Column("actual", "Utfall", SEK), Column("difference", "Differens", SEK),
    Column("passed", "Godkänd", BOOL), Column("detail", "Detalj", width=60),
)


def period_sheets(con: duckdb.DuckDBPyConnection, partition_key: str, run_summary: dict, max_rows: int = MAX_LISTED) -> list[Sheet]:
    """The sheets of the period workbook, in order. A listing longer than `max_rows` (the cost
    list, the unmatched items) is a note pointing to its CSV instead."""
    period = period_for_key(partition_key)
    k = [partition_key]
    names = P("cost_centers")
    reconciliation_sql = f"select * from {P('reconciliation')} where partition_key = ? order by check_order"
    sammanfattning = Sheet("Sammanfattning", notes=(
        f"KPP {partition_key} ({period.kind}, {period.start} – {period.end} exklusive)",
        f"Publicerade resultat från körning {run_summary.get('published_by_run')}. Belopp i kronor (SEK).",
    ), tables=(
        Table((Column("label", "Nyckeltal", width=44), Column("value", "Värde", MIXED), Column("unit", "Enhet")),
              [(label, (value, _UNIT_KINDS[unit]), unit) for label, value, unit in headline_rows(run_summary)], "Nyckeltal"),
        _table(con, RECONCILIATION_COLUMNS, reconciliation_sql, k, "Avstämning"),
        _table(con, (Column("file_name", "Fil", width=24), Column("table_name", "Tabell"), Column("rows_read", "Rader", INT),
                     Column("sha256", "SHA-256", width=66)),
               f"select * from {P('input_files')} where partition_key = ? order by table_name", k, "Indatafiler"),
    ))
    per_clinic = f"select * from {P('clinic_costs')} where partition_key = ? order by hospital, clinic, care_type"
    return [
        sammanfattning,
        Sheet("Kostnad per klinik", (_table(con, (
            Column("hospital", "Sjukhus"), Column("clinic", "Klinik"), Column("care_type", "Vårdtyp"),
            Column("n_contacts", "Vårdkontakter", INT), Column("total_cost", "Kostnad", SEK),
            Column("n_outliers", "Ytterfall", INT), Column("outlier_cost", "Kostnad ytterfall", SEK),
            Column("inlier_cost", "Kostnad innerfall", SEK), Column("drg_points", "DRG-poäng", DECIMAL),
            Column("cost_per_point", "Kostnad per DRG-poäng", SEK)), per_clinic, k),)),
        Sheet("Styckkostnader", (_table(con, (
            Column("cost_center", "Kostnadsställe"), Column("cost_center_name", "Kostnadsställets namn", width=36),
            Column("service_code", "Vårdtjänst"), Column("service_name", "Vårdtjänstens namn", width=30),
            Column("service_group", "Vårdtjänstgrupp"), Column("service_group_label", "Gruppens namn", width=22),
            Column("unit", "Enhet"), Column("weight", "Vikt", DECIMAL), Column("volume", "Volym", DECIMAL),
            Column("weighted_volume", "Viktad volym", DECIMAL), Column("unit_cost", "Styckkostnad", SEK),
            Column("pool", "Kostnadspool", SEK)), f"""
            select u.*, c.cost_center_name, s.service_name, g.label_sv as service_group_label
            from {P('unit_costs')} u
            left join {names} c on c.partition_key = u.partition_key and c.cost_center = u.cost_center
            left join {P('services')} s on s.partition_key = u.partition_key and s.cost_center = u.cost_center
                and s.service_code = u.service_code
            left join {READS.relation('service_groups')} g on g.service_group = u.service_group
            where u.partition_key = ? order by u.cost_center, u.service_code""", k),)),
        Sheet("Kostnadspooler", (_table(con, (
            Column("cost_center", "Kostnadsställe"), Column("cost_center_name", "Kostnadsställets namn", width=36),
            Column("hospital", "Sjukhus"), Column("clinic", "Klinik"), Column("role", "Roll"),
            Column("direct_cost", "Direkt kostnad", SEK), Column("indirect_cost", "Indirekt kostnad", SEK),
            Column("pool", "Kostnadspool", SEK), Column("parked_cost", "Särkostnader (parkerade)", SEK),
            Column("weighted_volume", "Viktad volym", DECIMAL), Column("unabsorbed", "Ej absorberat", SEK)), f"""
            select p.*, c.cost_center_name, c.hospital, c.clinic, c.role
            from {P('cost_pools')} p
            left join {names} c on c.partition_key = p.partition_key and c.cost_center = p.cost_center
            where p.partition_key = ? order by p.cost_center""", k),)),
        Sheet("Avstämning", (_table(con, RECONCILIATION_COLUMNS, reconciliation_sql, k),)),
        Sheet("Ytterfall och DRG-vikter", (_table(con, (
            Column("drg", "DRG"), Column("care_type", "Vårdtyp"), Column("n_contacts", "Vårdkontakter", INT),
            Column("n_inliers", "Innerfall", INT), Column("n_outliers", "Ytterfall", INT),
            Column("outlier_threshold", "Trimpunkt", SEK), Column("mean_inlier_cost", "Medelkostnad innerfall", SEK),
            Column("retro_weight", "Retrospektiv vikt", DECIMAL), Column("national_weight", "Nationell vikt", DECIMAL)),
            f"select * from {P('drg_weights')} where partition_key = ? order by drg, care_type", k),)),
        _listing("Omatchat", "Listan över omatchade kostnader", "unmatched", run_summary["rows"]["unmatched.csv"], max_rows,
                 lambda: _table(con, (
            Column("source", "Källa"), Column("id", "Id"), Column("cost_center", "Kostnadsställe"),
            Column("cost_center_name", "Kostnadsställets namn", width=36), Column("code", "Kod"),
            Column("quantity", "Antal", DECIMAL), Column("event_ts", "Tidpunkt", TIMESTAMP),
            Column("amount", "Belopp", SEK), Column("reason", "Orsak", width=22),
            Column("in_reconciliation", "I avstämningen", BOOL)), f"""
            select u.*, c.cost_center_name from {P('unmatched')} u
            left join {names} c on c.partition_key = u.partition_key and c.cost_center = u.cost_center
            where u.partition_key = ? order by u.source, u.id""", k)),
        _listing("Kostnadslista", "Kostnadslistan", "cost_list", run_summary["contacts_costed"], max_rows,
                 lambda: _table(con, (
            Column("contact_id", "Vårdkontakt"), Column("patient_pseudonym", "Patient (pseudonym)", width=20),
            Column("hospital", "Sjukhus"), Column("clinic", "Klinik"), Column("cost_center", "Kostnadsställe"),
            Column("cost_center_name", "Kostnadsställets namn", width=30), Column("care_type", "Vårdtyp"),
            Column("care_field", "Vårdområde"), Column("drg", "DRG"), Column("mdc", "MDC"),
            Column("start_ts", "Start", TIMESTAMP), Column("end_ts", "Slut", TIMESTAMP),
            Column("total_cost", "Kostnad", SEK), Column("event_cost", "Varav vårdtjänster", SEK),
            Column("specific_cost", "Varav särkostnader", SEK), Column("is_outlier", "Ytterfall", BOOL),
            Column("is_inlier", "Innerfall", BOOL), Column("outlier_threshold", "Trimpunkt", SEK),
            Column("drg_points", "DRG-poäng", DECIMAL), Column("spans_period_boundary", "Över periodgräns", BOOL)), f"""
            select l.*, c.cost_center_name from {P('cost_list')} l
            left join {names} c on c.partition_key = l.partition_key and c.cost_center = l.cost_center
            where l.partition_key = ? order by l.contact_id""", k)),
    ]


def _listing(name: str, what: str, export: str, rows: int, max_rows: int, table) -> Sheet:
    """A sheet of one row per exported row when they fit, else a note pointing to the export's files."""
    if rows <= max_rows:
        return Sheet(name, (table(),))
    return Sheet(name, notes=(
        f"{what} har {_grouped(rows)} rader, fler än ett kalkylblad rymmer ({_grouped(max_rows)}).",
        f"Öppna {export}.csv (eller {export}.parquet) i samma mapp.",
    ))


def write_period_deliverables(con: duckdb.DuckDBPyConnection, partition_key: str, build: Path, run_summary: dict,
                              data_root: Path) -> None:
    """The workbook, the report and the gate report of the period, into the export build folder."""
    from kpp.gate_report import GATE_REPORT
    from kpp.report import write_period_report

    write_workbook(build / workbook_name(partition_key), period_sheets(con, partition_key, run_summary),
                   title=f"KPP {partition_key}")
    write_period_report(con, partition_key, build / "report.html", run_summary)
    # the gates of this run, as each gate check left them (kpp/gate_report.py)
    gates = DataRoot(data_root).gx_docs_dir(partition_key) / GATE_REPORT
    if gates.is_file():
        shutil.copy(gates, build / GATE_REPORT)
