"""Deterministic synthetic KPP landing data (spec §0–§2), vectorised with numpy + pyarrow.

``generate(size, year, data_root)`` builds one synthetic care world (a region with
two or three hospitals, their cost centres, patients, contacts, produced
services, specific costs and the general ledger) and writes two deliveries of
the eight landing files of spec §1:

* ``<data_root>/landing/<year>-H1/`` — the temporary KPP extraction made in
  August (contacts that started before 1 July, their events up to the
  extraction date, the Jan–Jun ledger plus a preliminary July);
* ``<data_root>/landing/<year>/`` — the full-year extraction made in February
  of the next year.

Both deliveries come from the same world: same reference files, same
personnummer, same contact/event ids; the H1 delivery is the first-half subset
(a stay still open at the extraction date has an empty ``end_ts``).

No Python loop runs over contacts or events: the world is generated month by
month (one chunk = contacts starting in that month) with numpy, and written with
pyarrow (CSV for ``demo``, Parquet above). The same seed gives byte-identical
files. Calibration targets and their sources are in CALIBRATION.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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

# ---------------------------------------------------------------------------
# National reference data used by the world (NordDRG-like list, 2025 weights)
# ---------------------------------------------------------------------------

# drg -> (weight 2025, mdc, description). The list of /work/shared/examples/small/drg_weights.csv
# (2025) plus P05E and F05C; X60C ("används ej") is never assigned.
DRG_WEIGHTS: dict[str, tuple[float, str, str]] = {
    "G02B": (2.350, "06", "Större ingrepp på tunn- och tjocktarm"),
    "G07C": (0.950, "06", "Appendektomi utan KK"),
    "H08C": (1.050, "07", "Laparoskopisk kolecystektomi"),
    "G10C": (0.800, "06", "Bråckoperation, slutenvård"),
    "G60C": (0.850, "06", "Malignitet i matsmältningsorganen"),
    "G70C": (0.550, "06", "Övriga sjukdomar i matsmältningsorganen"),
    "I08B": (1.900, "08", "Höftledsplastik"),
    "I03C": (2.050, "08", "Höftfrakturkirurgi"),
    "I13C": (1.150, "08", "Ingrepp på överarm och armbåge"),
    "I68C": (0.600, "08", "Icke-kirurgiskt behandlade ryggsjukdomar"),
    "F62C": (0.800, "05", "Hjärtsvikt och chock"),
    "E62C": (0.700, "04", "Luftvägsinfektioner och inflammationer"),
    "E65C": (0.680, "04", "Kroniskt obstruktiv lungsjukdom"),
    "K60C": (0.620, "10", "Diabetes"),
    "L63C": (0.520, "11", "Urinvägsinfektion"),
    "S65C": (1.300, "18", "Sepsis"),
    "F60C": (1.100, "05", "Akut hjärtinfarkt"),
    "F71C": (0.550, "05", "Arytmi och ledningsrubbning"),
    "F67C": (0.450, "05", "Hypertoni"),
    "B70C": (1.450, "01", "Stroke"),
    "B76C": (0.600, "01", "Krampanfall"),
    "B69C": (0.500, "01", "TIA och precerebral ocklusion"),
    "T60N": (1.600, "19", "Psykos"),
    "T63N": (1.200, "19", "Depression"),
    "T67N": (0.750, "19", "Ångest- och anpassningsstörning"),
    "V60N": (0.450, "20", "Alkoholintoxikation och abstinens"),
    "P05E": (0.5455, "14", "Vaginal förlossning utan komplicerande faktorer"),
    "F05C": (2.6364, "06", "Större tarmoperation med komplikationer"),
    "G95O": (0.110, "06", "Öppenvårdsbesök, matsmältningsorgan"),
    "I95O": (0.100, "08", "Öppenvårdsbesök, rörelseorgan"),
    "F95O": (0.120, "05", "Öppenvårdsbesök, cirkulationsorgan"),
    "E95O": (0.100, "04", "Öppenvårdsbesök, andningsorgan"),
    "K95O": (0.090, "10", "Öppenvårdsbesök, endokrina sjukdomar"),
    "B95O": (0.130, "01", "Öppenvårdsbesök, nervsystemet"),
    "T95O": (0.080, "19", "Öppenvårdsbesök, psykiatri"),
    "G50O": (0.420, "06", "Dagkirurgi, matsmältningsorgan"),
    "I50O": (0.480, "08", "Dagkirurgi, rörelseorgan (artroskopi)"),
    "H50O": (0.400, "07", "Dagkirurgi, lever och gallvägar"),
    "Z98P": (0.160, "23", "Akutbesök utan inläggning"),
    "F98P": (0.200, "05", "Akutbesök, bröstsmärta"),
}
_DRG_CODES = list(DRG_WEIGHTS)
_DRG_IDX = {d: i for i, d in enumerate(_DRG_CODES)}

# Per-DRG resource profile of the world.
# los: mean length of stay (days), sd: lognormal sigma, acute: share of acute admissions,
# orm: mean knife time in minutes (0 = no operation), icu: P(ICU), icuh: median ICU hours,
# hia: P(cardiac intensive care days instead of ward days), imp: (P(implant), mean SEK),
# blood: P(blood products), diag: ICD-10-SE codes
_DRG_PARAMS: dict[str, dict] = {
    "G02B": dict(los=7.0, sd=0.55, acute=0.35, orm=200, icu=0.15, icuh=24, blood=0.30, diag=("C18.7", "C20.9", "K56.6")),
    "F05C": dict(los=8.5, sd=0.55, acute=0.60, orm=230, icu=0.20, icuh=30, blood=0.40, diag=("C18.2", "K57.2", "K63.1")),
    "G07C": dict(los=3.0, sd=0.50, acute=1.00, orm=80, icu=0.01, icuh=12, diag=("K35.8", "K35.3")),
    "H08C": dict(los=2.8, sd=0.55, acute=0.45, orm=95, icu=0.01, icuh=12, diag=("K80.2", "K81.0")),
    "G10C": dict(los=2.3, sd=0.55, acute=0.20, orm=85, icu=0.01, icuh=12, diag=("K40.9", "K43.9")),
    "G60C": dict(los=5.0, sd=0.65, acute=0.50, icu=0.02, icuh=20, blood=0.08, diag=("C16.9", "C25.0", "C18.9")),
    "G70C": dict(los=3.2, sd=0.70, acute=0.90, icu=0.01, icuh=15, blood=0.02, diag=("K92.2", "K29.7", "K59.0")),
    "I08B": dict(los=3.8, sd=0.45, acute=0.10, orm=125, icu=0.02, icuh=12, imp=(0.95, 48_000), blood=0.10, diag=("M16.1", "M16.9")),
    "I03C": dict(los=5.8, sd=0.55, acute=1.00, orm=95, icu=0.04, icuh=24, imp=(0.95, 24_000), blood=0.25, diag=("S72.0", "S72.1")),
    "I13C": dict(los=2.7, sd=0.60, acute=0.60, orm=110, icu=0.01, icuh=12, imp=(0.75, 15_000), blood=0.02, diag=("S42.2", "S52.5")),
    "I68C": dict(los=3.8, sd=0.70, acute=0.85, diag=("M54.5", "M51.1")),
    "F62C": dict(los=4.7, sd=0.65, acute=0.95, icu=0.04, icuh=30, blood=0.02, diag=("I50.0", "I50.1")),
    "E62C": dict(los=4.0, sd=0.60, acute=0.95, icu=0.04, icuh=36, blood=0.01, diag=("J18.9", "J15.9", "J20.9")),
    "E65C": dict(los=3.9, sd=0.60, acute=0.95, icu=0.04, icuh=36, diag=("J44.1", "J44.0")),
    "K60C": dict(los=4.0, sd=0.65, acute=0.85, icu=0.02, icuh=20, diag=("E10.1", "E11.9")),
    "L63C": dict(los=3.0, sd=0.60, acute=0.95, icu=0.01, icuh=20, diag=("N39.0", "N10.9")),
    "S65C": dict(los=6.8, sd=0.65, acute=1.00, icu=0.15, icuh=36, blood=0.08, diag=("A41.9", "A41.5")),
    "F60C": dict(los=4.3, sd=0.55, acute=1.00, icu=0.03, icuh=24, hia=0.35, blood=0.03, diag=("I21.4", "I21.0")),
    "F71C": dict(los=2.8, sd=0.60, acute=0.95, icu=0.01, icuh=12, hia=0.15, diag=("I48.9", "I47.1")),
    "F67C": dict(los=2.3, sd=0.55, acute=0.90, diag=("I10.9",)),
    "B70C": dict(los=8.5, sd=0.65, acute=1.00, icu=0.06, icuh=36, diag=("I63.9", "I61.9")),
    "B76C": dict(los=3.2, sd=0.60, acute=1.00, icu=0.03, icuh=18, diag=("G40.9", "R56.8")),
    "B69C": dict(los=2.5, sd=0.55, acute=1.00, diag=("G45.9",)),
    "T60N": dict(los=15.0, sd=0.80, acute=0.75, diag=("F20.0", "F23.9")),
    "T63N": dict(los=11.0, sd=0.75, acute=0.60, diag=("F32.2", "F33.1")),
    "T67N": dict(los=7.5, sd=0.75, acute=0.70, diag=("F41.1", "F43.2")),
    "V60N": dict(los=4.0, sd=0.60, acute=0.90, diag=("F10.3", "F10.0")),
    "P05E": dict(los=2.4, sd=0.40, acute=1.00, blood=0.01, diag=("O80.0",)),
    "G95O": dict(diag=("K21.9", "K58.9")),
    "I95O": dict(diag=("M17.1", "M25.5")),
    "F95O": dict(diag=("I48.9", "I25.1")),
    "E95O": dict(diag=("J45.9", "J44.9")),
    "K95O": dict(diag=("E11.9", "E10.9")),
    "B95O": dict(diag=("G35.9", "G43.9")),
    "T95O": dict(diag=("F32.1", "F41.1", "F90.0")),
    "G50O": dict(orm=70, diag=("K60.3", "K64.9")),
    "I50O": dict(orm=75, imp=(0.30, 9_000), diag=("M23.2", "M75.1")),
    "H50O": dict(orm=85, diag=("K80.2",)),
    "Z98P": dict(diag=("R10.4", "S09.9", "R55.9")),
    "F98P": dict(diag=("R07.4",)),
}

_LOS_SCALE = 1.1  # all mean lengths of stay above are scaled by this (calibration knob, see CALIBRATION.md)

# clinic -> (name, care_field, ward name, outpatient unit name, inpatient DRG mix, outpatient DRG mix,
#            day-surgery DRG mix, share of the hospital's inpatient volume, share of outpatient volume)
_CLINICS: dict[str, tuple] = {
    "KIR": ("Kirurgi", "somatic", "Kirurgavdelning", "Kirurgmottagning",
            {"G02B": 10, "F05C": 6, "G07C": 16, "H08C": 14, "G10C": 12, "G60C": 14, "G70C": 28},
            {"G95O": 1}, {"G50O": 6, "H50O": 4}, 14, 10),
    "ORT": ("Ortopedi", "somatic", "Ortopedavdelning", "Ortopedmottagning",
            {"I08B": 30, "I03C": 25, "I13C": 20, "I68C": 25}, {"I95O": 1}, {"I50O": 1}, 10, 12),
    "MED": ("Internmedicin", "somatic", "Medicinavdelning", "Medicinmottagning",
            {"F62C": 20, "E62C": 20, "E65C": 15, "K60C": 10, "L63C": 15, "S65C": 10, "G70C": 10},
            {"E95O": 35, "K95O": 35, "G95O": 30}, None, 20, 14),
    "KARD": ("Kardiologi", "somatic", "Hjärtavdelning", "Hjärtmottagning",
             {"F60C": 35, "F71C": 35, "F67C": 10, "F62C": 20}, {"F95O": 1}, None, 9, 9),
    "NEU": ("Neurologi", "somatic", "Neurologavdelning", "Neurologmottagning",
            {"B70C": 45, "B76C": 25, "B69C": 30}, {"B95O": 1}, None, 6, 6),
    "KK": ("Kvinnosjukvård", "somatic", "Förlossnings- och BB-avdelning", None, {"P05E": 1}, None, None, 9, 0),
    "PSY": ("Psykiatri", "psychiatric", "Psykiatrisk avdelning", "Psykiatrisk mottagning",
            {"T60N": 35, "T63N": 35, "T67N": 30}, {"T95O": 1}, None, 7, 20),
    "BER": ("Beroendemedicin", "psychiatric", "Beroendeavdelning", "Beroendemottagning",
            {"V60N": 1}, {"T95O": 1}, None, 2, 3),
    "INF": ("Infektion", "somatic", "Infektionsavdelning", "Infektionsmottagning",
            {"S65C": 35, "E62C": 35, "L63C": 30}, {"E95O": 1}, None, 5, 3),
    "GER": ("Geriatrik", "somatic", "Geriatrisk avdelning", "Geriatrisk mottagning",
            {"F62C": 25, "E65C": 20, "L63C": 25, "I68C": 15, "B69C": 15}, {"F95O": 50, "I95O": 50}, None, 7, 3),
    "LUNG": ("Lungmedicin", "somatic", "Lungavdelning", "Lungmottagning",
             {"E62C": 45, "E65C": 55}, {"E95O": 1}, None, 3, 4),
    "GAST": ("Gastroenterologi", "somatic", "Gastroavdelning", "Gastromottagning",
             {"G60C": 40, "G70C": 60}, {"G95O": 1}, None, 3, 5),
    "ONK": ("Onkologi", "somatic", "Onkologavdelning", "Onkologmottagning",
            {"G60C": 1}, {"G95O": 1}, None, 3, 6),
    "ENDO": ("Endokrinologi", "somatic", "Endokrinavdelning", "Endokrin- och diabetesmottagning",
             {"K60C": 1}, {"K95O": 1}, None, 1, 5),
}
_CLINIC_CODES = list(_CLINICS) + ["AKUT", "ANE"]
_CLINIC_IDX = {c: i for i, c in enumerate(_CLINIC_CODES)}
# P(expensive drug, account 5021) per contact: clinic -> (inpatient, outpatient visit)
_DRUG_P = {"ONK": (0.15, 0.08), "NEU": (0.03, 0.025), "GAST": (0.02, 0.02), "MED": (0.01, 0.01),
           "INF": (0.02, 0.005), "PSY": (0.004, 0.002), "ENDO": (0.0, 0.004)}
_SURGICAL_CLINICS = ("KIR", "ORT")

# ---------------------------------------------------------------------------
# Chart of accounts (kontoplan). Specific accounts: 5021, 5041, 5042.
# ---------------------------------------------------------------------------

# account -> (name, class, cost_type, exclusion, specific)
_ACCOUNTS: dict[str, tuple[str, str, str, str, bool]] = {
    "3010": ("Patientavgifter", "revenue", "other", "", False),
    "3020": ("Såld vård till andra regioner", "revenue", "other", "", False),
    "3030": ("Försäljning av analyser externt", "revenue", "other", "", False),
    "3110": ("Statsbidrag", "revenue", "other", "", False),
    "3910": ("Interna intäkter", "internal", "other", "", False),
    "4910": ("Interna köp", "internal", "services", "", False),
    "5010": ("Löner tillsvidareanställda", "cost", "personnel", "", False),
    "5011": ("Sociala avgifter och pensioner", "cost", "personnel", "", False),
    "5012": ("Inhyrd personal", "cost", "personnel", "", False),
    "5013": ("Jour- och beredskapsersättning", "cost", "personnel", "", False),
    "5020": ("Läkemedel inom förmånen, rekvisition", "cost", "drugs", "", False),
    "5021": ("Särläkemedel (dyra läkemedel)", "cost", "drugs", "", True),
    "5030": ("Sjukvårdsmaterial", "cost", "material", "", False),
    "5031": ("Laboratoriematerial och reagens", "cost", "material", "", False),
    "5041": ("Implantat", "cost", "material", "", True),
    "5042": ("Blodprodukter", "cost", "material", "", True),
    "5050": ("Lokalhyra", "cost", "premises", "", False),
    "5051": ("Energi och fastighetsdrift", "cost", "premises", "", False),
    "5060": ("IT-tjänster och licenser", "cost", "services", "", False),
    "5061": ("Konsulttjänster", "cost", "services", "", False),
    "5062": ("Köpta medicinska tjänster", "cost", "services", "", False),
    "5070": ("Avskrivningar", "cost", "depreciation", "", False),
    "5080": ("Köpt vård", "cost", "services", "purchased_care", False),
    "5081": ("Sjukresor", "cost", "services", "transport", False),
    "5082": ("Hjälpmedel", "cost", "material", "aids", False),
    "5083": ("Läkemedel på recept (förmån)", "cost", "drugs", "prescription_drugs", False),
    "5085": ("Arvoden förtroendevalda", "cost", "personnel", "political", False),
    "5090": ("Övriga kostnader", "cost", "other", "", False),
    "5091": ("Livsmedel", "cost", "other", "", False),
}
_ACC_CODES = list(_ACCOUNTS)
_ACC_IDX = {a: i for i, a in enumerate(_ACC_CODES)}
SPECIFIC_ACCOUNTS = tuple(a for a, v in _ACCOUNTS.items() if v[4])
_PERSONNEL = np.array([v[2] == "personnel" and not v[3] for v in _ACCOUNTS.values()])

# Direct-cost profile (share of a centre's own non-specific production cost) per kind of centre.
_PROFILES: dict[str, dict[str, float]] = {
    "ward": {"5010": .45, "5011": .20, "5012": .03, "5013": .03, "5020": .06, "5030": .05, "5050": .06,
             "5051": .02, "5060": .02, "5061": .01, "5062": .01, "5070": .02, "5090": .03, "5091": .01},
    "op": {"5010": .42, "5011": .18, "5012": .03, "5020": .06, "5030": .07, "5050": .08, "5051": .02,
           "5060": .03, "5061": .02, "5062": .02, "5070": .03, "5090": .04},
    "er": {"5010": .45, "5011": .19, "5012": .04, "5013": .04, "5020": .04, "5030": .06, "5050": .06,
           "5051": .02, "5060": .03, "5070": .03, "5090": .04},
    "icu": {"5010": .46, "5011": .20, "5012": .03, "5013": .03, "5020": .08, "5030": .07, "5050": .04,
            "5051": .01, "5060": .02, "5070": .04, "5090": .02},
    "or": {"5010": .36, "5011": .15, "5012": .03, "5013": .02, "5020": .03, "5030": .18, "5050": .06,
           "5051": .02, "5060": .03, "5061": .01, "5070": .09, "5090": .02},
    "lab": {"5010": .33, "5011": .14, "5031": .25, "5050": .05, "5051": .02, "5060": .06, "5061": .02,
            "5070": .10, "5090": .03},
    "rad": {"5010": .35, "5011": .15, "5012": .03, "5030": .06, "5050": .06, "5051": .03, "5060": .08,
            "5061": .03, "5070": .17, "5090": .04},
    "phys": {"5010": .40, "5011": .17, "5030": .05, "5050": .08, "5051": .02, "5060": .06, "5070": .16,
             "5090": .06},
    "path": {"5010": .38, "5011": .16, "5031": .20, "5050": .06, "5051": .02, "5060": .06, "5070": .08,
             "5090": .04},
    "ovh_admin": {"5010": .52, "5011": .22, "5012": .02, "5050": .08, "5060": .05, "5061": .06, "5090": .05},
    "ovh_it": {"5010": .28, "5011": .11, "5060": .37, "5061": .08, "5070": .14, "5090": .02},
    "ovh_prop": {"5010": .15, "5011": .06, "5050": .41, "5051": .22, "5061": .03, "5070": .10, "5090": .03},
    "ovh_clean": {"5010": .50, "5011": .21, "5030": .10, "5050": .05, "5061": .04, "5070": .02, "5090": .08},
    "ovh_meals": {"5010": .30, "5011": .13, "5091": .45, "5050": .05, "5070": .03, "5090": .04},
    "ovh_sterile": {"5010": .40, "5011": .17, "5030": .25, "5050": .05, "5070": .10, "5090": .03},
    "ovh_medtech": {"5010": .33, "5011": .14, "5030": .08, "5061": .10, "5070": .30, "5090": .05},
    "ovh_transport": {"5010": .50, "5011": .21, "5050": .04, "5070": .10, "5090": .15},
    "ovh_clinic": {"5010": .55, "5011": .23, "5050": .06, "5060": .05, "5061": .05, "5090": .06},
    "exc_research": {"5010": .55, "5011": .23, "5030": .05, "5050": .07, "5061": .05, "5090": .05},
    "exc_purchased": {"5080": .97, "5090": .03},
    "exc_political": {"5085": .55, "5011": .15, "5090": .30},
    "exc_aids": {"5082": .75, "5010": .12, "5011": .05, "5050": .05, "5090": .03},
    "exc_transport": {"5081": .95, "5090": .05},
    "exc_rx": {"5083": 1.0},
    "exc_other": {"5010": .50, "5011": .20, "5090": .30},
}
# excluded kinds: exclusion category and yearly cost as a share of production cost (all centres of the kind)
_EXCLUDED = {"exc_research": ("research_education", 0.030), "exc_purchased": ("purchased_care", 0.070),
             "exc_political": ("political", 0.005), "exc_aids": ("aids", 0.015),
             "exc_transport": ("transport", 0.012), "exc_rx": ("prescription_drugs", 0.090),
             "exc_other": ("other_excluded", 0.020)}

# ---------------------------------------------------------------------------
# Service departments (medicinsk service) and their catalogs
# ---------------------------------------------------------------------------

# code, name, weight, and how often it is ordered: chem = inclusion probability per blood draw
# (inpatient, emergency, outpatient); other departments = categorical weights (same columns)
_DEPTS: dict[str, dict] = {
    "chem": dict(name="Klinisk kemi", group="lab", price=70.0, core=10, codes=[
        ("L-HB", "Hemoglobin", 1.0, .35, .35, .25), ("L-BLS", "Blodstatus", 1.4, .55, .60, .35),
        ("L-CRP", "CRP", 1.0, .50, .60, .30), ("L-ELST", "Elektrolytstatus", 1.8, .50, .55, .30),
        ("L-KREA", "Kreatinin", 0.9, .35, .35, .30), ("L-LEVER", "Leverstatus", 2.2, .25, .25, .15),
        ("L-PK", "PK(INR)", 1.1, .20, .20, .10), ("L-TNT", "Troponin T", 2.6, .15, .30, .03),
        ("L-GLU", "Glukos", 0.6, .30, .30, .15), ("L-HBA1C", "HbA1c", 1.5, .08, .03, .15),
        ("L-TSH", "TSH", 1.6, .05, .02, .12), ("L-T4", "Fritt T4", 1.6, .03, .01, .08),
        ("L-LIPID", "Lipidstatus", 2.0, .03, .01, .12), ("L-ALB", "Albumin", 0.9, .15, .08, .06),
        ("L-CA", "Kalcium", 0.8, .12, .08, .06), ("L-MG", "Magnesium", 0.8, .10, .05, .03),
        ("L-FOSF", "Fosfat", 0.8, .10, .04, .03), ("L-URAT", "Urat", 0.9, .03, .02, .03),
        ("L-ALP", "ALP", 0.9, .10, .06, .05), ("L-BILI", "Bilirubin", 0.9, .10, .08, .04),
        ("L-AMYL", "Pankreasamylas", 1.2, .06, .10, .02), ("L-LAKT", "Laktat", 1.3, .10, .15, .0),
        ("L-BGAS", "Blodgas", 2.4, .12, .12, .0), ("L-DDIM", "D-dimer", 2.0, .04, .10, .01),
        ("L-NTPRO", "NT-proBNP", 3.0, .06, .08, .04), ("L-FERR", "Ferritin", 1.4, .04, .02, .06),
        ("L-B12", "Kobalamin", 1.5, .03, .01, .05), ("L-FOLAT", "Folat", 1.5, .02, .01, .04),
        ("L-PCT", "Prokalcitonin", 3.2, .05, .04, .0), ("L-USTIX", "Urinsticka", 0.3, .10, .15, .06),
        ("L-UALB", "U-albumin", 1.1, .01, .0, .05), ("L-LITIUM", "Litium", 1.4, .01, .01, .01),
        ("L-ETANOL", "Etanol", 1.0, .02, .05, .0), ("L-DROG", "Drogscreening", 4.0, .02, .04, .01)]),
    "micro": dict(name="Klinisk mikrobiologi", group="lab", price=110.0, core=3, codes=[
        ("M-ODL", "Odling, blod", 4.0, .40, .30, .10), ("M-URIN", "Urinodling", 2.0, .30, .40, .40),
        ("M-PCR", "PCR luftvägspanel", 6.0, .30, .30, .10), ("M-SVALG", "Svalgodling", 1.5, .0, .05, .20),
        ("M-FECES", "Feces, patogena bakterier", 3.0, .05, .02, .10), ("M-MRSA", "MRSA-screening", 2.5, .10, .0, .0),
        ("M-SEROL", "Serologi", 2.0, .05, .02, .15)]),
    "rad": dict(name="Röntgen", group="radiology", price=700.0, core=4, codes=[
        ("R-SLAT", "Slätröntgen", 1.0, .45, .50, .55), ("R-CT", "Datortomografi", 3.8, .35, .40, .15),
        ("R-MR", "Magnetkameraundersökning", 6.5, .08, .04, .12), ("R-UL", "Ultraljud", 1.6, .12, .06, .18),
        ("R-MAMMO", "Mammografi", 1.2, .0, .0, .05), ("R-GENOM", "Genomlysning", 2.5, .03, .0, .02),
        ("R-INTERV", "Intervention, kärl", 12.0, .02, .0, .005), ("R-NUKL", "Nuklearmedicin", 5.0, .01, .0, .02)]),
    "phys": dict(name="Klinisk fysiologi", group="physiology", price=600.0, core=3, codes=[
        ("F-EKG", "Vilo-EKG", 1.0, .60, .80, .50), ("F-EKO", "Ekokardiografi", 5.0, .30, .15, .25),
        ("F-ARB", "Arbetsprov", 4.0, .05, .05, .20), ("F-HOLT", "Långtids-EKG", 2.5, .05, .0, .10),
        ("F-SPIRO", "Spirometri", 1.5, .05, .0, .10), ("F-DOPP", "Kärldoppler", 2.2, .05, .0, .05)]),
    "path": dict(name="Klinisk patologi", group="pathology", price=1400.0, core=3, codes=[
        ("P-HIST", "Histopatologi", 1.0, .70, .0, .40), ("P-CYT", "Cytologi", 0.4, .10, .0, .50),
        ("P-FS", "Fryssnitt", 1.5, .15, .0, .0), ("P-IMM", "Immunhistokemi", 1.2, .10, .0, .05),
        ("P-MOL", "Molekylärpatologi", 4.0, .05, .0, .05)]),
    "nphys": dict(name="Klinisk neurofysiologi", group="physiology", price=1800.0, core=3, codes=[
        ("N-EEG", "EEG", 1.0, .60, .0, .40), ("N-ENMG", "ENeG/EMG", 1.4, .20, .0, .50),
        ("N-EP", "Evokerade potentialer", 1.1, .20, .0, .10)]),
    "transf": dict(name="Transfusionsmedicin", group="lab", price=250.0, core=2, codes=[
        ("T-BAS", "Blodgruppering och BAS-test", 1.0, .80, .50, .50), ("T-GRUPP", "Blodgruppering", 0.6, .20, .50, .50)]),
}
_SECTION_NAMES = {
    "chem": ["Akutlaboratoriet", "Rutinkemi", "Specialkemi", "Koagulationslaboratoriet", "Immunkemi", "Hematologi",
             "Provtagningsenheten", "Endokrinlaboratoriet", "Proteinlaboratoriet", "Läkemedelsanalys"],
    "micro": ["Bakteriologi", "Virologi", "Molekylär diagnostik", "Serologi", "Parasitologi"],
    "rad": ["Akutröntgen", "Datortomografi", "Magnetkamera", "Ultraljud", "Skelettröntgen", "Thoraxröntgen",
            "Barnröntgen", "Neuroröntgen", "Intervention", "Mammografi", "Nuklearmedicin", "Bröstdiagnostik"],
    "phys": ["EKG-laboratoriet", "Ekokardiografi", "Arbetsfysiologi", "Lungfysiologi", "Kärllaboratoriet"],
    "path": ["Histopatologi", "Cytologi", "Immunhistokemi", "Molekylärpatologi", "Obduktion"],
    "nphys": ["EEG", "EMG/ENeG", "Sömnlaboratoriet"],
    "transf": ["Blodcentralen", "Immunhematologi"],
}
_DEPT_KIND = {"chem": "lab", "micro": "lab", "transf": "lab", "rad": "rad", "phys": "phys", "nphys": "phys",
              "path": "path"}

# reference full cost (incl. overhead) per weight unit of a care service, before the global scale k
_CARE_PRICE = {"ward": 7300.0, "ward_psy": 5450.0, "ward_kk": 8200.0, "op": 5000.0, "op_psy": 4800.0,
               "er": 5800.0, "icu": 2500.0, "or": 130.0}

# slots of cat_of (care services)
_SLOTS = ["VD", "HIA", "BES-L", "BES-S", "TEL", "AKUT1", "AKUT2", "IVA-T", "OP", "AN", "UPV"]
_S = {s: i for i, s in enumerate(_SLOTS)}
_CARE_CATALOG = {  # slot -> (name, service_group, unit, weight)
    "VD": ("Vårddygn", "bed_day", "day", 1.0),
    "HIA": ("Hjärtintensivvårdsdygn", "bed_day", "day", 2.2),
    "BES-L": ("Läkarbesök", "visit_physician", "each", 1.0),
    "BES-S": ("Sjuksköterskebesök", "visit_other", "each", 0.45),
    "TEL": ("Telefonkontakt/distanskontakt", "visit_other", "each", 0.15),
    "AKUT1": ("Akutbesök, prio 3-5", "emergency", "each", 1.0),
    "AKUT2": ("Akutbesök, prio 1-2", "emergency", "each", 1.9),
    "IVA-T": ("Intensivvårdstimme", "icu", "hour", 1.0),
    "OP": ("Operationstid (knivtid)", "surgery", "minute", 1.0),
    "AN": ("Anestesitid", "anesthesia", "minute", 0.55),
    "UPV": ("Tid på uppvakningsavdelning", "anesthesia", "minute", 0.25),
}

# settings of a contact (drive service use)
_IP, _ER, _VISIT, _TEL, _DAYSURG = 0, 1, 2, 3, 4

_SEASON_ELECTIVE = np.array([1.02, 1.0, 1.05, 1.0, 1.0, 0.93, 0.62, 0.85, 1.06, 1.08, 1.05, 0.86])
_SEASON_ACUTE = np.array([1.08, 1.02, 1.0, 0.98, 0.97, 0.96, 0.95, 0.97, 0.99, 1.0, 1.02, 1.06])
_DIURNAL = np.array([.45, .35, .3, .28, .3, .4, .6, .9, 1.2, 1.35, 1.4, 1.4, 1.35, 1.35, 1.3, 1.3, 1.3, 1.25,
                     1.2, 1.1, 1.0, .9, .75, .6])
_HOME_REGIONS = ["03", "01", "04", "05", "12", "17", "18", "21"]

TARGETS = dict(cost_per_drg_point=68_000.0, overhead_share=0.17)

# ---------------------------------------------------------------------------
# Organisation templates
# ---------------------------------------------------------------------------

_HOSPITALS = {
    "demo": [("US", "Universitetssjukhuset", 1.10), ("LS", "Länssjukhuset", 0.95)],
    "medium": [("US", "Universitetssjukhuset", 1.10), ("LS", "Länssjukhuset", 0.95)],
    "region": [("US", "Universitetssjukhuset", 1.10), ("LS", "Länssjukhuset", 0.95),
               ("LD", "Länsdelssjukhuset", 0.90)],
}
# hospital -> clinic -> (wards, outpatient units)
_UNITS = {
    "demo": {"US": {"KIR": (2, 1), "ORT": (1, 1), "MED": (2, 1), "KARD": (1, 1), "NEU": (1, 1), "PSY": (2, 1),
                    "KK": (1, 0)},
             "LS": {"KIR": (1, 1), "ORT": (0, 1), "MED": (1, 1)}},
    "medium": {"US": {"KIR": (4, 3), "ORT": (3, 2), "MED": (5, 3), "KARD": (2, 2), "NEU": (2, 2), "PSY": (4, 3),
                      "KK": (2, 0), "INF": (1, 1), "GER": (2, 1), "ONK": (1, 2)},
               "LS": {"KIR": (2, 2), "ORT": (1, 1), "MED": (3, 2), "KARD": (1, 1), "PSY": (2, 2), "KK": (1, 0),
                      "GER": (1, 1)}},
    "region": {"US": {"KIR": (14, 22), "ORT": (11, 16), "MED": (17, 22), "KARD": (8, 13), "NEU": (6, 11),
                      "KK": (6, 0), "PSY": (14, 32), "BER": (4, 9), "INF": (5, 8), "GER": (8, 5), "LUNG": (4, 9),
                      "GAST": (4, 11), "ONK": (4, 13), "ENDO": (2, 9)},
               "LS": {"KIR": (7, 10), "ORT": (5, 8), "MED": (9, 11), "KARD": (4, 6), "NEU": (3, 5), "KK": (3, 0),
                      "PSY": (7, 15), "INF": (2, 4), "GER": (4, 3)},
               "LD": {"KIR": (3, 5), "ORT": (2, 4), "MED": (5, 6), "GER": (2, 2), "KK": (1, 0), "PSY": (2, 5)}},
}
# hospital -> (emergency departments, ICUs, operating departments)
_ACUTE_UNITS = {
    "demo": {"US": (1, 1, 1), "LS": (1, 0, 1)},
    "medium": {"US": (2, 2, 3), "LS": (1, 1, 1)},
    "region": {"US": (3, 4, 7), "LS": (2, 2, 3), "LD": (1, 1, 2)},
}
# dept -> provider ("REG" = region-wide) -> number of sections (cost centres)
_SERVICE_UNITS = {
    "demo": {"chem": {"REG": 1}, "micro": {"REG": 1}, "rad": {"US": 1, "LS": 1}, "phys": {"US": 1},
             "path": {"REG": 1}},
    "medium": {"chem": {"US": 3, "LS": 1}, "micro": {"REG": 2}, "rad": {"US": 3, "LS": 2}, "phys": {"US": 2, "LS": 1},
               "path": {"REG": 2}, "transf": {"US": 1}},
    "region": {"chem": {"US": 20, "LS": 9, "LD": 4}, "micro": {"REG": 10}, "rad": {"US": 22, "LS": 10, "LD": 4},
               "phys": {"US": 10, "LS": 4, "LD": 2}, "path": {"US": 10, "LS": 4}, "nphys": {"US": 5},
               "transf": {"US": 5, "LS": 2, "LD": 1}},
}
_ER_NAMES = ["Akutmottagning", "Barnakutmottagning", "Jourmottagning"]
_ICU_NAMES = ["Intensivvårdsavdelning (IVA)", "Thoraxintensivvårdsavdelning", "Neurointensivvårdsavdelning",
              "Barnintensivvårdsavdelning"]
_OR_NAMES = ["Centraloperation", "Dagkirurgisk enhet", "Ortopedoperation", "Akutoperation", "Kvinnooperation",
             "Thoraxoperation", "Neurooperation"]

_L1_NAMES = [("Regionledning och regiondirektörens stab", "fte"), ("Ekonomistab", "fte"), ("HR-stab", "fte"),
             ("Kommunikationsstab", "fte"), ("Juridik och dokumentation", "fte"), ("Upphandlingsenhet", "fte"),
             ("Regional IT – infrastruktur", "it_accounts"), ("Regional IT – applikationer", "it_accounts"),
             ("Journalsystem, förvaltning", "it_accounts"), ("Regionfastigheter, förvaltning", "area_m2"),
             ("Löneservice", "fte"), ("Säkerhet och beredskap", "fte"), ("Hälso- och sjukvårdsstab", "fte"),
             ("Regionarkiv", "fte"), ("Informationssäkerhet", "it_accounts"), ("Telefoni och växel", "it_accounts")]
_L2_NAMES = [("Sjukhusledning", "fte"), ("Sjukhusövergripande ekonomi", "fte"), ("Sjukhusövergripande HR", "fte"),
             ("Patientsäkerhet och kvalitet", "fte"), ("Chefläkarfunktion", "fte"), ("Utbildningsenhet", "fte"),
             ("Fastighetsförvaltning", "area_m2"), ("Vårdhygien", "fte"), ("Sjukhusövergripande IT", "it_accounts")]
_L3_KINDS = [("ovh_clean", "Lokalvård", "area_m2"), ("ovh_meals", "Kost och måltidsservice", "meals"),
             ("ovh_sterile", "Sterilteknik", "sterile"), ("ovh_transport", "Patienttransporter", "transport"),
             ("ovh_it", "IT-support", "it_accounts"), ("ovh_prop", "Fastighetsdrift", "area_m2")]
# overhead counts: structure -> (level-1 units, level-2 units per hospital, level-3 units per hospital per kind,
#                                 medical-technology units, clinic management units?)
_OVERHEAD = {
    "demo": (1, {"US": 1, "LS": 1}, None, 1, False),
    "medium": (4, {"US": 3, "LS": 2}, {"US": 1, "LS": 1}, 1, True),
    "region": (110, {"US": 48, "LS": 26, "LD": 16}, {"US": 7, "LS": 4, "LD": 2}, 8, True),
}
_EXCLUDED_UNITS = {
    "demo": [("exc_research", "Forskning och utbildning (FoU)", "US", "FOU"),
             ("exc_purchased", "Köpt vård, utomlänsvård", "REG", "KOPT"),
             ("exc_political", "Politisk verksamhet och revision", "REG", "POL"),
             ("exc_aids", "Hjälpmedelscentralen", "REG", "HJM"), ("exc_transport", "Sjukresor", "REG", "RES")],
}


# ---------------------------------------------------------------------------
# Small helpers: calendar, strings, columns, sinks
# ---------------------------------------------------------------------------

def _day(y: int, m: int, d: int) -> int:
    return int((np.datetime64(f"{y:04d}-{m:02d}-{d:02d}") - np.datetime64("1970-01-01")).astype(np.int64))


def _digits_into(buf: np.ndarray, col0: int, width: int, values: np.ndarray) -> None:
    x = values.astype(np.int64, copy=True)
    for j in range(col0 + width - 1, col0 - 1, -1):
        buf[:, j] = 48 + (x % 10)
        x //= 10


def _string_array(buf: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """StringArray from a (n, width) uint8 matrix of ASCII bytes; rows where valid is False are null."""
    n, w = buf.shape
    if valid is None:
        offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
        return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf))).cast(pa.string())
    valid = np.asarray(valid, dtype=bool)
    data = np.ascontiguousarray(buf[valid])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(valid.astype(np.int64) * w, out=offsets[1:])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = int(n - valid.sum())
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)
    return arr.cast(pa.string())


def _id_strings(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    p = prefix.encode()
    buf = np.empty((len(numbers), len(p) + width), dtype=np.uint8)
    buf[:, :len(p)] = np.frombuffer(p, dtype=np.uint8)
    _digits_into(buf, len(p), width, np.where(numbers < 0, 0, numbers))
    return _string_array(buf, valid)


def _civil(days: np.ndarray):
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def _ts_strings(minutes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """'YYYY-MM-DD HH:MM' from minutes since 1970-01-01."""
    minutes = np.asarray(minutes, dtype=np.int64)
    y, m, d = _civil(minutes // 1440)
    mod = minutes % 1440
    buf = np.empty((len(minutes), 16), dtype=np.uint8)
    buf[:, [4, 7]] = ord("-")
    buf[:, 10] = ord(" ")
    buf[:, 13] = ord(":")
    _digits_into(buf, 0, 4, y)
    _digits_into(buf, 5, 2, m)
    _digits_into(buf, 8, 2, d)
    _digits_into(buf, 11, 2, mod // 60)
    _digits_into(buf, 14, 2, mod % 60)
    return _string_array(buf, valid)


def _fixed_strings(scaled: np.ndarray, decimals: int) -> pa.Array:
    """Decimal text with exactly `decimals` decimals from integers scaled by 10**decimals."""
    scaled = np.asarray(scaled, dtype=np.int64)
    neg = scaled < 0
    a = np.abs(scaled)
    f = 10 ** decimals
    ip = pa.array(a // f).cast(pa.string())
    if decimals:
        fp = pc.utf8_lpad(pa.array(a % f).cast(pa.string()), decimals, "0")
        txt = pc.binary_join_element_wise(ip, fp, ".")
    else:
        txt = ip
    return pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", txt, ""), txt)


class _Col:
    """A column with a Parquet (native) and a CSV (text) representation."""

    def __init__(self, kind: str, data, valid=None, decimals: int = 2, quote: bool = False, itype=pa.int16()):
        self.kind, self.data, self.valid, self.decimals, self.quote, self.itype = kind, data, valid, decimals, quote, itype

    @property
    def n(self) -> int:
        return len(self.data)

    def arrow(self) -> pa.Array:
        k, v = self.kind, self.valid
        mask = None if v is None else ~np.asarray(v, dtype=bool)
        if k == "text":
            return self.data if isinstance(self.data, (pa.Array, pa.ChunkedArray)) else pa.array(self.data, pa.string())
        if k == "ts":
            return pa.array(np.asarray(self.data, np.int64) * 60_000, type=pa.timestamp("ms"), mask=mask)
        if k == "money":  # integer öre
            return pa.array(np.asarray(self.data, np.int64) / 100.0, type=pa.float64(), mask=mask)
        if k == "dec":  # float, rounded to `decimals`
            return pa.array(np.round(np.asarray(self.data, np.float64), self.decimals), type=pa.float64(), mask=mask)
        if k == "int":
            return pa.array(np.asarray(self.data, np.int64), type=self.itype, mask=mask)
        if k == "bool":
            return pa.array(np.asarray(self.data, bool), type=pa.bool_())
        raise AssertionError(k)

    def text(self) -> pa.Array:
        k, v = self.kind, self.valid
        if k == "text":
            arr = self.arrow()
            if self.quote:
                needs = pc.match_substring_regex(arr, '[,"\n]')
                quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
                arr = pc.if_else(needs, quoted, arr)
            return arr
        if k == "ts":
            return _ts_strings(self.data, v)
        if k == "money":
            arr = _fixed_strings(self.data, 2)
        elif k == "dec":
            arr = _fixed_strings(np.round(np.asarray(self.data, np.float64) * 10 ** self.decimals), self.decimals)
        elif k == "int":
            arr = pa.array(np.asarray(self.data, np.int64)).cast(pa.string())
        elif k == "bool":
            arr = pa.array(np.where(np.asarray(self.data, bool), "true", "false"))
        else:
            raise AssertionError(k)
        if v is not None:
            arr = pc.if_else(pa.array(np.asarray(v, bool)), arr, pa.scalar(None, pa.string()))
        return arr


class _Sink:
    """Streams one landing file (CSV or Parquet) in chunks; deterministic bytes."""

    def __init__(self, path: Path, fmt: str, columns: list[str]):
        self.path, self.fmt, self.columns, self.rows = path, fmt, columns, 0
        self._writer = None
        self._fh = None
        if fmt == "csv":
            self._fh = open(path, "wb")
            self._fh.write((",".join(columns) + "\n").encode())

    def write(self, cols: dict[str, _Col]) -> None:
        n = next(iter(cols.values())).n
        if n == 0 and self.fmt == "csv":
            return
        if self.fmt == "csv":
            texts = [cols[c].text() for c in self.columns]
            joined = pc.binary_join_element_wise(*texts, ",", null_handling="replace", null_replacement="")
            lines = pc.binary_join_element_wise(joined, "", "\n")
            lines = lines.cast(pa.large_string())
            offs = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + n + 1]
            data = lines.buffers()[2]
            self._fh.write(memoryview(data)[int(offs[0]):int(offs[-1])])
        else:
            table = pa.table({c: cols[c].arrow() for c in self.columns})
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd", compression_level=1,
                                                store_schema=False, write_statistics=True)
            self._writer.write_table(table, row_group_size=1 << 20)
        self.rows += n

    def close(self, empty: dict[str, _Col] | None = None) -> None:
        if self.fmt == "csv":
            self._fh.close()
        else:
            if self._writer is None and empty is not None:
                table = pa.table({c: empty[c].arrow() for c in self.columns})
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd", compression_level=1,
                                                store_schema=False)
                self._writer.write_table(table)
            if self._writer is not None:
                self._writer.close()


_COLUMNS = {
    "ledger": ["month", "cost_center", "account", "amount"],
    "accounts": ["account", "name", "account_class", "cost_type", "exclusion", "specific"],
    "cost_centers": ["cost_center", "name", "hospital", "clinic", "role", "exclusion", "allocation_key",
                     "allocation_order"],
    "allocation_keys": ["key", "cost_center", "value"],
    "service_catalog": ["cost_center", "service_code", "name", "service_group", "unit", "weight"],
    "contacts": ["contact_id", "personnummer", "hospital", "clinic", "cost_center", "care_type", "care_field",
                 "start_ts", "end_ts", "drg", "primary_diagnosis", "age", "sex", "home_region"],
    "service_events": ["event_id", "contact_id", "personnummer", "event_ts", "cost_center", "service_code",
                       "quantity", "ordering_cost_center"],
    "specific_costs": ["specific_cost_id", "contact_id", "personnummer", "event_ts", "cost_center", "account",
                       "amount", "item"],
}


def _labels(labels: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    dictionary = pa.array(labels, pa.string())
    idx = np.asarray(idx, dtype=np.int32)
    if valid is not None:
        idx = np.where(valid, idx, 0)
        out = dictionary.take(pa.array(idx, mask=~np.asarray(valid, bool)))
    else:
        out = dictionary.take(pa.array(idx))
    return out


def _cum(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    c = np.cumsum(w)
    return c / c[-1]


def _pick(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _pick_rows(u: np.ndarray, cum_rows: np.ndarray) -> np.ndarray:
    """Categorical choice per row: cum_rows (n, k) cumulative probabilities (last = 1)."""
    return np.minimum((u[:, None] >= cum_rows).sum(axis=1), cum_rows.shape[1] - 1)


# ---------------------------------------------------------------------------
# Structure: cost centres, catalog, routing, allocation-key scopes
# ---------------------------------------------------------------------------

class _Structure:
    def __init__(self, structure: str, rng: np.random.Generator, full_codes: bool = True):
        self.full_codes = full_codes
        self.key_specs: dict[str, tuple[str, str | None, str | None]] = {}
        self.hospitals = _HOSPITALS[structure]
        self.hosp_codes = [h[0] for h in self.hospitals]
        self.hosp_factor = np.array([h[2] for h in self.hospitals])
        cc: dict[str, list] = {k: [] for k in ("code", "name", "hosp", "clinic", "role", "excl", "key", "order",
                                                "kind", "hidx", "price", "weight", "level", "dept", "psy",
                                                "surgical")}
        seq: dict[tuple, int] = {}
        type_digit = {"ovh": 1, "ward": 2, "icu": 3, "or": 3, "er": 3, "op": 4, "svc": 6, "exc": 9}
        hosp_digit = {"REG": 0, **{h: i + 1 for i, h in enumerate(self.hosp_codes)}}

        def add(kind, name, hosp, clinic, role, *, excl="", key="", level=0, dept="", price=0.0, weight=1.0,
                psy=False, surgical=False, scope=None):
            if key:
                self.key_specs[key] = scope or (key, None, None)
            t = type_digit["svc" if role == "service" else ("ovh" if role == "overhead" else (
                "exc" if role == "excluded" else kind))]
            k = (t, hosp_digit[hosp])
            seq[k] = seq.get(k, 0) + 1
            code = f"K{t}{hosp_digit[hosp]}{seq[k]:03d}"
            for f, v in (("code", code), ("name", name), ("hosp", hosp), ("clinic", clinic), ("role", role),
                         ("excl", excl), ("key", key), ("order", 0), ("kind", kind),
                         ("hidx", self.hosp_codes.index(hosp) if hosp in self.hosp_codes else -1),
                         ("price", price), ("weight", weight), ("level", level), ("dept", dept), ("psy", psy),
                         ("surgical", surgical)):
                cc[f].append(v)
            return len(cc["code"]) - 1

        lognorm = lambda s=0.25: float(np.exp(rng.normal(0.0, s)))  # noqa: E731
        ward_no = {h: 10 + 10 * i for i, h in enumerate(self.hosp_codes)}
        units = _UNITS[structure]
        # --- care: wards and outpatient units
        for h in self.hosp_codes:
            hname = dict((x[0], x[1]) for x in self.hospitals)[h]
            base_units = units["US"]
            for clinic, (nw, no) in units[h].items():
                spec = _CLINICS[clinic]
                psy = spec[1] == "psychiatric"
                bw, bo = base_units.get(clinic, (nw, no))
                for i in range(nw):
                    ward_no[h] += 1
                    kind_price = "ward_psy" if psy else ("ward_kk" if clinic == "KK" else "ward")
                    add("ward", f"{spec[2]} {ward_no[h]}" + ("" if h == "US" else f" {hname}"), h, clinic, "care",
                        price=_CARE_PRICE[kind_price], weight=spec[7] / max(bw, 1) * lognorm(), psy=psy,
                        surgical=clinic in _SURGICAL_CLINICS)
                for i in range(no):
                    suffix = "" if no == 1 else f" {chr(65 + i % 26)}{'' if i < 26 else i // 26}"
                    add("op", f"{spec[3]}{suffix}" + ("" if h == "US" else f" {hname}"), h, clinic, "care",
                        price=_CARE_PRICE["op_psy" if psy else "op"], weight=spec[8] / max(bo, 1) * lognorm(),
                        psy=psy, surgical=clinic in _SURGICAL_CLINICS)
            n_er, n_icu, n_or = _ACUTE_UNITS[structure][h]
            ward_w = sum(w for w, k, hh in zip(cc["weight"], cc["kind"], cc["hosp"]) if k == "ward" and hh == h)
            us_w = sum(w for w, k, hh in zip(cc["weight"], cc["kind"], cc["hosp"]) if k == "ward" and hh == "US")
            for i in range(n_er):
                add("er", f"{_ER_NAMES[i % 3]} {hname}", h, "AKUT", "care", price=_CARE_PRICE["er"],
                    weight=(1.0 if i == 0 else 0.35) * lognorm(0.1) * ward_w / us_w)
            for i in range(n_icu):
                add("icu", f"{_ICU_NAMES[i % 4]} {hname}", h, "ANE", "care", price=_CARE_PRICE["icu"],
                    weight=(1.0 if i == 0 else 0.4) * lognorm(0.1))
            for i in range(n_or):
                add("or", f"{_OR_NAMES[i % 7]} {hname}", h, "ANE", "care", price=_CARE_PRICE["or"],
                    weight=(1.0 if i == 0 else 0.5) * lognorm(0.1))
        # --- medical service sections
        self.dept_sections: dict[str, dict[str, list[int]]] = {}
        for dept, providers in _SERVICE_UNITS[structure].items():
            d = _DEPTS[dept]
            self.dept_sections[dept] = {}
            for prov, n in providers.items():
                hname = "" if prov == "REG" else " " + dict((x[0], x[1]) for x in self.hospitals)[prov]
                names = _SECTION_NAMES[dept]
                idxs = []
                for i in range(n):
                    nm = d["name"] + hname if n == 1 else f"{d['name']}{hname}, {names[i % len(names)]}" + (
                        "" if i < len(names) else f" {i // len(names) + 1}")
                    idxs.append(add(_DEPT_KIND[dept], nm, prov, {"chem": "LAB", "micro": "LAB", "transf": "LAB",
                                                                 "rad": "RTG", "phys": "FYS", "nphys": "FYS",
                                                                 "path": "PAT"}[dept], "service",
                                    dept=dept, price=d["price"]))
                self.dept_sections[dept][prov] = idxs
        # --- overhead (3 step-down levels) and excluded centres
        n_l1, l2, l3, n_mt, clinic_mgmt = _OVERHEAD[structure]
        hn = dict((x[0], x[1]) for x in self.hospitals)
        for i in range(n_l1):
            nm, key = _L1_NAMES[i % len(_L1_NAMES)]
            if i >= len(_L1_NAMES):
                nm = f"{nm}, enhet {i // len(_L1_NAMES) + 1}"
            kind = {"fte": "ovh_admin", "it_accounts": "ovh_it", "area_m2": "ovh_prop"}[key]
            add(kind, nm, "REG", "ADM", "overhead", key=key, level=1, weight=lognorm(0.5), scope=(key, None, None))
        for h, n in l2.items():
            for i in range(n):
                nm, key = _L2_NAMES[i % len(_L2_NAMES)]
                nm = f"{nm} {hn[h]}" + ("" if i < len(_L2_NAMES) else f", enhet {i // len(_L2_NAMES) + 1}")
                kind = {"fte": "ovh_admin", "it_accounts": "ovh_it", "area_m2": "ovh_prop"}[key]
                add(kind, nm, h, "ADM", "overhead", key=f"{key}_{h}", level=2, weight=lognorm(0.5), scope=(key, h, None))
        if l3 is None:  # demo: region-wide support functions like the public example
            for kind, nm, key in [("ovh_prop", "Fastighet, lokalvård och vaktmästeri", "area_m2"),
                                  ("ovh_it", "IT och journalsystem", "it_accounts"),
                                  ("ovh_meals", "Kost och måltidsservice", "meals"),
                                  ("ovh_sterile", "Sterilteknik", "sterile")]:
                add(kind, nm, "REG", "SERV", "overhead", key=key, level=3, weight=lognorm(0.3))
        else:
            for h, n in l3.items():
                for kind, nm, key in _L3_KINDS:
                    m = max(1, round(n * {"ovh_clean": 1.6, "ovh_prop": 2.2, "ovh_meals": 0.6,
                                          "ovh_sterile": 0.5, "ovh_transport": 0.5, "ovh_it": 0.5}[kind]))
                    for i in range(m):
                        add(kind, f"{nm} {hn[h]}" + ("" if m == 1 else f", område {i + 1}"), h, "SERV", "overhead",
                            key=f"{key}_{h}", level=3, weight=lognorm(0.3), scope=(key, h, None))
        for i in range(n_mt):
            add("ovh_medtech", "Medicinsk teknik" + ("" if n_mt == 1 else f", enhet {i + 1}"), "REG", "SERV",
                "overhead", key="mt_value", level=3, weight=lognorm(0.3))
        if clinic_mgmt:
            for h in self.hosp_codes:
                for clinic in list(units[h]) + ["AKUT", "ANE"]:
                    cname = _CLINICS[clinic][0] if clinic in _CLINICS else {"AKUT": "Akutkliniken",
                                                                             "ANE": "Anestesi, operation och intensivvård"}[clinic]
                    add("ovh_clinic", f"Klinikledning {cname} {hn[h]}", h, clinic, "overhead",
                        key=f"fte_{clinic}_{h}", level=3, weight=lognorm(0.3), scope=("fte", h, clinic))
        for kind, nm, h, clinic in self._excluded_units(structure):
            add(kind, nm, h, clinic, "excluded", excl=_EXCLUDED[kind][0], weight=lognorm(0.4))

        self.n = len(cc["code"])
        for k, v in cc.items():
            setattr(self, "cc_" + k, np.array(v) if k not in ("code", "name", "hosp", "clinic", "role", "excl",
                                                             "key", "kind", "dept") else v)
        self.cc_eff = np.exp(rng.normal(0.0, 0.10, self.n))
        # step-down order: level 1, 2, 3 (support functions last), stable inside a level
        ovh = [i for i in range(self.n) if cc["role"][i] == "overhead"]
        ovh.sort(key=lambda i: (cc["level"][i], i))
        self.cc_order = np.zeros(self.n, dtype=np.int64)
        for o, i in enumerate(ovh, start=1):
            self.cc_order[i] = o
        self.ovh = np.array(ovh, dtype=np.int64)
        self._build_catalog(rng)
        self._index_units(rng)

    @staticmethod
    def _excluded_units(structure: str) -> list[tuple[str, str, str, str]]:
        if structure in _EXCLUDED_UNITS:
            return _EXCLUDED_UNITS[structure]
        out = []
        hosp = [h for h, *_ in _HOSPITALS[structure]]
        hn = dict((x[0], x[1]) for x in _HOSPITALS[structure])
        units = _UNITS[structure]
        big = structure == "region"
        for h in hosp[:2] if big else hosp[:1]:
            clinics = list(units[h]) if (big and h == "US") else ["FOU"]
            for c in clinics:
                nm = "Forskning och utbildning (FoU)" if c == "FOU" else f"FoU {_CLINICS[c][0]}"
                out.append(("exc_research", f"{nm} {hn[h]}", h, "FOU"))
        areas = ["utomlänsvård", "ortopedi", "psykiatri", "rehabilitering", "ögonsjukvård", "kirurgi",
                 "hjärtsjukvård", "cancervård", "barnsjukvård", "fertilitet", "plastikkirurgi", "tandvård",
                 "neurologi", "beroendevård", "habilitering"]
        for a in areas[: (15 if big else 3)]:
            out.append(("exc_purchased", f"Köpt vård, {a}", "REG", "KOPT"))
        for i in range(8 if big else 1):
            out.append(("exc_political", "Politisk verksamhet och revision" + (f", nämnd {i + 1}" if i else ""), "REG",
                        "POL"))
        for i in range(6 if big else 1):
            out.append(("exc_aids", "Hjälpmedelscentralen" + (f", enhet {i + 1}" if i else ""), "REG", "HJM"))
        for i in range(5 if big else 1):
            out.append(("exc_transport", "Sjukresor" + (f", område {i + 1}" if i else ""), "REG", "RES"))
        for i in range(3 if big else 1):
            out.append(("exc_rx", "Läkemedel inom förmånen (recept)" + (f", {i + 1}" if i else ""), "REG", "LKM"))
        others = ["Folktandvård", "Kollektivtrafik", "Regional utveckling", "Kultur", "Naturbruk", "Kommunal samverkan",
                  "Folkhögskolor", "Turism", "Näringsliv", "Miljö"]
        for nm in others[: (10 if big else 1)]:
            out.append(("exc_other", nm, "REG", "OVR"))
        return out

    # -- catalog and routing
    def _build_catalog(self, rng: np.random.Generator) -> None:
        rows: dict[str, list] = {k: [] for k in ("cc", "code", "name", "group", "unit", "weight", "price")}
        self.cat_of = np.full((self.n, len(_SLOTS)), -1, dtype=np.int64)

        def add(cc, code, name, group, unit, weight):
            rows["cc"].append(cc)
            rows["code"].append(code)
            rows["name"].append(name)
            rows["group"].append(group)
            rows["unit"].append(unit)
            rows["weight"].append(weight)
            rows["price"].append(self.cc_price[cc] * self.cc_eff[cc] * (
                self.hosp_factor[self.cc_hidx[cc]] if self.cc_hidx[cc] >= 0 else 1.0) * weight)
            return len(rows["cc"]) - 1

        care_slots = {"ward": ["VD"], "op": ["BES-L", "BES-S", "TEL"], "er": ["AKUT1", "AKUT2"], "icu": ["IVA-T"],
                      "or": ["OP", "AN", "UPV"]}
        for i in range(self.n):
            kind = self.cc_kind[i]
            if kind in care_slots:
                slots = list(care_slots[kind])
                if kind == "ward" and self.cc_clinic[i] == "KARD":
                    slots.append("HIA")
                for s in slots:
                    nm, g, u, w = _CARE_CATALOG[s]
                    self.cat_of[i, _S[s]] = add(i, s, nm, g, u, w)
        # service sections: each code has one or two providing sections per provider
        self.routes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        n_h = len(self.hosp_codes)
        for dept, providers in self.dept_sections.items():
            d = _DEPTS[dept]
            codes = d["codes"] if self.full_codes else d["codes"][: d["core"]]
            nc = len(codes)
            offered: dict[int, list[int]] = {}  # section cc -> code idxs
            prov_rows: dict[str, list[list[int]]] = {}
            for prov, secs in providers.items():
                k = len(secs)
                perm = rng.permutation(nc)
                by_code: list[list[int]] = [[] for _ in range(nc)]
                for j in range(nc):
                    by_code[j].append(secs[perm[j] % k])
                    if k >= 3 and j < 6 and secs[0] not in by_code[j]:  # the emergency lab also runs frequent tests
                        by_code[j].append(secs[0])
                for s_i, s in enumerate(secs):
                    if not any(s in b for b in by_code):
                        by_code[s_i % nc].append(s)
                cat_rows = []
                for j, (code, nm, w, *_p) in enumerate(codes):
                    row = []
                    for s in by_code[j]:
                        key = (s, j)
                        if key not in offered:
                            offered[key] = add(s, code, nm, d["group"], "each", w)
                        row.append(offered[key])
                    cat_rows.append(row)
                prov_rows[prov] = cat_rows
            m = max(len(r) for rows_ in prov_rows.values() for r in rows_)
            cand = np.zeros((n_h, nc, m), dtype=np.int64)
            cum = np.full((n_h, nc, m), 2.0)
            for h_i, h in enumerate(self.hosp_codes):
                prov = h if h in prov_rows else ("REG" if "REG" in prov_rows else "US")
                for j, row in enumerate(prov_rows[prov]):
                    cand[h_i, j, :len(row)] = row
                    cum[h_i, j, :len(row)] = np.arange(1, len(row) + 1) / len(row)
                    cum[h_i, j, len(row) - 1] = 1.0
            probs = np.array([c[3:6] for c in codes], dtype=np.float64)  # (nc, 3)
            self.routes[dept] = (cand, cum, probs)
        self.cat_cc = np.array(rows["cc"], dtype=np.int64)
        self.cat_code = rows["code"]
        self.cat_name = rows["name"]
        self.cat_group = rows["group"]
        self.cat_unit = rows["unit"]
        self.cat_weight = np.array(rows["weight"])
        self.cat_price = np.array(rows["price"])
        self.n_cat = len(rows["cc"])

    def _index_units(self, rng: np.random.Generator) -> None:
        kind = np.array(self.cc_kind)
        hidx = self.cc_hidx
        self.wards = np.flatnonzero(kind == "ward")
        self.ward_cum = _cum(self.cc_weight[self.wards] * np.where(hidx[self.wards] >= 0, 1.0, 1.0))
        self.ops = np.flatnonzero(kind == "op")
        self.op_cum = _cum(self.cc_weight[self.ops])
        self.ers = np.flatnonzero(kind == "er")
        self.er_cum = _cum(self.cc_weight[self.ers])
        n_h = len(self.hosp_codes)
        # per-hospital unit choices (padded cumulative tables)

        def per_hosp(k):
            lists = [np.flatnonzero((kind == k) & (hidx == h)) for h in range(n_h)]
            for h in range(n_h):
                if len(lists[h]) == 0:  # no such unit here: use the university hospital's
                    lists[h] = np.flatnonzero((kind == k) & (hidx == 0))
            m = max(len(x) for x in lists)
            cand = np.zeros((n_h, m), dtype=np.int64)
            cum = np.full((n_h, m), 2.0)
            for h, x in enumerate(lists):
                cand[h, :len(x)] = x
                c = _cum(self.cc_weight[x])
                cum[h, :len(x)] = c
            return cand, cum

        self.er_by_h = per_hosp("er")
        self.icu_by_h = per_hosp("icu")
        self.or_by_h = per_hosp("or")
        # day surgery prefers the day-surgery unit when the hospital has one
        self.dayor = np.array([next((i for i in self.or_by_h[0][h] if "Dagkirurg" in self.cc_name[i]), -1)
                               for h in range(n_h)])
        # clinic DRG mixes as padded tables (clinic index -> drg idx, cum)
        ncl = len(_CLINIC_CODES)

        def mix_table(pos):
            m = max(len(v[pos] or {}) for v in _CLINICS.values())
            idx = np.zeros((ncl, m), dtype=np.int64)
            cum = np.full((ncl, m), 2.0)
            for c, spec in _CLINICS.items():
                mix = spec[pos]
                if not mix:
                    continue
                ci = _CLINIC_IDX[c]
                idx[ci, :len(mix)] = [_DRG_IDX[d] for d in mix]
                cum[ci, :len(mix)] = _cum(list(mix.values()))
            return idx, cum

        self.ip_mix = mix_table(4)
        self.op_mix = mix_table(5)
        self.ds_mix = mix_table(6)
        self.cc_clinic_idx = np.array([_CLINIC_IDX.get(c, -1) for c in self.cc_clinic])
        self.cc_kind_arr = kind


# ---------------------------------------------------------------------------
# DRG parameter arrays
# ---------------------------------------------------------------------------

def _drg_arrays():
    n = len(_DRG_CODES)
    a = {k: np.zeros(n) for k in ("w", "los", "sd", "acute", "orm", "icu", "icuh", "hia", "imp_p", "imp_m", "blood")}
    for i, d in enumerate(_DRG_CODES):
        p = _DRG_PARAMS.get(d, {})
        a["w"][i] = DRG_WEIGHTS[d][0]
        a["los"][i] = p.get("los", 0.0)
        a["sd"][i] = p.get("sd", 0.6)
        a["acute"][i] = p.get("acute", 0.0)
        a["orm"][i] = p.get("orm", 0)
        a["icu"][i] = p.get("icu", 0.0)
        a["icuh"][i] = p.get("icuh", 12)
        a["hia"][i] = p.get("hia", 0.0)
        a["imp_p"][i], a["imp_m"][i] = p.get("imp", (0.0, 0.0))
        a["blood"][i] = p.get("blood", 0.0)
    a["inpatient"] = np.array([not (d.endswith("O") or d.endswith("P")) for d in _DRG_CODES])
    diags = sorted({x for p in _DRG_PARAMS.values() for x in p.get("diag", ())})
    didx = {x: i for i, x in enumerate(diags)}
    m = max(len(p.get("diag", ())) for p in _DRG_PARAMS.values())
    dtab = np.zeros((n, m), dtype=np.int64)
    dn = np.ones(n, dtype=np.int64)
    for i, d in enumerate(_DRG_CODES):
        lst = _DRG_PARAMS.get(d, {}).get("diag", ("R69.9",))
        dtab[i, :len(lst)] = [didx.get(x, 0) for x in lst]
        dn[i] = len(lst)
    a["diag_tab"], a["diag_n"], a["diag_labels"] = dtab, dn, diags
    return a


_DA = _drg_arrays()


# ---------------------------------------------------------------------------
# Patients and personnummer
# ---------------------------------------------------------------------------

def _luhn(d: np.ndarray) -> np.ndarray:
    """Check digit of a (n, 12) digit matrix, computed on digits 3..11 (the last ten minus the check)."""
    s = np.zeros(len(d), dtype=np.int64)
    for i in range(9):
        x = d[:, 2 + i].astype(np.int64) * (2 if i % 2 == 0 else 1)
        s += x // 10 + x % 10
    return (10 - s % 10) % 10


class _Patients:
    def __init__(self, n: int, n_outsiders: int, year: int, dirty: float, rng: np.random.Generator):
        total = n + n_outsiders
        self.n, self.total = n, total
        ages = np.arange(100)
        age_w = np.where(ages < 70, 1.0, np.maximum(0.05, 1.0 - (ages - 70) / 32.0))
        age = _pick(rng, _cum(age_w), total)
        ref = _day(year, 7, 1)
        birth = ref - (age * 365.25).astype(np.int64) - rng.integers(0, 365, total)
        male = rng.random(total) < 0.5
        self.birth, self.male, self.age = birth, male, age
        # personnummer digits
        y, m, d = _civil(birth)
        dig = np.zeros((total, 12), dtype=np.int64)
        for j, (v, w) in enumerate(((y, 4), (m, 2), (d, 2))):
            col = [0, 4, 6][j]
            x = v.copy()
            for k in range(col + w - 1, col - 1, -1):
                dig[:, k] = x % 10
                x //= 10
        # unique serial per (birth date, sex): rank inside the group, scrambled by an affine map mod 500
        order = np.lexsort((np.arange(total), male, birth))
        key = birth[order] * 2 + male[order]
        start = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
        rank = np.arange(total) - np.repeat(start, np.diff(np.r_[start, total]))
        if rank.max() >= 500:
            raise ValueError("too many synthetic patients per birth date")
        serial = np.empty(total, dtype=np.int64)
        serial[order] = (37 * rank + 101 + (birth[order] % 7) * 71) % 500
        nnn = serial * 2 + male
        dig[:, 8] = nnn // 100
        dig[:, 9] = (nnn // 10) % 10
        dig[:, 10] = nnn % 10
        u = rng.random(total)
        self.samordning = u < 0.015
        dd = d + 60
        dig[self.samordning, 6] = (dd // 10)[self.samordning]
        dig[self.samordning, 7] = (dd % 10)[self.samordning]
        dig[:, 11] = _luhn(dig)
        reserve_share = 0.003 + 0.010 * dirty
        self.reserve = (u >= 0.015) & (u < 0.015 + reserve_share)
        r = self.reserve
        nr = int(r.sum())
        if nr:
            rnd = rng.integers(0, 10, (nr, 12))
            rnd[:, 0] = 9
            rnd[:, 1] = 9
            mm = rng.integers(13, 100, nr)  # never a month: not a valid date
            rnd[:, 4] = mm // 10
            rnd[:, 5] = mm % 10
            dig[r] = rnd
        self.bad_check = (~r) & (~self.samordning) & (rng.random(total) < 0.002)
        shift = rng.integers(1, 10, total)
        dig[self.bad_check, 11] = (dig[self.bad_check, 11] + shift[self.bad_check]) % 10
        self.pn = (dig + 48).astype(np.uint8)
        hr = np.where(rng.random(total) < 0.95, 0, rng.integers(1, len(_HOME_REGIONS), total))
        self.home = hr
        # sampling weights for the kinds of contacts
        activity = np.exp(rng.normal(0.0, 0.9, total))
        activity[n:] = 0.0  # outsiders never have contacts in this region
        a = age.astype(np.float64)
        self.cum_out = _cum(activity * (0.6 + a / 60.0))
        self.cum_in = _cum(activity * (0.25 + (a / 55.0) ** 2))
        self.cum_psy = _cum(activity * np.where((a >= 16) & (a <= 80), 1.0, 0.03))
        self.cum_kk = _cum(activity * np.where((~male) & (a >= 19) & (a <= 44), 1.0, 0.0))
        self.outsiders = np.arange(n, total)

    def pick(self, rng, cum, n):
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), self.n - 1)


# ---------------------------------------------------------------------------
# The world, chunk by chunk
# ---------------------------------------------------------------------------

@dataclass
class _Calendar:
    year: int

    def __post_init__(self):
        y = self.year
        self.b_jan, self.b_jul, self.b_next = _day(y, 1, 1), _day(y, 7, 1), _day(y + 1, 1, 1)
        self.chunks = [(y - 1, 12)] + [(y, m) for m in range(1, 13)]
        self.chunk_start = [_day(a, b, 1) for a, b in self.chunks]
        self.chunk_end = self.chunk_start[1:] + [self.b_next]
        self.x_h1 = _day(y, 8, 10) * 1440 + 6 * 60  # extraction of the temporary KPP
        self.x_fy = _day(y + 1, 2, 10) * 1440 + 6 * 60  # extraction of the full-year KPP
        self.min_end = (self.b_jan - 3) * 1440  # a contact ending earlier is not delivered


class _World:
    """Generates one chunk (one month of contact starts) at a time and keeps the yearly aggregates."""

    def __init__(self, st: _Structure, pats: _Patients, spec: SizeSpec, cal: _Calendar, seed: int, dirty: float):
        self.st, self.pats, self.spec, self.cal, self.seed, self.dirty = st, pats, spec, cal, seed, dirty
        n = spec.contacts
        self.n_ip_year = n * spec.inpatient_share
        # expected ER visits spawned by acute admissions, per inpatient stay
        exp_spawn = 0.0
        tot_w = 0.0
        for c, spec_c in _CLINICS.items():
            w = spec_c[7]
            mix = spec_c[4]
            s = sum(mix.values())
            a = sum(_DRG_PARAMS[d]["acute"] * v / s for d, v in mix.items())
            exp_spawn += w * a * _spawn_p(c)
            tot_w += w
        self.n_er_year = max(n * spec.er_share - self.n_ip_year * exp_spawn / tot_w, n * 0.02)
        self.n_op_year = n * (1.0 - spec.inpatient_share - spec.er_share)
        self.volume = np.zeros((12, st.n_cat))  # in-period volume per month and catalog row (world)
        self.contact_count = 0
        self.event_count = 0
        self.specific_count = 0
        self.unknown_base = None
        # per world contact, for the calibration estimate
        self.keep: dict[str, list] = {k: [] for k in ("refcost", "spans", "drg", "hosp", "clinic", "ip", "start",
                                                       "end", "psy", "fy")}
        self.orphan_cost = 0.0

    # ----- contacts
    def contacts(self, rng: np.random.Generator, ci: int) -> dict[str, np.ndarray]:
        st, pats, cal = self.st, self.pats, self.cal
        y, m = cal.chunks[ci]
        d0, d1 = cal.chunk_start[ci], cal.chunk_end[ci]
        nd = d1 - d0
        days = np.arange(d0, d1)
        wd = (days + 3) % 7  # 0 = Monday
        cum_weekday = _cum(np.where(wd < 5, 1.0, np.where(wd == 5, 0.04, 0.02)))
        f_el = _SEASON_ELECTIVE[m - 1] * nd / 30.4
        f_ac = _SEASON_ACUTE[m - 1] * nd / 30.4
        n_ip = rng.poisson(self.n_ip_year / 12 * (0.7 * f_ac + 0.3 * f_el))
        n_er = rng.poisson(self.n_er_year / 12 * f_ac)
        n_op = rng.poisson(self.n_op_year / 12 * f_el)
        diurnal = _cum(_DIURNAL)

        # --- inpatient stays
        ward = st.wards[_pick(rng, st.ward_cum, n_ip)]
        clinic = st.cc_clinic_idx[ward]
        hosp = st.cc_hidx[ward]
        drg = st.ip_mix[0][clinic, _pick_rows(rng.random(n_ip), st.ip_mix[1][clinic])]
        acute = rng.random(n_ip) < _DA["acute"][drg]
        day = np.where(acute, d0 + rng.integers(0, nd, n_ip), days[_pick(rng, cum_weekday, n_ip)])
        mod = np.where(acute, _pick(rng, diurnal, n_ip) * 60 + rng.integers(0, 12, n_ip) * 5,
                       7 * 60 + rng.integers(0, 36, n_ip) * 5)
        start = day.astype(np.int64) * 1440 + mod
        sd = _DA["sd"][drg]
        los_days = _LOS_SCALE * _DA["los"][drg] * np.exp(sd * rng.standard_normal(n_ip) - sd * sd / 2)
        end = start + np.maximum(np.round(los_days * 1440 / 5) * 5, 240).astype(np.int64)
        has_or = _DA["orm"][drg] > 0
        or_t0 = start + np.where(acute, rng.integers(24, 240, n_ip), rng.integers(12, 36, n_ip)) * 5
        op_min = np.maximum(np.round(_DA["orm"][drg] * np.exp(0.35 * rng.standard_normal(n_ip) - 0.06)), 10)
        an_min = op_min + rng.integers(20, 61, n_ip)
        upv_min = np.clip(np.round(np.exp(np.log(100) + 0.5 * rng.standard_normal(n_ip))), 30, 480)
        or_end = or_t0 + an_min.astype(np.int64) + upv_min.astype(np.int64)
        has_icu = rng.random(n_ip) < _DA["icu"][drg]
        icu_t0 = np.where(has_or, or_end, start + rng.integers(6, 120, n_ip) * 5)
        icu_h = np.clip(np.ceil(_DA["icuh"][drg] * np.exp(1.0 * rng.standard_normal(n_ip))), 2, 24 * 45)
        end = np.maximum(end, np.where(has_or, or_end + 240, 0))
        end = np.maximum(end, np.where(has_icu, icu_t0 + icu_h.astype(np.int64) * 60 + 240, 0))
        group = np.where(st.cc_psy[ward], 1, np.where(clinic == _CLINIC_IDX["KK"], 2, 0))
        pat = np.empty(n_ip, dtype=np.int64)
        for g, cum in ((0, pats.cum_in), (1, pats.cum_psy), (2, pats.cum_kk)):
            sel = group == g
            pat[sel] = pats.pick(rng, cum, int(sel.sum()))
        hia = (st.cc_clinic_idx[ward] == _CLINIC_IDX["KARD"]) & (rng.random(n_ip) < _DA["hia"][drg])
        ip = dict(pat=pat, hosp=hosp, cc=ward, clinic=clinic, setting=np.full(n_ip, _IP), drg=drg, start=start,
                  end=end, slot=np.where(hia, _S["HIA"], _S["VD"]), has_or=has_or, or_t0=or_t0, op_min=op_min,
                  an_min=an_min, upv_min=upv_min, has_icu=has_icu, icu_t0=icu_t0, icu_h=icu_h)
        # --- emergency visits that led to these admissions
        spawn_p = np.array([_spawn_p(c) for c in _CLINIC_CODES])[clinic]
        sp = acute & (rng.random(n_ip) < spawn_p)
        n_sp = int(sp.sum())
        er_dur = np.clip(np.round(np.exp(np.log(240) + 0.45 * rng.standard_normal(n_sp)) / 5) * 5, 45, 720).astype(np.int64)
        h_sp = hosp[sp]
        er_cc = st.er_by_h[0][h_sp, _pick_rows(rng.random(n_sp), st.er_by_h[1][h_sp])]
        er_drg = np.where((clinic[sp] == _CLINIC_IDX["KARD"]) & (rng.random(n_sp) < 0.6), _DRG_IDX["F98P"],
                          _DRG_IDX["Z98P"])
        spawned = dict(pat=pat[sp], hosp=h_sp, cc=er_cc, clinic=np.full(n_sp, _CLINIC_IDX["AKUT"]),
                       setting=np.full(n_sp, _ER), drg=er_drg, start=start[sp] - er_dur, end=start[sp] - 5,
                       slot=np.where(rng.random(n_sp) < 0.35, _S["AKUT2"], _S["AKUT1"]))
        # --- emergency visits sent home
        er_cc2 = st.ers[_pick(rng, st.er_cum, n_er)]
        day = d0 + rng.integers(0, nd, n_er)
        s2 = day.astype(np.int64) * 1440 + _pick(rng, diurnal, n_er) * 60 + rng.integers(0, 12, n_er) * 5
        dur = np.clip(np.round(np.exp(np.log(200) + 0.5 * rng.standard_normal(n_er)) / 5) * 5, 30, 720).astype(np.int64)
        er = dict(pat=pats.pick(rng, pats.cum_out, n_er), hosp=st.cc_hidx[er_cc2], cc=er_cc2,
                  clinic=np.full(n_er, _CLINIC_IDX["AKUT"]), setting=np.full(n_er, _ER),
                  drg=np.where(rng.random(n_er) < 0.18, _DRG_IDX["F98P"], _DRG_IDX["Z98P"]), start=s2, end=s2 + dur,
                  slot=np.where(rng.random(n_er) < 0.12, _S["AKUT2"], _S["AKUT1"]))
        # --- outpatient visits and day surgery
        opc = st.ops[_pick(rng, st.op_cum, n_op)]
        oclin = st.cc_clinic_idx[opc]
        psy = st.cc_psy[opc]
        u = rng.random(n_op)
        setting = np.where(psy, np.where(u < 0.80, _VISIT, _TEL), np.where(u < 0.86, _VISIT, _TEL))
        ds = st.cc_surgical[opc] & (rng.random(n_op) < 0.07)
        setting = np.where(ds, _DAYSURG, setting)
        u2 = rng.random(n_op)
        slot = np.where(setting == _TEL, _S["TEL"], np.where(u2 < (np.where(psy, 0.55, 0.72)), _S["BES-L"],
                                                              _S["BES-S"]))
        odrg = st.op_mix[0][oclin, _pick_rows(rng.random(n_op), st.op_mix[1][oclin])]
        dsdrg = st.ds_mix[0][oclin, _pick_rows(rng.random(n_op), st.ds_mix[1][oclin])]
        odrg = np.where(ds, dsdrg, odrg)
        day = days[_pick(rng, cum_weekday, n_op)]
        s3 = day.astype(np.int64) * 1440 + 7 * 60 + 30 + rng.integers(0, 102, n_op) * 5
        dur = np.where(setting == _TEL, 0, np.where(setting == _DAYSURG, rng.integers(48, 108, n_op) * 5,
                                                    rng.integers(3, 12, n_op) * 5))
        o_pat = np.where(psy, pats.pick(rng, pats.cum_psy, n_op), pats.pick(rng, pats.cum_out, n_op))
        ohosp = st.cc_hidx[opc]
        ds_or = np.where(st.dayor[ohosp] >= 0, st.dayor[ohosp],
                         st.or_by_h[0][ohosp, _pick_rows(rng.random(n_op), st.or_by_h[1][ohosp])])
        d_t0 = s3 + rng.integers(6, 18, n_op) * 5
        d_op = np.maximum(np.round(_DA["orm"][odrg] * np.exp(0.35 * rng.standard_normal(n_op) - 0.06)), 10)
        d_an = d_op + rng.integers(15, 41, n_op)
        d_upv = np.clip(np.round(np.exp(np.log(90) + 0.4 * rng.standard_normal(n_op))), 30, 300)
        e3 = s3 + dur
        e3 = np.where(ds, np.maximum(e3, d_t0 + d_an.astype(np.int64) + d_upv.astype(np.int64) + 30), e3)
        op = dict(pat=o_pat, hosp=ohosp, cc=opc, clinic=oclin, setting=setting, drg=odrg, start=s3, end=e3,
                  slot=slot, has_or=ds, or_t0=d_t0, op_min=d_op, an_min=d_an, upv_min=d_upv)

        parts = [ip, spawned, er, op]
        c: dict[str, np.ndarray] = {}
        for k in ("pat", "hosp", "cc", "clinic", "setting", "drg", "start", "end", "slot"):
            c[k] = np.concatenate([p[k] for p in parts])
        n = len(c["pat"])
        for k, dflt in (("has_or", False), ("or_t0", 0), ("op_min", 0.0), ("an_min", 0.0), ("upv_min", 0.0),
                        ("has_icu", False), ("icu_t0", 0), ("icu_h", 0.0)):
            c[k] = np.concatenate([p.get(k, np.full(len(p["pat"]), dflt)) for p in parts])
        # ICU and operating unit (per hospital)
        c["icu_cc"] = st.icu_by_h[0][c["hosp"], _pick_rows(rng.random(n), st.icu_by_h[1][c["hosp"]])]
        or_cc = st.or_by_h[0][c["hosp"], _pick_rows(rng.random(n), st.or_by_h[1][c["hosp"]])]
        n_ip_sp = n_ip + n_sp + n_er
        or_cc[n_ip_sp:] = ds_or
        c["or_cc"] = or_cc
        # no DRG yet (ogrupperad) for a few contacts
        c["drg"] = np.where(rng.random(n) < 0.015, -1, c["drg"])
        # order by start time; ids are assigned in that order
        order = np.lexsort((np.arange(n), c["start"]))
        c = {k: v[order] for k, v in c.items()}
        c["n"] = n
        c["cnum"] = self.contact_count + 1 + np.arange(n)
        self.contact_count += n
        c["ip"] = c["setting"] == _IP
        c["psy"] = self.st.cc_psy[c["cc"]]
        d_drg = np.maximum(c["drg"], 0)
        c["diag"] = _DA["diag_tab"][d_drg, (rng.random(n) * _DA["diag_n"][d_drg]).astype(np.int64)]
        c["diag_valid"] = c["drg"] >= 0
        return c

    # ----- events
    def events(self, rng: np.random.Generator, c: dict) -> dict[str, np.ndarray]:
        st, cal = self.st, self.cal
        blocks: list[dict] = []

        def block(ci, cat, ts, qty, ordr, pn, bed=False):
            blocks.append(dict(ci=ci, cat=cat, ts=ts.astype(np.int64), qty=np.asarray(qty, np.float64),
                               ordr=ordr, pn=pn, bed=np.full(len(ci), bed)))

        ip = np.flatnonzero(c["ip"])
        # bed days, split at period boundaries (1 Jan, 1 Jul, 1 Jan next year)
        s, e = c["start"][ip], c["end"][ip]
        d0 = s // 1440
        d1 = np.maximum(e // 1440, d0 + 1)
        bounds = np.array([cal.b_jan, cal.b_jul, cal.b_next])
        cuts = np.column_stack([d0] + [np.clip(b, d0, d1) for b in bounds] + [d1])
        qty = np.diff(cuts, axis=1)
        keep = qty > 0
        rows, cols = np.nonzero(keep)
        part_start = cuts[rows, cols]
        ts = np.where(part_start == d0[rows], s[rows], part_start * 1440)
        ci = ip[rows]
        cat = st.cat_of[c["cc"][ci], c["slot"][ci]]
        block(ci, cat, ts, qty[rows, cols], np.full(len(ci), -1), np.zeros(len(ci), bool), bed=True)
        # visits and emergency visits
        vis = np.flatnonzero((c["setting"] == _ER) | (c["setting"] == _VISIT) | (c["setting"] == _TEL))
        block(vis, st.cat_of[c["cc"][vis], c["slot"][vis]], c["start"][vis], np.ones(len(vis)), np.full(len(vis), -1),
              np.zeros(len(vis), bool))
        # operations: anaesthesia start, knife time, recovery
        orr = np.flatnonzero(c["has_or"])
        occ = c["or_cc"][orr]
        pn_or = rng.random(len(orr)) < 0.20
        t0 = c["or_t0"][orr]
        for slot, tsx, q in (("AN", t0, c["an_min"][orr]), ("OP", t0 + 15, c["op_min"][orr]),
                             ("UPV", t0 + c["an_min"][orr].astype(np.int64), c["upv_min"][orr])):
            block(orr, st.cat_of[occ, _S[slot]], tsx, q, c["cc"][orr], pn_or)
        # intensive care hours
        icu = np.flatnonzero(c["has_icu"])
        block(icu, st.cat_of[c["icu_cc"][icu], _S["IVA-T"]], c["icu_t0"][icu], c["icu_h"][icu], c["cc"][icu],
              np.zeros(len(icu), bool))
        # medical service
        self._lab_events(rng, c, block)
        self._service_events(rng, c, block)
        ev = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        order = np.lexsort((ev["ts"], ev["ci"]))
        ev = {k: v[order] for k, v in ev.items()}
        ev["ts"] = np.minimum(ev["ts"], np.where(c["ip"][ev["ci"]], c["end"][ev["ci"]], ev["ts"]))
        return ev

    def _times(self, rng, c, ci, mode_pre=True):
        """Event times for service events of contacts ci: inside stays/ER visits, around outpatient visits."""
        s, e, setting = c["start"][ci], c["end"][ci], c["setting"][ci]
        inside = (setting == _IP) | (setting == _ER) | (setting == _DAYSURG)
        u = rng.random(len(ci))
        t_in = s + (u * (e - s)).astype(np.int64)
        v = rng.random(len(ci))
        pre = s - rng.integers(4 * 12, 48 * 12, len(ci)) * 5  # 4-48 h before the visit
        same = s + rng.integers(-18, 9, len(ci)) * 5
        post = e + rng.integers(2, 20 * 12, len(ci)) * 5
        t_out = np.where(v < 0.62, same, np.where(v < 0.9, pre, post)) if mode_pre else np.where(v < 0.7, same, post)
        return np.where(inside, t_in, t_out)

    def _route(self, rng, dept, hosp, code):
        cand, cum, _ = self.st.routes[dept]
        k = _pick_rows(rng.random(len(code)), cum[hosp, code])
        return cand[hosp, code, k]

    def _svc_flags(self, rng, c, ci):
        pn = rng.random(len(ci)) < 0.75
        ordr = np.where(pn & (rng.random(len(ci)) < 0.04), -1, c["cc"][ci])
        return ordr, pn

    def _lab_events(self, rng, c, block):
        if "chem" not in self.st.routes:
            return
        ls = self.spec.lab_scale
        setting, n = c["setting"], c["n"]
        los = (c["end"] - c["start"]) / 1440.0
        rate = np.where(c["psy"], 0.3, 2.2) * ls
        n_draw = np.where(setting == _IP, 1 + rng.poisson(rate * los),
                          np.where(setting == _ER, (rng.random(n) < 0.9) * (1 + rng.poisson(1.0 * ls, n)),
                                   np.where(setting == _VISIT, (rng.random(n) < np.where(c["psy"], 0.3, 0.75)) *
                                            (1 + rng.poisson(0.8 * ls, n)),
                                            np.where(setting == _TEL, rng.random(n) < 0.12,
                                                     (rng.random(n) < 0.8).astype(np.int64)))))
        ci = np.repeat(np.arange(n), n_draw)
        first = np.r_[0, np.cumsum(n_draw)[:-1]]
        is_first = np.zeros(len(ci), bool)
        is_first[first[n_draw > 0]] = True
        ts = self._times(rng, c, ci)
        ts = np.where(is_first & (setting[ci] == _IP), c["start"][ci] + rng.integers(2, 24, len(ci)) * 5, ts)
        cand, cum, probs = self.st.routes["chem"]
        col = np.where(setting[ci] == _IP, 0, np.where(setting[ci] == _ER, 1, 2))
        nc = probs.shape[0]
        damp = np.where(c["psy"][ci], 0.6, 1.0) * np.where(col == 2, 1.4, 1.0)
        any_hit = np.zeros(len(ci), bool)
        d_list, c_list = [], []
        for j in range(nc):
            hit = rng.random(len(ci)) < np.minimum(probs[j, col] * damp, 0.95)
            any_hit |= hit
            d_list.append(np.flatnonzero(hit))
            c_list.append(np.full(int(hit.sum()), j))
        d_list.append(np.flatnonzero(~any_hit))  # at least a blood count
        c_list.append(np.full(int((~any_hit).sum()), 1))
        d_idx, code = np.concatenate(d_list), np.concatenate(c_list)
        eci = ci[d_idx]
        cat = self._route(rng, "chem", c["hosp"][eci], code)
        ordr, pn = self._svc_flags(rng, c, eci)
        block(eci, cat, ts[d_idx], np.ones(len(eci)), ordr, pn)

    def _service_events(self, rng, c, block):
        st = self.st
        n, setting = c["n"], c["setting"]
        clin = c["clinic"]
        K = {k: _CLINIC_IDX[k] for k in _CLINIC_CODES}
        surg_ip = (setting == _IP) & c["has_or"]
        p = {
            "micro": np.choose(setting, [0.30, 0.15, 0.05, 0.0, 0.02]),
            "rad": np.choose(setting, [0.55, 0.45, 0.12, 0.0, 0.10]),
            "phys": np.where(clin == K["KARD"], np.choose(setting, [0.8, 0.5, 0.35, 0.0, 0.0]),
                             np.where(np.isin(clin, [K["MED"], K["GER"]]), np.choose(setting, [0.3, 0.1, 0.08, 0, 0]),
                                      np.choose(setting, [0.08, 0.12, 0.02, 0.0, 0.0]))),
            "path": np.where(surg_ip, 0.6, np.where(setting == _DAYSURG, 0.5,
                                                     np.where((setting == _VISIT) & np.isin(clin, [K["KIR"], K["GAST"], K["ONK"]]),
                                                              0.05, 0.0))),
            "nphys": np.where(clin == K["NEU"], np.choose(setting, [0.25, 0.0, 0.12, 0.0, 0.0]), 0.0),
            "transf": np.where(surg_ip, 0.5, np.where(setting == _IP, 0.05, 0.0)),
        }
        extra = {"micro": 0.3, "rad": 0.35, "phys": 0.2, "path": 0.3, "nphys": 0.1, "transf": 0.1}
        for dept, prob in p.items():
            if dept not in st.routes:
                continue
            has = rng.random(n) < prob
            cnt = has * (1 + rng.poisson(extra[dept] * np.where(setting == _IP, 1.0, 0.5), n))
            ci = np.repeat(np.arange(n), cnt)
            cand, cum, probs = st.routes[dept]
            col = np.where(setting[ci] == _IP, 0, np.where(setting[ci] == _ER, 1, 2))
            w = probs[:, col].T + 1e-9
            code = _pick_rows(rng.random(len(ci)), np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True))
            cat = self._route(rng, dept, c["hosp"][ci], code)
            ts = self._times(rng, c, ci, mode_pre=dept not in ("path",))
            if dept == "path":
                ts = np.where(c["has_or"][ci], np.maximum(ts, c["or_t0"][ci] + 60), ts)
            ordr, pn = self._svc_flags(rng, c, ci)
            block(ci, cat, ts, np.ones(len(ci)), ordr, pn)

    # ----- specific costs (särkostnader)
    def specific(self, rng: np.random.Generator, c: dict) -> dict[str, np.ndarray]:
        rate = self.spec.specific_rate
        n = c["n"]
        drg = np.maximum(c["drg"], 0)
        has_drg = c["drg"] >= 0
        items = []
        # implants on the operating unit
        imp = c["has_or"] & has_drg & (rng.random(n) < np.minimum(_DA["imp_p"][drg] * rate, 1.0))
        i = np.flatnonzero(imp)
        amt = _DA["imp_m"][drg[i]] * np.exp(0.35 * rng.standard_normal(len(i)) - 0.06)
        items.append((i, c["or_cc"][i], np.full(len(i), _ACC_IDX["5041"]), c["or_t0"][i] + 15, amt,
                      _implant_item(drg[i])))
        # blood products on the ward (or on the operating unit)
        bl = c["ip"] & has_drg & (rng.random(n) < np.minimum(_DA["blood"][drg] * rate, 1.0))
        cnt = bl * (1 + rng.poisson(0.6, n))
        i = np.repeat(np.arange(n), cnt)
        on_or = c["has_or"][i] & (rng.random(len(i)) < 0.4)
        cc = np.where(on_or, c["or_cc"][i], c["cc"][i])
        ts = np.where(on_or, c["or_t0"][i] + 30, c["start"][i] + (rng.random(len(i)) * (c["end"][i] - c["start"][i])).astype(np.int64))
        amt = 6500 * np.exp(0.5 * rng.standard_normal(len(i)) - 0.125)
        kind = rng.integers(0, 3, len(i))
        items.append((i, cc, np.full(len(i), _ACC_IDX["5042"]), ts, amt, _BLOOD0 + kind))
        # expensive drugs (dyra läkemedel) on the responsible unit
        dp = np.zeros((len(_CLINIC_CODES), 2))
        for k, (a, b) in _DRUG_P.items():
            dp[_CLINIC_IDX[k]] = (a, b)
        pr = np.where(c["ip"], dp[c["clinic"], 0], np.where(c["setting"] == _VISIT, dp[c["clinic"], 1], 0.0))
        dr = rng.random(n) < np.minimum(pr * rate, 1.0)
        i = np.flatnonzero(dr)
        amt = np.minimum(45_000 * np.exp(0.9 * rng.standard_normal(len(i)) - 0.405), 1_500_000)
        ts = c["start"][i] + (rng.random(len(i)) * (c["end"][i] - c["start"][i])).astype(np.int64)
        items.append((i, c["cc"][i], np.full(len(i), _ACC_IDX["5021"]), ts, amt, _DRUG0 + rng.integers(0, len(_DRUG_ITEMS), len(i))))
        out = {k: np.concatenate([np.asarray(x[j]) for x in items]) for j, k in enumerate(("ci", "cc", "acc", "ts", "amt", "item"))}
        out["cents"] = np.maximum(np.round(out["amt"] * 100).astype(np.int64), 100)
        out["pn"] = rng.random(len(out["ci"])) < 0.15
        order = np.lexsort((out["acc"], out["ts"]))
        return {k: v[order] for k, v in out.items()}


def _spawn_p(clinic: str) -> float:
    if clinic == "KK":
        return 0.0
    if clinic in ("PSY", "BER"):
        return 0.35
    return 0.85


_IMPLANT_ITEMS = {"I08B": "Implantat, höftledsplastik", "I03C": "Implantat, höftfrakturkirurgi",
                  "I13C": "Implantat, ingrepp på överarm och armbåge", "I50O": "Implantat, artroskopi"}
_BLOOD_ITEMS = ["Blodprodukter, erytrocytkoncentrat", "Blodprodukter, trombocytkoncentrat", "Blodprodukter, plasma"]
_DRUG_ITEMS = ["Särläkemedel, pembrolizumab (L01FF02)", "Särläkemedel, nivolumab (L01FF01)",
               "Särläkemedel, ocrelizumab (L04AG08)", "Särläkemedel, natalizumab (L04AG03)",
               "Särläkemedel, infliximab (L04AB02)", "Särläkemedel, vedolizumab (L04AG05)",
               "Särläkemedel, immunglobulin iv (J06BA02)", "Särläkemedel, trastuzumab (L01FD01)"]
_ITEM_LABELS = list(_IMPLANT_ITEMS.values()) + _BLOOD_ITEMS + _DRUG_ITEMS
_BLOOD0, _DRUG0 = len(_IMPLANT_ITEMS), len(_IMPLANT_ITEMS) + len(_BLOOD_ITEMS)


def _implant_item(drg: np.ndarray) -> np.ndarray:
    lut = np.zeros(len(_DRG_CODES), dtype=np.int64)
    for k, d in enumerate(_IMPLANT_ITEMS):
        lut[_DRG_IDX[d]] = k
    return lut[drg]


# ---------------------------------------------------------------------------
# Ledger, allocation keys
# ---------------------------------------------------------------------------

def _month_labels(year: int) -> list[str]:
    return [f"{year - 1}-12"] + [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year + 1}-01"]


def _solve_k(w: _World, items_cents_per_contact: np.ndarray) -> tuple[float, dict]:
    """Global price scale so that the estimated inlier cost per DRG point hits the target."""
    kp = {k: np.concatenate(v) for k, v in w.keep.items()}
    drg = kp["drg"]
    ok = kp["fy"] & ~kp["spans"] & (drg >= 0)
    ref = kp["refcost"][ok]
    spec = items_cents_per_contact[ok] / 100.0
    g = drg[ok] * 2 + kp["ip"][ok]
    pts = _DA["w"][drg[ok]]
    target = TARGETS["cost_per_drg_point"]

    def cpp(k):
        cost = ref * k + spec
        inl = np.ones(len(cost), bool)
        order = np.lexsort((cost, g))
        gs, cs = g[order], cost[order]
        bnd = np.r_[0, np.flatnonzero(np.diff(gs)) + 1, len(gs)]
        for a, b in zip(bnd[:-1], bnd[1:]):
            if b - a < 10:
                continue
            q = 95 if gs[a] % 2 == 1 else 97
            thr = np.percentile(cs[a:b], q)
            inl[order[a:b]] = cs[a:b] <= thr
        evaluated = cost > 0
        m = inl & evaluated
        return cost[m].sum() / pts[m].sum(), m, cost

    k = target / max(cpp(1.0)[0], 1.0)
    for _ in range(4):
        val = cpp(k)[0]
        k *= target / val
    val, inl, cost = cpp(k)
    info = {"cost_per_drg_point_estimate": round(float(val)), "k": float(k)}
    hosp = kp["hosp"][ok]
    info["cost_per_drg_point_by_hospital"] = {
        h: round(float(cost[inl & (hosp == i)].sum() / max(pts[inl & (hosp == i)].sum(), 1e-9)))
        for i, h in enumerate(w.st.hosp_codes)}
    ipm = kp["fy"] & kp["ip"]
    ip_cost = np.sort(kp["refcost"][ipm] * k + items_cents_per_contact[ipm] / 100.0)[::-1]
    top = max(1, int(round(0.05 * len(ip_cost))))
    info["top5_share_inpatient_cost"] = round(float(ip_cost[:top].sum() / max(ip_cost.sum(), 1e-9)), 3)
    m2 = kp["ip"] & (kp["start"] >= w.cal.b_jan * 1440) & (kp["start"] < w.cal.b_next * 1440)
    info["mean_los_days"] = round(float(((kp["end"][m2] - kp["start"][m2]) / 1440.0).mean()), 2) if m2.any() else 0
    info["mean_los_days_somatic"] = round(float(((kp["end"][m2 & ~kp["psy"]] - kp["start"][m2 & ~kp["psy"]]) / 1440.0).mean()), 2) if m2.any() else 0
    return k, info


class _Ledger:
    """Ledger rows (huvudbok) and allocation keys from the world's volumes (see CALIBRATION.md)."""

    def __init__(self, w: _World, k: float, items: dict, rng: np.random.Generator):
        st = w.st
        n_cc, n_acc = st.n, len(_ACC_CODES)
        kind = st.cc_kind_arr
        role = np.array(st.cc_role)
        # full (pool) cost per month and care/service centre, SEK: F = k * sum(volume * price)
        F_m = np.zeros((12, n_cc))
        for mth in range(12):
            F_m[mth] = np.bincount(st.cat_cc, weights=w.volume[mth] * st.cat_price * k, minlength=n_cc)
        F_y = F_m.sum(axis=0)
        # parked specific costs per month, (cc, account) with a recalculation factor 0.9-1.1
        imon = items["month"]
        in_year = (imon >= 0) & (imon < 12)
        pair = items["cc"] * n_acc + items["acc"]
        uniq = np.unique(pair)
        factor = dict(zip(uniq.tolist(), (0.9 + 0.2 * rng.random(len(uniq))).tolist()))
        fac = np.array([factor[p] for p in uniq])
        P = np.zeros((12, n_cc, n_acc))
        if in_year.any():
            pi = np.searchsorted(uniq, pair[in_year])
            np.add.at(P, (imon[in_year], items["cc"][in_year], items["acc"][in_year]),
                      items["cents"][in_year] / 100.0 * fac[pi])
        P_y = P.sum()
        r = TARGETS["overhead_share"] / (1 - TARGETS["overhead_share"])
        Fsum = F_y.sum()
        o_eff = r * (Fsum + P_y) / (Fsum * (1 + r))
        flat = np.repeat((F_y / 12)[None, :], 12, axis=0)
        D_m = (1 - o_eff) * (0.75 * flat + 0.25 * F_m)
        O_y = r * ((1 - o_eff) * Fsum + P_y)
        prod_y = (1 - o_eff) * Fsum + O_y + P_y
        # overhead centres: level shares 30 / 25 / 45 %, noise inside a level
        # (hospital-level units in proportion to their hospital's own production)
        lvl = st.cc_level
        hidx = st.cc_hidx
        F_h = np.array([F_y[hidx == h].sum() for h in range(len(st.hosp_codes))])
        F_h = F_h / F_h.sum()
        ow = np.zeros(n_cc)
        for L, share in ((1, 0.30), (2, 0.25), (3, 0.45)):
            sel = (role == "overhead") & (lvl == L)
            for h in range(-1, len(st.hosp_codes)):
                sh = sel & (hidx == h)
                if sh.any():
                    ow[sh] = st.cc_weight[sh] / st.cc_weight[sh].sum() * (
                        1.0 if h < 0 else F_h[h] * sel[hidx >= 0].sum() / max(sel.sum(), 1))
            if sel.any():
                ow[sel] *= share / ow[sel].sum()
        ow /= ow.sum()
        season = np.ones(12)
        season[11] = 1.06
        season /= season.mean()
        base = D_m.copy()
        base += (O_y * ow)[None, :] * season[:, None] / 12
        # excluded centres
        for kd, (_cat, share) in _EXCLUDED.items():
            sel = np.array([x == kd for x in kind])
            if sel.any():
                base[:, sel] += (share * prod_y * st.cc_weight[sel] / st.cc_weight[sel].sum())[None, :] * season[:, None] / 12
        # profile shares per centre (noisy)
        prof = np.zeros((n_cc, n_acc))
        for i in range(n_cc):
            kd = kind[i]
            pk = {"ward": "ward", "op": "op", "er": "er", "icu": "icu", "or": "or"}.get(kd, kd)
            for a, s in _PROFILES[pk].items():
                prof[i, _ACC_IDX[a]] = s
        prof *= np.exp(rng.normal(0, 0.12, prof.shape)) * (prof > 0)
        prof /= prof.sum(axis=1, keepdims=True)
        A = base[:, :, None] * prof[None, :, :] * np.exp(rng.normal(0, 0.04, (12, n_cc, n_acc)))
        # rescale so that every (month, centre) total stays exactly the planned base cost
        A *= (base / np.maximum(A.sum(axis=2), 1e-9))[:, :, None]
        care = np.isin(kind, ["ward", "op", "er", "icu", "or"])
        svc = role == "service"
        # excluded accounts booked on care centres; revenues; internal purchases/sales
        extra = np.zeros_like(A)
        some = care & (rng.random(n_cc) < 0.25)
        extra[:, some, _ACC_IDX["5080"]] = 0.02 * D_m[:, some]
        wards = kind == "ward"
        extra[:, wards, _ACC_IDX["5081"]] = 0.003 * D_m[:, wards]
        ops = kind == "op"
        extra[:, ops, _ACC_IDX["5083"]] = 0.005 * D_m[:, ops]
        aids = ops & np.isin(np.array(st.cc_clinic), ["ORT", "NEU", "GER"])
        extra[:, aids, _ACC_IDX["5082"]] = 0.01 * D_m[:, aids]
        extra[:, ops | (kind == "er"), _ACC_IDX["3010"]] = -0.03 * D_m[:, ops | (kind == "er")]
        extra[:, wards | ops, _ACC_IDX["3020"]] = -0.04 * D_m[:, wards | ops]
        labs = kind == "lab"
        extra[:, labs, _ACC_IDX["3030"]] = -0.06 * D_m[:, labs]
        l1 = (role == "overhead") & (lvl == 1)
        extra[:, l1, _ACC_IDX["3110"]] = -(0.02 * prod_y / 12) * (st.cc_weight[l1] / st.cc_weight[l1].sum())[None, :]
        buy = 0.05 * D_m[:, care]
        extra[:, care, _ACC_IDX["4910"]] = buy
        sellers = svc | (role == "overhead")
        sw = base[:, sellers] / base[:, sellers].sum(axis=1, keepdims=True)
        extra[:, sellers, _ACC_IDX["3910"]] = -buy.sum(axis=1, keepdims=True) * sw
        A += extra * np.exp(rng.normal(0, 0.03, A.shape)) * (extra != 0)
        A += P
        self.A = A  # SEK per (month 0..11, cc, account)
        self.prod_y = prod_y
        self.O_y, self.P_y, self.D_y = O_y, P_y, (1 - o_eff) * Fsum
        self.o_eff = o_eff
        self.F_y = F_y
        # ---- postings (rows)
        cents = np.round(A * 100).astype(np.int64)
        mth, ccs, acc = np.nonzero(cents)
        amt = cents[mth, ccs, acc]
        npost = 1 + rng.poisson(w.spec.postings, len(amt))
        rows = np.repeat(np.arange(len(amt)), npost)
        wts = rng.gamma(2.0, 1.0, len(rows))
        tot = np.bincount(rows, weights=wts, minlength=len(amt))
        part = np.floor(amt[rows] * (wts / tot[rows])).astype(np.int64)
        last = np.r_[np.flatnonzero(np.diff(rows)), len(rows) - 1]
        part[last] += amt - np.bincount(rows, weights=part, minlength=len(amt)).astype(np.int64)
        # a few reversal pairs (felbokning + rättelse) that net to zero
        nrev = int(len(rows) * 0.01)
        rv = rng.integers(0, len(rows), nrev)
        x = np.round(np.abs(part[rv]) * rng.random(nrev) * 0.5).astype(np.int64) + 100
        self.month = np.concatenate([mth[rows], mth[rows[rv]], mth[rows[rv]]]) + 1  # 1..12 -> labels index
        self.cc = np.concatenate([ccs[rows], ccs[rows[rv]], ccs[rows[rv]]])
        self.acc = np.concatenate([acc[rows], acc[rows[rv]], acc[rows[rv]]])
        self.cents = np.concatenate([part, x, -x])
        order = np.lexsort((rng.random(len(self.cc)), self.acc, self.cc, self.month))
        self.month, self.cc, self.acc, self.cents = (v[order] for v in (self.month, self.cc, self.acc, self.cents))
        prod_mask = (role != "excluded")[None, :, None] & np.array(
            [v[1] == "cost" and not v[3] for v in _ACCOUNTS.values()])[None, None, :]
        self.production_from_rows = float((A * prod_mask).sum())
        self.personnel_share = float(A[:, :, _PERSONNEL][:, role != "excluded", :].sum() / self.production_from_rows)
        self.personnel_by_cc = A[:, :, _PERSONNEL].sum(axis=(0, 2))
        self.cost_by_cc = (A * prod_mask).sum(axis=(0, 2))
        self.overhead_share = float(self.cost_by_cc[role == "overhead"].sum() / self.production_from_rows)

    def deliveries(self, rng: np.random.Generator, dirty: float):
        """Row index arrays + month labels for the FY and H1 deliveries."""
        # natural late rows: a few January postings that belong to December of the previous year
        jan = np.flatnonzero(self.month == 1)
        late = rng.choice(jan, size=max(2, int(round(0.002 * len(jan)))), replace=False)
        month = self.month.copy()
        month[late] = 0
        fy = dict(month=month, cc=self.cc, acc=self.acc, cents=self.cents)
        h1_sel = (self.month <= 6) | ((self.month == 7) & np.isin(self.acc, np.flatnonzero(_PERSONNEL)))
        h1 = {k: v[h1_sel] for k, v in fy.items()}
        out = []
        for d, out_month in ((fy, 13), (h1, 8)):
            m = len(d["cents"])
            nd = int(round(dirty * 0.005 * m))
            if nd:
                pick = rng.integers(0, m, nd)
                d = {k: np.concatenate([v, v[pick]]) for k, v in d.items()}
                d["month"][m:] = out_month
            out.append(d)
        return out

    @staticmethod
    def keys(w: _World, led: "_Ledger", rng: np.random.Generator) -> dict[str, np.ndarray]:
        st = w.st
        kind = st.cc_kind_arr
        role = np.array(st.cc_role)
        hosp = np.array(st.cc_hosp)
        clinic = np.array(st.cc_clinic)
        cost = np.maximum(led.cost_by_cc, 1.0)
        fte = np.maximum(np.round(led.personnel_by_cc / 780_000 * 10) / 10, 0.5)
        density = {"ward": 11_000, "op": 12_000, "er": 14_000, "icu": 25_000, "or": 30_000, "lab": 30_000,
                   "rad": 35_000, "phys": 25_000, "path": 25_000}
        area = np.array([max(20.0, round(cost[i] / density.get(kind[i], 20_000) * float(np.exp(rng.normal(0, .2)))))
                         for i in range(st.n)])
        it = np.maximum(np.round(fte * np.exp(rng.normal(0.1, 0.15, st.n))), 1)
        bed_days = np.bincount(st.cat_cc, weights=w.volume.sum(axis=0) * (np.array(st.cat_unit) == "day"), minlength=st.n)
        meals = np.round(bed_days * 3 * np.exp(rng.normal(0, 0.05, st.n)))
        mtf = {"icu": 0.4, "or": 0.5, "rad": 0.8, "lab": 0.3, "phys": 0.5, "path": 0.3, "ward": 0.05, "op": 0.03,
               "er": 0.1}
        mt = np.array([round(cost[i] * mtf.get(kind[i], 0) / 1000) for i in range(st.n)], dtype=np.float64)
        surg = np.array(st.cc_surgical, dtype=bool)
        sterile = np.where(kind == "or", cost / 1000, np.where(surg & np.isin(kind, ["ward", "op"]), cost / 10_000, 0))
        sterile = np.round(sterile)
        transport = np.where(kind == "ward", bed_days, np.where(kind == "rad", cost / 20_000, 0)).round()
        rows_key, rows_cc, rows_val = [], [], []

        def emit(name, sel, vals):
            idx = np.flatnonzero(sel & (vals > 0))
            rows_key.extend([name] * len(idx))
            rows_cc.extend(idx.tolist())
            rows_val.extend(np.asarray(vals)[idx].tolist())

        every = np.ones(st.n, bool)
        cs = np.isin(role, ["care", "service"])
        values = {"fte": fte, "area_m2": area, "it_accounts": it, "meals": meals, "sterile": sterile,
                  "transport": transport, "mt_value": mt}
        for key in sorted(st.key_specs):
            base, h, c_ = st.key_specs[key]
            scope = every if h is None else (hosp == h)
            if c_ is not None:  # clinic management: the clinic's own care units at that hospital
                scope = scope & cs & (clinic == c_)
            elif base == "meals":
                scope = scope & (kind == "ward")
            elif base in ("sterile", "transport", "mt_value"):
                scope = scope & cs
            emit(key, scope, values[base])
        return dict(key=np.array(rows_key), cc=np.array(rows_cc, dtype=np.int64), value=np.array(rows_val))


