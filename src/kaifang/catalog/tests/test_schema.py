import pytest

from kaifang.catalog.schema import SchemaError, get_schema, parse_schema
from kaifang.catalog.schema.validation import validate
from kaifang.catalog.tests.factories import complete_metadata

pytestmark = pytest.mark.engine_independent


def _complete():
    return {
        "title": "公交站点",
        "identifier": "112461465423/000001",
        "summary": "全市公交站点。",
        "department": "jiaotong",
        "domain": "6",
        "open_type": "open",
        "update_frequency": "monthly",
        **complete_metadata(),
    }


def test_default_schema_carries_the_guide_s_core_elements_and_the_plan_s_items():
    guide = {f.guide for f in get_schema().dataset_fields}

    for element in [
        "信息资源名称",
        "信息资源代码",
        "信息资源摘要",
        "信息资源提供方代码",
        "信息资源格式",
        "信息项信息",
        "共享属性",
        "更新周期",
        "发布日期",
        "关联资源代码",
        "信息资源分类",
        "开放方式",
        "使用要求",
        "更新时限",
        "开放条件",
    ]:
        assert any(element in g for g in guide), element


def test_a_complete_dataset_validates():
    cleaned, errors = validate(get_schema().dataset_fields, _complete())

    assert errors == {}
    assert cleaned["open_method"] == ["download"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"summary": ""}, "summary", "请填写“信息资源摘要”。"),
        ({"domain": "42"}, "domain", "“领域”的值“42”不在代码表“领域”中。"),
        (
            {"temporal_start": "2024-02-30"},
            "temporal_start",
            "“时间范围起”“2024-02-30”不是有效日期，请用 YYYY-MM-DD 格式。",
        ),
        ({"open_type": "conditional"}, "open_condition", "请填写“开放条件”。"),
        (
            {"identifier": "ABC"},
            "identifier",
            "“信息资源代码”格式应为“分类码/顺序码”，如 112461465423/000001。",
        ),
        ({"format_class": "2", "fields": []}, "fields", "请填写“信息项”。"),
        ({"contact_email": "not-mail"}, "contact_email", "“联系邮箱”不是有效的电子邮箱地址。"),
    ],
)
def test_each_bad_value_gets_a_field_level_chinese_message(change, field, message):
    _, errors = validate(get_schema().dataset_fields, {**_complete(), **change})

    assert errors == {field: [message]}


def test_a_draft_may_miss_required_values_but_not_carry_bad_ones():
    _, missing = validate(get_schema().dataset_fields, {"title": "草稿"}, require=False)
    _, bad = validate(get_schema().dataset_fields, {"domain": "x"}, require=False)

    assert missing == {}
    assert list(bad) == ["domain"]


def test_fields_text_is_parsed_one_field_per_line():
    cleaned, errors = validate(
        get_schema().dataset_fields,
        {**_complete(), "fields": "站点名称,C,100,公交站名\n经度,N,12\n"},
    )

    assert errors == {}
    assert cleaned["fields"] == [
        {"name": "站点名称", "type": "C", "length": 100, "description": "公交站名"},
        {"name": "经度", "type": "N", "length": 12},
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("dataset: [{key: x, type: nope}]", "unknown type 'nope'"),
        ("dataset: [{key: x, type: code}]", "needs a codelist"),
        ("dataset: [{key: x, type: code, codelist: nothing}]", "no code list named"),
        ("dataset: [{key: 'bad key', type: text}]", "identifier"),
        ("dataset: [{key: title, type: text}, {key: title, type: text}]", "declared twice"),
        ("nothing: here", "needs a `dataset` list"),
        ("dataset: [{key: colour, type: text, column: true}]", "no such column"),
    ],
)
def test_a_broken_schema_file_says_what_is_wrong(text, problem):
    with pytest.raises(SchemaError, match=problem.replace("[", r"\[")):
        parse_schema(text, "custom.yaml")


def test_a_minimal_schema_without_groups_puts_fields_in_one_group():
    schema = parse_schema("dataset: [{key: title, type: text, column: true}]", "mini.yaml")

    [(group, fields)] = schema.dataset_groups()
    assert group.key == "basic"
    assert [f.key for f in fields] == ["title"]
