"""Harvesting catalogs in the national catalog-guide layout: our own catalog spreadsheet (XLSX)
served at a URL recreating its datasets; a JSON export with compound elements as objects, rows
of one dataset grouped by 信息资源代码 and a bad row failing its dataset only; and the sharing
platform's export, of which only the entries open to society are taken, the others counted, and
an entry no longer open withdrawn."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from kaifang.catalog.models import Dataset, Resource, State
from kaifang.core.audit import Actor
from kaifang.harvest.models import HarvestJob, HarvestSource
from kaifang.harvest.services import run_harvest
from kaifang.harvest.tests.test_dcat_source import comparable, counts, our_datasets
from kaifang.interop.catalog_xlsx.export import write_xlsx

SYSTEM = Actor.system("test")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def entry(n: int, **cells) -> dict:
    """One resource entry of a city's export, as JSON with the guide's element names."""
    found = {
        "信息资源分类": "部门信息资源",
        "信息资源名称": f"城市数据集{n}",
        "信息资源代码": f"330100000{n:03d}/{n:06d}",
        "信息资源提供方": "杭州市交通运输局",
        "信息资源提供方代码": "11330100MB0000001X",
        "信息资源摘要": f"城市数据集{n}的摘要。",
        "信息资源格式": "电子表格",
        "信息项信息": [{"名称": "线路", "类型": "字符型", "长度": 20}],
        "共享属性": {"共享类型": "无条件共享"},
        "开放属性": {"开放类型": "无条件开放"},
        "开放方式": "数据下载",
        "使用要求": "知识共享署名 4.0",
        "更新周期": "每月",
        "数据领域": "交通运输",
        "关键字": ["公交", f"线路{n}"],
        "所属系统名称": "城市公交系统",  # a province's extension: not a column of ours
        "资源名称": f"线路表{n}",
        "资源类型": "文件",
        "资源格式": "CSV",
        "在线资源链接地址": f"https://city.example.org/files/{n}.csv",
    }
    found.update(cells)
    return found


def sheet_source(url: str, department, kind: str = "catalog_sheet", **kw) -> HarvestSource:
    fields = {
        "name": f"city-{kind}".replace("_", "-"),
        "title": "杭州市目录",
        "type": kind,
        "url": url,
        "trusted": True,
        "department_map": {"杭州市交通运输局": department.name},
    }
    fields.update(kw)
    return HarvestSource.objects.create(**fields)


def serve(documents, entries: list[dict]) -> str:
    body = json.dumps({"data": entries}, ensure_ascii=False)
    return documents.put("/catalog.json", body, "application/json; charset=utf-8")


def test_our_catalog_spreadsheet_at_a_url_recreates_its_datasets(documents, department, tmp_path):
    originals = our_datasets(department)
    expected = {d.identifier: comparable(d) for d in originals}
    path = tmp_path / "目录.xlsx"
    write_xlsx(Dataset.objects.all(), path, lambda resource: resource.url)
    url = documents.put("/catalog.xlsx", path.read_bytes(), XLSX)
    Dataset.objects.all().delete()
    source = sheet_source(url, department, department_map={department.title: department.name})

    job = run_harvest(SYSTEM, source, full=True)

    assert job.status == HarvestJob.Status.DONE, job.report
    assert counts(job) == (3, 0, 0, 0, 0), job.report["failures"]
    assert {d.identifier: comparable(d) for d in Dataset.objects.all()} == expected


def test_a_json_export_is_grouped_by_code_and_a_bad_row_fails_its_dataset_only(
    documents, department
):
    second_file = entry(1, 资源名称="线路表1（接口）", 资源类型="接口", 资源格式="API")
    second_file["在线资源链接地址"] = "https://city.example.org/api/1"
    bad = entry(2, 更新周期="每两天")
    url = serve(documents, [entry(1), bad, second_file, entry(3)])

    job = run_harvest(SYSTEM, sheet_source(url, department), full=True)

    assert counts(job) == (2, 0, 0, 0, 1)
    failure = job.report["failures"][0]
    assert failure["id"] == "330100000002/000002"
    assert failure["reason"].startswith("第 2 条“更新周期”：“每两天”不在代码表中")
    one = Dataset.objects.get(identifier="330100000001/000001")
    assert (one.department, one.domain, one.update_frequency, one.state) == (
        department,
        "6",
        "monthly",
        State.PUBLISHED,
    )
    assert one.metadata["fields"] == [{"name": "线路", "type": "C", "length": 20}]
    assert sorted(one.resources.values_list("kind", "url")) == [
        (Resource.Kind.API, "https://city.example.org/api/1"),
        (Resource.Kind.LINK, "https://city.example.org/files/1.csv"),
    ]


def test_an_entry_without_a_code_or_a_link_fails_with_its_row(documents, department):
    nameless = entry(2)
    del nameless["信息资源代码"]
    linkless = entry(3, 在线资源链接地址="")
    url = serve(documents, [entry(1), nameless, linkless])

    job = run_harvest(SYSTEM, sheet_source(url, department), full=True)

    assert counts(job) == (1, 0, 0, 0, 2)
    reasons = [f["reason"] for f in job.report["failures"]]
    assert reasons == [
        "第 2 条：请填写“信息资源代码”。",
        "第 3 条：资源“线路表3”没有在线资源链接地址，无法登记为链接。",
    ]


def test_a_file_that_is_neither_xlsx_nor_json_fails_the_job(documents, department):
    url = documents.put("/catalog.html", "<html>维护中</html>", "text/html")

    job = run_harvest(SYSTEM, sheet_source(url, department), full=True)

    assert job.status == HarvestJob.Status.FAILED
    assert "既不是 XLSX 表格也不是 JSON" in job.report["error"]


# the sharing platform ----------------------------------------------------------------------


def test_only_entries_open_to_society_come_from_the_sharing_platform(documents, department):
    conditional = entry(2, 开放属性={"开放类型": "有条件开放", "开放条件": "仅限科研用途。"})
    closed = entry(3, 开放属性={"开放类型": "不予开放"})
    flagged = entry(4, 开放属性={}, 是否向社会开放="是", 开放类型="无条件开放")
    unflagged = entry(5, 开放属性={}, 是否向社会开放="否")
    url = serve(documents, [entry(1), conditional, closed, flagged, unflagged])
    source = sheet_source(url, department, kind="sharing")

    job = run_harvest(SYSTEM, source, full=True)

    assert counts(job) == (3, 0, 0, 0, 0), job.report["failures"]
    assert job.report["skipped"]["count"] == 2
    assert sorted(Dataset.objects.values_list("identifier", "open_type")) == [
        ("330100000001/000001", "open"),
        ("330100000002/000002", "conditional"),
        ("330100000004/000004", "open"),
    ]


def test_an_entry_no_longer_open_is_withdrawn_on_the_next_run(documents, department):
    source = sheet_source(serve(documents, [entry(1), entry(2)]), department, kind="sharing")
    run_harvest(SYSTEM, source, full=True)
    serve(documents, [entry(1), entry(2, 开放属性={"开放类型": "不予开放"})])

    job = run_harvest(SYSTEM, source)  # an incremental run withdraws it too

    assert counts(job) == (0, 0, 1, 1, 0)
    assert job.report["skipped"]["count"] == 0
    gone = Dataset.objects.get(identifier="330100000002/000002")
    assert gone.state == State.WITHDRAWN


def test_the_command_prints_how_many_entries_the_sharing_platform_left_out(documents, department):
    url = serve(documents, [entry(1), entry(2, 开放属性={"开放类型": "不予开放"})])
    sheet_source(url, department, kind="sharing")
    out = io.StringIO()

    call_command("harvest", "city-sharing", stdout=out, stderr=io.StringIO())

    lines = out.getvalue().splitlines()
    assert lines[0] == "新增 1，更新 0，未变 0，下线 0，失败 0"
    assert lines[1] == "跳过 1：共享平台未标记为向社会开放，未采集。"
