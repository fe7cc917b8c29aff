"""Schema-driven validation through the services: each problem is a Chinese message on the field
at fault."""

from __future__ import annotations

import pytest

from kaifang.catalog import services
from kaifang.catalog.models import State
from kaifang.catalog.schema.validation import MetadataInvalid
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, dataset_data


def _errors_on_create(department, publisher, **overrides) -> dict[str, list[str]]:
    with pytest.raises(MetadataInvalid) as refused:
        services.create_dataset(
            act(publisher), department=department, data=dataset_data(**overrides)
        )
    return refused.value.errors


def test_missing_required_field_is_named_on_submission(department, publisher):
    dataset = services.create_dataset(
        act(publisher), department=department, data=dataset_data(licence="")
    )

    with pytest.raises(MetadataInvalid) as refused:
        services.submit_for_review(act(publisher), dataset)

    assert refused.value.errors == {"licence": ["请填写“使用要求”。"]}
    assert "请填写“使用要求”。" in refused.value.message


def test_value_outside_its_code_list(department, publisher):
    errors = _errors_on_create(department, publisher, domain="99x", update_frequency="hourly")

    assert errors == {
        "domain": ["“领域”的值“99x”不在代码表“领域”中。"],
        "update_frequency": ["“更新周期”的值“hourly”不在代码表“更新周期”中。"],
    }


def test_bad_date(department, publisher):
    errors = _errors_on_create(department, publisher, temporal_start="2024-13-01")

    assert errors == {
        "temporal_start": ["“时间范围起”“2024-13-01”不是有效日期，请用 YYYY-MM-DD 格式。"]
    }


def test_end_before_start(department, publisher):
    errors = _errors_on_create(
        department, publisher, temporal_start="2024-05-01", temporal_end="2024-01-01"
    )

    assert errors == {"temporal_end": ["“时间范围止”不能早于起始日期。"]}


def test_conditional_dataset_needs_its_conditions(department, publisher):
    dataset = services.create_dataset(
        act(publisher), department=department, data=dataset_data(open_type="conditional")
    )

    with pytest.raises(MetadataInvalid) as refused:
        services.submit_for_review(act(publisher), dataset)
    services.update_dataset(act(publisher), dataset, {"open_condition": "实名认证并签署协议"})
    services.submit_for_review(act(publisher), dataset)

    assert refused.value.errors == {"open_condition": ["请填写“开放条件”。"]}
    assert dataset.state == State.IN_REVIEW


def test_drafts_keep_partial_values_but_not_wrong_ones(department, publisher):
    dataset = services.create_dataset(
        act(publisher), department=department, data={"title": "草稿", "summary": ""}
    )

    with pytest.raises(MetadataInvalid) as refused:
        services.update_dataset(act(publisher), dataset, {"contact_email": "不是邮箱"})

    assert dataset.state == State.DRAFT
    assert refused.value.errors == {"contact_email": ["“联系邮箱”不是有效的电子邮箱地址。"]}


def test_a_draft_needs_a_title(department, publisher):
    with pytest.raises(MetadataInvalid) as refused:
        services.create_dataset(act(publisher), department=department, data={"summary": "无题"})

    assert refused.value.errors == {"title": ["请填写“信息资源名称”。"]}


def test_unknown_department_and_region(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(MetadataInvalid) as refused:
        services.update_dataset(
            act(publisher), dataset, {"department": "no-such-dept", "region": "999999"}
        )

    assert refused.value.errors == {
        "department": ["“开放部门”中的“no-such-dept”不存在。"],
        "region": ["“行政区划”中的“999999”不存在。"],
    }


def test_region_by_code(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    services.update_dataset(act(publisher), dataset, {"region": "330100"})

    assert dataset.region.code == "330100"


def test_moving_to_another_department_needs_a_role_there(department, other_department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    from kaifang.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.update_dataset(act(publisher), dataset, {"department": other_department.name})


def test_identifier_is_unique(department, publisher):
    factories.make_dataset(department, identifier="330000000001/000001")

    errors = _errors_on_create(department, publisher)

    assert errors == {"identifier": ["“信息资源代码”“330000000001/000001”已被其他数据集使用。"]}


def test_identifier_follows_its_pattern(department, publisher):
    errors = _errors_on_create(department, publisher, identifier="ABC-1")

    assert errors == {
        "identifier": ["“信息资源代码”格式应为“分类码/顺序码”，如 112461465423/000001。"]
    }


def test_identifier_never_changes_once_published(department, publisher):
    dataset = factories.make_dataset(department, identifier="330000000001/000009")

    with pytest.raises(MetadataInvalid) as refused:
        services.update_dataset(act(publisher), dataset, {"identifier": "330000000001/000010"})

    assert refused.value.errors == {"identifier": ["“信息资源代码”一经发布不再改变。"]}


def test_fields_of_a_spreadsheet_are_required(department, publisher):
    dataset = services.create_dataset(
        act(publisher), department=department, data=dataset_data(fields=[])
    )

    with pytest.raises(MetadataInvalid) as refused:
        services.submit_for_review(act(publisher), dataset)

    assert refused.value.errors == {"fields": ["请填写“信息项”。"]}


def test_revision_is_checked_in_full_on_submission(department, publisher):
    dataset = factories.make_dataset(department)
    revision = services.update_dataset(act(publisher), dataset, {"summary": ""})

    with pytest.raises(MetadataInvalid) as refused:
        services.submit_revision(act(publisher), revision)

    assert refused.value.errors == {"summary": ["请填写“信息资源摘要”。"]}
