"""Great Expectations gates: the suites of ``expectations/`` run on small pandas frames.

dbt computes every number a gate looks at; a suite validates it. A suite
(``expectations/<suite>.json``, GX 1.x) names in ``meta.kpp.frames`` the frames it
validates: each is a dbt model (or source) of the stage, read for the run's period
on a read-only connection (the GX SQL datasource is broken on DuckDB) — registers,
one row per centre, file or care type, one-row totals, never a whole big table.
Every expectation names its rule and frame in ``meta`` and gives the rule's severity and
numbers beside it (``meta.defaults``); ``expectations/thresholds.yml`` overrides them per
region. The spec's identities are no expectations: they are rows of the steps' checks
models, gated by dbt's test ``all_checks_passed`` (docs/gates.md).
"""

from __future__ import annotations

import csv
import importlib
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from kpp.dbt_manifest import ensure_manifest
from kpp.landing.reader import mask_personnummer
from kpp.periods import Period
from kpp.publish import quote_ident
from kpp.settings import REGION_ENV, REPO_ROOT, Settings
from kpp.steps import STEPS, USES

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SUITES = tuple(step.suite for step in STEPS)  # one suite per period step, expectations/<step>.json
USES_SUITE = USES.suite  # the uses across periods (spec §7): one suite, not per period
_GX_SEVERITY = {"error": "critical", "warning": "warning"}
# Columns holding personal data. A frame with one is validated with results that
# carry no values at all; the suites' frames avoid them by aggregating.
PERSONAL_DATA_COLUMNS = frozenset({"personnummer", "patient_pseudonym"})
# Offending rows kept per failed expectation (metadata, Data Docs); the message shows fewer.
MAX_OFFENDING = 20
SHOWN_OFFENDING = 5


# Seeds that are the one list of a vocabulary: a suite asks for one as {"$PARAMETER": "<seed>"}.
VOCABULARY_SEEDS = {"exclusion_categories": "exclusion_category"}


