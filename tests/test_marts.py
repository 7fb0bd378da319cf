"""The relations Python reads: declared once, as dbt exposures, and read through kpp/marts.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpp.dbt_manifest import PARSE_STATE, ensure_manifest
from kpp.exports import EXPORTS
from kpp.marts import (
    KPP_EXPLAIN,
    PERIOD_EXPORTS,
    USES_EXPORTS,
    Exposure,
    UndeclaredRead,
    published_relations,
)
from kpp.settings import DBT_PROJECT_DIR, REPO_ROOT
from kpp.uses.exports import RECONCILIATION_MART
from kpp.uses.exports import USES_EXPORTS as USES_FILES

# SQL naming a schema of the warehouse by string (or by a schema constant)
SCHEMA_BY_NAME = re.compile(
    r"\b(from|join|into|table)\s+(\{(PUBLISHED|P|USES_SCHEMA)\}|(landing|staging|intermediate|marts|published|national|uses)\b)\.",
    re.IGNORECASE)
SCHEMA_CONSTANTS = {"PUBLISHED": "published", "P": "published", "USES_SCHEMA": "uses"}
# The writers own their schemas: the loader `landing` (and the uses' inputs; the rebuild plan reads the
# loader's file record right after the load), publishing `published`.
# The steps' checks models are read after a failed step (before any mart of the run exists) to name
# the failed checks: the gates' evidence, not results. Nothing else.
OWNERS = {("kpp/publish.py", "published"), ("kpp/rebuild.py", "landing"), ("kpp/publish.py", "intermediate"), ("orchestration/cli.py", "intermediate")}
LOADER = {"kpp/landing/reader.py", "kpp/uses/inputs.py", "orchestration/assets/landing.py"}


def test_no_python_reader_names_a_warehouse_relation_by_string():
    found = []
    for path in sorted([*(REPO_ROOT / "kpp").rglob("*.py"), *(REPO_ROOT / "orchestration").rglob("*.py")]):
        name = path.relative_to(REPO_ROOT).as_posix()
        if name in LOADER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in SCHEMA_BY_NAME.finditer(line):
                schema = SCHEMA_CONSTANTS.get(match.group(3)) or match.group(4).lower()
                if (name, schema) not in OWNERS:
                    found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "read these through an exposure of kpp/marts.py:\n" + "\n".join(found)


def test_the_exposures_list_what_the_exports_read_and_nothing_else():
    assert PERIOD_EXPORTS.names() == {e.mart for e in EXPORTS} | {"input_files"}
    assert USES_EXPORTS.names() == set(USES_FILES) | {RECONCILIATION_MART}
    assert KPP_EXPLAIN.names() == {"cost_list", "cost_trace", "cost_trace_overhead", "cost_trace_ledger", "cost_centers"}
    # the published copies: every mart (the breakdown view too) and the input files, never the cost trace views
    published = [str(r) for r in published_relations()]
    assert '"marts"."cost_list"' in published and '"marts"."cost_list_breakdown"' in published
    assert published[-1] == '"landing"."input_files"'
    assert not any("cost_trace" in r for r in published)
    assert str(KPP_EXPLAIN.published("cost_list")) == '"published"."cost_list"'


def test_a_reader_asking_for_a_relation_its_exposure_does_not_list_fails_before_any_sql():
    with pytest.raises(UndeclaredRead, match="exposure 'kpp_explain' does not list 'int_ledger_classified'"):
        KPP_EXPLAIN.relation("int_ledger_classified")
    with pytest.raises(UndeclaredRead, match="'cost_trace' .* is not published"):
        KPP_EXPLAIN.published("cost_trace")
    with pytest.raises(UndeclaredRead, match="no dbt exposure 'nobody'"):
        Exposure("nobody").relation("cost_list")


def test_a_renamed_model_fails_at_dbt_parse_naming_the_exposure(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    # dbt's saved parse state, so only the renamed file is parsed again
    (project / "target").mkdir()
    ensure_manifest()
    shutil.copy(PARSE_STATE, project / "target")
    shutil.copytree(REPO_ROOT / "seeds", tmp_path / "seeds")
    (project / "models" / "marts" / "cost_trace_ledger.sql").rename(project / "models" / "marts" / "cost_trace_rows.sql")
    result = subprocess.run([str(Path(sys.executable).with_name("dbt")), "parse", "--profiles-dir", str(project)],
                            cwd=project, capture_output=True, text=True)
    assert result.returncode != 0
    assert "kpp_explain" in result.stdout and "cost_trace_ledger" in result.stdout