# ---------------------------------------------------------------------------
# generate()
# ---------------------------------------------------------------------------

def generate(size: str, year: int, data_root: Path, seed: int = 42, dirty: float = 0.0,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write <data_root>/landing/<year>-H1/ and <data_root>/landing/<year>/ ; return a summary dict
    (rows per file per partition, paths, calibration estimates)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    if not 0.0 <= dirty <= 1.0:
        raise ValueError("dirty must be between 0 and 1")
    say = progress or (lambda _m: None)
    t_start = time.perf_counter()
    spec = SIZES[size]
    data_root = Path(data_root)
    cal = _Calendar(year)
    parts = {f"{year}-H1": ("h1", cal.x_h1), f"{year}": ("fy", cal.x_fy)}
    dirs = {p: data_root / "landing" / p for p in parts}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
        for t in _COLUMNS:  # a previous run in another format would leave both files
            for ext in ("csv", "parquet"):
                (d / f"{t}.{ext}").unlink(missing_ok=True)
    ext = spec.fmt
    sinks = {p: {t: _Sink(dirs[p] / f"{t}.{ext}", ext, _COLUMNS[t]) for t in _COLUMNS} for p in parts}

    say(f"building the organisation ({size})")
    st = _Structure(spec.structure, np.random.default_rng([seed, 1]), full_codes=size != "demo")
    n_pat = int(spec.contacts * spec.patients_per_contact) + 200
    pats = _Patients(n_pat, max(200, n_pat // 50), year, dirty, np.random.default_rng([seed, 2]))
    world = _World(st, pats, spec, cal, seed, dirty)
    id_w = max(6, len(str(int(spec.contacts * 1.6))))
    ev_w = max(7, len(str(int(spec.contacts * 40))))
    world.unknown_base = 9 * 10 ** (id_w - 1)
    cc_codes, orderer_labels = st.cc_code, st.cc_code + [f"VC{i:03d}" for i in range(1, 41)]
    n_vc = 40
    hosp_labels = st.hosp_codes
    clinic_labels = _CLINIC_CODES
    sex_labels = ["F", "M"]
    counts = {p: {t: 0 for t in _COLUMNS} for p in parts}
    drg_labels = _DRG_CODES
    event_seq = 0
    items_all: list[dict] = []

    for ci, (cy, cm) in enumerate(cal.chunks):
        rng = np.random.default_rng([seed, 1000 + ci])
        c = world.contacts(rng, ci)
        ev = world.events(rng, c)
        sc = world.specific(rng, c)
        n, ne = c["n"], len(ev["ci"])
        # ---- natural and dirty extras on events
        svc_mask = ~ev["bed"] & (ev["ordr"] >= 0) & ev["pn"]
        svc_idx = np.flatnonzero(svc_mask)
        n_orph = int(round((0.001 + 0.006 * dirty) * ne)) if len(svc_idx) else 0
        n_unk = int(round(0.006 * dirty * ne))
        n_dup = int(round(0.002 * dirty * ne))
        ev["eid"] = event_seq + 1 + np.arange(ne)
        event_seq += ne
        ev["cnum"] = c["cnum"][ev["ci"]]
        ev["pat"] = c["pat"][ev["ci"]]
        ev["dup"] = np.zeros(ne, bool)
        ev["orph"] = np.zeros(ne, bool)
        extras = []
        if n_orph:
            src = svc_idx[rng.integers(0, len(svc_idx), n_orph)]
            e = {k: v[src].copy() for k, v in ev.items()}
            e["ci"][:] = -1
            e["cnum"][:] = -1
            e["pat"] = pats.outsiders[rng.integers(0, len(pats.outsiders), n_orph)]
            e["pn"][:] = True
            e["ordr"] = np.where(rng.random(n_orph) < 0.7, st.n + rng.integers(0, n_vc, n_orph), e["ordr"])
            e["ts"] = e["ts"] + rng.integers(-5 * 288, 5 * 288, n_orph) * 5
            e["eid"] = event_seq + 1 + np.arange(n_orph)
            event_seq += n_orph
            e["orph"][:] = True
            extras.append(e)
        if n_unk:
            src = rng.integers(0, ne, n_unk)
            e = {k: v[src].copy() for k, v in ev.items()}
            e["ci"][:] = -1
            e["cnum"] = world.unknown_base + rng.integers(0, 10 ** (id_w - 1), n_unk)
            e["pn"][:] = False
            e["eid"] = event_seq + 1 + np.arange(n_unk)
            event_seq += n_unk
            e["orph"][:] = True
            extras.append(e)
        if n_dup:
            src = rng.integers(0, ne, n_dup)
            e = {k: v[src].copy() for k, v in ev.items()}
            e["qty"] = np.where(rng.random(n_dup) < 0.5, e["qty"], e["qty"] + 1)
            e["dup"][:] = True
            extras.append(e)
        if extras:
            ev = {k: np.concatenate([ev[k]] + [x[k] for x in extras]) for k in ev}
        # ---- world aggregates: volumes (FY months), per-contact reference cost
        ts = ev["ts"]
        in_fy = (ts >= cal.b_jan * 1440) & (ts < cal.b_next * 1440) & ~ev["dup"]
        mon = ((ts // 1440).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - (year - 1970) * 12)
        np.add.at(world.volume, (mon[in_fy], ev["cat"][in_fy]), ev["qty"][in_fy])
        has_c = (ev["ci"] >= 0) & ~ev["orph"]
        rc = np.bincount(ev["ci"][in_fy & has_c], weights=(ev["qty"] * st.cat_price[ev["cat"]])[in_fy & has_c],
                         minlength=n)
        world.orphan_cost += float((ev["qty"] * st.cat_price[ev["cat"]])[in_fy & ~has_c].sum())
        open_fy = c["end"] > cal.x_fy
        spans = (c["start"] < cal.b_jan * 1440) | (c["end"] >= cal.b_next * 1440) | open_fy
        deliv_fy = c["end"] >= cal.min_end
        for kk, v in (("refcost", rc), ("spans", spans), ("drg", c["drg"]), ("hosp", c["hosp"]),
                      ("clinic", c["clinic"]), ("ip", c["ip"]), ("start", c["start"]), ("end", c["end"]),
                      ("psy", c["psy"]), ("fy", deliv_fy)):
            world.keep[kk].append(v)
        # specific cost items (world)
        sc["cnum"] = c["cnum"][sc["ci"]]
        sc["pat"] = c["pat"][sc["ci"]]
        sc["cidx"] = world.specific_count + np.arange(len(sc["ci"]))
        sc["gci"] = (c["cnum"][sc["ci"]] - 1)
        sc["cend"] = c["end"][sc["ci"]]
        sc["cstart"] = c["start"][sc["ci"]]
        items_all.append(sc)
        world.specific_count += len(sc["ci"])
        # ---- deliveries
        dup_c = int(round(0.002 * dirty * n))
        c_rows = np.arange(n)
        if dup_c:
            c_rows = np.concatenate([c_rows, rng.integers(0, n, dup_c)])
        for p, (tag, x_ts) in parts.items():
            if tag == "h1":
                cdel = (c["start"] < cal.b_jul * 1440) & (c["end"] >= cal.min_end)
                win_end = cal.b_jul * 1440
            else:
                cdel = c["end"] >= cal.min_end
                win_end = cal.b_next * 1440
            if not cdel.any() and not (ev["ci"] < 0).any():
                continue
            open_ = c["end"] > x_ts
            rows_c = c_rows[cdel[c_rows]]
            contacts_cols = _contact_cols(c, rows_c, open_, pats, st, cc_codes, hosp_labels, clinic_labels,
                                          drg_labels, sex_labels, id_w)
            sinks[p]["contacts"].write(contacts_cols)
            has = ev["ci"] >= 0
            ci_safe = np.where(has, ev["ci"], 0)
            edel = np.where(has & ~ev["orph"], cdel[ci_safe] & (ev["ts"] < x_ts),
                            (ev["ts"] >= cal.min_end) & (ev["ts"] < win_end))
            idx = np.flatnonzero(edel)
            q = ev["qty"][idx].copy()
            # a stay still open at extraction: bed days only up to the extraction date
            op_bed = ev["bed"][idx] & has[idx] & open_[ci_safe[idx]]
            if op_bed.any():
                q[op_bed] = np.minimum(q[op_bed], x_ts // 1440 - ev["ts"][idx][op_bed] // 1440)
                keep = ~op_bed | (q > 0)
                idx, q = idx[keep], q[keep]
            sinks[p]["service_events"].write(_event_cols(ev, idx, q, pats, st, orderer_labels, id_w, ev_w))
        if world.contact_count >= world.unknown_base or event_seq >= 10 ** ev_w:
            raise AssertionError("synthetic id space exhausted; widen the id format")
        say(f"generated {cy}-{cm:02d}: {_short(n)} contacts, {_short(len(ev['ci']))} events; writing service_events "
            + ", ".join(f"({p}): {_short(sinks[p]['service_events'].rows)} rows" for p in parts))

    # ---- specific costs (all chunks), calibration, ledger, reference files
    items = {k: np.concatenate([x[k] for x in items_all]) for k in items_all[0]}
    items["month"] = ((items["ts"] // 1440).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
                      - (year - 1970) * 12)
    n_world = world.contact_count
    spec_by_contact = np.bincount(items["gci"], weights=items["cents"] * ((items["month"] >= 0) & (items["month"] < 12)),
                                  minlength=n_world)
    k, calib = _solve_k(world, spec_by_contact)
    say(f"calibrated price scale k={k:.3f} (estimated cost per DRG point {calib['cost_per_drg_point_estimate']:,} SEK)")
    lrng = np.random.default_rng([seed, 3])
    led = _Ledger(world, k, items, lrng)
    keys = _Ledger.keys(world, led, np.random.default_rng([seed, 4]))
    ledgers = led.deliveries(np.random.default_rng([seed, 5]), dirty)
    month_labels = _month_labels(year)
    s_w = max(5, len(str(max(1, len(items["ci"])) * 2)))
    for p, (tag, x_ts) in parts.items():
        d = ledgers[0] if tag == "fy" else ledgers[1]
        say(f"writing ledger ({p}): {_short(len(d['cents']))} rows")
        sinks[p]["ledger"].write({
            "month": _Col("text", _labels(month_labels, d["month"])),
            "cost_center": _Col("text", _labels(cc_codes, d["cc"])),
            "account": _Col("text", _labels(_ACC_CODES, d["acc"])),
            "amount": _Col("money", d["cents"]),
        })
        _write_reference(sinks[p], st, keys)
        # specific costs delivered: contact delivered and dated before the extraction
        if tag == "h1":
            cdel = (items["cstart"] < cal.b_jul * 1440) & (items["cend"] >= cal.min_end)
        else:
            cdel = items["cend"] >= cal.min_end
        sel = np.flatnonzero(cdel & (items["ts"] < x_ts))
        sinks[p]["specific_costs"].write(_specific_cols(items, sel, pats, st, s_w, id_w))
    for p in parts:
        for t, s in sinks[p].items():
            s.close(empty=_empty_cols(t))
            counts[p][t] = s.rows
        say(f"wrote {dirs[p]}: " + ", ".join(f"{t} {_short(counts[p][t])}" for t in _COLUMNS))

    prod = led.production_from_rows
    calib.update({
        "production_cost_year_sek": round(prod),
        "overhead_share_of_production": round(led.overhead_share, 3),
        "personnel_share_of_production": round(led.personnel_share, 3),
        "parked_specific_share": round(float(led.P_y / prod), 4),
        "orphan_event_cost_share_estimate": round(world.orphan_cost * k / prod, 4),
        "n_cost_centers": st.n,
        "n_cost_centers_by_role": {r: int(sum(1 for x in st.cc_role if x == r))
                                   for r in ("care", "service", "overhead", "excluded")},
        "n_service_catalog": st.n_cat,
        "world_contacts": n_world,
    })
    return {
        "size": size, "year": year, "seed": seed, "dirty": dirty, "format": ext,
        "data_root": str(data_root),
        "partitions": {p: {"path": str(dirs[p]),
                           "files": {t: {"path": str(sinks[p][t].path), "rows": counts[p][t]} for t in _COLUMNS}}
                       for p in parts},
        "specific_accounts": list(SPECIFIC_ACCOUNTS),
        "calibration": calib,
        "elapsed_seconds": round(time.perf_counter() - t_start, 2),
    }


# ---------------------------------------------------------------------------
# column builders
# ---------------------------------------------------------------------------

def _short(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else (f"{n / 1e3:.0f}k" if n >= 1e4 else f"{n:,}")


def _pn_col(pats: _Patients, pat: np.ndarray, valid: np.ndarray) -> pa.Array:
    return _string_array(pats.pn[np.where(valid, pat, 0)], valid)


def _contact_cols(c, rows, open_, pats, st, cc_codes, hosp_labels, clinic_labels, drg_labels, sex_labels, id_w):
    pat = c["pat"][rows]
    start = c["start"][rows]
    age = ((start // 1440 - pats.birth[pat]) / 365.25).astype(np.int64)
    drg = c["drg"][rows]
    ip = c["ip"][rows]
    return {
        "contact_id": _Col("text", _id_strings("C", c["cnum"][rows], id_w)),
        "personnummer": _Col("text", _pn_col(pats, pat, np.ones(len(rows), bool))),
        "hospital": _Col("text", _labels(hosp_labels, c["hosp"][rows])),
        "clinic": _Col("text", _labels(clinic_labels, c["clinic"][rows])),
        "cost_center": _Col("text", _labels(cc_codes, c["cc"][rows])),
        "care_type": _Col("text", _labels(["outpatient", "inpatient"], ip.astype(np.int64))),
        "care_field": _Col("text", _labels(["somatic", "psychiatric"], c["psy"][rows].astype(np.int64))),
        "start_ts": _Col("ts", start),
        "end_ts": _Col("ts", c["end"][rows], valid=~open_[rows]),
        "drg": _Col("text", _labels(drg_labels, np.maximum(drg, 0), valid=drg >= 0)),
        "primary_diagnosis": _Col("text", _labels(_DA["diag_labels"], c["diag"][rows], valid=c["diag_valid"][rows])),
        "age": _Col("int", np.maximum(age, 0)),
        "sex": _Col("text", _labels(sex_labels, pats.male[pat].astype(np.int64))),
        "home_region": _Col("text", _labels(_HOME_REGIONS, pats.home[pat])),
    }


def _event_cols(ev, idx, q, pats, st, orderer_labels, id_w, ev_w):
    cid_valid = ev["cnum"][idx] >= 0
    cid_valid &= ~ev["pn"][idx]
    pn_valid = ev["pn"][idx] & (ev["pat"][idx] >= 0)
    ordr = ev["ordr"][idx]
    cat = ev["cat"][idx]
    return {
        "event_id": _Col("text", _id_strings("E", ev["eid"][idx], ev_w)),
        "contact_id": _Col("text", _id_strings("C", ev["cnum"][idx], id_w, valid=cid_valid)),
        "personnummer": _Col("text", _pn_col(pats, ev["pat"][idx], pn_valid)),
        "event_ts": _Col("ts", ev["ts"][idx]),
        "cost_center": _Col("text", _labels(st.cc_code, st.cat_cc[cat])),
        "service_code": _Col("text", _labels(st.cat_code, cat)),
        "quantity": _Col("dec", q, decimals=0),
        "ordering_cost_center": _Col("text", _labels(orderer_labels, np.maximum(ordr, 0), valid=ordr >= 0)),
    }


def _specific_cols(items, sel, pats, st, s_w, id_w):
    pn = items["pn"][sel]
    return {
        "specific_cost_id": _Col("text", _id_strings("S", items["cidx"][sel] + 1, s_w)),
        "contact_id": _Col("text", _id_strings("C", items["cnum"][sel], id_w, valid=~pn)),
        "personnummer": _Col("text", _pn_col(pats, items["pat"][sel], pn)),
        "event_ts": _Col("ts", items["ts"][sel]),
        "cost_center": _Col("text", _labels(st.cc_code, items["cc"][sel])),
        "account": _Col("text", _labels(_ACC_CODES, items["acc"][sel])),
        "amount": _Col("money", items["cents"][sel]),
        "item": _Col("text", _labels(_ITEM_LABELS, items["item"][sel]), quote=True),
    }


def _write_reference(s: dict, st: _Structure, keys: dict) -> None:
    acc = list(_ACCOUNTS.items())
    s["accounts"].write({
        "account": _Col("text", pa.array([a for a, _ in acc])),
        "name": _Col("text", pa.array([v[0] for _, v in acc]), quote=True),
        "account_class": _Col("text", pa.array([v[1] for _, v in acc])),
        "cost_type": _Col("text", pa.array([v[2] for _, v in acc])),
        "exclusion": _Col("text", pa.array([v[3] or None for _, v in acc], pa.string())),
        "specific": _Col("bool", np.array([v[4] for _, v in acc])),
    })
    order = st.cc_order
    s["cost_centers"].write({
        "cost_center": _Col("text", pa.array(st.cc_code)),
        "name": _Col("text", pa.array(st.cc_name), quote=True),
        "hospital": _Col("text", pa.array(st.cc_hosp)),
        "clinic": _Col("text", pa.array(st.cc_clinic)),
        "role": _Col("text", pa.array(st.cc_role)),
        "exclusion": _Col("text", pa.array([x or None for x in st.cc_excl], pa.string())),
        "allocation_key": _Col("text", pa.array([x or None for x in st.cc_key], pa.string())),
        "allocation_order": _Col("int", order, valid=order > 0, itype=pa.int32()),
    })
    ko = np.lexsort((keys["cc"], keys["key"]))
    s["allocation_keys"].write({
        "key": _Col("text", pa.array(keys["key"][ko].tolist(), pa.string())),
        "cost_center": _Col("text", _labels(st.cc_code, keys["cc"][ko])),
        "value": _Col("dec", keys["value"][ko], decimals=1),
    })
    s["service_catalog"].write({
        "cost_center": _Col("text", _labels(st.cc_code, st.cat_cc)),
        "service_code": _Col("text", pa.array(st.cat_code)),
        "name": _Col("text", pa.array(st.cat_name), quote=True),
        "service_group": _Col("text", pa.array(st.cat_group)),
        "unit": _Col("text", pa.array(st.cat_unit)),
        "weight": _Col("dec", st.cat_weight, decimals=2),
    })


def _empty_cols(table: str) -> dict[str, _Col]:
    text = lambda: _Col("text", pa.array([], pa.string()))  # noqa: E731
    ts = lambda: _Col("ts", np.zeros(0, np.int64))  # noqa: E731
    kinds = {"amount": _Col("money", np.zeros(0, np.int64)), "quantity": _Col("dec", np.zeros(0)),
             "value": _Col("dec", np.zeros(0)), "weight": _Col("dec", np.zeros(0)),
             "age": _Col("int", np.zeros(0, np.int64)), "specific": _Col("bool", np.zeros(0, bool)),
             "allocation_order": _Col("int", np.zeros(0, np.int64), itype=pa.int32())}
    out = {}
    for c in _COLUMNS[table]:
        if c in kinds:
            out[c] = kinds[c]
        elif c.endswith("_ts"):
            out[c] = ts()
        else:
            out[c] = text()
    return out


