"""`kaifang ingest FILE --resource ID`, the publisher's progress view, and which uploads wait for
the datastore."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kaifang.catalog import services as catalog
from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor
from kaifang.core.models import AuditEntry
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.selectors import current_tables
from kaifang.datastore.tests.ingest_helpers import add_file, inline_tasks, queued_exports, rows_of

__all__ = ["inline_tasks", "queued_exports"]
pytestmark = pytest.mark.usefixtures("queued_exports")

CSV = "城市,数量\n杭州,1\n宁波,2\n".encode()


@pytest.fixture
def resource(department, publisher, django_capture_on_commit_callbacks, inline_tasks):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return add_file(django_capture_on_commit_callbacks, publisher, dataset, "城市.csv", CSV)


@pytest.fixture
def drop(tmp_path):
    """A folder of its own for the file a test moves in (tmp_path holds the media root too)."""
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_the_command_stores_a_version_and_ingests_it_with_a_progress_bar(
    resource, platform_admin, tmp_path
):
    path = tmp_path / "城市.csv"
    path.write_bytes("城市,数量\n温州,3\n".encode("gb18030"))
    out, err = io.StringIO(), io.StringIO()

    call_command("ingest", str(path), resource=str(resource.pk), stdout=out, stderr=err)

    resource.refresh_from_db()
    assert resource.current_version.number == 2
    assert rows_of(current_tables(resource)[0]) == [(0, "温州", 3)]
    assert "入库完成，用时" in err.getvalue() and "[" in err.getvalue()
    assert out.getvalue().splitlines()[-1] == "版本 2 已入库并已成为当前版本。"
    entry = AuditEntry.objects.filter(action="resource.version").latest("id")
    assert (entry.actor_type, entry.actor_label) == ("system", "命令行（padmin）")


def test_the_command_moves_the_file_into_storage_when_asked(resource, platform_admin, drop):
    path = drop / "城市.csv"
    content = "城市,数量\n温州,3\n".encode()
    path.write_bytes(content)

    call_command(
        "ingest",
        str(path),
        resource=str(resource.pk),
        move=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    resource.refresh_from_db()
    version = resource.current_version
    assert version.number == 2
    assert rows_of(current_tables(resource)[0]) == [(0, "温州", 3)]
    with version.file.open("rb") as stored:
        assert stored.read() == content
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert list(drop.iterdir()) == []  # moved: nothing left behind, not even the spare name


def test_a_file_refused_when_moved_stays_where_it_was(resource, platform_admin, drop):
    path = drop / "城市.csv"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)

    with pytest.raises(CommandError, match=r"城市\.csv"):
        call_command("ingest", str(path), resource=str(resource.pk), move=True)

    assert [p.name for p in drop.iterdir()] == ["城市.csv"]
    assert path.read_bytes().startswith(b"%PDF-1.7")
    resource.refresh_from_db()
    assert resource.current_version.number == 1


def test_a_file_moved_is_put_back_when_the_version_cannot_be_saved(
    resource, platform_admin, drop, monkeypatch
):
    from kaifang.catalog.models import ResourceVersion

    path = drop / "城市.csv"
    path.write_bytes(CSV)

    def broken(self, *args, **kwargs):
        raise RuntimeError("数据库不可用")

    monkeypatch.setattr(ResourceVersion, "save", broken)
    with pytest.raises(RuntimeError):
        call_command("ingest", str(path), resource=str(resource.pk), move=True)

    assert [p.name for p in drop.iterdir()] == ["城市.csv"]
    assert path.read_bytes() == CSV


def test_a_file_that_cannot_be_moved_safely_is_left_alone_with_a_chinese_message(
    resource, platform_admin, drop, monkeypatch
):
    path = drop / "城市.csv"
    path.write_bytes(CSV)

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(CommandError, match="请去掉 --move 以复制方式入库"):
        call_command("ingest", str(path), resource=str(resource.pk), move=True)

    assert [p.name for p in drop.iterdir()] == ["城市.csv"]
    resource.refresh_from_db()
    assert resource.current_version.number == 1


def test_the_command_reports_a_failed_ingest_and_keeps_the_current_version(
    resource, publisher, tmp_path
):
    path = tmp_path / "城市.csv"
    path.write_bytes("城市,数量\n温州\n".encode())

    with pytest.raises(CommandError, match="入库失败：第 2 行"):
        call_command(
            "ingest", str(path), resource=str(resource.pk), user="publisher", stderr=io.StringIO()
        )

    resource.refresh_from_db()
    assert resource.current_version.number == 1


def test_the_command_names_a_missing_resource_and_a_user_without_rights(
    resource, outsider, tmp_path
):
    path = tmp_path / "城市.csv"
    path.write_bytes(CSV)

    with pytest.raises(CommandError, match="找不到资源"):
        call_command("ingest", str(path), resource="6f1c1c9e-0000-4000-8000-000000000000")
    with pytest.raises(CommandError, match="不是该部门的数据发布员"):
        call_command("ingest", str(path), resource=str(resource.pk), user=outsider.username)


def test_the_workspace_shows_progress_and_the_chinese_error(resource, publisher, client):
    table = current_tables(resource)[0]
    DatastoreTable.objects.filter(pk=table.pk).update(
        status="running", stage="types", rows_done=500, rows_total=2000
    )
    client.force_login(publisher)
    url = reverse("catalog:workspace-dataset", args=[resource.dataset.name])

    running = client.get(url).content.decode()

    assert "数据入库：处理中 · 识别字段类型 · 500 / 2000 行" in running

    DatastoreTable.objects.filter(pk=table.pk).update(
        status="failed", error={"message": "第 3 行只有 1 列，表头有 2 列，请补齐或删除该行。"}
    )
    failed = client.get(url).content.decode()

    assert "数据入库：失败" in failed
    assert "第 3 行只有 1 列，表头有 2 列，请补齐或删除该行。" in failed


def test_a_file_no_reader_knows_is_current_at_once_and_has_no_tables(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    pdf = b"%PDF-1.4\n" + b"0" * 200

    resource = catalog.add_resource(
        Actor.for_user(publisher),
        dataset,
        data={"title": "说明"},
        upload=SimpleUploadedFile("说明.pdf", pdf),
    )

    assert resource.current_version.number == 1
    assert not DatastoreTable.objects.filter(resource=resource).exists()


def test_a_table_upload_waits_queued_until_its_ingest_runs(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    resource = catalog.add_resource(
        Actor.for_user(publisher),
        dataset,
        data={"title": "城市"},
        upload=SimpleUploadedFile("城市.csv", CSV),
    )

    [table] = DatastoreTable.objects.filter(resource=resource)
    assert resource.current_version is None and resource.format == "CSV"
    assert (table.status, table.stage) == ("pending", "queued")
