"""Fixtures of the interoperability tests: the standards' own validators, loaded once, and the
small demo catalog (taken from the catalog tests when they built it, else built here).

The validators read the standards' own files from `standards/` at the top of the repository;
the product itself never depends on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from kaifang.catalog.tests.conftest import (  # noqa: F401  (the fixture and ordering shared)
    FAST_HASHERS,
    DemoCatalog,
    demo_catalog,
    pytest_collection_modifyitems,
)

#: the standards' files the validators use, kept verbatim in the repository (standards/README.md)
STANDARDS = Path(__file__).resolve().parents[4] / "standards"


def dcat_ap_shapes() -> Graph:
    """The DCAT-AP 3.0.1 shapes, with the upstream defect its README names worked around: the
    DataService shape still links two property shapes 3.0.1 removed (endpointURL and
    endpointDescription with `sh:class rdfs:Resource`), and pyshacl refuses a shape graph with
    links to shapes that have no `sh:path`. Those dangling links are dropped; nothing else is
    changed."""
    shapes = Graph().parse(STANDARDS / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl")
    for shape, link in list(shapes.subject_objects(SH.property)):
        if shapes.value(link, SH.path) is None:
            shapes.remove((shape, SH.property, link))
    return shapes


def _loaded_demo():
    """The small demo catalog's build, when one is in the database (its last demo record is a
    load of the small scale), else None."""
    from kaifang.catalog.demo import DEMO_SEED, DemoResult
    from kaifang.catalog.demo.build import LOADED, REMOVED
    from kaifang.core.models import AuditEntry

    last = AuditEntry.objects.filter(action__in=[LOADED, REMOVED]).order_by("-at", "-id").first()
    if last is None or last.action != LOADED or last.detail.get("scale") != "small":
        return None
    return DemoResult(built=False, scale="small", seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_catalog_session(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo catalog for this folder's tests. A session fixture is cached per conftest
    folder, so when the catalog tests ran first and built it, it is taken as it is (the outputs
    tested here read rows, not files) instead of being built a second time; otherwise it is
    built here, as the catalog's fixture does, and removed at the end."""
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage
    from django.test import override_settings

    from kaifang.catalog.demo import build_demo, remove_demo
    from kaifang.core.regions import ensure_regions

    media = tmp_path_factory.mktemp("interop-demo-media")
    datastore = tmp_path_factory.mktemp("interop-demo-datastore")
    with django_db_blocker.unblock():
        found = _loaded_demo()
    if found is not None:
        yield DemoCatalog(found, media, datastore)
        return
    storage = FileSystemStorage(location=media)
    fast = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS, KAIFANG={**settings.KAIFANG, "DATASTORE_ROOT": datastore}
    )
    with django_db_blocker.unblock(), fast:
        ensure_regions()
        result = build_demo("small", storage=storage)
    yield DemoCatalog(result, media, datastore)
    with django_db_blocker.unblock():
        remove_demo(storage=storage)


@pytest.fixture(scope="session")
def shacl_shapes() -> Graph:
    return dcat_ap_shapes()


@pytest.fixture(scope="session")
def pod_validator():
    """A draft-04 validator of POD 1.1 catalogs (the non-federal schema), with its `$ref`s
    resolved locally by each file's id and `format: uri` enforced."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = STANDARDS / "pod-1.1" / "non-federal-v1.1"
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    registry = Registry().with_resources(
        (doc["id"].rstrip("#"), Resource.from_contents(doc, default_specification=DRAFT4))
        for doc in documents
    )
    catalog = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    assert "uri" in checker.checkers, "install rfc3986-validator so URIs are checked"
    return jsonschema.Draft4Validator(catalog, registry=registry, format_checker=checker)
