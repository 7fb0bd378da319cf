"""The expectation gates (orchestration/checks, expectations/): suites as data with their rules' defaults,
overrides per region, results without personal data, and blocking checks between the steps.

The gates run directly on the hand-made region (tests/handmade.py, costed without
Dagster), where every observed number is worked out on paper; one `kpp run`
shows a failed gate stopping the run.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dagster import AssetCheckKey, DagsterInstance

from kpp.expectations import (
    EXPECTATIONS_DIR,
    SUITES,
    USES_SUITE,
    Frame,
    Suite,
    Thresholds,
    _context,
    dbt_relation,
    run_gate,
    validate_frames,
)
from kpp.landing.contract import EXCLUSION_CATEGORIES
from kpp.publish import failed_checks
from kpp.settings import REPO_ROOT
from kpp.steps import STEPS
from orchestration.checks.gates import gated_asset
from orchestration.cli import main
from orchestration.partitions import period_for_key
from tests.conftest import EXAMPLE_KEY, query, toy_dbt_project
from tests.handmade import write_region

PERIOD = period_for_key("2025-H1")


def gate(db, suite: str, thresholds: Thresholds | None = None, **kwargs):
    with duckdb.connect(str(db), read_only=True) as con:
        return run_gate(suite, con, PERIOD, thresholds or Thresholds.load(""), **kwargs)


def with_rule(suite: str, rule: str, **values) -> Thresholds:
    base = Thresholds.load("")
    rules = {s: {r: dict(v) for r, v in by_rule.items()} for s, by_rule in base.rules.items()}
    rules[suite][rule].update(values)
    return Thresholds("test", base.tolerance_sek, rules)


def failed(outcome) -> dict[str, list[dict]]:
    return {r.rule: list(r.offending) for r in outcome.errors + outcome.warnings}


def test_suites_are_gx_suites_that_give_each_rule_its_defaults():
    import great_expectations as gx

    thresholds = Thresholds.load("")
    for name in (*SUITES, USES_SUITE):
        body = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert len(gx.ExpectationSuite(**body).expectations) == len(body["expectations"])
        suite = Suite.load(name)
        params = thresholds.parameters(name)
        for e in suite.expectations:
            assert e["meta"]["frame"] in suite.frames, e
            assert thresholds.rules[name][e["meta"]["rule"]] == e["meta"]["defaults"]
            for value in e["kwargs"].values():
                if isinstance(value, dict) and "$PARAMETER" in value:
                    assert value["$PARAMETER"].lstrip("-") in params, (name, value)
        for frame in suite.frames:
            # a frame reads a dbt relation; a period's gate reads its period only, the uses' gate every period
            dbt_relation(suite.reads[frame].relation)
            assert ("$partition_key" in suite.query(frame)) == (name != USES_SUITE), (name, frame)
    assert list(thresholds.rules) == [*SUITES, USES_SUITE]
    assert thresholds.rules["step3_calculation"]["unit_cost_bed_day"] == {"severity": "warning", "min": 1000, "max": 60000}


def test_a_rule_has_one_expectation_with_its_defaults():
    step2 = Suite.load("step2_allocation")
    (share,) = [e for e in step2.expectations if e["meta"]["rule"] == "indirect_share"]
    assert step2.defaults["indirect_share"] == {"severity": "warning", "min": 0.02, "max": 0.75}
    with pytest.raises(ValueError, match="expectations/step2_allocation.json: rule 'indirect_share' is named by two "
                                         "expectations; give each its own rule"):
        replace(step2, expectations=[share, share]).defaults
    bare = {**share, "meta": {"rule": "indirect_share", "frame": "totals"}}
    with pytest.raises(ValueError, match="expectations/step2_allocation.json: rule 'indirect_share' needs severity error "
                                         "or warning, not None"):
        replace(step2, expectations=[bare]).defaults


def test_no_rule_is_both_an_expectation_and_a_check_of_dbt(handmade_db):
    """The spec's identities are rows of the checks models (dbt test all_checks_passed), not expectations too."""
    checks = {c.split(":")[0] for (c,) in query(handmade_db, 'select "check" from marts.reconciliation')}
    assert {"rows_read", "tkb_reconciliation", "allocation_complete", "unit_cost_absorption", "central_reconciliation",
            "unmatched_share_max"} <= checks
    rules = {e["meta"]["rule"] for name in (*SUITES, USES_SUITE) for e in Suite.load(name).expectations}
    assert not rules & checks


