"""The synthetic landing-data generator (kpp_synthetic): determinism, contract, realism.

Runs the `demo` size (two hospitals, ~3 000 contacts a year, CSV) into tmp_path;
a few seconds in total.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from kpp.landing.contract import TABLES as CONTRACT
from kpp.landing.generated_marker import GENERATED_MARKER
from kpp_synthetic import SIZES, SPECIFIC_ACCOUNTS, generate

YEAR = 2025
# spec §1: the generator writes every contract column, in the contract's order
HEADERS = {name: [column.name for column in table.columns] for name, table in CONTRACT.items()}
TABLES = tuple(HEADERS)
PARTITIONS = (f"{YEAR}-H1", f"{YEAR}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic") / "a"
    messages: list[str] = []
    summary = generate("demo", YEAR, root, seed=42, progress=messages.append)
    return root, summary, messages


def _read(root: Path, partition: str, table: str) -> list[dict[str, str]]:
    with open(root / "landing" / partition / f"{table}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "landing").rglob("*")) if p.is_file()}


def _luhn_ok(pn: str) -> bool:
    digits = [int(c) for c in pn[2:]]
    total = 0
    for i, d in enumerate(digits[:9]):
        x = d * (2 if i % 2 == 0 else 1)
        total += x // 10 + x % 10
    return (10 - total % 10) % 10 == digits[9]


def _is_date(pn: str) -> bool:
    day = int(pn[6:8])
    try:
        date(int(pn[:4]), int(pn[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        return False
    return True


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    root, summary, _ = demo
    again = tmp_path / "b"
    generate("demo", YEAR, again, seed=42)
    first, second = _digests(root), _digests(again)
    assert len(first) == 20  # the eight files, hospitals.csv and the generator's marker (.kpp-generated), per partition
    assert first == second
    other = _digests(_generate_other_seed(tmp_path))
    assert other["landing/2025/service_events.csv"] != first["landing/2025/service_events.csv"]


def _generate_other_seed(tmp_path: Path) -> Path:
    root = tmp_path / "c"
    generate("demo", YEAR, root, seed=7)
    return root


def test_all_contract_files_with_spec_headers(demo):
    root, summary, messages = demo
    for partition in PARTITIONS:
        folder = root / "landing" / partition
        # the marker says the folder is generated: kpp demo and kpp generate may overwrite it
        assert sorted(p.name for p in folder.iterdir()) == sorted([f"{t}.csv" for t in TABLES] + [GENERATED_MARKER])
        for table in TABLES:
            with open(folder / f"{table}.csv", encoding="utf-8") as fh:
                assert fh.readline().rstrip("\n").split(",") == HEADERS[table], (partition, table)
            rows = summary["partitions"][partition]["files"][table]["rows"]
            assert rows == len(_read(root, partition, table)) and rows > 0
    assert any("service_events" in m for m in messages)


def test_demo_volumes(demo):
    root, summary, _ = demo
    contacts = _read(root, f"{YEAR}", "contacts")
    events = _read(root, f"{YEAR}", "service_events")
    centres = _read(root, f"{YEAR}", "cost_centers")
    assert 2_500 <= len(contacts) <= 3_600
    assert 20_000 <= len(events) <= 40_000
    assert 35 <= len(centres) <= 50
    assert {c["hospital"] for c in centres if c["role"] == "care"} == {"US", "LS"}
    specific = _read(root, f"{YEAR}", "specific_costs")
    assert 8 <= len(specific) <= 45
    assert {s["account"] for s in specific} <= set(SPECIFIC_ACCOUNTS)
    assert SIZES["demo"].fmt == "csv" and SIZES["region"].fmt == "parquet"


def test_personnummer_check_digits(demo):
    root, _, _ = demo
    numbers = {c["personnummer"] for c in _read(root, f"{YEAR}", "contacts")}
    assert all(len(n) == 12 and n.isdigit() for n in numbers)
    reserve = {n for n in numbers if not _is_date(n)}
    samordning = {n for n in numbers - reserve if int(n[6:8]) > 60}
    valid = {n for n in numbers - reserve if _luhn_ok(n)}
    assert all(n.startswith("99") for n in reserve) and 1 <= len(reserve) <= 0.01 * len(numbers)
    assert 0.005 * len(numbers) <= len(samordning) <= 0.03 * len(numbers)
    assert samordning <= valid  # samordningsnummer carry a correct check digit too
    share = len(valid) / len(numbers - reserve)
    assert 0.99 <= share < 1.0  # a few wrong check digits, like a real PAS extract


def test_same_patient_same_number_across_deliveries(demo):
    root, _, _ = demo
    h1 = {c["contact_id"]: c for c in _read(root, f"{YEAR}-H1", "contacts")}
    fy = {c["contact_id"]: c for c in _read(root, f"{YEAR}", "contacts")}
    assert set(h1) < set(fy)
    assert all(fy[k]["personnummer"] == v["personnummer"] and fy[k]["start_ts"] == v["start_ts"] for k, v in h1.items())
    assert all(v["start_ts"] < f"{YEAR}-07-01" for v in h1.values())
    per_patient = Counter(c["personnummer"] for c in fy.values())
    assert max(per_patient.values()) >= 3  # patients come back


def test_ledger_codes_exist_and_months(demo):
    root, _, _ = demo
    for partition in PARTITIONS:
        ledger = _read(root, partition, "ledger")
        centres = {c["cost_center"]: c for c in _read(root, partition, "cost_centers")}
        accounts = {a["account"]: a for a in _read(root, partition, "accounts")}
        assert {r["cost_center"] for r in ledger} <= set(centres)
        assert {r["account"] for r in ledger} <= set(accounts)
        months = Counter(r["month"] for r in ledger)
        period = [f"{YEAR}-{m:02d}" for m in range(1, 13 if partition == f"{YEAR}" else 7)]
        assert all(months[m] > 100 for m in period)
        outside = set(months) - set(period)
        if partition == f"{YEAR}-H1":
            assert outside == {f"{YEAR - 1}-12", f"{YEAR}-07"}  # late postings and a preliminary July
        else:
            assert outside == {f"{YEAR - 1}-12"}
        assert sum(months[m] for m in outside) < 0.15 * len(ledger)
        # the shared first half of the year is the same in both deliveries
    h1 = sorted(tuple(r.values()) for r in _read(root, f"{YEAR}-H1", "ledger") if r["month"] <= f"{YEAR}-06")
    fy = sorted(tuple(r.values()) for r in _read(root, f"{YEAR}", "ledger") if r["month"] <= f"{YEAR}-06")
    assert h1 == fy


def test_allocation_keys_reach_later_care_and_service_centres(demo):
    root, _, _ = demo
    centres = {c["cost_center"]: c for c in _read(root, f"{YEAR}", "cost_centers")}
    keys = _read(root, f"{YEAR}", "allocation_keys")
    overhead = [c for c in centres.values() if c["role"] == "overhead"]
    assert sorted(int(c["allocation_order"]) for c in overhead) == list(range(1, len(overhead) + 1))
    for c in overhead:
        receivers = [k for k in keys if k["key"] == c["allocation_key"] and float(k["value"]) > 0
                     and centres[k["cost_center"]]["role"] in ("care", "service")]
        assert receivers, c["cost_center"]


def test_every_costed_centre_has_catalog_events_in_each_half(demo):
    root, _, _ = demo
    for partition, end in ((f"{YEAR}-H1", f"{YEAR}-07-01"), (f"{YEAR}", f"{YEAR + 1}-01-01")):
        centres = {c["cost_center"]: c["role"] for c in _read(root, partition, "cost_centers")}
        catalog = {(s["cost_center"], s["service_code"]) for s in _read(root, partition, "service_catalog")}
        events = _read(root, partition, "service_events")
        assert all((e["cost_center"], e["service_code"]) in catalog for e in events)
        producing = {e["cost_center"] for e in events if f"{YEAR}-01-01" <= e["event_ts"] < end}
        costed = {r["cost_center"] for r in _read(root, partition, "ledger")
                  if centres[r["cost_center"]] in ("care", "service")}
        assert costed <= producing, costed - producing


def test_specific_costs_booked_on_same_centre_and_account(demo):
    root, _, _ = demo
    ledger = _read(root, f"{YEAR}", "ledger")
    booked: Counter = Counter()
    for r in ledger:
        if r["account"] in SPECIFIC_ACCOUNTS and r["month"].startswith(f"{YEAR}-"):
            booked[(r["cost_center"], r["account"])] += float(r["amount"])
    registered: Counter = Counter()
    for s in _read(root, f"{YEAR}", "specific_costs"):
        if s["event_ts"].startswith(f"{YEAR}-"):
            registered[(s["cost_center"], s["account"])] += float(s["amount"])
    assert set(booked) == set(registered)
    for pair, amount in registered.items():
        assert 0.85 <= booked[pair] / amount <= 1.15, pair


def test_events_reference_contacts_or_personnummer(demo):
    root, _, _ = demo
    contacts = {c["contact_id"]: c for c in _read(root, f"{YEAR}", "contacts")}
    events = _read(root, f"{YEAR}", "service_events")
    by_pn = [e for e in events if not e["contact_id"]]
    assert all(e["personnummer"] for e in by_pn)
    assert 0.3 <= len(by_pn) / len(events) <= 0.8  # lab/radiology systems often send only personnummer
    assert all(e["contact_id"] in contacts for e in events if e["contact_id"])  # dirty=0: no unknown ids
    assert len({e["event_id"] for e in events}) == len(events)
    # bed days: one event per stay part; a stay over 1 July is split, the second part dated 1 July 00:00
    beds = [e for e in events if e["service_code"] in ("VD", "HIA")]
    stays = {c for c, v in contacts.items() if v["care_type"] == "inpatient"}
    assert {e["contact_id"] for e in beds} == stays
    split = [e for e in beds if e["event_ts"] == f"{YEAR}-07-01 00:00"]
    assert split and all(contacts[e["contact_id"]]["start_ts"] < f"{YEAR}-07-01" for e in split)


def test_dirty_adds_defects(tmp_path):
    summary = generate("demo", YEAR, tmp_path, seed=42, dirty=1.0)
    root = Path(summary["data_root"])
    events = _read(root, f"{YEAR}", "service_events")
    contacts = _read(root, f"{YEAR}", "contacts")
    ids = Counter(e["event_id"] for e in events)
    assert sum(n - 1 for n in ids.values()) >= 10
    known = {c["contact_id"] for c in contacts}
    assert sum(1 for e in events if e["contact_id"] and e["contact_id"] not in known) >= 50
    months = Counter(r["month"] for r in _read(root, f"{YEAR}", "ledger"))
    assert months[f"{YEAR + 1}-01"] > 0


def test_calibration_summary(demo):
    _, summary, _ = demo
    cal = summary["calibration"]
    assert 0.55 <= cal["personnel_share_of_production"] <= 0.65
    assert 0.15 <= cal["overhead_share_of_production"] <= 0.20
    assert 60_000 <= cal["cost_per_drg_point_estimate"] <= 75_000
    assert 4.0 <= cal["mean_los_days"] <= 6.0
