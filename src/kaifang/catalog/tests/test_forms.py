"""The dataset and resource forms are built from the metadata schema: every field with its
Chinese label and a widget for its type, the schema's validation messages beside each field,
and a swapped schema file changes the form without code changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.utils import translation

from kaifang.catalog.forms import ResourceForm, data_from_values, dataset_form
from kaifang.catalog.schema import DEFAULT_PATH, _load, get_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    """Forms are built outside a request here, so the language is set for the test."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def swapped_schema(settings, tmp_path):
    """The default schema plus one field (数据管家) in a file of the deployment's own."""
    doc = yaml.safe_load(Path(DEFAULT_PATH).read_text(encoding="utf-8"))
    doc["dataset"].append(
        {
            "key": "data_steward",
            "label": {"zh": "数据管家", "en": "Data steward"},
            "type": "text",
            "max_length": 20,
            "group": "contact",
            "help": {"zh": "负责本数据集质量的人员。"},
        }
    )
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    settings.KAIFANG = {**settings.KAIFANG, "METADATA_SCHEMA": str(path)}
    _load.cache_clear()
    yield path
    _load.cache_clear()


def _html(form) -> str:
    return "".join(str(bf) + str(bf.label_tag()) for bf in form)


def test_every_editable_field_renders_with_its_chinese_label(department):
    form = dataset_form(departments=[department])

    html = _html(form)

    for f in get_schema().editable_dataset_fields:
        assert f.labels["zh"] in html, f.key
        assert f'name="{f.key}"' in html, f.key


def test_readonly_fields_are_not_in_the_form(department):
    form = dataset_form(departments=[department])

    assert "provider_code" not in form.fields
    assert "published_at" not in form.fields


def test_each_type_gets_its_widget(department):
    form = dataset_form(departments=[department])

    assert form["domain"].widget_type == "select"
    assert "信用服务" in str(form["domain"])
    assert form["open_method"].widget_type == "checkboxselectmultiple"
    assert "数据下载" in str(form["open_method"])
    assert 'type="date"' in str(form["temporal_start"])
    assert form["is_high_value"].widget_type == "checkbox"
    assert form["fields"].widget_type == "textarea"
    assert form["related_codes"].widget_type == "textarea"
    assert 'type="email"' in str(form["contact_email"])
    assert "杭州市" in str(form["region"])


def test_department_choice_offers_only_the_given_departments(department, other_department):
    form = dataset_form(departments=[department])

    assert department.title in str(form["department"])
    assert other_department.title not in str(form["department"])


def test_department_field_only_when_departments_are_given():
    form = dataset_form(values={})

    assert "department" not in form.fields


def test_a_department_not_offered_is_refused(department, other_department):
    form = dataset_form(
        {"title": "公交站点", "department": str(other_department.pk)}, departments=[department]
    )

    assert not form.is_valid()
    assert form.errors["department"] == ["您不能在所选部门发布数据。"]


def test_values_are_cleaned_by_the_schema(department):
    form = dataset_form(
        {
            "title": " 公交站点 ",
            "department": str(department.pk),
            "keywords": "公交，站点, 交通",
            "open_method": ["download", "api"],
            "fields": "站点名称,C,100,站名\n经度,N,12\n纬度\tN\t12",
            "related_codes": "330000000001/000001\n330000000002/000002",
            "is_realtime": "on",
            "temporal_start": "2024-01-01",
        },
        departments=[department],
    )

    assert form.is_valid(), form.errors
    assert form.values["title"] == "公交站点"
    assert form.values["keywords"] == ["公交", "站点", "交通"]
    assert form.values["open_method"] == ["download", "api"]
    assert form.values["fields"] == [
        {"name": "站点名称", "type": "C", "length": 100, "description": "站名"},
        {"name": "经度", "type": "N", "length": 12},
        {"name": "纬度", "type": "N", "length": 12},
    ]
    assert form.values["related_codes"] == ["330000000001/000001", "330000000002/000002"]
    assert form.values["is_realtime"] is True
    assert form.values["temporal_start"] == "2024-01-01"