def test_a_frame_is_a_select_of_its_dbt_relation_and_a_renamed_one_is_named():
    assert Suite.load("landing").query("files") == (
        'select * from "intermediate"."int_input_files_reconciled" where partition_key = $partition_key order by table_name')
    assert Suite.load(USES_SUITE).query("checks") == (
        "select check_kind, check_name, passed, expected, actual, coalesce(detail, '') as detail "
        'from "uses"."int_uses_checks_computed" order by check_kind, check_name')
    renamed = Suite("landing", "test", {"files": ["file_name"]}, [], {"files": Frame("int_files_reconciled")})
    with pytest.raises(ValueError, match="the gates read 'int_files_reconciled', which is no dbt model, seed or source"):
        renamed.query("files")


def test_the_exclusion_categories_are_their_seed():
    import csv

    with (REPO_ROOT / "seeds" / "exclusion_categories.csv").open(encoding="utf-8", newline="") as handle:
        seed = [row["exclusion_category"] for row in csv.DictReader(handle)]
    assert len(seed) == 7 and list(EXCLUSION_CATEGORIES) == seed
    assert Thresholds.load("").parameters("landing")["exclusion_categories"] == seed
    (allowed,) = [e for e in Suite.load("landing").expectations if e["meta"]["rule"] == "account_exclusion_allowed"]
    assert allowed["kwargs"]["value_set"] == {"$PARAMETER": "exclusion_categories"}
    frame = pd.DataFrame({"source_line": [2, 3, 4], "account": ["4010", "4510", "4610"],
                          "exclusion": [None, "transport", "travel"]})
    suite = Suite("landing", "test", {"accounts": ["source_line", "account"]}, [allowed])
    (result,) = validate_frames(suite, {"accounts": frame}, Thresholds.load(""), PERIOD.key).rules
    assert (result.success, result.offending) == (False, ({"exclusion": "travel", "source_line": "4", "account": "4610"},))


def test_a_gate_on_small_frames_names_its_offending_rows():
    landing = Suite.load("landing")
    stays = pd.DataFrame({
        "cost_center": ["K1", "K2"], "contacts": [3, 2], "shortest_stay_hours": [0.5, -24.0],
        "ending_before_start": ["", "contacts.csv line 7, column end_ts 2025-03-09 10:00 < start_ts 2025-03-10 10:00 (C2)"]})
    suite = Suite("landing", landing.title, {"contact_stays": landing.frames["contact_stays"]},
                  [e for e in landing.expectations if e["meta"]["frame"] == "contact_stays"])
    outcome = validate_frames(suite, {"contact_stays": stays}, Thresholds.load(""), PERIOD.key)
    assert not outcome.passed and outcome.frame_rows == {"contact_stays": 2}
    (error,) = outcome.errors
    assert error.line() == (
        "contact_end_not_before_start (error): No contact ends before it starts (end_ts ≥ start_ts). Observed: 1 of 2 "
        "rows unexpected — shortest_stay_hours=-24.00, cost_center=K2, ending_before_start=contacts.csv line 7, column "
        "end_ts 2025-03-09 10:00 < start_ts 2025-03-10 10:00 (C2)")
    # the same share passes at the suite's default and fails at a stricter threshold
    step2 = Suite.load("step2_allocation")
    share = Suite("step2_allocation", step2.title, {"totals": []},
                  [e for e in step2.expectations if e["meta"]["rule"] == "indirect_share"])
    totals = pd.DataFrame({"production_cost": [15000.0], "indirect_cost": [1800.0], "indirect_share": [1800 / 15000]})
    assert validate_frames(share, {"totals": totals}, Thresholds.load(""), PERIOD.key).rules[0].success
    strict = validate_frames(share, {"totals": totals}, with_rule("step2_allocation", "indirect_share", max=0.1), PERIOD.key)
    assert strict.warnings[0].observed == "1 of 1 rows unexpected" and strict.warnings[0].offending == ({"indirect_share": "0.1200"},)


