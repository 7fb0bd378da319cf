"""The KPP steps of one period, in order: the one list the code location, the gates and `kpp status` derive from.

The list is the seed `seeds/kpp_steps.csv`, so dbt reads the same rows (the
reconciliation's check order, the accepted step names). Each step is one block
of dbt models (its folders), gated by its Great Expectations suite
`expectations/<step>.json` on the model the next step reads. No Dagster here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import REPO_ROOT

STEPS_SEED = REPO_ROOT / "seeds" / "kpp_steps.csv"


@dataclass(frozen=True)
class Step:
    name: str  # asset group, suite and dbt folder name
    order: int
    label_sv: str
    label: str
    dbt_paths: tuple[str, ...]  # model folders, relative to the dbt project
    gated_model: tuple[str, str]  # (schema, model) the gate sits on

    @property
    def dbt_selection(self) -> str:
        # the landing step also (re)builds the national seeds the staging models read
        seeds = ("resource_type:seed",) if self.order == 0 else ()
        return " ".join([*seeds, *(f"path:{path}" for path in self.dbt_paths)])

    @property
    def suite(self) -> str:
        return self.name

    def owns(self, dbt_path: str) -> bool:
        """Whether a dbt file (``models/...``) belongs to this step's folders."""
        return any(dbt_path == folder or dbt_path.startswith(folder + "/") for folder in self.dbt_paths)


@cache
def load_steps() -> tuple[Step, ...]:
    with STEPS_SEED.open(encoding="utf-8", newline="") as handle:
        steps = tuple(
            Step(
                name=row["step"],
                order=int(row["step_order"]),
                label_sv=row["label_sv"],
                label=row["label"],
                dbt_paths=tuple(row["dbt_paths"].split()),
                gated_model=tuple(row["gated_model"].split(".", 1)),
            )
            for row in csv.DictReader(handle)
        )
    if [s.order for s in steps] != list(range(len(steps))):
        raise ValueError(f"{STEPS_SEED.name}: step_order must run 0, 1, 2, … in file order")
    return steps


STEPS = load_steps()


def step_of_dbt_node(original_file_path: str, steps: tuple[Step, ...] = STEPS) -> Step | None:
    """The step whose folders hold a dbt node (seeds belong to the first step, which builds them)."""
    if not original_file_path.startswith("models/"):
        return steps[0]
    return next((s for s in steps if s.owns(original_file_path.rsplit("/", 1)[0])), None)
