"""A hand-made region small enough to cost on paper (temp KPP 2025-H1).

Every expected number in tests/test_method.py is worked out by hand from the
figures below; the comments show the arithmetic.

Ledger, H1 totals (spread evenly over the six months):
    OH1 (overhead, key fte,  order 1)  personnel 1200
    OH2 (overhead, key area, order 2)  personnel  600
    WARD (care)   personnel 6000, drugs 1200, implants 3000 (specific: parked)
    OPD  (care)   personnel 1800, purchased care 600 (excluded by account)
    LAB  (service) personnel 1200, internal purchase 300 (eliminated)
    EXC  (excluded, research) personnel 600
    WARD revenue -600
  production cost = 1200 + 600 + 6000 + 1200 + 3000 + 1800 + 1200 = 15000

Step-down:
    OH1 1200 by fte over OH2 2, WARD 6, OPD 3, LAB 1 (EXC's 10 and OH1's own 5 ignored)
        -> OH2 200, WARD 600, OPD 300, LAB 100
    OH2 600 + 200 = 800 by area over WARD 2, OPD 1, LAB 1 (OH1's 9 ignored: earlier)
        -> WARD 400, OPD 200, LAB 200
  pools: WARD 7200 + 1000 = 8200; OPD 1800 + 500 = 2300; LAB 1200 + 300 = 1500

Unit costs:
    WARD VD (w 1): volume 8                      -> 8200 / 8 = 1025
    OPD BES (w 1): 3, TEL (w 0.5): 2; weighted 4 -> BES 575, TEL 287.5
    LAB L1 (w 1): 3, L2 (w 1.5): 2; weighted 6   -> L1 250, L2 375

Matching (patient P1 has contacts C1, C2, C4, C5, C6):
    E1  C1 given, VD 6                 rule 1   C1  6150
    E14 C6 given, VD 2                 rule 1   C6  2050 (C6 starts 2024: spans the boundary)
    E2  P1, L1 02-05 12:00, in C1 and C5    2a  C5   250 (latest start wins)
    E3  P1, L1 03-11 10:00, orderer OPD     2b  C2   250 (orderer's contact beats the nearer C4)
    E4  P1, L1 03-11 10:30, no orderer      2b  C4   250 (nearest)
    E5  P1, L2 exactly 72 h after C4's end  2b  C4   375 (window inclusive)
    E13 P1, L2 72 h + 1 s after C4's end    2c  unmatched 375
    E6  C99 (unknown) given, TEL 2           1  unmatched unknown_contact 575
    E7  C2 given, BES 3                      1  C2  1725
    E8  out of period (July)                    ignored
    E9, E10, E11                                rejected (duplicate id, quantity 0, unknown service)
Specific costs (WARD / 5041, parked 3000):
    S1 C1 given 2000, S2 P1 in C1 500: registered 2500, factor 3000 / 2500 = 1.2 -> C1 2400 + 600
    S3 on a non-specific account, S4 amount 0: rejected
Contacts: C1 6150 + 3000 = 9150; C2 1975; C4 625; C5 250; C6 2050 -> 14050
Central identity: 14050 + unmatched events 950 = 15000.
"""

from __future__ import annotations

import csv
from pathlib import Path

# Synthetic personnummer with valid check digits; P1 is written three ways.
P1 = "191212121212"
P1_DASHED = "19121212-1212"
P2 = "199001011239"


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def ledger_rows() -> list[list]:
    totals = [
        ("OH1", "5010", 1200), ("OH2", "5010", 600),
        ("WARD", "5010", 6000), ("WARD", "5020", 1200), ("WARD", "5041", 3000),
        ("OPD", "5010", 1800), ("OPD", "4510", 600),
        ("LAB", "5010", 1200), ("LAB", "4010", 300),
        ("EXC", "5010", 600), ("WARD", "3010", -600),
    ]
    rows = [[f"2025-{m:02d}", cc, account, f"{amount / 6:.2f}"] for m in range(1, 7) for cc, account, amount in totals]
    rows.append(["2025-07", "WARD", "5010", "99999.00"])  # outside the period: ignored, counted
    return rows


