"""The input data contract of spec §1: the eight landing files (and the optional `hospitals` of §7.1), their columns and types.

One place states what a file must hold; the reader enforces it and the staging
models rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The list is the seed seeds/exclusion_categories.csv (dbt's tests and the landing gate read it);
# the loader's copy here is checked against it (tests/test_gates.py).
EXCLUSION_CATEGORIES = (
    "purchased_care",
    "transport",
    "research_education",
    "aids",
    "political",
    "prescription_drugs",
    "other_excluded",
)

# RKA's hospital types: R, L, LD (spec §7.1); a delivery without hospitals.csv gets `unknown`
HOSPITAL_TYPES = ("regionsjukhus", "lanssjukhus", "lansdelssjukhus")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | month | amount | decimal | integer | timestamp | boolean | personnummer
    required: bool = False
    allowed: tuple[str, ...] | None = None  # enumerated values (compared lower-case)
    optional_column: bool = False  # the column itself may be absent from the file
    non_negative: bool = False  # a negative value is an input error (keys, weights)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    # reference files stop the run on a duplicate key; transactional files reject it
    key_is_reference: bool = False
    # the file may be absent from a delivery (spec §7.1 `hospitals`); when present, §1 rules apply
    optional: bool = False

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.optional_column]


def _c(name: str, kind: str = "text", **kw) -> Column:
    return Column(name, kind, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "ledger",
            (
                _c("month", "month", required=True),
                _c("cost_center", required=True),
                _c("account", required=True),
                _c("amount", "amount", required=True),
            ),
        ),
        Table(
            "accounts",
            (
                _c("account", required=True),
                _c("name"),
                _c("account_class", required=True, allowed=("cost", "revenue", "internal")),
                _c("cost_type", required=True),
                _c("exclusion", allowed=EXCLUSION_CATEGORIES),
                _c("specific", "boolean", required=True),
            ),
            key=("account",),
            key_is_reference=True,
        ),
        Table(
            "cost_centers",
            (
                _c("cost_center", required=True),
                _c("name"),
                _c("hospital"),
                _c("clinic"),
                _c("role", required=True, allowed=("care", "service", "overhead", "excluded")),
                _c("exclusion", allowed=EXCLUSION_CATEGORIES),
                _c("allocation_key"),
                _c("allocation_order", "integer"),
            ),
            key=("cost_center",),
            key_is_reference=True,
        ),
        Table(
            "allocation_keys",
            (
                _c("key", required=True),
                _c("cost_center", required=True),
                _c("value", "decimal", required=True, non_negative=True),
            ),
        ),
        Table(
            "service_catalog",
            (
                _c("cost_center", required=True),
                _c("service_code", required=True),
                _c("name"),
                _c("service_group", required=True),
                _c("unit"),
                _c("weight", "decimal", required=True, non_negative=True),
            ),
            key=("cost_center", "service_code"),
            key_is_reference=True,
        ),
        Table(
            "contacts",
            (
                _c("contact_id", required=True),
                _c("personnummer", "personnummer"),
                _c("hospital"),
                _c("clinic"),
                _c("cost_center"),
                _c("care_type", required=True, allowed=("inpatient", "outpatient")),
                _c("care_field", required=True, allowed=("somatic", "psychiatric", "primary")),
                _c("start_ts", "timestamp", required=True),
                _c("end_ts", "timestamp"),
                _c("drg"),
                _c("primary_diagnosis"),
                # §7.1: empty or not a (whole, non-negative) number = unknown age, not an input error;
                # staging reads the number (stg_landing__contacts)
                _c("age", optional_column=True),
                _c("sex", optional_column=True),
                _c("home_region", optional_column=True),
            ),
            key=("contact_id",),
        ),
        Table(
            "service_events",
            (
                _c("event_id", required=True),
                _c("contact_id"),
                _c("personnummer", "personnummer"),
                _c("event_ts", "timestamp", required=True),
                _c("cost_center", required=True),
                _c("service_code", required=True),
                _c("quantity", "decimal", required=True),
                _c("ordering_cost_center"),
            ),
            key=("event_id",),
        ),
        Table(
            "specific_costs",
            (
                _c("specific_cost_id", required=True),
                _c("contact_id"),
                _c("personnummer", "personnummer"),
                _c("event_ts", "timestamp", required=True),
                _c("cost_center", required=True),
                _c("account", required=True),
                _c("amount", "amount", required=True),
                _c("item"),
            ),
            key=("specific_cost_id",),
        ),
        Table(
            "hospitals",
            (
                _c("hospital", required=True),
                _c("region", required=True),
                _c("hospital_type", required=True, allowed=HOSPITAL_TYPES),
            ),
            key=("hospital",),
            key_is_reference=True,
            optional=True,
        ),
    )
}

REQUIRED_TABLES = tuple(name for name, table in TABLES.items() if not table.optional)


# Files of the data root itself, beside drg_weights.csv (spec §7.1): read with the same
# rules as a landing file (both dialects, CSV or Parquet, errors naming file, line, column).
DATA_ROOT_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "price_index",
            (
                _c("year", "integer", required=True),
                _c("index", "decimal", required=True, non_negative=True),
            ),
            key=("year",),
            key_is_reference=True,
            optional=True,
        ),
        Table(
            "reimbursement_prices",
            (
                _c("year", "integer", required=True),
                _c("hospital"),  # empty = every hospital
                _c("price_per_point", "decimal", required=True, non_negative=True),
            ),
            key=("year", "hospital"),
            key_is_reference=True,
            optional=True,
        ),
    )
}
