"""Dataset sizes: the SizeSpec of each ``--size`` (volumes, organisation, file format)."""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeSpec:
    contacts: int  # contacts per year (approximate: Poisson per month)
    inpatient_share: float  # share of contacts that are inpatient stays
    er_share: float  # share of contacts that are emergency-department visits
    structure: str  # which organisation (cost-centre tree) to build
    fmt: str  # "csv" or "parquet"
    lab_scale: float  # scales lab sampling (events per contact)
    specific_rate: float  # scales the probability of specific costs (särkostnader)
    postings: float  # mean extra ledger postings per (month, cost centre, account)
    patients_per_contact: float
    description: str


SIZES: dict[str, SizeSpec] = {
    "demo": SizeSpec(3_000, 0.12, 0.11, "demo", "csv", 1.25, 0.30, 0.25, 0.55,
                     "2 hospitals, ~45 cost centres, ~3k contacts and ~30k events a year, CSV"),
    "medium": SizeSpec(300_000, 0.07, 0.11, "medium", "parquet", 1.1, 0.9, 1.5, 0.35,
                       "2 hospitals, ~150 cost centres, ~300k contacts and ~3M events a year, Parquet"),
    "region": SizeSpec(5_150_000, 0.05, 0.11, "region", "parquet", 1.4, 1.45, 6.0, 0.30,
                       "3 hospitals, ~1000 cost centres, ~5M contacts and ~50M events a year, Parquet"),
}
