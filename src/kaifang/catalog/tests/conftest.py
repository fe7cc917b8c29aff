"""The demo catalog as a test fixture: the small scale, built once per session.

Its rows are committed (they outlive each test's transaction), so tests that use it are moved
to the end of the run, after every test that expects an empty catalog, and the rows are removed
when the session ends. It brings its own accounts (`admin`, `publisher`, `reviewer` …): a test
that uses `demo_catalog` should sign in as those rather than ask for the `publisher` or
`reviewer` fixtures, whose user names are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

DEMO_FIXTURE = "demo_catalog"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class DemoCatalog:
    result: object  # kaifang.catalog.demo.DemoResult
    media_root: Path
    datastore_root: Path


@pytest.fixture(scope="session")
def demo_catalog_session(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage
    from django.test import override_settings

    from kaifang.catalog.demo import build_demo, remove_demo
    from kaifang.core.regions import ensure_regions

    media = tmp_path_factory.mktemp("demo-media")
    datastore = tmp_path_factory.mktemp("demo-datastore")  # the tables its build ingests
    storage = FileSystemStorage(location=media)
    fast = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS,  # as the tests' own users have
        KAIFANG={**settings.KAIFANG, "DATASTORE_ROOT": datastore},
    )
    with django_db_blocker.unblock(), fast:
        ensure_regions()  # a transactional test before this one may have flushed them
        result = build_demo("small", storage=storage)
    yield DemoCatalog(result, media, datastore)
    with django_db_blocker.unblock():
        remove_demo(storage=storage)


@pytest.fixture
def demo_catalog(demo_catalog_session, db, settings, _media_in_tmp) -> DemoCatalog:
    """The session's small demo catalog, with file storage pointed at its files."""
    settings.MEDIA_ROOT = demo_catalog_session.media_root
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ROOT": demo_catalog_session.datastore_root}
    return demo_catalog_session


def pytest_collection_modifyitems(config, items) -> None:
    """Run the tests that use the demo catalog last (keeping their order)."""
    uses = [item for item in items if DEMO_FIXTURE in getattr(item, "fixturenames", ())]
    if uses:
        others = [item for item in items if DEMO_FIXTURE not in getattr(item, "fixturenames", ())]
        items[:] = others + uses
