"""Fixtures of the datastore's tests: every test writes its data files under its own folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def datastore_root(settings, tmp_path):
    """settings.KAIFANG["DATASTORE_ROOT"] pointed at the test's own folder."""
    root = tmp_path / "datastore"
    root.mkdir()
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ROOT": root}
    return root
