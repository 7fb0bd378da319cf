"""The KPP steps, in order: the one list the code location, the gates and `kpp status` derive from.

The list is the seed `seeds/kpp_steps.csv`, so dbt reads the same rows (the
reconciliation's check order). Each step is one block of dbt models (its
folders and the seeds it builds), gated by its Great Expectations suite
`expectations/<step>.json` on the model the next step reads. A period's steps
are partitioned by period; the uses (spec §7) read every published period and
are not. No Dagster here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from kpp.settings import REPO_ROOT

STEPS_SEED = REPO_ROOT / "seeds" / "kpp_steps.csv"
EVERY_OTHER_SEED = "*"


@dataclass(frozen=True)
class Step:
    name: str  # suite and dbt folder name; the calendar's asset hints name steps
    group: str  # its asset group: named to sort in run order in the UI's list of groups
    order: int
    label_sv: str
    label: str
    dbt_paths: tuple[str, ...]  # model folders, relative to the dbt project
    gated_model: tuple[str, str]  # (schema, model) the gate sits on
    is_partitioned: bool = True  # one run per period; else across the published periods
    seeds: tuple[str, ...] = ()  # the seeds it builds; EVERY_OTHER_SEED: those no other step names

    @property
    def suite(self) -> str:
        return self.name

    @property
    def short_label(self) -> str:
        """The label up to its colon, as a sentence goes on: `step 1 TKB extraction`."""
        head = self.label.split(":", 1)[0]
        return head[:1].lower() + head[1:]

    def owns(self, dbt_path: str) -> bool:
        """Whether a dbt file (``models/...``) belongs to this step's folders."""
        return any(dbt_path == folder or dbt_path.startswith(folder + "/") for folder in self.dbt_paths)


@cache
def load_steps() -> tuple[Step, ...]:
    with STEPS_SEED.open(encoding="utf-8", newline="") as handle:
        steps = tuple(
            Step(
                name=row["step"],
                group=row["asset_group"],
                order=int(row["step_order"]),
                label_sv=row["label_sv"],
                label=row["label"],
                dbt_paths=tuple(row["dbt_paths"].split()),
                gated_model=tuple(row["gated_model"].split(".", 1)),
                is_partitioned=row["is_partitioned"] == "true",
                seeds=tuple(row["seeds"].split()),
            )
            for row in csv.DictReader(handle)
        )
    if [s.order for s in steps] != list(range(len(steps))):
        raise ValueError(f"{STEPS_SEED.name}: step_order must run 0, 1, 2, … in file order")
    return steps


ALL_STEPS = load_steps()
STEPS = tuple(step for step in ALL_STEPS if step.is_partitioned)  # one period's run, in order
USES = next(step for step in ALL_STEPS if step.name == "uses")


def group_of(name: str) -> str:
    """The asset group of a step named in the calendar (`landing`, `step1_tkb`, …); other names as they are."""
    return next((step.group for step in ALL_STEPS if step.name == name), name)


def dbt_selection(step: Step, steps: tuple[Step, ...] = ALL_STEPS) -> tuple[str, str | None]:
    """The step's dbt `--select` and `--exclude`: its folders and its seeds."""
    named = [seed for other in steps for seed in other.seeds if seed != EVERY_OTHER_SEED]
    if EVERY_OTHER_SEED in step.seeds:
        seeds, exclude = ["resource_type:seed"], " ".join(seed for seed in named if seed not in step.seeds) or None
    else:
        seeds, exclude = list(step.seeds), None
    return " ".join([*seeds, *(f"path:{path}" for path in step.dbt_paths)]), exclude


def step_of_dbt_node(original_file_path: str, name: str = "", steps: tuple[Step, ...] = ALL_STEPS) -> Step | None:
    """The step whose folders hold a dbt model, or that builds a seed."""
    if not original_file_path.startswith("models/"):
        return next((s for s in steps if name in s.seeds), None) or next(
            (s for s in steps if EVERY_OTHER_SEED in s.seeds), None)
    return next((s for s in steps if s.owns(original_file_path.rsplit("/", 1)[0])), None)


def period_dbt_selection(steps: tuple[Step, ...] = STEPS) -> tuple[str, str | None]:
    """The dbt `--select` and `--exclude` of a whole period, every step's nodes in one build
    (the tests' fixtures; a run builds step by step, with a gate between)."""
    selections = [dbt_selection(step) for step in steps]
    excluded = {seed for _, exclude in selections for seed in (exclude or "").split()}
    excluded -= {seed for step in steps for seed in step.seeds}
    return " ".join(select for select, _ in selections), " ".join(sorted(excluded)) or None