def test_failed_checks_are_the_error_checks_that_did_not_pass_in_reconciliation_order(tmp_path):
    """One answer to "did every check pass" (kpp.publish.failed_checks): for `kpp run`'s message and before publishing."""
    with duckdb.connect(str(tmp_path / "kpp.duckdb")) as con:
        con.execute("create schema intermediate")
        for table, step, rows in [
            ("int_tkb_checks_computed", "step1_tkb", [
                ("tkb_reconciliation:total", 15100.0, 15000.0, False, "error", None),
                ("tkb_reconciliation:XX", 200.0, 0.0, False, "error", None),
                ("ledger_codes_known", 0.0, 2.0, False, "error", "unknown codes (amount SEK): cost_center XX (200.00)"),
                ("ledger_rows_outside_period", 0.0, 2.0, True, "info", None)]),
            ("int_matching_checks_computed", "step4_matching", [
                ("specific_cost_factors_in_range", 0.0, 1.0, False, "warn", "K2901/5041 (1.3)"),
                ("unmatched_share_max", 0.02, 950 / 15000, False, "error", "3 unmatched events costing 950.00 SEK")]),
            ("int_landing_checks_computed", "landing", [("rows_read:ledger", 67.0, 67.0, True, "error", None)]),
        ]:
            con.execute(f"create table intermediate.{table} (partition_key varchar, step varchar, check_name varchar, "
                        "expected double, actual double, difference double, passed boolean, severity varchar, detail varchar)")
            for key in ("2025-H1", "2025"):
                con.executemany(f"insert into intermediate.{table} values ('{key}', '{step}', ?, ?, ?, ? - ?, ?, ?, ?)",
                                [(c, e, a, a, e, p, sev, d) for c, e, a, p, sev, d in rows])
        con.execute("delete from intermediate.int_matching_checks_computed where partition_key = '2025'")
        assert failed_checks(con, "2025-H1") == [
            ("step1_tkb", "ledger_codes_known", 0.0, 2.0, "unknown codes (amount SEK): cost_center XX (200.00)"),
            ("step1_tkb", "tkb_reconciliation:XX", 200.0, 0.0, None),
            ("step1_tkb", "tkb_reconciliation:total", 15100.0, 15000.0, None),
            ("step4_matching", "unmatched_share_max", 0.02, 950 / 15000, "3 unmatched events costing 950.00 SEK"),
        ]
        assert [c for _, c, *_ in failed_checks(con, "2025")] == [
            "ledger_codes_known", "tkb_reconciliation:XX", "tkb_reconciliation:total"]
        assert failed_checks(con, "2024") == []


def test_a_region_block_overrides_single_entries(monkeypatch, tmp_path):
    defaults = Thresholds.load("")
    monkeypatch.setenv("KPP_REGION", "example_region")
    region = Thresholds.load()
    assert region.region == "example_region"
    assert region.rules["landing"]["invalid_personnummer_share"] == {"severity": "error", "max": 0.005}
    assert defaults.rules["landing"]["invalid_personnummer_share"] == {"severity": "warning", "max": 0.01}
    assert region.parameters("step3_calculation")["unit_cost_bed_day_min"] == 5000
    assert region.parameters("step3_calculation")["unit_cost_bed_day_max"] == 20000
    assert region.rules["step3_calculation"]["unit_cost_lab"] == defaults.rules["step3_calculation"]["unit_cost_lab"]
    with pytest.raises(ValueError, match="KPP_REGION=atlantis: no such region in thresholds.yml; known: example_region"):
        Thresholds.load("atlantis")
    for block, error in [
        ({"landing": {"reject_shares": {"max": 0.1}}}, "landing has no rule 'reject_shares'"),
        ({"landing": {"reject_share": {"mx": 0.1}}},
         r"rule 'reject_share' of landing has no mx \(its meta.defaults in expectations/landing.json\)"),
        ({"landing": {"reject_share": {"severity": "fatal"}}}, "rule 'reject_share' needs severity error or warning, not 'fatal'"),
    ]:
        path = tmp_path / "thresholds.yml"
        path.write_text(yaml.safe_dump({"tolerance_sek": 0.005, "regions": {"r": block}}), encoding="utf-8")
        with pytest.raises(ValueError, match=f"thresholds.yml, region r: {error}"):
            Thresholds.load("r", path)


