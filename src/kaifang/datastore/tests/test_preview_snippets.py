"""The API tab's code: it must run as pasted — valid Python and JavaScript, a curl command a
shell splits into the right arguments — and address this site and this resource."""

from __future__ import annotations

import ast
import shlex
import shutil
import subprocess

import pytest

from kaifang.catalog.tests import factories
from kaifang.datastore import snippets
from kaifang.datastore.tests.tables import make_table

FIELDS = [{"id": "城市"}, {"id": "数量", "type": "integer"}, {"id": "备注 'x'"}]


@pytest.fixture
def table(department):
    return make_table(factories.make_dataset(department), [{"城市": "杭州", "数量": 1}], FIELDS)


def test_rows_and_aggregate_endpoints_use_the_site_domain(table, settings):
    # given
    settings.KAIFANG = {
        **settings.KAIFANG,
        "SITE": {**settings.KAIFANG["SITE"], "domain": "data.zj.gov.cn"},
    }
    # when
    rows, aggregate = snippets.endpoints(table.resource, table)
    # then
    root = f"https://data.zj.gov.cn/api/v1/resources/{table.resource.pk}"
    assert (rows.url, rows.params) == (f"{root}/rows", {"limit": "100"})
    assert (aggregate.url, aggregate.params) == (
        f"{root}/aggregate",
        {"group_by": "城市", "metrics": "count,sum:数量"},
    )


def test_curl_splits_into_the_intended_arguments(table):
    # when
    curl = snippets.endpoints(table.resource, table)[1].snippets[0].code
    # then
    url = f"https://data.example.gov.cn/api/v1/resources/{table.resource.pk}/aggregate"
    assert shlex.split(curl.replace("\\\n", " ")) == [
        "curl",
        "-G",
        url,
        "--data-urlencode",
        "group_by=城市",
        "--data-urlencode",
        "metrics=count,sum:数量",
    ]


def test_python_snippet_is_valid_python_with_the_parameters(table):
    # when
    code = snippets.endpoints(table.resource, table)[1].snippets[1].code
    # then
    tree = ast.parse(code)
    literals = [n for n in ast.walk(tree) if isinstance(n, ast.Dict)]
    params = next(d for d in literals if d.keys)
    assert [k.value for k in params.keys] == ["group_by", "metrics"]
    assert [v.value for v in params.values] == ["城市", "count,sum:数量"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to parse JavaScript")
def test_javascript_snippet_parses_as_a_module(table, tmp_path):
    # given
    code = snippets.endpoints(table.resource, table)[0].snippets[2].code
    path = tmp_path / "snippet.mjs"
    path.write_text(code, encoding="utf-8")
    # when
    node = shutil.which("node")
    checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)  # noqa: S603
    # then
    assert checked.returncode == 0, checked.stderr


def test_conditional_data_snippets_carry_a_token_header(department):
    # given
    dataset = factories.make_dataset(
        department, open_type="conditional", metadata={"open_condition": "实名申请"}
    )
    table = make_table(dataset, [], FIELDS)
    # when
    curl, python, javascript = snippets.endpoints(table.resource, table)[0].snippets
    # then
    assert "-H 'Authorization: Bearer <API令牌>'" in curl.code
    assert '{"Authorization": "Bearer <API令牌>"}' in python.code
    assert '{ headers: {"Authorization": "Bearer <API令牌>"} }' in javascript.code
