"""The relations Python reads outside dbt, named once: the dbt exposures (dbt_project/models/exposures.yml).

Python reads the marts (the latest build), their copies in schema `published` (the results
of record), the uses marts, the national seeds and the loader's `landing.input_files`;
never a staging or intermediate model (what a reader needs from those is a mart). Each
reader names its exposure and asks it for relations by dbt name; schema and table come
from the dbt manifest, as dbt builds them. So a model renamed or removed fails at
`dbt parse` (the exposure's ref no longer resolves), and a reader asking for a relation
its exposure does not list fails here, before any SQL, naming both. No Dagster here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from kpp.publish import PUBLISHED, quote_ident

EXPOSURES_FILE = "dbt_project/models/exposures.yml"
MARTS = "marts"
# published beside the marts: the input files (name, SHA-256, rows, key fingerprint) of the results
PUBLISHED_SOURCES = ("source.kpp.landing.input_files",)


class UndeclaredRead(LookupError):
    """A reader asked for a relation its exposure does not list, or for an exposure dbt does not know."""


@dataclass(frozen=True)
class Relation:
    name: str  # the dbt node's name (a model, seed or source table)
    schema: str
    table: str
    is_published: bool  # copied into schema `published` by kpp/publish.py

    def __str__(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table)}"


def _relation(unique_id: str, node: dict) -> Relation:
    name = node["name"]
    table = node.get("alias") or node.get("identifier") or name
    # a mart is published unless its config says `meta: {is_published: false}` (the cost trace views)
    is_published_mart = (node["resource_type"] == "model" and node["schema"] == MARTS
                         and node["config"].get("meta", {}).get("is_published", True))
    return Relation(name, node["schema"], table, is_published_mart or unique_id in PUBLISHED_SOURCES)


@cache
def _manifest() -> tuple[dict[str, Relation], dict[str, frozenset[str]]]:
    """Every model, seed and source as a relation by unique id; every exposure's depends_on."""
    from kpp.dbt_manifest import ensure_manifest

    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    nodes = {uid: node for uid, node in [*manifest["nodes"].items(), *manifest["sources"].items()]
             if node["resource_type"] in ("model", "seed", "source")}
    relations = {uid: _relation(uid, node) for uid, node in nodes.items()}
    exposures = {e["name"]: frozenset(e["depends_on"]["nodes"]) for e in manifest["exposures"].values()}
    return relations, exposures


def published_relations() -> list[Relation]:
    """What kpp/publish.py copies into schema `published`: the marts (but the cost trace views, whose
    rows are contact × cost item × ledger row) by name, then the input files."""
    relations, _ = _manifest()
    tables = sorted((r for r in relations.values() if r.is_published and r.schema == MARTS), key=lambda r: r.table)
    return tables + [relations[uid] for uid in PUBLISHED_SOURCES]


@dataclass(frozen=True)
class Exposure:
    """The relations one reader may read: a dbt exposure's depends_on. Resolved on first use."""

    name: str

    def _declared(self) -> dict[str, Relation]:
        relations, exposures = _manifest()
        if self.name not in exposures:
            raise UndeclaredRead(f"no dbt exposure {self.name!r} in the manifest: declare it in {EXPOSURES_FILE}")
        return {relations[uid].name: relations[uid] for uid in exposures[self.name] if uid in relations}

    def relation(self, name: str) -> Relation:
        """The relation of the model, seed or source table `name`, as the latest dbt build has it."""
        declared = self._declared()
        if name not in declared:
            raise UndeclaredRead(f"exposure {self.name!r} does not list {name!r} ({EXPOSURES_FILE}); it lists "
                                 f"{', '.join(sorted(declared))}. Add a ref to it there, or read a mart that has it.")
        return declared[name]

    def published(self, name: str) -> Relation:
        """The published copy of a mart table (or of the input files): the period's results of record."""
        relation = self.relation(name)
        if not relation.is_published:
            raise UndeclaredRead(f"{name!r} ({relation}) is not published: kpp/publish.py copies the marts "
                                 "(not the cost trace views) and the input files only")
        return Relation(relation.name, PUBLISHED, relation.table, True)

    def names(self) -> frozenset[str]:
        return frozenset(self._declared())


PERIOD_EXPORTS = Exposure("period_exports")
PERIOD_WORKBOOK_AND_REPORT = Exposure("period_workbook_and_report")
KPP_EXPLAIN = Exposure("kpp_explain")
KPP_RUN = Exposure("kpp_run")
KPP_STATUS = Exposure("kpp_status")
USES_EXPORTS = Exposure("uses_exports")