def test_the_handmade_region_passes_every_gate_warning_only_of_its_rejects(handmade_db):
    outcomes = {suite: gate(handmade_db, suite) for suite in SUITES}
    assert all(o.passed for o in outcomes.values())
    assert {s: failed(o) for s, o in outcomes.items() if failed(o)} == {"landing": {"reject_share": [
        # rejected / read: C1 twice (1 of 7), E1 twice, E10 quantity 0, E11 unknown (3 of 13), S3, S4 (2 of 4)
        {"reject_share": "0.1429", "file_name": "contacts.csv"},
        {"reject_share": "0.2308", "file_name": "service_events.csv"},
        {"reject_share": "0.5000", "file_name": "specific_costs.csv"},
    ]}}
    assert outcomes["landing"].frame_rows == {
        "files": 8, "personnummer": 3, "cost_centers": 6, "accounts": 6, "service_catalog": 5,
        "allocation_keys": 11, "contact_kinds": 2, "contact_stays": 3,
    }
    assert len(outcomes["step3_calculation"].rules) == 13


@pytest.mark.parametrize(("suite", "rule", "values", "offending"), [
    # unit costs of tests/handmade.py: WARD VD 8200 / 8 = 1025; LAB L1 250, L2 375
    ("step3_calculation", "unit_cost_bed_day", {"max": 1000},
     [{"unit_cost": "1,025.00", "cost_center": "WARD", "service_code": "VD"}]),
    ("step3_calculation", "unit_cost_lab", {"max": 300},
     [{"unit_cost": "375.00", "cost_center": "LAB", "service_code": "L2"}]),
    ("step3_calculation", "unit_cost_visit_other", {"min": 300},
     [{"unit_cost": "287.50", "cost_center": "OPD", "service_code": "TEL"}]),
    # overhead received by WARD 1000, OPD 500, LAB 300 of production cost 15000
    ("step2_allocation", "indirect_share", {"max": 0.1}, [{"indirect_share": "0.1200"}]),
])
def test_a_threshold_decides_and_the_result_names_the_offending_rows(handmade_db, suite, rule, values, offending):
    as_warning = gate(handmade_db, suite, with_rule(suite, rule, severity="warning", **values))
    assert as_warning.passed and failed(as_warning) == {rule: offending}
    as_error = gate(handmade_db, suite, with_rule(suite, rule, severity="error", **values))
    assert not as_error.passed and [r.rule for r in as_error.errors] == [rule]
    message = as_error.message()
    assert message.startswith(f"gate expectations_{suite} failed in ")
    assert f"{rule} (error)" in message and ", ".join(f"{k}={v}" for k, v in offending[0].items()) in message


def test_data_docs_list_every_stage_of_every_run(handmade_db, tmp_path, monkeypatch):
    import kpp.data_docs  # imports GX: in the test, not when the module is collected

    site = tmp_path / "gx_docs" / "2025-H1"
    kpp.data_docs._COMPILED._code.clear()  # this process's earlier gates compiled them too
    pages = {suite: gate(handmade_db, suite, docs_dir=site, run_name="run-1").data_docs for suite in SUITES}
    gate(handmade_db, "landing", docs_dir=site, run_name="run-2")
    index = (site / "index.html").read_text(encoding="utf-8")
    for suite, page in pages.items():
        assert page.is_file() and page.is_relative_to(site / "validations" / suite / "run-1"), page
        assert str(page.relative_to(site)) in index
    assert len(list((site / "validations" / "landing").glob("run-*/*/2025-H1.html"))) == 2
    assert "3 unexpected values found" in pages["landing"].read_text(encoding="utf-8")  # reject_share
    # the pages are GX's own (kpp/data_docs.py only keeps the compiled templates): the site rebuilt
    # from the same stores with GX's default views is the same, page for page
    own = tmp_path / "gx_own"
    shutil.copytree(site, own, ignore=shutil.ignore_patterns("*.html"))
    monkeypatch.setattr("kpp.data_docs.site_builders", dict)
    _context(own).build_data_docs()
    html = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    assert html == sorted(str(p.relative_to(own)) for p in own.rglob("*.html")) and len(html) > len(SUITES)

    def page(path: Path) -> str:  # less the render time and the element ids GX draws for every page
        return re.sub(r"\d{8}T\d{6}\.\d+Z|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "…", path.read_text(encoding="utf-8"))

    assert [p for p in html if page(site / p) != page(own / p)] == []
    assert kpp.data_docs._COMPILED._code  # and the gates' pages were rendered from the kept templates


def test_frames_with_personal_data_are_validated_without_values():
    thresholds = Thresholds("test", 0.005, {"custom": {"known_patient": {"severity": "error"}}})
    frame = pd.DataFrame({"contact_id": ["C1", "C2"], "patient_pseudonym": ["a1b2c3", "d4e5f6"]})

    def validate(df):
        expectation = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": df.columns[-1], "value_set": ["x"]},
                       "meta": {"rule": "known_patient", "frame": "patients"}}
        suite = Suite("custom", "test", {"patients": ["contact_id"]}, [expectation])
        return validate_frames(suite, {"patients": df}, thresholds, PERIOD.key).errors[0]

    # the same expectation on a column that is not personal data names the rows and values
    assert validate(frame.rename(columns={"patient_pseudonym": "code"})).offending == (
        {"code": "a1b2c3", "contact_id": "C1"}, {"code": "d4e5f6", "contact_id": "C2"})
    hidden = validate(frame)
    assert hidden.observed == "2 of 2 rows unexpected" and hidden.offending == ()
    assert "a1b2c3" not in hidden.line()


