"""Chart of accounts (kontoplan), the direct-cost profile per kind of centre and the yearly cost
shares of the excluded kinds of centre."""

from __future__ import annotations

import numpy as np

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
