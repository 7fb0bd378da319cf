"""Case mix: the national DRG list (2025 weights), per-DRG resource profiles, the clinics with
their DRG mixes, and the per-DRG parameter arrays derived from them."""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------
# National reference data used by the world (NordDRG-like list, 2025 weights)
# ---------------------------------------------------------------------------

# drg -> (weight 2025, mdc, description). The list of the public worked example (tests/fixtures/small/drg_weights.csv)
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