def test_a_failed_gate_stops_the_run_before_the_next_step(tmp_path, monkeypatch, capsys):
    landing = write_region(tmp_path / "landing" / "2025-H1")
    # a credit of 3000 on OPD: its pool becomes 1800 - 3000 + 500 = -700 (ledger still reconciles)
    with (landing / "ledger.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-03,OPD,5010,-3000.00\r\n")
    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert main(["run", "2025-H1", "--data-root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "gate expectations_step2_allocation failed" in err
    assert "pool_non_negative (error): No negative cost pools. Observed: 1 of 3 rows unexpected — pool=-700.00, cost_center=OPD" in err
    assert not (tmp_path / "exports" / "2025-H1").exists()

    instance = DagsterInstance.get()
    records = {step.suite: instance.get_latest_asset_check_evaluation_record(
        AssetCheckKey(gated_asset(step), f"expectations_{step.suite}")) for step in STEPS}
    # the gates after the failed one never ran; a gate with warnings only is a failed (WARN) evaluation
    assert {suite: record.status.value for suite, record in records.items()} == {
        "landing": "FAILED", "step1_tkb": "FAILED", "step2_allocation": "FAILED",
        "step3_calculation": "PLANNED", "step4_matching": "PLANNED", "results": "PLANNED",
    }
    evaluations = {f"expectations_{suite}": records[suite].event.dagster_event.event_specific_data
                   for suite in ("landing", "step1_tkb", "step2_allocation")}
    step2 = evaluations["expectations_step2_allocation"]
    assert (step2.passed, step2.severity.value, step2.blocking) == (False, "ERROR", True)
    assert step2.metadata["failed_errors"].value == ["pool_non_negative"]
    assert step2.metadata["failed"].value["pool_non_negative"]["offending"] == [{"pool": "-700.00", "cost_center": "OPD"}]
    assert step2.metadata["frame_rows"].value == {"totals": 1, "pools": 3, "overhead": 2}
    assert 0 < step2.metadata["duration_s"].value < 60
    assert re.search(r"\| pool_non_negative \| error \| FAILED \| 1 of 3 rows unexpected \|", step2.metadata["expectations"].value)
    # the earlier gates passed with warnings: the rejects, and OPD's negative production cost
    step1 = evaluations["expectations_step1_tkb"]
    assert (step1.passed, step1.severity.value, step1.metadata["failed_warnings"].value) == (
        False, "WARN", ["centre_production_cost_non_negative"])
    assert evaluations["expectations_landing"].metadata["failed_warnings"].value == ["reject_share"]
    # nothing after the failed gate ran; its Data Docs page is there
    assert query(tmp_path / "kpp.duckdb", "select count(*) from intermediate.int_cost_pools_built where partition_key = '2025-H1'") == [(3,)]
    with duckdb.connect(str(tmp_path / "kpp.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "int_unit_costs_calculated" not in tables
    assert (tmp_path / "gx_docs" / "2025-H1" / "index.html").is_file()
    assert step2.metadata["data_docs"].value.startswith(str(tmp_path / "gx_docs" / "2025-H1" / "validations" / "step2_allocation"))


def test_a_failing_dbt_test_that_is_no_check_fails_its_step_and_publishes_nothing(example_run, tmp_path, monkeypatch):
    """Key and not-null tests are no asset checks (orchestration/assets/dbt.py) but still stop the run."""

    from dagster import DagsterEventType

    from orchestration.definitions import defs

    root = tmp_path / "root"
    shutil.copytree(example_run.root, root, symlinks=True, ignore=shutil.ignore_patterns("dagster_home", "logs"))
    published = "select count(*), sum(total_cost) from published.cost_list where partition_key = '2025'"
    before = query(root / "kpp.duckdb", published)
    # a service listed twice, behind the loader's back: the staging key test must catch it
    with duckdb.connect(str(root / "kpp.duckdb")) as con:
        con.execute("insert into landing.service_catalog "
                    "select * from landing.service_catalog where partition_key = '2025' limit 1")
    monkeypatch.setenv("KPP_DATA_ROOT", str(root))
    job = defs.resolve_job_def("kpp_period")
    # everything but the loader, which would reload the files
    selection = [key for key in job.asset_layer.asset_graph.get_all_asset_keys() if key.path[0] != "landing"]
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(partition_key="2025", instance=instance, asset_selection=selection,
                                        raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "landing_models"
    assert "grain_stg_landing__service_catalog" in str(failure.step_failure_data.error)
    checks = {e.event_specific_data.check_name for e in result.all_events
              if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION}
    assert not [name for name in checks if name.startswith(("grain", "unique"))]  # it failed the step, as no check
    assert not [e for e in result.all_events if e.is_step_success and e.step_key in ("published", "exports")]
    assert query(root / "kpp.duckdb", published) == before


def test_the_grain_test_names_each_broken_rule_of_a_model(tmp_path):
    """tests/generic/grain.sql on a one-model project: each rule broken by known rows, a failure per rule
    a row breaks and per repeated key; empty values pass accepted_values and unique, as in dbt."""
    build, project, warehouse = toy_dbt_project(tmp_path, "table", "tests/generic/grain.sql")
    (project / "models" / "toy.yml").write_text(
        "version: 2\nmodels:\n  - name: toy\n    data_tests:\n      - grain:\n          name: grain_toy\n"
        "          arguments:\n            columns: [k1, k2]\n            nullable: [k2]\n            not_null: [\"a'\"]\n"
        "            accepted_values: {b: [x, y]}\n            unique: [u]\n")
    rows = {
        "clean": ["(1, 'p', 'a1', 'x', 'u1')", "(2, null, 'a2', 'y', 'u2')", "(3, 'q', 'a3', null, null)",
                  "(4, 'q', 'a4', 'x', null)"],
        "broken": ["(1, 'p', 'a1', 'x', 'u1')", "(1, 'p', 'a2', 'y', 'u2')",  # repeated key
                   "(2, null, 'a3', 'x', 'u3')", "(2, null, 'a4', 'x', 'u4')",  # repeated, empty part alike
                   "(3, 'q', null, 'z', 'u5')",  # empty a' and b not accepted: two
                   "(4, 'q', 'a6', null, null)", "(5, 'q', 'a7', 'x', null)",  # empty b, u: pass
                   "(6, 'q', 'a8', 'x', 'u1')",  # u repeated
                   "(null, 'r', 'a9', 'x', 'u9')"],  # empty key part not nullable
    }

    def test(name: str):
        (project / "models" / "toy.sql").write_text(
            # a column named with a quote: quoted in the SQL and in its rule's label
            "select * from (values " + ", ".join(rows[name]) + ") t(k1, k2, \"a'\", b, u)")
        result = build("--store-failures")
        (test_result,) = [r for r in result.result.results if r.node.resource_type == "test"]
        with duckdb.connect(str(warehouse)) as con:  # as dbt-duckdb opened it
            failures = sorted(f for (f,) in con.execute("select failure from main_dbt_test__audit.grain_toy").fetchall())
        return test_result.failures, failures

    assert test("clean") == (0, [])
    assert test("broken") == (6, ["b not in the accepted values", "empty a'", "empty k1",
                                  "repeated key (k1, k2)", "repeated key (k1, k2)", "repeated key (u)"])
