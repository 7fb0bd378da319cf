"""Schedules from the KPP milestone calendar (seeds/kpp_calendar.csv, spec §0), Europe/Stockholm.

Two cycles run each year: the full-year KPP (definitivt KPP) of year Y in
January–April of Y+1, and the temp KPP of Y-H1 in June–October of Y. Every
milestone with an ``asset_hint`` (the step that should be done by then) gets a
run of its cycle's period on its date, so the calculators find fresh results
and gate outcomes when they check the milestone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from kpp.settings import REPO_ROOT, DataRoot
from orchestration.jobs import kpp_period_job
from orchestration.partitions import period_for_key, period_partitions

CALENDAR_CSV = REPO_ROOT / "seeds" / "kpp_calendar.csv"
TIMEZONE = "Europe/Stockholm"
# Early morning: the run is done when the calculators start work on the milestone day.
RUN_HOUR = 5
FULL_YEAR, TEMP = "full_year", "temp"
CYCLES = (FULL_YEAR, TEMP)


@dataclass(frozen=True)
class Milestone:
    name: str
    label_sv: str
    # (month, day) in the year the cycle runs in
    full_year: tuple[int, int]
    temp: tuple[int, int]
    asset_hint: str | None  # an asset group or asset key ("landing", "exports", …); None = not tracked

    def month_day(self, cycle: str) -> tuple[int, int]:
        return self.full_year if cycle == FULL_YEAR else self.temp


def load_calendar() -> list[Milestone]:
    with CALENDAR_CSV.open(encoding="utf-8") as handle:
        return [
            Milestone(
                row["milestone"],
                row["label_sv"],
                (int(row["full_year_month"]), int(row["full_year_day"])),
                (int(row["temp_month"]), int(row["temp_day"])),
                row["asset_hint"] or None,
            )
            for row in csv.DictReader(handle)
        ]


def cycle_of(partition_key: str) -> str:
    return TEMP if period_for_key(partition_key).is_half_year else FULL_YEAR


def partition_for_run_year(cycle: str, run_year: int) -> str:
    """The period a cycle computes when it runs in `run_year`: the year before (full year) or H1 (temp)."""
    return str(run_year - 1) if cycle == FULL_YEAR else f"{run_year}-H1"


def milestone_date(milestone: Milestone, partition_key: str) -> date:
    period = period_for_key(partition_key)
    month, day = milestone.month_day(cycle_of(partition_key))
    return date(period.year if period.is_half_year else period.year + 1, month, day)


def _calendar_schedule(cycle: str, milestones: list[Milestone]) -> ScheduleDefinition:
    names_by_day: dict[tuple[int, int], list[str]] = {}
    for m in milestones:
        if m.asset_hint:
            names_by_day.setdefault(m.month_day(cycle), []).append(m.name)
    kind = "full-year KPP (Y, run January–April of Y+1)" if cycle == FULL_YEAR else "temp KPP (Y-H1, run in Y)"

    @schedule(
        name=f"kpp_{cycle}_calendar",
        # one cron per milestone day; milestones sharing a day share one run
        cron_schedule=[f"0 {RUN_HOUR} {day} {month} *" for month, day in sorted(names_by_day)],
        execution_timezone=TIMEZONE,
        job=kpp_period_job,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Runs the {kind} period on each milestone of seeds/kpp_calendar.csv "
        f"({', '.join(n for names in names_by_day.values() for n in names)}), {RUN_HOUR:02d}:00 {TIMEZONE}.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        when = context.scheduled_execution_time or datetime.now(ZoneInfo(TIMEZONE))
        when = when.astimezone(ZoneInfo(TIMEZONE))
        names = names_by_day.get((when.month, when.day))
        if not names:
            return SkipReason(f"{when.date()} is no milestone day of the {cycle} cycle.")
        key = partition_for_run_year(cycle, when.year)
        if not period_partitions.has_partition_key(key):
            return SkipReason(f"Period {key} is outside the configured partitions (KPP_FIRST_YEAR..KPP_LAST_YEAR).")
        landing = DataRoot.resolve().landing_dir(key)
        if not landing.is_dir():  # a run would fail and show every asset and gate failed in the UI
            return SkipReason(f"No delivery for {key}: {landing} does not exist.")
        return RunRequest(partition_key=key, tags={"kpp/milestone": ",".join(names), "kpp/cycle": cycle})

    return _schedule


calendar_schedules = [_calendar_schedule(cycle, load_calendar()) for cycle in CYCLES]
