"""`kpp status`: the current KPP cycles' calendar against what the Dagster instance recorded.

For each milestone of seeds/kpp_calendar.csv: its date in the cycle, and whether
the work it stands for is done — every asset of its ``asset_hint`` (a group such
as ``step2_allocation``, or an asset key such as ``exports``) materialised for
the cycle's period, none of their gates (blocking checks) failed in its
latest evaluation and the latest run of their steps did not fail — and when; a
milestone that is not done after its date is late, one done after its date is
done late. The evidence is in words (steps and results by what they are, no model
paths); `kpp status` exits EXIT_LATE when a milestone is late or failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    RunsFilter,
)

from kpp.settings import DataRoot
from kpp.steps import ALL_STEPS, group_of
from orchestration.partitions import period_for_key
from orchestration.schedules import (
    CYCLES,
    TIMEZONE,
    Milestone,
    load_calendar,
    milestone_date,
    partition_for_run_year,
)

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

DONE, DONE_LATE, FAILED, LATE, OPEN, MANUAL = "done", "done late", "FAILED", "LATE", "open", "manual"
# `kpp status` exits with this when a milestone is late (not done after its date) or failed
EXIT_LATE = 1
# an asset hint (a group of the definitions) as the calendar's reader knows it
PASSED, WARNED = "passed", "warned"  # FAILED: a failed gate (severity ERROR)


@dataclass(frozen=True)
class MilestoneStatus:
    partition_key: str
    milestone: Milestone
    due: date
    state: str
    done_at: datetime | None
    detail: str


@dataclass
class Evidence:
    """What the instance recorded for one period: latest materialisation per asset, latest evaluation per check."""

    materialised: dict[AssetKey, float]
    evaluations: dict[AssetCheckKey, tuple[str, float]]  # PASSED | WARNED | FAILED, timestamp
    # step (op) -> timestamp of its failure, where the newest run that ran the step failed it: a failed
    # dbt test that is no asset check fails its step after the step's earlier models were materialised
    failed_steps: dict[str, float]


def read_evidence(
    instance: DagsterInstance, partition_key: str, asset_keys: set[AssetKey], check_keys: set[AssetCheckKey]
) -> Evidence:
    evidence = Evidence({}, {}, {})
    steps_seen: set[str] = set()
    # newest run first; dbt's check evaluations carry no partition, their run does
    for run in instance.get_runs(RunsFilter(tags={"dagster/partition": partition_key})):
        events = instance.all_logs(
            run.run_id, of_type={DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION,
                                 DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
        )
        for entry in reversed(events):
            event = entry.dagster_event
            if event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                if event.step_key not in steps_seen and event.event_type == DagsterEventType.STEP_FAILURE:
                    evidence.failed_steps[event.step_key] = entry.timestamp
                steps_seen.add(event.step_key)
            elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                if event.partition in (None, partition_key):
                    evidence.materialised.setdefault(event.asset_key, entry.timestamp)
            else:
                evaluation = event.event_specific_data
                key = AssetCheckKey(evaluation.asset_key, evaluation.check_name)
                # a failed check of severity WARN does not stop the run: it is a warning, not a failed gate
                outcome = PASSED if evaluation.passed else WARNED if evaluation.severity == AssetCheckSeverity.WARN else FAILED
                evidence.evaluations.setdefault(key, (outcome, entry.timestamp))
        if asset_keys <= evidence.materialised.keys() and check_keys <= evidence.evaluations.keys():
            break
    return evidence


def assets_for_hint(asset_graph: AssetGraph, hint: str) -> list[AssetKey]:
    """The assets of a step (its asset group, seeds/kpp_steps.csv), or the asset the hint names."""
    group = group_of(hint)
    keys = [k for k in asset_graph.get_all_asset_keys() if asset_graph.get(k).group_name == group]
    if not keys and asset_graph.has(AssetKey.from_user_string(hint)):
        keys = [AssetKey.from_user_string(hint)]
    return sorted(keys, key=lambda k: k.to_user_string())


def _plain(hint: str) -> str:
    """A step of the calendar by its label (seeds/kpp_steps.csv), another hint as it reads."""
    step = next((step for step in ALL_STEPS if step.name == hint), None)
    return step.short_label if step else hint.replace("_", " ")


def _plain_asset(key: AssetKey) -> str:
    """`intermediate/int_contacts_validated` -> `contacts validated`: what it is, not what the model is called."""
    name = key.path[-1]
    for prefix in ("stg_landing__", "stg_national__", "int_"):
        name = name.removeprefix(prefix)
    return name.replace("_", " ")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _local(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, ZoneInfo(TIMEZONE))


def milestone_statuses(
    instance: DagsterInstance, asset_graph: AssetGraph, partition_key: str, as_of: date
) -> list[MilestoneStatus]:
    gates = {k for k in asset_graph.asset_check_keys if asset_graph.get_check_spec(k).blocking}
    evidence = read_evidence(instance, partition_key, set(asset_graph.get_all_asset_keys()), gates)
    statuses = []
    for m in sorted(load_calendar(), key=lambda m: milestone_date(m, partition_key)):
        due = milestone_date(m, partition_key)
        if not m.asset_hint:
            statuses.append(MilestoneStatus(partition_key, m, due, MANUAL, None, "not tracked by the pipeline"))
            continue
        keys = assets_for_hint(asset_graph, m.asset_hint)
        if not keys:
            statuses.append(MilestoneStatus(partition_key, m, due, LATE if as_of > due else OPEN, None,
                                            f"nothing in the pipeline computes {_plain(m.asset_hint)}"))
            continue
        its_gates = sorted((g for g in gates if g.asset_key in keys), key=lambda g: g.to_user_string())
        outcomes = {g: evidence.evaluations[g][0] for g in its_gates if g in evidence.evaluations}
        failed = [g for g in its_gates if outcomes.get(g) == FAILED]
        failed_steps = sorted({asset_graph.get(k).assets_def.op.name for k in keys} & evidence.failed_steps.keys())
        missing = [k for k in keys if k not in evidence.materialised]
        done_at = _local(max(evidence.materialised[k] for k in keys)) if not missing else None
        passed, warned = (sum(1 for o in outcomes.values() if o == outcome) for outcome in (PASSED, WARNED))
        what = _plain(m.asset_hint)
        if failed:
            when = _local(max(evidence.evaluations[g][1] for g in failed))
            state, detail = FAILED, (f"{what}: its gate failed {when:%Y-%m-%d %H:%M} on {_plain_asset(failed[0].asset_key)}"
                                     + (f" (+{len(failed) - 1} more)" if len(failed) > 1 else "")
                                     + "; see the period's gates.html")
        elif failed_steps:
            when = _local(max(evidence.failed_steps[step] for step in failed_steps))
            state, detail = FAILED, (f"{what}: the step failed {when:%Y-%m-%d %H:%M} "
                                     "(a dbt test or model; see the run's log)")
        elif not missing:
            state = DONE_LATE if done_at.date() > due else DONE
            detail = (f"{what}: {_count(len(keys), 'result')} computed, {_count(passed, 'gate')} passed"
                      + (f", {warned} with warnings" if warned else "") + f"; last {done_at:%Y-%m-%d %H:%M}")
        else:
            state = LATE if as_of > due else OPEN
            detail = (f"{what}: {len(keys) - len(missing)} of {len(keys)} results computed; "
                      f"not yet: {', '.join(_plain_asset(k) for k in missing[:2])}" + (" …" if len(missing) > 2 else ""))
        statuses.append(MilestoneStatus(partition_key, m, due, state, done_at, detail))
    return statuses


def current_partitions(as_of: date) -> list[str]:
    """The periods whose cycles run in the year of `as_of`: last year's full-year KPP, this year's temp KPP."""
    return [partition_for_run_year(cycle, as_of.year) for cycle in CYCLES]


def _label(m: Milestone) -> str:
    return f"{m.label_sv} ({m.name})"


def render(statuses: list[MilestoneStatus], as_of: date, instance_home: str) -> str:
    out = [f"KPP calendar on {as_of} ({TIMEZONE}); Dagster instance {instance_home}"]
    width = max(len(_label(s.milestone)) for s in statuses)
    for key in dict.fromkeys(s.partition_key for s in statuses):
        period = period_for_key(key)
        rows = [s for s in statuses if s.partition_key == key]
        out += ["", f"{period.kind} {key} ({period.start} .. {period.end} exclusive), run in {rows[0].due.year}",
                f"  {'due':<10}  {'milestone':<{width}}  {'status':<9} evidence"]
        for s in rows:
            out.append(f"  {s.due}  {_label(s.milestone):<{width}}  {s.state:<9} {s.detail}")
    late = [s for s in statuses if s.state in (LATE, FAILED)]
    out.append("")
    out.append("Late or failed: " + "; ".join(
        f"{s.partition_key} {s.milestone.name} ({s.state.lower()}, due {s.due})" for s in late) if late else "Nothing is late.")
    return "\n".join(out)


def previous_period(key: str) -> str:
    """The same kind of period a year earlier: SKR compares a year's pseudonyms with the previous year's."""
    period = period_for_key(key)
    return f"{period.year - 1}-H1" if period.is_half_year else f"{period.year - 1}"


def key_lines(root: DataRoot, keys: list[str]) -> list[str]:
    """Whether each period's published pseudonyms are comparable with the previous year's: same key fingerprint."""
    import duckdb

    from kpp.marts import KPP_STATUS

    path = root.duckdb_path
    fingerprints: dict[str, set[str]] = {}
    if path.exists():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                fingerprints_rows = con.execute(
                    f"select partition_key, list(distinct key_fingerprint) from {KPP_STATUS.published('input_files')} group by 1"
                ).fetchall()
            fingerprints = {k: {f for f in fs if f} for k, fs in fingerprints_rows}
        except duckdb.IOException:
            return ["key fingerprints not read: the warehouse is in use by a run, or not a DuckDB file"]
        except duckdb.Error:  # no published period yet, or a warehouse from before the fingerprint
            fingerprints = {}
    lines = []
    for key in keys:
        before = previous_period(key)
        now, then = fingerprints.get(key), fingerprints.get(before)
        if not now:
            lines.append(f"{key}: no published results with a key fingerprint")
        elif not then:
            lines.append(f"{key}: key {', '.join(sorted(now))}; {before} has no published results with a key fingerprint")
        elif now == then and len(now) == 1:
            lines.append(f"{key}: key {next(iter(now))}, the same as {before}: patient pseudonyms are comparable")
        else:
            lines.append(f"{key}: key {', '.join(sorted(now))}, {before} used {', '.join(sorted(then))}: "
                         "patient pseudonyms are NOT comparable with the previous year's")
    return lines


def status_command(root: DataRoot, as_of: date | None, partitions: list[str] | None) -> int:
    """Prints the calendar of `partitions` (default: the current cycles); DAGSTER_HOME must be set up.

    Returns EXIT_LATE when a milestone is late or failed, else 0 (a milestone done after its date is
    `done late`, no reason to fail)."""
    from orchestration.definitions import defs

    as_of = as_of or datetime.now(ZoneInfo(TIMEZONE)).date()
    keys = partitions or current_partitions(as_of)
    for key in keys:
        period_for_key(key)
    asset_graph = defs.resolve_asset_graph()
    with DagsterInstance.get() as instance:
        statuses = [s for key in keys for s in milestone_statuses(instance, asset_graph, key, as_of)]
        print(render(statuses, as_of, instance.root_directory))
    print("\nPseudonym key (samma krypteringsnyckel som föregående år):")
    for line in key_lines(root, keys):
        print(f"  {line}")
    return EXIT_LATE if any(s.state in (LATE, FAILED) for s in statuses) else 0
