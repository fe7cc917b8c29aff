"""Downloads: headers, streaming, counting, and the 404/403 answers of the visibility gate and
conditional access."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from kaifang.analytics.models import ResourceDailyCount
from kaifang.catalog import services
from kaifang.catalog.downloads import content_disposition, download_response
from kaifang.catalog.models import AccessGrant, State
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import CSV, act, csv_upload
from kaifang.datastore.ingest.pipeline import ingest_version

ACCESS_MESSAGE = "该数据为有条件开放数据，需申请后下载"


def _with_file(department, publisher, *, state=State.PUBLISHED, **kw):
    """A dataset in `state` with one CSV resource uploaded (and ingested, which makes it
    current) while it was a draft."""
    dataset = factories.make_dataset(department, state=State.DRAFT, **kw)
    resource = services.add_resource(
        act(publisher), dataset, data={"title": "公交站点"}, upload=csv_upload()
    )
    ingest_version(resource.versions.get())
    resource.refresh_from_db()
    dataset.state = state
    dataset.save()
    return resource


def _url(resource) -> str:
    return reverse("catalog:resource-download", args=[resource.pk])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_public_file_downloads_with_its_headers(client, department, publisher):
    resource = _with_file(department, publisher)

    response = client.get(_url(resource))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Length"] == str(len(CSV))
    assert response["Content-Disposition"] == (
        'attachment; filename="gong-jiao-zhan-dian.csv"; '
        f"filename*=UTF-8''{quote('公交站点.csv')}"
    )
    assert _body(response) == CSV


def test_content_disposition_of_ascii_and_odd_names():
    assert content_disposition("data.csv") == (
        "attachment; filename=\"data.csv\"; filename*=UTF-8''data.csv"
    )
    assert content_disposition("数据 2024.xlsx") == (
        "attachment; filename=\"shu-ju-2024.xlsx\"; filename*=UTF-8''%E6%95%B0%E6%8D%AE%202024.xlsx"
    )
    assert content_disposition("数据") == (
        "attachment; filename=\"shu-ju\"; filename*=UTF-8''%E6%95%B0%E6%8D%AE"
    )


def test_downloads_are_counted_per_resource_per_day(client, department, publisher):
    resource = _with_file(department, publisher)

    client.get(_url(resource))
    client.get(_url(resource))
    client.head(_url(resource))

    row = ResourceDailyCount.objects.get(resource=resource)
    assert (row.downloads, row.api_calls, row.dataset_id) == (2, 0, resource.dataset_id)
    resource.dataset.refresh_from_db()
    assert resource.dataset.download_count == 2


@pytest.mark.parametrize(
    "state", [State.DRAFT, State.IN_REVIEW, State.RETURNED, State.WITHDRAWN, State.TAKEN_DOWN]
)
def test_unpublished_data_is_not_found_by_the_public(client, department, publisher, state):
    resource = _with_file(department, publisher, state=state)

    assert client.get(_url(resource)).status_code == 404


def test_insiders_get_unpublished_files_without_counting(
    client, department, publisher, reviewer, platform_reviewer
):
    resource = _with_file(department, publisher, state=State.IN_REVIEW)

    for user in (publisher, reviewer, platform_reviewer):
        client.force_login(user)
        assert client.get(_url(resource)).status_code == 200

    assert not ResourceDailyCount.objects.exists()


def test_a_private_dataset_is_not_found_by_outsiders(client, department, publisher, outsider):
    resource = _with_file(department, publisher, is_private=True)

    client.force_login(outsider)
    assert client.get(_url(resource)).status_code == 404
    client.force_login(publisher)
    assert client.get(_url(resource)).status_code == 200


def test_conditional_data_needs_an_application(client, department, publisher, citizen):
    resource = _with_file(
        department,
        publisher,
        open_type="conditional",
        metadata={"open_condition": "实名认证"},
    )

    anonymous = client.get(_url(resource))
    client.force_login(citizen)
    signed_in = client.get(_url(resource))

    for response in (anonymous, signed_in):
        assert response.status_code == 403
        assert ACCESS_MESSAGE in response.content.decode()
    assert not ResourceDailyCount.objects.exists()

    AccessGrant.objects.create(dataset=resource.dataset, user=citizen)
    granted = client.get(_url(resource))
    assert granted.status_code == 200 and _body(granted) == CSV


def test_api_callers_get_a_json_refusal(department, publisher):
    resource = _with_file(
        department,
        publisher,
        open_type="conditional",
        metadata={"open_condition": "实名认证"},
    )
    request = RequestFactory().get(f"/api/v1/resources/{resource.pk}/download")
    request.user = AnonymousUser()

    response = download_response(request, resource)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": {"code": "access_required", "message": ACCESS_MESSAGE}
    }


def test_api_callers_get_a_json_not_found(department, publisher):
    resource = _with_file(department, publisher, state=State.DRAFT)
    request = RequestFactory().get(f"/api/v1/resources/{resource.pk}/download")
    request.user = AnonymousUser()

    response = download_response(request, resource)

    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"


def test_a_link_resource_redirects_and_counts(client, department):
    dataset = factories.make_dataset(department)
    resource = factories.make_link_resource(dataset, url="https://example.org/data.csv")

    response = client.get(_url(resource))

    assert response.status_code == 302
    assert response["Location"] == "https://example.org/data.csv"
    assert ResourceDailyCount.objects.get(resource=resource).downloads == 1


def test_an_unknown_resource_is_not_found(client, db):
    assert client.get("/resources/00000000-0000-0000-0000-000000000000/download").status_code == 404


def test_pending_resources_and_versions_stay_hidden(client, department, publisher):
    resource = _with_file(department, publisher)
    dataset = resource.dataset
    newer = services.add_resource_version(
        act(publisher), resource, csv_upload(content=b"a,b\n9,9\n")
    )
    ingest_version(newer)  # ingested, waiting for the revision's approval
    pending = services.add_resource(
        act(publisher), dataset, data={"title": "新增"}, upload=csv_upload(content=b"x,y\n1,2\n")
    )
    ingest_version(pending.versions.get())  # a table is current once ingested

    assert _body(client.get(_url(resource))) == CSV
    assert client.get(f"{_url(resource)}?version=2").status_code == 200
    assert _body(client.get(f"{_url(resource)}?version=2")) == CSV
    assert client.get(_url(pending)).status_code == 404

    client.force_login(publisher)
    assert _body(client.get(f"{_url(resource)}?version=2")) == b"a,b\n9,9\n"
    assert client.get(_url(pending)).status_code == 200


def test_only_get_and_head_are_answered(client, department, publisher):
    resource = _with_file(department, publisher)

    assert client.post(_url(resource)).status_code == 405
