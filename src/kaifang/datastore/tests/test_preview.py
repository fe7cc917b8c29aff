"""The data preview on the dataset page and at /resources/<id>/preview: a page of rows that sorts,
filters and pages without JavaScript, the profile, charts, API snippets, and the visibility
gate in front of all of it."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.utils import timezone

from kaifang.catalog.models import AccessGrant, Resource, State
from kaifang.catalog.tests import factories
from kaifang.datastore.tests.tables import make_table

CITIES = ["杭州", "宁波", "温州"]
FIELDS = [
    {"id": "城市", "type": "text"},
    {"id": "数量", "type": "integer", "unit": "件"},
    {"id": "数值", "type": "float"},
    {"id": "备注", "type": "text"},
]


def _rows(n: int = 45) -> list[dict]:
    return [
        {
            "城市": CITIES[i % 3],
            "数量": i,
            "数值": i * 1.5,
            "备注": None if i % 5 == 0 else f"第{i}条记录",
        }
        for i in range(n)
    ]


PROFILE = {
    "城市": {
        "nulls": 0,
        "distinct": 3,
        "min": "宁波",
        "max": "温州",
        "top": [["杭州", 15], ["宁波", 15], ["温州", 15]],
    },
    "数量": {"nulls": 0, "distinct": 45, "min": 0, "max": 44, "top": [[0, 1]]},
    "数值": {"nulls": 0, "distinct": 45, "min": 0.0, "max": 66.0, "top": [[0.0, 1]]},
    "备注": {
        "nulls": 9,
        "distinct": 36,
        "min": "第11条记录",
        "max": "第9条记录",
        "top": [["第1条记录", 1]],
    },
}


def _table(dataset, rows=None, fields=FIELDS, profile=PROFILE, **kw):
    profile = {"columns": profile} if profile else {}
    table = make_table(dataset, _rows() if rows is None else rows, fields, **kw)
    table.profile = profile
    table.save(update_fields=["profile"])
    return table


def _html(response) -> str:
    return unescape(response.content.decode())


def _body_rows(html: str, table_id) -> list[list[str]]:
    """The cells of each body row of the preview table."""
    grid = html.split(f'id="grid-{table_id}"', 1)[1]
    body = grid.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def open_dataset(department):
    return factories.make_dataset(department, title="客流统计")


# The table


@pytest.mark.both_engines
def test_dataset_page_shows_the_first_20_rows_in_an_accessible_table(client, open_dataset):
    # given
    table = _table(open_dataset)
    # when
    response = client.get(f"/datasets/{open_dataset.name}/")
    # then
    html = _html(response)
    assert response.status_code == 200
    rows = _body_rows(html, table.pk)
    assert len(rows) == 20
    assert rows[0] == ["杭州", "0", "0.0", ""] and rows[1] == ["宁波", "1", "1.5", "第1条记录"]
    assert "<caption" in html and "共 45 行，第 1 / 3 页" in html
    assert '<th scope="col"' in html and "（件）" in html
    assert "datastore/preview.js" in html and "vendor/echarts.min.js" in html


@pytest.mark.both_engines
def test_sort_link_orders_the_rows_and_marks_the_column(client, open_dataset):
    # given
    table = _table(open_dataset)
    resource = table.resource
    # when
    response = client.get(f"/resources/{resource.pk}/preview?sort=数量&order=desc")
    # then
    html = _html(response)
    assert response.status_code == 200
    assert [r[1] for r in _body_rows(html, table.pk)][:3] == ["44", "43", "42"]
    header = re.search(r'<th scope="col" aria-sort="descending">\s*<a href="([^"]+)"', html)
    assert (
        header and "order=asc" in header.group(1) and "sort=%E6%95%B0%E9%87%8F" in header.group(1)
    )
    assert html.count("aria-sort=") == 1


def test_column_filter_and_search_narrow_the_rows(client, open_dataset):
    # given
    table = _table(open_dataset)
    url = f"/resources/{table.resource.pk}/preview"
    # when
    by_city = _html(client.get(url, {"col": "城市", "val": "温"}))
    by_number = _html(client.get(url, {"col": "数量", "val": "7"}))
    by_text = _html(client.get(url, {"q": "第1"}))
    # then
    assert {r[0] for r in _body_rows(by_city, table.pk)} == {"温州"}
    assert "共 15 行" in by_city
    assert _body_rows(by_number, table.pk) == [["宁波", "7", "10.5", "第7条记录"]]
    expected = sorted(["第1条记录"] + [f"第{i}条记录" for i in range(11, 20) if i != 15])
    assert sorted(r[3] for r in _body_rows(by_text, table.pk)) == expected


def test_page_links_work_without_javascript_and_keep_the_sort(client, open_dataset):
    # given
    table = _table(open_dataset)
    url = f"/resources/{table.resource.pk}/preview"
    first = _html(client.get(url, {"sort": "数量", "order": "desc"}))
    # when
    next_href = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    second = client.get(next_href)
    # then
    assert next_href.startswith(url + "?")
    assert [r[1] for r in _body_rows(_html(second), table.pk)][:2] == ["24", "23"]
    assert "<!DOCTYPE html>" in second.content.decode()  # a whole page without htmx


def test_htmx_gets_only_the_table_and_boost_stays_inside_it(client, open_dataset):
    # given
    table = _table(open_dataset)
    # when
    response = client.get(
        f"/resources/{table.resource.pk}/preview", {"page": "3"}, HTTP_HX_REQUEST="true"
    )
    page = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html and html.strip().startswith(
        f'<div class="dt-grid" id="grid-{table.pk}"'
    )
    assert len(_body_rows(html, table.pk)) == 5
    boosted = re.findall(r'<[^>]*hx-boost="true"[^>]*>', page)
    assert boosted and all('hx-target="this"' in tag for tag in boosted)
    assert all('hx-push-url="false"' in tag for tag in boosted)


@pytest.mark.parametrize(
    "query, named",
    [
        ({"sort": "不存在"}, "参数 sort：没有名为“不存在”的列"),
        ({"page": "0"}, "参数 page 应为"),
        ({"order": "sideways"}, "参数 order 应为 asc 或 desc"),
        ({"col": "数量", "val": "很多"}, "筛选值“很多”不是列“数量”的整数"),
        ({"table": "nope"}, "参数 table"),
    ],
)
def test_bad_parameters_get_a_chinese_message_not_a_500(client, open_dataset, query, named):
    # given
    table = _table(open_dataset)
    # when
    response = client.get(f"/resources/{table.resource.pk}/preview", query)
    # then
    assert response.status_code == 400
    assert named in _html(response)


def test_workbook_tables_are_offered_as_sheets(client, open_dataset):
    # given
    first = _table(open_dataset, sheet="2023年")
    second = _table(first.resource, rows=_rows(3), sheet="2024年")
    # when
    response = client.get(f"/resources/{first.resource.pk}/preview", {"table": str(second.pk)})
    # then
    html = _html(response)
    assert len(_body_rows(html, second.pk)) == 3
    assert '<span aria-current="true">2024年</span>' in html and ">2023年</a>" in html


# Profile, charts, API


@pytest.mark.both_engines
def test_profile_lists_nulls_distinct_range_and_top_values(client, open_dataset):
    # given
    _table(open_dataset)
    # when
    html = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    profile = html.split("dt-profile", 1)[1].split("</table>", 1)[0]
    row = re.search(r'<th scope="row">备注</th>(.*?)</tr>', profile, re.S).group(1)
    cells = [re.sub(r"<[^>]+>|\s+", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[:5] == ["文本", "9", "36", "第11条记录", "第9条记录"]
    assert "杭州" in profile and "(15)" in profile


def test_category_chart_is_embedded_as_json_with_a_table_of_its_numbers(client, open_dataset):
    # given
    table = _table(open_dataset)
    # when
    html = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    data_id = f"chart-{table.pk}-0-data"
    embedded = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html)
    spec = json.loads(embedded.group(1))
    assert spec["kind"] == "bar" and spec["points"] == [["杭州", 15], ["宁波", 15], ["温州", 15]]
    assert f'data-chart="{data_id}"' in html
    alt = html.split(f'data-chart="{data_id}"', 1)[1].split("</table>", 1)[0]
    assert "<caption>图表数据</caption>" in alt and '<td>温州</td><td class="num">15</td>' in alt


COORDINATE_FIELDS = [
    {"id": "名称", "type": "text"},
    {"id": "经度", "type": "float"},
    {"id": "纬度", "type": "float"},
]
PLACES = [
    {"名称": "西湖", "经度": 120.14, "纬度": 30.24},
    {"名称": "天一阁", "经度": 121.54, "纬度": 29.87},
    {"名称": "未定位", "经度": None, "纬度": None},
]


def _scatter(html: str) -> dict:
    for found in re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html):
        spec = json.loads(found)
        if spec["kind"] == "scatter":
            return spec
    raise AssertionError("no scatter chart")


def test_coordinates_get_a_scatter_without_tiles_unless_the_deployment_sets_them(
    client, open_dataset, settings
):
    # given
    _table(open_dataset, rows=PLACES, fields=COORDINATE_FIELDS, profile={})
    url = f"/datasets/{open_dataset.name}/"
    # when
    plain = _scatter(_html(client.get(url)))
    settings.KAIFANG = {**settings.KAIFANG, "MAP_TILES": "https://tiles.example.cn/{z}/{x}/{y}.png"}
    tiled = _scatter(_html(client.get(url)))
    # then
    assert plain["points"] == [[120.14, 30.24], [121.54, 29.87]] and plain["tiles"] == ""
    assert tiled["tiles"] == "https://tiles.example.cn/{z}/{x}/{y}.png"


def test_api_tab_has_snippets_with_the_site_domain_and_the_resource(client, open_dataset):
    # given
    table = _table(open_dataset)
    # when
    html = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    rows_url = f"https://data.example.gov.cn/api/v1/resources/{table.resource.pk}/rows"
    assert f"curl -G {rows_url}" in html
    assert "urllib.request.urlopen" in html and "await fetch(" in html
    assert "--data-urlencode 'group_by=城市'" in html
    assert "--data-urlencode 'metrics=count,sum:数量'" in html


def test_api_resources_show_their_parameters_and_sample_response(client, open_dataset):
    # given
    factories.make_link_resource(
        open_dataset,
        kind=Resource.Kind.API,
        url="https://api.example.gov.cn/bus",
        metadata={
            "api_parameters": "line：线路编号，必填",
            "api_sample": '{"line": "B1", "stops": 12}',
        },
    )
    # when
    html = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    assert "接口参数说明" in html and "line：线路编号，必填" in html
    assert "示例响应" in html and '"stops": 12' in html


# Visibility


def test_invisible_datasets_preview_is_404(client, department, citizen):
    # given
    private = factories.make_dataset(department, is_private=True)
    draft = factories.make_dataset(department, state=State.DRAFT)
    tables = [_table(private), _table(draft)]
    client.force_login(citizen)
    # then
    for table in tables:
        assert client.get(f"/resources/{table.resource.pk}/preview").status_code == 404
        assert client.get(f"/resources/{table.resource.pk}/chart").status_code == 404


def test_conditional_data_asks_for_an_application_instead_of_rows(client, department, citizen):
    # given
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "实名申请"}
    )
    table = _table(dataset)
    client.force_login(citizen)
    # when
    page = _html(client.get(f"/datasets/{dataset.name}/"))
    preview = client.get(f"/resources/{table.resource.pk}/preview")
    # then
    assert "需申请" in page and "杭州" not in page and "dt-profile" not in page
    assert "application/json" not in page
    assert preview.status_code == 403 and "需申请" in _html(preview)
    assert "第1条记录" not in _html(preview)


def test_a_grant_opens_the_preview_of_conditional_data(client, department, citizen):
    # given
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "实名申请"}
    )
    table = _table(dataset)
    AccessGrant.objects.create(dataset=dataset, user=citizen, expires_at=None)
    client.force_login(citizen)
    # when
    response = client.get(f"/resources/{table.resource.pk}/preview")
    # then
    assert response.status_code == 200
    assert len(_body_rows(_html(response), table.pk)) == 20
    assert "Authorization: Bearer" in _html(response)  # its snippets need a token


def test_members_preview_their_unpublished_dataset(client, department, publisher):
    # given
    draft = factories.make_dataset(department, state=State.DRAFT)
    table = _table(draft)
    client.force_login(publisher)
    # then
    assert client.get(f"/resources/{table.resource.pk}/preview").status_code == 200


def test_only_ready_tables_of_the_current_version_are_shown(client, open_dataset):
    # given
    table = _table(open_dataset, status="running")
    # then
    assert 'class="dt-grid"' not in _html(client.get(f"/datasets/{open_dataset.name}/"))
    assert client.get(f"/resources/{table.resource.pk}/preview").status_code == 404


def test_dataset_page_with_previews_keeps_a_query_budget(
    client, open_dataset, django_assert_max_num_queries
):
    # given
    for _n in range(3):
        _table(open_dataset)
    # then
    with django_assert_max_num_queries(9):
        assert client.get(f"/datasets/{open_dataset.name}/").status_code == 200


def test_expired_grant_does_not_open_the_preview(client, department, citizen):
    # given
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "实名申请"}
    )
    table = _table(dataset)
    AccessGrant.objects.create(
        dataset=dataset, user=citizen, expires_at=timezone.now() - timezone.timedelta(days=1)
    )
    client.force_login(citizen)
    # then
    assert client.get(f"/resources/{table.resource.pk}/preview").status_code == 403


# Time series and the chart builder (through the aggregate query)

DATED_FIELDS = [
    {"id": "日期", "type": "date"},
    {"id": "城市", "type": "text"},
    {"id": "数量", "type": "integer"},
]
DATED_ROWS = [
    {"日期": "2024-01-05", "城市": "杭州", "数量": 3},
    {"日期": "2024-01-20", "城市": "宁波", "数量": 4},
    {"日期": "2024-06-02", "城市": "杭州", "数量": 10},
    {"日期": None, "城市": "温州", "数量": 1},
]
DATED_PROFILE = {"日期": {"nulls": 1, "distinct": 3, "min": "2024-01-05", "max": "2024-06-02"}}


def _charts(html: str) -> list[dict]:
    found = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html)
    return [json.loads(f) for f in found]


def test_date_column_gets_a_monthly_time_series(client, open_dataset):
    # given
    _table(open_dataset, rows=DATED_ROWS, fields=DATED_FIELDS, profile=DATED_PROFILE)
    # when
    html = _html(client.get(f"/datasets/{open_dataset.name}/"))
    # then
    line = next(c for c in _charts(html) if c["kind"] == "line")
    assert line["points"] == [["2024-01-01", 2], ["2024-06-01", 1]]
    assert line["title"] == "按“日期”（每月）计数"


def test_builder_draws_the_chart_its_url_describes(client, open_dataset):
    # given
    table = _table(open_dataset, rows=DATED_ROWS, fields=DATED_FIELDS, profile=DATED_PROFILE)
    url = f"/resources/{table.resource.pk}/chart"
    # when
    page = client.get(url, {"x": "城市", "agg": "sum", "y": "数量"})
    fragment = client.get(url, {"x": "城市", "agg": "sum", "y": "数量"}, HTTP_HX_REQUEST="true")
    # then
    html = _html(page)
    assert page.status_code == 200 and "<!DOCTYPE html>" in page.content.decode()
    built = json.loads(
        re.search(
            rf'<script id="cb-{table.pk}-0-data" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert built["kind"] == "bar"
    assert built["points"] == [["杭州", 13], ["宁波", 4], ["温州", 1]]
    assert built["y_label"] == "数量（合计）"
    assert '<option value="sum" selected>' in html
    share = re.search(r'<a href="([^"]+)" hx-boost="false">分享此图表的链接</a>', html).group(1)
    assert share.startswith(url + "?") and "agg=sum" in share
    assert _html(fragment).strip().startswith(f'<div class="dt-builder" id="builder-{table.pk}"')


def test_builder_over_a_date_column_buckets_it(client, open_dataset):
    # given
    table = _table(open_dataset, rows=DATED_ROWS, fields=DATED_FIELDS, profile=DATED_PROFILE)
    # when
    html = _html(
        client.get(
            f"/resources/{table.resource.pk}/chart", {"x": "日期", "agg": "max", "y": "数量"}
        )
    )
    # then
    built = next(c for c in _charts(html) if c["title"].startswith("数量（最大值）"))
    assert built["kind"] == "line" and built["points"] == [["2024-01-01", 4], ["2024-06-01", 10]]


def test_builder_bad_state_is_a_400_with_the_message(client, open_dataset):
    # given
    table = _table(open_dataset, rows=DATED_ROWS, fields=DATED_FIELDS, profile=DATED_PROFILE)
    # when
    response = client.get(f"/resources/{table.resource.pk}/chart", {"x": "城市", "agg": "sum"})
    # then
    assert response.status_code == 400
    assert "参数 y：sum 需要一个数值列" in _html(response)


def test_the_dataset_page_keeps_a_preview_and_shows_it_again_without_querying_the_data(
    client, open_dataset, monkeypatch
):
    from kaifang.datastore import views

    _table(open_dataset)
    first = _html(client.get(f"/datasets/{open_dataset.name}/"))

    def no_query(*args, **kwargs):
        raise AssertionError("the default preview of an immutable table is computed once")

    monkeypatch.setattr(views, "preview_context", no_query)
    again = _html(client.get(f"/datasets/{open_dataset.name}/"))

    assert 'class="dt-grid"' in first
    assert 'class="dt-grid"' in again


def test_a_missing_data_file_leaves_the_dataset_page_working(client, open_dataset):
    from kaifang.datastore.engines.base import get_engine

    table = _table(open_dataset)
    get_engine().data_file(table).unlink()

    page = client.get(f"/datasets/{open_dataset.name}/")

    assert page.status_code == 200
    assert "数据文件不存在" in _html(page)