@cache
def vocabularies() -> dict[str, list[str]]:
    def values(seed: str, column: str) -> list[str]:
        with (REPO_ROOT / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
            return [row[column] for row in csv.DictReader(handle)]

    return {seed: values(seed, column) for seed, column in VOCABULARY_SEEDS.items()}


def _check_severity(where: str, rule: str, values: dict[str, Any]) -> None:
    if values.get("severity") not in _GX_SEVERITY:
        raise ValueError(f"{where}: rule {rule!r} needs severity error or warning, not {values.get('severity')!r}.")


@dataclass(frozen=True)
class Thresholds:
    region: str
    tolerance_sek: float
    rules: dict[str, dict[str, dict[str, Any]]]  # suite -> rule -> {severity, numbers}

    @classmethod
    def load(cls, region: str | None = None, path: Path = EXPECTATIONS_DIR / "thresholds.yml") -> "Thresholds":
        """The suites' defaults, with the block of `region` (else the setting's, $KPP_REGION) laid over them."""
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        region = region if region is not None else Settings.load().region
        rules = {suite: Suite.load(suite).defaults for suite in (*SUITES, USES_SUITE)}
        if region:
            if region not in (config.get("regions") or {}):
                raise ValueError(f"{REGION_ENV}={region}: no such region in {path.name}; known: {', '.join(config.get('regions') or {})}.")
            where = f"{path.name}, region {region}"
            for suite, by_rule in config["regions"][region].items():
                for rule, values in by_rule.items():
                    if rule not in rules.get(suite, {}):
                        raise ValueError(f"{where}: {suite} has no rule {rule!r}.")
                    if unknown := set(values) - set(rules[suite][rule]):
                        raise ValueError(f"{where}: rule {rule!r} of {suite} has no {', '.join(sorted(unknown))} "
                                         f"(its meta.defaults in expectations/{suite}.json).")
                    rules[suite][rule].update(values)
                    _check_severity(where, rule, rules[suite][rule])
        return cls(region or "defaults", float(config["tolerance_sek"]), rules)

    def severity(self, suite: str, rule: str) -> str:
        try:
            return self.rules[suite][rule]["severity"]
        except KeyError:
            raise ValueError(f"no severity for rule {rule!r} of suite {suite} (its meta.defaults in "
                             f"expectations/{suite}.json).") from None

    def parameters(self, suite: str) -> dict[str, Any]:
        """The suite's $PARAMETER values: number `max` of rule `r` is `r_max`; a vocabulary seed's list by its name."""
        params = {"tolerance_sek": self.tolerance_sek, **vocabularies()}
        for rule, values in self.rules.get(suite, {}).items():
            params.update({f"{rule}_{name}": value for name, value in values.items() if name != "severity"})
        return params


@dataclass(frozen=True)
class Frame:
    """What a suite reads: a dbt model (or `<source>.<table>`), the columns (default all), the order of its rows."""

    relation: str
    columns: tuple[str, ...] = ("*",)
    order_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    name: str
    title: str
    frames: dict[str, list[str]]  # frame -> its key columns (shown for offending rows)
    expectations: list[dict]  # GX expectation configurations
    reads: dict[str, Frame] = field(default_factory=dict)  # frame -> the dbt relation it reads

    @classmethod
    def load(cls, name: str) -> "Suite":
        body = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        kpp = body["meta"]["kpp"]
        reads = {f: Frame(spec["relation"], tuple(spec.get("columns", ("*",))), tuple(spec.get("order_by", spec["keys"])))
                 for f, spec in kpp["frames"].items()}
        return cls(body["name"], kpp["title"], {f: spec["keys"] for f, spec in kpp["frames"].items()}, body["expectations"],
                   reads)

    @property
    def defaults(self) -> dict[str, dict[str, Any]]:
        """Rule -> its severity and numbers, from the one expectation that names the rule (its meta.defaults).

        One expectation per rule: the gate's results, metadata and report are keyed by rule."""
        where = f"expectations/{self.name}.json"
        defaults: dict[str, dict[str, Any]] = {}
        for e in self.expectations:
            rule = e["meta"]["rule"]
            if rule in defaults:
                raise ValueError(f"{where}: rule {rule!r} is named by two expectations; give each its own rule.")
            defaults[rule] = dict(e["meta"].get("defaults") or {})
            _check_severity(where, rule, defaults[rule])
        return defaults

    @property
    def is_per_period(self) -> bool:
        return self.name in SUITES  # the uses span the published periods (seeds/kpp_steps.csv)

    def query(self, frame: str) -> str:
        """The frame's select from its dbt relation (the run's period: parameter $partition_key)."""
        spec = self.reads[frame]
        sql = f"select {', '.join(spec.columns)} from {dbt_relation(spec.relation)}"
        if self.is_per_period:
            sql += " where partition_key = $partition_key"
        return sql + (f" order by {', '.join(spec.order_by)}" if spec.order_by else "")


@cache
def _dbt_relations() -> dict[str, str]:
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    relations = {node["name"]: (node["schema"], node.get("alias") or node["name"]) for node in manifest["nodes"].values()
                 if node["resource_type"] in ("model", "seed")}
    relations |= {f"{s['source_name']}.{s['name']}": (s["schema"], s.get("identifier") or s["name"])
                  for s in manifest["sources"].values()}
    return {name: f"{quote_ident(schema)}.{quote_ident(table)}" for name, (schema, table) in relations.items()}


def dbt_relation(name: str) -> str:
    """The quoted schema.table of a dbt model or seed (its name) or source (`<source>.<table>`), from dbt's manifest:
    a renamed model fails here, by name, not as a missing table."""
    try:
        return _dbt_relations()[name]
    except KeyError:
        raise ValueError(f"the gates read {name!r}, which is no dbt model, seed or source (dbt_project/).") from None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    frame: str
    severity: str  # error | warning
    success: bool
    description: str
    observed: str  # what the expectation saw, in words
    offending: tuple[dict, ...]  # key columns and value of offending rows

    def line(self) -> str:
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in self.offending[:SHOWN_OFFENDING])
        more = f"; … ({len(self.offending) - SHOWN_OFFENDING} more)" if len(self.offending) > SHOWN_OFFENDING else ""
        return f"{self.rule} ({self.severity}): {self.description} Observed: {self.observed}" + (f" — {shown}{more}" if shown else "")


