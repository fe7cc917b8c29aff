"""Helpers of the ingest tests: resources uploaded through the catalog's services with the
ingest run inline, and the rows of a table's data file read back."""

from __future__ import annotations

import contextlib

import duckdb
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaifang.catalog import services as catalog
from kaifang.core.audit import Actor
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.relation import source_sql


@pytest.fixture
def inline_tasks():
    """Huey runs queued tasks at once (as with KAIFANG_QUEUE=immediate)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = before


@pytest.fixture
def queued_exports(monkeypatch):
    """The tables whose exports the ingest queued; the export jobs themselves are the
    exporters' tests' business (and would only slow these down)."""
    from kaifang.datastore import services

    queued: list[str] = []
    monkeypatch.setattr(services, "queue_exports", lambda table: queued.append(str(table.pk)))
    return queued


def add_file(django_capture_on_commit_callbacks, user, dataset, name: str, content: bytes):
    """Add a file resource through the catalog service; the ingest queued on commit runs."""
    with django_capture_on_commit_callbacks(execute=True):
        resource = catalog.add_resource(
            Actor.for_user(user),
            dataset,
            data={"title": "测试数据表"},
            upload=SimpleUploadedFile(name, content),
        )
    resource.refresh_from_db()
    return resource


def add_version(django_capture_on_commit_callbacks, user, resource, name: str, content: bytes):
    """Upload a new version through the catalog service; its ingest runs on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        version = catalog.add_resource_version(
            Actor.for_user(user), resource, SimpleUploadedFile(name, content)
        )
    resource.refresh_from_db()
    version.refresh_from_db()
    return version


def rows_of(table: DatastoreTable) -> list[tuple]:
    """Every row of the table's data file, `_row_id` first, in row order."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    with contextlib.closing(con):
        source = source_sql(con, [get_engine().data_file(table)])
        return con.execute(f"SELECT * FROM ({source}) ORDER BY _row_id").fetchall()  # noqa: S608
