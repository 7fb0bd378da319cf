"""Great Expectations' Data Docs page views, with GX's Jinja templates compiled once per process.

GX makes a new Jinja environment for every page view, so every gate compiled GX's templates
again to render its validation, its suite and the index: ≈ 0.2 s of each gate, most of what
building its pages cost (docs/benchmarks.md). These views share Jinja's bytecode cache in
memory: a template is looked up by its name and the checksum of its source, so the pages are
exactly GX's. Imported by GX only, when a gate builds its pages (kpp/expectations.py).
"""

from __future__ import annotations

from great_expectations.render.view import (
    DefaultJinjaIndexPageView,
    DefaultJinjaPageView,
)
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _InMemoryBytecode(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)  # discarded again when the checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _InMemoryBytecode()


class _CompiledOnce:
    """A GX view whose Jinja environment keeps its compiled templates in `_COMPILED`."""

    # the parameters by name: GX passes a view only those its signature names
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = _COMPILED


class PageView(_CompiledOnce, DefaultJinjaPageView):
    pass


class IndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    pass


def site_builders() -> dict:
    """The Data Docs site's builders (GX's defaults, with the views above)."""
    def view(cls: type) -> dict:
        return {"module_name": __name__, "class_name": cls.__name__}

    return {
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": view(IndexPageView)},
        "site_section_builders": {"expectations": {"view": view(PageView)}, "validations": {"view": view(PageView)},
                                  "profiling": {"view": view(PageView)}},
    }
