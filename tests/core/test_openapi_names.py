"""Every schema class the API publishes has its own component name.

django-ninja names an OpenAPI component after the class; two classes of the same name in
different modules silently share one component, and the one registered last describes both
operations' answers (the staff API's ``DocumentOut`` once replaced the customer's in the
published contract and in the H5's generated types).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ninja import Schema

from idrenew.core.api import api


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schema_classes_share_a_component_name() -> None:
    api.get_openapi_schema()  # imports every router and its schemas
    modules: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("idrenew."):
            modules[cls.__name__].add(cls.__module__)
    shared = {name: sorted(mods) for name, mods in modules.items() if len(mods) > 1}
    assert shared == {}, (
        f"rename one of each (the OpenAPI component is named after the class): {shared}"
    )


def test_the_customer_answers_keep_their_own_shapes() -> None:
    components = api.get_openapi_schema()["components"]["schemas"]
    assert "download_url" in components["DocumentOut"]["properties"]
    assert "certificate_serial" in components["StaffDocumentOut"]["properties"]