def write_region(landing: Path) -> Path:
    landing.mkdir(parents=True, exist_ok=True)
    _write(landing / "ledger.csv", ["month", "cost_center", "account", "amount"], ledger_rows())
    _write(landing / "accounts.csv", ["account", "name", "account_class", "cost_type", "exclusion", "specific"], [
        ["3010", "Patientavgifter", "revenue", "other", "", "false"],
        ["4010", "Interna köp", "internal", "services", "", "false"],
        ["4510", "Köpt vård", "cost", "services", "purchased_care", "false"],
        ["5010", "Löner", "cost", "personnel", "", "false"],
        ["5020", "Läkemedel", "cost", "drugs", "", "false"],
        ["5041", "Implantat", "cost", "material", "", "true"],
    ])
    _write(landing / "cost_centers.csv",
           ["cost_center", "name", "hospital", "clinic", "role", "exclusion", "allocation_key", "allocation_order"], [
        ["OH1", "Regionledning", "REG", "ADM", "overhead", "", "fte", "1"],
        ["OH2", "Lokaler", "REG", "SERV", "overhead", "", "area", "2"],
        ["WARD", "Vårdavdelning", "H", "MED", "care", "", "", ""],
        ["OPD", "Mottagning", "H", "MED", "care", "", "", ""],
        ["LAB", "Laboratorium", "H", "LAB", "service", "", "", ""],
        ["EXC", "Forskning", "H", "FOU", "excluded", "research_education", "", ""],
    ])
    _write(landing / "allocation_keys.csv", ["key", "cost_center", "value"], [
        ["fte", "OH1", "5"], ["fte", "OH2", "2"], ["fte", "WARD", "4"], ["fte", "WARD", "2"],  # duplicates are summed
        ["fte", "OPD", "3"], ["fte", "LAB", "1"], ["fte", "EXC", "10"],
        ["area", "OH1", "9"], ["area", "WARD", "2"], ["area", "OPD", "1"], ["area", "LAB", "1"],
    ])
    _write(landing / "service_catalog.csv", ["cost_center", "service_code", "name", "service_group", "unit", "weight"], [
        ["WARD", "VD", "Vårddygn", "bed_day", "day", "1"],
        ["OPD", "BES", "Läkarbesök", "visit_physician", "each", "1"],
        ["OPD", "TEL", "Telefonkontakt", "visit_other", "each", "0.5"],
        ["LAB", "L1", "Analys 1", "lab", "each", "1"],
        ["LAB", "L2", "Analys 2", "lab", "each", "1.5"],
    ])
    _write(landing / "contacts.csv",
           ["contact_id", "personnummer", "hospital", "clinic", "cost_center", "care_type", "care_field",
            "start_ts", "end_ts", "drg", "primary_diagnosis"], [
        ["C1", P1_DASHED, "H", "MED", "WARD", "inpatient", "somatic", "2025-02-01 08:00", "2025-02-09 10:00", "F62C", "I50"],
        ["C2", P1, "H", "MED", "OPD", "outpatient", "somatic", "2025-03-10 10:00", "2025-03-10 10:00", "F95O", ""],
        ["C4", P1, "H", "MED", "OPD2", "outpatient", "somatic", "2025-03-11 11:00", "2025-03-11 11:00", "", ""],
        ["C5", P1, "H", "MED", "WARD", "inpatient", "somatic", "2025-02-04 00:00", "2025-02-05 23:00", "", ""],
        ["C6", P1, "H", "MED", "WARD", "inpatient", "somatic", "2024-12-28 12:00", "2025-01-03 12:00", "F62C", ""],
        ["C7", P2, "H", "MED", "OPD", "outpatient", "somatic", "2025-05-01 10:00", "2025-05-01 10:00", "", ""],
        ["C1", P2, "H", "MED", "OPD", "outpatient", "somatic", "2025-05-02 10:00", "2025-05-02 10:00", "", ""],  # duplicate id
    ])
    _write(landing / "service_events.csv",
           ["event_id", "contact_id", "personnummer", "event_ts", "cost_center", "service_code", "quantity", "ordering_cost_center"], [
        ["E1", "C1", "", "2025-02-02 08:00", "WARD", "VD", "6", ""],
        ["E14", "C6", "", "2025-01-01 00:00", "WARD", "VD", "2", ""],
        ["E2", "", P1, "2025-02-05 12:00", "LAB", "L1", "1", ""],
        ["E3", "", P1, "2025-03-11 10:00", "LAB", "L1", "1", "OPD"],
        ["E4", "", P1, "2025-03-11 10:30", "LAB", "L1", "1", ""],
        ["E5", "", P1, "2025-03-14 11:00", "LAB", "L2", "1", ""],
        ["E13", "", P1, "2025-03-14 11:00:01", "LAB", "L2", "1", ""],
        ["E6", "C99", P1, "2025-03-10 10:00", "OPD", "TEL", "2", ""],
        ["E7", "C2", "", "2025-03-10 10:00", "OPD", "BES", "3", ""],
        ["E8", "C2", "", "2025-07-03 10:00", "OPD", "BES", "5", ""],
        ["E1", "C2", "", "2025-03-10 10:00", "OPD", "BES", "1", ""],  # duplicate id
        ["E10", "C2", "", "2025-03-10 10:00", "OPD", "BES", "0", ""],  # quantity 0
        ["E11", "C2", "", "2025-03-10 10:00", "WARD", "XX", "1", ""],  # unknown service
    ])
    _write(landing / "specific_costs.csv",
           ["specific_cost_id", "contact_id", "personnummer", "event_ts", "cost_center", "account", "amount", "item"], [
        ["S1", "C1", "", "2025-02-03 10:00", "WARD", "5041", "2000", "Höftprotes"],
        ["S2", "", P1, "2025-02-06 10:00", "WARD", "5041", "500", "Skruv"],
        ["S3", "C2", "", "2025-03-10 10:00", "WARD", "5020", "100", "Läkemedel"],  # account not specific
        ["S4", "C2", "", "2025-03-10 10:00", "WARD", "5041", "0", "Implantat"],  # amount 0
    ])
    return landing