def test_errors_are_chinese_and_beside_each_field(department):
    form = dataset_form(
        {
            "title": "公交站点",
            "department": str(department.pk),
            "domain": "999",
            "open_method": ["download", "fax"],
            "temporal_start": "2024-13-45",
            "contact_email": "not-an-address",
            "fields": "站点名称,Q,100",
        },
        departments=[department],
    )

    assert not form.is_valid()
    assert form.errors["domain"] == ["“领域”的值“999”不在代码表“领域”中。"]
    assert "“fax”不在代码表" in form.errors["open_method"][0]
    assert form.errors["temporal_start"] == [
        "“时间范围起”“2024-13-45”不是有效日期，请用 YYYY-MM-DD 格式。"
    ]
    assert form.errors["contact_email"] == ["“联系邮箱”不是有效的电子邮箱地址。"]
    assert "数据类型“Q”不在代码表中" in form.errors["fields"][0]
    assert "title" not in form.errors


def test_a_draft_may_leave_required_fields_empty_and_empties_clear_values(department):
    form = dataset_form(
        {"title": "公交站点", "department": str(department.pk)}, departments=[department]
    )

    assert form.is_valid(), form.errors
    assert form.values["summary"] == ""


def test_service_errors_land_on_their_fields(department):
    from kaifang.catalog.schema.validation import MetadataInvalid

    form = dataset_form({"title": "公交站点"})
    form.is_valid()

    form.add_service_errors(
        MetadataInvalid({"open_condition": ["请填写“开放条件”。"], "unknown": ["整体问题"]})
    )

    assert form.errors["open_condition"] == ["请填写“开放条件”。"]
    assert form.non_field_errors() == ["整体问题"]


def test_stored_values_round_trip_through_the_form(department):
    stored = {
        "title": "公交站点",
        "keywords": ["公交", "站点"],
        "open_method": ["download"],
        "fields": [{"name": "站点名称", "type": "C", "length": 100, "description": "站名"}],
        "related_codes": ["330000000001/000001"],
        "is_high_value": True,
        "is_realtime": False,
        "region": department.region,
        "temporal_start": "2024-01-01",
    }
    data = data_from_values(get_schema().editable_dataset_fields, stored)

    form = dataset_form(data)

    assert form.is_valid(), form.errors
    for key, value in stored.items():
        expected = value.pk if key == "region" else value
        assert form.values[key] == expected, key


def test_swapped_schema_adds_its_field_without_code_changes(swapped_schema, department):
    form = dataset_form(
        {"title": "公交站点", "department": str(department.pk), "data_steward": "王工"},
        departments=[department],
    )

    assert "数据管家" in str(form["data_steward"].label_tag())
    assert form["data_steward"].help_text == "负责本数据集质量的人员。"
    assert form.is_valid(), form.errors
    assert form.values["data_steward"] == "王工"
    sections = dict(form.groups())
    assert form["data_steward"].name in [bf.name for bf in sections["联系方式"]]


def test_swapped_schema_rules_apply_to_its_field(swapped_schema):
    form = dataset_form({"title": "公交站点", "data_steward": "王" * 21})

    assert not form.is_valid()
    assert form.errors["data_steward"] == ["“数据管家”不能超过 20 个字符（现有 21 个）。"]


def test_resource_form_needs_a_file_for_a_file_resource():
    form = ResourceForm({"title": "站点表", "kind": "file"})

    assert not form.is_valid()
    assert form.errors["file"] == ["文件资源请上传文件。"]


def test_resource_form_checks_the_link_of_a_link_resource():
    form = ResourceForm({"title": "站点地图", "kind": "link", "url": "ftp://example.org/x"})

    assert not form.is_valid()
    assert form.errors["url"] == ["“链接地址”不是有效的 http(s) 网址。"]


def test_resource_form_requires_its_required_fields():
    form = ResourceForm({"kind": "link"})

    assert not form.is_valid()
    assert form.errors["title"] == ["请填写“资源名称”。"]
    assert form.errors["url"] == ["请填写“链接地址”。"]
