"""Fixtures of the datastore's tests: every test writes its data files under its own folder,
with the deployment's datastore engine — or, for the tests marked `both_engines` (the key
reads and writes of tables: rows, aggregates, SQL, exports, appends, replaces, merges, the
preview), once with each engine, so both stay right without running the whole suite twice."""

from __future__ import annotations

import pytest

#: every datastore engine, by the short name a test id shows
ENGINES = {
    "duckfile": "kaifang.datastore.engines.duckdb.DuckFileEngine",
    "parquet": "kaifang.datastore.engines.duckdb.DuckDBEngine",
}


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("datastore_engine", list(ENGINES), indirect=True)


@pytest.fixture(autouse=True)
def datastore_root(settings, tmp_path):
    """settings.KAIFANG["DATASTORE_ROOT"] pointed at the test's own folder."""
    root = tmp_path / "datastore"
    root.mkdir()
    settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ROOT": root}
    return root


@pytest.fixture(autouse=True)
def datastore_engine(request, settings, datastore_root):
    """The engine of the test: the deployment's, or each in turn for `both_engines` tests."""
    from kaifang.datastore.engines.base import get_engine

    name = getattr(request, "param", None)
    if name is not None:
        settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ENGINE": ENGINES[name]}
    return get_engine()
