"""The profile is the ingest's last step, after the version is published: the rows API answers
before it is done, the preview says it is being computed, and a profile that fails leaves the
table published."""

from __future__ import annotations

from html import unescape

import pytest

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.datastore import services
from kaifang.datastore.ingest import pipeline
from kaifang.datastore.selectors import current_tables
from kaifang.datastore.tests.ingest_helpers import add_file, inline_tasks, queued_exports, rows_of
from kaifang.datastore.tests.tables import make_table

__all__ = ["inline_tasks", "queued_exports"]
pytestmark = pytest.mark.usefixtures("inline_tasks", "queued_exports")

CSV = "城市,数量\n杭州,1\n宁波,2\n杭州,3\n,\n".encode()


@pytest.fixture
def draft(department):
    return factories.make_dataset(department, state=State.DRAFT, title="客流统计")


@pytest.fixture
def upload(draft, publisher, django_capture_on_commit_callbacks):
    def do(content: bytes = CSV):
        return add_file(django_capture_on_commit_callbacks, publisher, draft, "城市.csv", content)

    return do


def test_the_version_is_published_before_the_profile_is_computed(upload, monkeypatch):
    seen = []
    record = services.record_profile

    def when_profiled(table, profile):
        resource = table.resource
        resource.refresh_from_db()
        [current] = current_tables(resource)
        seen.append((current.status, dict(current.profile), rows_of(current)[0]))
        record(table, profile)

    monkeypatch.setattr(services, "record_profile", when_profiled)

    resource = upload()

    assert seen == [("ready", {"pending": True, "notices": []}, (0, "杭州", 1))]
    profile = current_tables(resource)[0].profile
    assert profile["columns"]["城市"]["top"][0] == ["杭州", 2]
    assert profile["columns"]["数量"]["nulls"] == 1 and "pending" not in profile


def test_a_failing_profile_leaves_the_table_published_and_says_so(upload, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("profile broke")

    monkeypatch.setattr(pipeline, "profile_table", broken)

    resource = upload("名称,名称\n甲,1\n".encode())

    [table] = current_tables(resource)
    assert resource.current_version.status == "ready" and table.status == "ready"
    assert table.profile == {"failed": True, "notices": [table.profile["notices"][0]]}
    assert "重名" in table.profile["notices"][0]
    assert rows_of(table) == [(0, "甲", 1)]


@pytest.mark.parametrize(
    ("profile", "state", "says"),
    [
        ({"pending": True, "notices": []}, "pending", "正在计算中"),
        ({"failed": True, "notices": []}, "failed", "字段统计未能计算"),
    ],
)
def test_the_preview_says_where_the_profile_is(department, client, profile, state, says):
    dataset = factories.make_dataset(department, title="客流统计")
    table = make_table(dataset, [{"城市": "杭州"}], [{"id": "城市", "type": "text"}])
    table.profile = profile
    table.save(update_fields=["profile"])

    html = unescape(client.get(f"/datasets/{dataset.name}/").content.decode())

    assert f'data-profile-state="{state}"' in html and says in html
    assert "杭州" in html  # the rows are there meanwhile


def test_a_ready_profile_says_nothing_of_its_state(department, client):
    dataset = factories.make_dataset(department, title="客流统计")
    table = make_table(dataset, [{"城市": "杭州"}], [{"id": "城市", "type": "text"}])
    table.profile = {"rows": 1, "columns": {}, "notices": []}
    table.save(update_fields=["profile"])

    html = unescape(client.get(f"/datasets/{dataset.name}/").content.decode())

    assert "dt-profile" in html and "data-profile-state" not in html


def test_a_profile_does_not_overwrite_a_table_changed_meanwhile(upload):
    resource = upload()
    [table] = current_tables(resource)
    before = dict(table.profile)
    stale = type(table).objects.get(pk=table.pk)
    table.generation += 1
    table.save(update_fields=["generation"])

    services.record_profile(stale, {"rows": 0, "columns": {}})

    table.refresh_from_db()
    assert table.profile == before
