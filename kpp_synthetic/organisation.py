"""The organisation: service departments and their catalogs, hospital/unit templates, and the
cost-centre structure (step-down levels, service catalog, routing, allocation-key scopes)."""

from __future__ import annotations

import numpy as np

from .accounts import _EXCLUDED
from .casemix import _CLINIC_CODES, _CLINIC_IDX, _CLINICS, _DRG_IDX, _SURGICAL_CLINICS
from .helpers import _cum

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
