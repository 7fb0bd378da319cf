"""The settings, read once (kpp/settings.py), and a run's options as the UI sets them (its config)."""

from __future__ import annotations

import shutil

import pytest
from dagster import AssetKey, DagsterInstance

from kpp.settings import DataRoot, Settings, SettingsError, period_years
from tests.conftest import EXAMPLE_KEY
from tests.handmade import P1, P2, write_region

SWEDISH_TOML = '[exports]\ndialect = "swedish"\nparquet = true\n'


def test_each_setting_from_the_run_else_the_environment_else_kpp_toml_else_its_default(tmp_path):
    default = Settings.load(tmp_path, environ={})
    assert (default.data_root, default.export_dialect, default.parquet, default.csv_dialect, default.keep_runs) == (
        DataRoot(tmp_path), "contract", False, "auto", 20)
    assert default.dbt_environment() == {"KPP_DATA_ROOT": str(tmp_path), "KPP_DUCKDB_MEMORY_LIMIT": "5GB",
                                         "KPP_DUCKDB_TEMP_DIR": str(tmp_path / "duckdb_tmp")}
    (tmp_path / "kpp.toml").write_text(SWEDISH_TOML, encoding="utf-8")
    toml = Settings.load(tmp_path, environ={})
    assert (toml.export_dialect, toml.parquet) == ("swedish", True)
    environ = {"KPP_EXPORT_DIALECT": "contract", "KPP_EXPORT_PARQUET": "0", "KPP_CSV_DIALECT": "swedish",
               "KPP_KEEP_RUNS": "3", "KPP_DUCKDB_TEMP_DIR": "/var/tmp/kpp"}
    env = Settings.load(tmp_path, environ=environ)
    assert (env.export_dialect, env.parquet, env.csv_dialect, env.keep_runs) == ("contract", False, "swedish", 3)
    assert env.duckdb_config == {"memory_limit": "5GB", "temp_directory": "/var/tmp/kpp"}
    run = Settings.load(tmp_path, environ=environ, export_dialect="swedish", parquet=True, csv_dialect=None)
    assert (run.export_dialect, run.parquet, run.csv_dialect) == ("swedish", True, "swedish")  # None: not given


def test_the_data_root_named_else_the_environment_else_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.load(environ={}).data_root == DataRoot(tmp_path / "data")
    assert Settings.load(environ={"KPP_DATA_ROOT": "elsewhere"}).data_root == DataRoot(tmp_path / "elsewhere")
    assert Settings.load("named", environ={"KPP_DATA_ROOT": "elsewhere"}).data_root == DataRoot(tmp_path / "named")


def test_the_partition_range_from_the_environment():
    assert period_years({"KPP_FIRST_YEAR": "2023", "KPP_LAST_YEAR": "2026"}) == (2023, 2026)
    with pytest.raises(SettingsError, match="KPP_FIRST_YEAR=2027 is after KPP_LAST_YEAR=2026"):
        period_years({"KPP_FIRST_YEAR": "2027", "KPP_LAST_YEAR": "2026"})
    with pytest.raises(SettingsError, match="KPP_LAST_YEAR='２０２６': give a year of four digits"):
        period_years({"KPP_LAST_YEAR": "２０２６"})


@pytest.mark.parametrize(("toml", "environ", "overrides", "message"), [
    ('[exports]\ndialect = "excel"\n', {}, {}, r"export dialect 'excel' \(.*kpp.toml \[exports\] dialect\): use one of contract, swedish"),
    ('[exports]\nparquet = "yes"\n', {}, {}, r"kpp.toml \[exports\] parquet='yes': give 1 or 0"),
    ('[exports]\ndialekt = "swedish"\n', {}, {}, r"kpp.toml \[exports\]: unknown key\(s\) dialekt; known: dialect, parquet"),
    ("[exports\n", {}, {}, r"kpp.toml: "),
    ("", {"KPP_EXPORT_PARQUET": "true"}, {}, "KPP_EXPORT_PARQUET='true': give 1 or 0"),
    ("", {"KPP_KEEP_RUNS": "0"}, {}, "KPP_KEEP_RUNS='0': give the number of runs to keep per period"),
    ("", {}, {"csv_dialect": "excel"}, r"CSV dialect 'excel' \(the run's csv_dialect\): use one of auto, standard, swedish"),
])
def test_a_bad_setting_names_where_it_came_from(tmp_path, toml, environ, overrides, message):
    (tmp_path / "kpp.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        Settings.load(tmp_path, environ=environ, **overrides)


def test_a_run_from_the_ui_chooses_the_export_dialect_in_its_config(example_run, tmp_path, monkeypatch):
    """The launchpad's resources.warehouse.config, executed as the UI's run worker does: the job, in process."""
    from orchestration.definitions import defs

    monkeypatch.delenv("KPP_EXPORT_DIALECT", raising=False)
    root = tmp_path / "root"
    # a copy: the session's example run stays as it is for the other tests
    shutil.copytree(example_run.root, root, symlinks=True, ignore=shutil.ignore_patterns("dagster_home"))
    (root / "kpp.toml").write_text('[exports]\ndialect = "contract"\n', encoding="utf-8")
    config = {"resources": {"warehouse": {"config": {"data_root": str(root), "export_dialect": "swedish"}}}}
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("kpp_period").execute_in_process(
            partition_key="2025", instance=instance, run_config=config, asset_selection=[AssetKey("exports")])
    assert result.success
    exports = root / "exports" / "2025"
    assert (exports / "cost_list.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # the Swedish dialect's BOM
    assert (example_run.root / "exports" / "2025" / "cost_list.csv").read_bytes()[:3] != b"\xef\xbb\xbf"
    assert [m.metadata["csv_dialect"].value for m in result.asset_materializations_for_node("exports")] == ["swedish"]


def test_a_failed_run_from_the_ui_leaves_the_failure_note(tmp_path, monkeypatch):
    """The note is written inside the run (its failure hook), not by `kpp run`: a UI run leaves it too, masked."""
    from orchestration.definitions import defs

    monkeypatch.setenv("KPP_PSEUDONYM_KEY", EXAMPLE_KEY)
    landing = write_region(tmp_path / "landing" / "2025-H1")
    # line 8 of contacts.csv holds a personnummer: the error names the line, never the number
    lines = (landing / "contacts.csv").read_bytes().split(b"\r\n")
    lines[7] += b",extra"
    (landing / "contacts.csv").write_bytes(b"\r\n".join(lines))
    config = {"resources": {"warehouse": {"config": {"data_root": str(tmp_path)}}}}
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("kpp_period").execute_in_process(
            partition_key="2025-H1", instance=instance, run_config=config, raise_on_error=False)
    assert not result.success
    note = (tmp_path / "exports" / "2025-H1.FAILED.txt").read_text(encoding="utf-8")
    assert note.startswith("KPP 2025-H1: the run of ") and "No exports exist for this period." in note
    assert "step landing failed: contacts.csv: the file is not a well-formed CSV" in note and "line 8 has 12 fields" in note
    assert not {n for n in (P1, P2, P1[2:], P2[2:]) if n in note}