@dataclass(frozen=True)
class GateOutcome:
    suite: str
    region: str
    rules: tuple[RuleResult, ...]
    frame_rows: dict[str, int]
    seconds: float
    data_docs: Path | None  # this validation's page in the Data Docs, when built

    @property
    def errors(self) -> list[RuleResult]:
        return [r for r in self.rules if not r.success and r.severity == "error"]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.rules if not r.success and r.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors

    def message(self) -> str:
        failed = self.errors + self.warnings
        head = (
            f"gate expectations_{self.suite} {'failed' if self.errors else 'passed'} in {self.seconds:.1f} s: "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s) of {len(self.rules)} expectations (thresholds: {self.region})"
        )
        return "\n".join([head, *(f"  {r.line()}" for r in failed)])


def run_gate(
    suite_name: str,
    con: duckdb.DuckDBPyConnection,
    period: Period,
    thresholds: Thresholds | None = None,
    docs_dir: Path | None = None,
    run_name: str = "manual",
) -> GateOutcome:
    """Validate one stage of `period`; with `docs_dir`, add the result to the Data Docs site there."""
    started = time.monotonic()
    suite = Suite.load(suite_name)
    frames = {frame: _read_frame(con, suite.query(frame), period) for frame in suite.frames}
    outcome = validate_frames(suite, frames, thresholds or Thresholds.load(), period.key, docs_dir, run_name)
    return replace(outcome, seconds=time.monotonic() - started)


def validate_frames(
    suite: Suite,
    frames: dict,
    thresholds: Thresholds,
    partition_key: str,
    docs_dir: Path | None = None,
    run_name: str = "manual",
) -> GateOutcome:
    """Validate each frame (a pandas DataFrame) with the suite's expectations on it."""
    started = time.monotonic()
    results, page = _validate(suite, frames, thresholds, docs_dir, run_name, partition_key)
    rules = tuple(_rule_result(r, suite.frames) for r in results)
    return GateOutcome(suite.name, thresholds.region, rules, {f: len(df) for f, df in frames.items()}, time.monotonic() - started, page)


def _read_frame(con: duckdb.DuckDBPyConnection, sql: str, period: Period):
    return con.execute(sql, {"partition_key": period.key}).df()


def _result_format(frame, keys: list[str]) -> dict:
    if PERSONAL_DATA_COLUMNS & set(frame.columns):
        return {"result_format": "SUMMARY", "partial_unexpected_count": 0}
    fmt = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_OFFENDING}
    if keys:
        fmt["unexpected_index_column_names"] = keys
    return fmt


def import_gx() -> None:
    """Import GX (2–7 s of Python) ahead of the first gate: called in a background thread while
    DuckDB loads the landing files (orchestration/assets/landing.py)."""
    importlib.import_module("great_expectations")


def _validate(suite: Suite, frames: dict, thresholds: Thresholds, docs_dir: Path | None, run_name: str,
              partition_key: str) -> tuple[list, Path | None]:
    import great_expectations as gx  # 2–7 s to import: only when a gate runs, not when the code location loads

    def configs(frame: str | None) -> list[dict]:
        return [
            {**e, "severity": _GX_SEVERITY[thresholds.severity(suite.name, e["meta"]["rule"])]}
            for e in suite.expectations if frame is None or e["meta"]["frame"] == frame
        ]

    params = thresholds.parameters(suite.name)
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("kpp")
    results = []
    for frame, df in frames.items():
        batch = source.add_dataframe_asset(frame).add_batch_definition_whole_dataframe(frame).get_batch(
            batch_parameters={"dataframe": df})
        part = gx.ExpectationSuite(name=suite.name, expectations=configs(frame))
        results += batch.validate(part, result_format=_result_format(df, suite.frames[frame]), expectation_parameters=params).results
    for result in results:
        # an id column may hold a personnummer by mistake: never into messages, metadata or stored results
        result.result = _masked(result.result)
    if docs_dir is None:
        return results, None
    full = gx.ExpectationSuite(name=suite.name, expectations=configs(None), meta={"kpp": suite.title})
    return results, _publish(context, full, results, run_name, partition_key)


def _masked(value):
    if isinstance(value, str):
        return mask_personnummer(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_masked(v) for v in value)
    return value


