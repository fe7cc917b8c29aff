"""An external API resource's parameter list and sample response: schema fields the publisher
fills in on the workspace form, kept in the resource's metadata and shown on the dataset page."""

from __future__ import annotations

from html import unescape

from django.test import Client
from django.urls import reverse

from kaifang.catalog.models import State
from kaifang.catalog.schema import RESOURCE_COLUMNS, get_schema
from kaifang.catalog.tests import factories


def test_schema_declares_the_api_fields_outside_the_columns():
    # when
    fields = {f.key: f for f in get_schema().resource_fields}
    # then
    assert fields["api_parameters"].label == "接口参数说明"
    assert fields["api_sample"].label == "示例响应"
    assert {"api_parameters", "api_sample"}.isdisjoint(RESOURCE_COLUMNS)
    assert fields["api_sample"].type == fields["api_parameters"].type == "textarea"


def test_workspace_form_takes_them_into_the_resource_metadata(publisher, department):
    # given
    dataset = factories.make_dataset(department, state=State.DRAFT)
    client = Client()
    client.force_login(publisher)
    url = reverse("catalog:resource-create", args=[dataset.name])
    # when
    form = unescape(client.get(url).content.decode())
    response = client.post(
        url,
        {
            "title": "实时到站接口",
            "kind": "api",
            "url": "https://api.example.org/bus",
            "format": "JSON",
            "api_parameters": "line：线路编号，必填",
            "api_sample": '{"line": "B1"}',
        },
    )
    # then
    assert "接口参数说明" in form and "示例响应" in form
    assert 'name="api_parameters"' in form and 'name="api_sample"' in form
    assert response.status_code == 302
    resource = dataset.resources.get()
    assert resource.metadata == {
        "api_parameters": "line：线路编号，必填",
        "api_sample": '{"line": "B1"}',
    }
    page = unescape(client.get(f"/datasets/{dataset.name}/").content.decode())
    assert "line：线路编号，必填" in page and '"line": "B1"' in page
