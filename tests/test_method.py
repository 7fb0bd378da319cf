"""The four KPP steps on the hand-made region of tests/handmade.py, against numbers worked out by hand."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import dbt_build, query

PK = "2025-H1"


@pytest.fixture
def db(handmade_db):
    return handmade_db


def mart(db, name: str, columns: str, order: str) -> list[tuple]:
    return query(db, f"select {columns} from marts.{name} where partition_key = ? order by {order}", [PK])


def test_ledger_classification_and_tkb_identity(db):
    rows = dict((r[0], r[1:]) for r in mart(db, "ledger_classification",
                "cost_center, ledger_total, revenue, eliminated_internal, excluded, production_cost", "cost_center"))
    assert rows["WARD"] == pytest.approx((9600, -600, 0, 0, 10200))
    assert rows["OPD"] == pytest.approx((2400, 0, 0, 600, 1800))
    assert rows["LAB"] == pytest.approx((1500, 0, 300, 0, 1200))
    assert rows["EXC"] == pytest.approx((600, 0, 0, 600, 0))
    assert sum(r[4] for r in rows.values()) == pytest.approx(15000)


def test_step_down_allocation(db):
    flows = {(s, r): a for s, r, a in query(
        db, "select source, receiver, sum(amount) from marts.overhead_allocation where partition_key = ? group by all", [PK])}
    assert flows == pytest.approx({
        ("OH1", "OH2"): 200, ("OH1", "WARD"): 600, ("OH1", "OPD"): 300, ("OH1", "LAB"): 100,
        ("OH2", "WARD"): 400, ("OH2", "OPD"): 200, ("OH2", "LAB"): 200,
    })


def test_cost_pools(db):
    assert mart(db, "cost_pools", "cost_center, direct_cost, indirect_cost, parked_cost, pool", "cost_center") == [
        ("LAB", 1200, 300, 0, 1500), ("OPD", 1800, 500, 0, 2300), ("WARD", 7200, 1000, 3000, 8200)]


def test_unit_costs(db):
    rows = mart(db, "unit_costs", "cost_center, service_code, volume, unit_cost", "cost_center, service_code")
    assert rows == [("LAB", "L1", 3, pytest.approx(250)), ("LAB", "L2", 2, pytest.approx(375)),
                    ("OPD", "BES", 3, pytest.approx(575)), ("OPD", "TEL", 2, pytest.approx(287.5)),
                    ("WARD", "VD", 8, pytest.approx(1025))]


def test_matching_rules(db):
    matched = dict((r[0], r[1:]) for r in query(
        db, "select item_id, matched_contact_id, match_rule, unmatched_reason from intermediate.int_cost_items_matched "
            "where partition_key = ?", [PK]))
    assert matched["E1"] == ("C1", "1", None)
    assert matched["E2"] == ("C5", "2a", None)  # inside two stays: the latest start wins
    assert matched["E3"] == ("C2", "2b", None)  # the orderer's contact beats a nearer one
    assert matched["E4"] == ("C4", "2b", None)  # no orderer: the nearest
    assert matched["E5"] == ("C4", "2b", None)  # exactly 3 days: inclusive
    assert matched["E13"] == (None, None, "no_contact_in_window")  # one second more
    assert matched["E6"] == (None, None, "unknown_contact")  # rule 2 is not tried
    assert matched["S2"] == ("C1", "2a", None)
    assert "E8" not in matched  # outside the period


def test_specific_cost_recalculation(db):
    assert mart(db, "specific_cost_scaling", "cost_center, account, parked_cost, matched_registered, scale_factor, residual",
                "cost_center") == [("WARD", "5041", 3000, 2500, pytest.approx(1.2), 0)]


def test_contact_costs(db):
    rows = mart(db, "cost_list", "contact_id, total_cost, specific_cost, spans_period_boundary", "contact_id")
    assert rows == [
        ("C1", pytest.approx(9150), pytest.approx(3000), False),
        ("C2", pytest.approx(1975), 0, False),
        ("C4", pytest.approx(625), 0, False),
        ("C5", pytest.approx(250), 0, False),
        ("C6", pytest.approx(2050), 0, True),
    ]


def test_breakdown_carries_pool_composition(db):
    rows = mart(db, "cost_list_breakdown", "service_group, cost_type, amount", "service_group, cost_type")
    c1 = [r for r in query(db, "select service_group, cost_type, amount from marts.cost_list_breakdown "
                               "where partition_key = ? and contact_id = 'C1' order by all", [PK])]
    # WARD pool 8200 = personnel 6000 + drugs 1200 + indirect 1000; C1 has 6 bed days of 1025
    assert c1 == [("bed_day", "drugs", pytest.approx(900)), ("bed_day", "indirect", pytest.approx(750)),
                  ("bed_day", "personnel", pytest.approx(4500)), ("specific_cost", "material", pytest.approx(3000))]
    assert sum(r[2] for r in rows) == pytest.approx(14050)


def test_unmatched_and_rejects(db):
    assert mart(db, "unmatched", "source, id, amount, reason", "id") == [
        ("service_event", "E13", pytest.approx(375), "no_contact_in_window"),
        ("service_event", "E6", pytest.approx(575), "unknown_contact")]
    assert mart(db, "rejects", "file, line, id, reason", "file, line") == [
        ("contacts.csv", 8, "C1", "duplicate_contact_id"),
        ("service_events.csv", 12, "E1", "duplicate_event_id"),
        ("service_events.csv", 13, "E10", "non_positive_quantity"),
        ("service_events.csv", 14, "E11", "unknown_service"),
        ("specific_costs.csv", 4, "S3", "account_not_specific"),
        ("specific_costs.csv", 5, "S4", "non_positive_amount"),
    ]


def test_reconciliation_holds_to_the_ore(db):
    checks = {c: (e, a, p) for c, e, a, p in mart(db, "reconciliation", '"check", expected, actual, passed', "check_order")}
    assert checks["central_reconciliation"][:2] == pytest.approx((15000, 15000), abs=0.005)
    assert checks["allocation_complete"] == (pytest.approx(15000), pytest.approx(15000), True)
    assert checks["rows_read:service_events"] == (13, 13, True)
    assert checks["rows_read:ledger"] == (67, 67, True)
    assert checks["unmatched_share_max"][1] == pytest.approx(950 / 15000)
    assert all(passed for _, _, passed in checks.values())


def test_unmatched_share_gate_fails_at_the_default_threshold(db, tmp_path):
    copy = tmp_path / "kpp.duckdb"
    shutil.copy(db, copy)
    result = dbt_build(copy, PK, select="path:models/intermediate/step4_matching")
    assert not result.success
    assert "all_checks_passed_int_matching_checks_computed" in result.output
    rows = query(copy, "select check_name, passed from intermediate.int_matching_checks_computed where partition_key = ? "
                     "and not passed and severity = 'error'", [PK])
    assert rows == [("unmatched_share_max", False)]