def _context(docs_dir: Path | None):
    """An in-memory GX context; with `docs_dir`, its suites, results and Data Docs live there."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    from kpp.data_docs import site_builders

    defaults = InMemoryStoreBackendDefaults()
    stores, sites = dict(defaults.stores), {}
    if docs_dir is not None:
        def on_disk(store: str, folder: str) -> dict:
            return {"class_name": store, "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir / folder)}}

        # On disk, so the site's index lists every stage and run validated there.
        stores[defaults.expectations_store_name] = on_disk("ExpectationsStore", "suites")
        stores[defaults.validation_results_store_name] = on_disk("ValidationResultsStore", "results")
        sites = {"kpp": {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            **site_builders(),
        }}
    config = DataContextConfig(
        store_backend_defaults=defaults, stores=stores, data_docs_sites=sites,
        analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _publish(context, suite, results: list, run_name: str, partition_key: str) -> Path:
    """Store the stage's results as one validation of its suite, add its pages to the Data Docs, return its page."""
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.validator.validator import calc_validation_statistics

    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
    stats = calc_validation_statistics(results)
    validation = ExpectationSuiteValidationResult(
        success=stats.success,
        results=results,
        suite_name=suite.name,
        statistics={
            "evaluated_expectations": stats.evaluated_expectations,
            "successful_expectations": stats.successful_expectations,
            "unsuccessful_expectations": stats.unsuccessful_expectations,
            "success_percent": stats.success_percent,
        },
        meta={
            "run_id": run_id,
            "validation_time": run_id.run_time,
            "active_batch_definition": {"datasource_name": "kpp", "data_asset_name": f"{suite.name} ({partition_key})"},
        },
    )
    context.suites.add_or_update(suite)
    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(suite.name), run_id, partition_key)
    context.validation_results_store.set(key, validation)
    # Render this validation and its suite only: the whole site (every earlier run's pages) took
    # seconds per gate and grew with every run. The index still lists all of them.
    context.build_data_docs(resource_identifiers=[key, key.expectation_suite_identifier])
    return Path(context.get_docs_sites_urls(resource_identifier=key)[0]["site_url"].removeprefix("file://"))


def _rule_result(result, frames: dict[str, list[str]]) -> RuleResult:
    config = result.expectation_config
    meta = config.meta
    severity = "error" if config.severity.value == "critical" else "warning"
    return RuleResult(
        rule=meta["rule"],
        frame=meta["frame"],
        severity=severity,
        success=bool(result.success),
        description=config.notes or config.type,
        observed=_observed(result),
        offending=_offending(result, config.kwargs, frames[meta["frame"]]),
    )


def _observed(result) -> str:
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"error while validating: {result.exception_info.get('exception_message')}"
    r = result.result or {}
    if r.get("observed_value") is not None:
        return _show(r["observed_value"])
    if "element_count" in r:
        return f"{r.get('unexpected_count', 0)} of {r['element_count']} rows unexpected" + (
            f", {r['missing_count']} empty" if r.get("missing_count") else "")
    # set expectations report what is extra and what is missing
    return "; ".join(f"{label} {_show(r[key])}" for label, key in (("unexpected", "partial_unexpected_list"),
                                                                    ("missing", "partial_missing_list")) if r.get(key)) or "as expected"


def _offending(result, kwargs: dict, keys: list[str]) -> tuple[dict, ...]:
    """Key columns and values of the offending rows GX reports (none when the frame holds personal data)."""
    r = result.result or {}
    if result.success:
        return ()
    if keys and r.get("partial_unexpected_index_list"):
        rows = r["partial_unexpected_index_list"]
    else:
        columns = [c for c in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")) if c]
        rows = [dict(zip(columns, v if isinstance(v, (list, tuple)) else [v])) for v in r.get("partial_unexpected_list") or []]
        rows += [{"missing": v} for v in r.get("partial_missing_list") or []]
    return tuple({k: _show(v) for k, v in row.items()} for row in rows[:MAX_OFFENDING])


def _show(value) -> str:
    import pandas as pd  # loaded with the frames already; not when the code location loads

    if isinstance(value, (list, tuple, set)):
        return "[" + ", ".join(map(_show, value)) + "]"
    if pd.isna(value):
        return "(empty)"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)
