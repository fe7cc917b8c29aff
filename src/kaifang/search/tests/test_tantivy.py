"""The tantivy backend beyond the shared contract: Chinese queries (words inside words,
synonyms, pinyin and initials, traditional characters, one character, codes), exact titles
first, highlights, the index on disk kept current from the change log — a withdrawn dataset
gone from the very next search before the follower applies it, an incremental index equal to
a rebuilt one, one writer per index, a follower and two searchers at once — and the database
answering when the index is missing or far behind."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from kaifang.analytics.models import ResourceDailyCount
from kaifang.analytics.services import today
from kaifang.catalog import services
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, dataset_data
from kaifang.core.audit import Actor
from kaifang.search.backends import tantivy as backend_module
from kaifang.search.backends import tantivy_index as ti
from kaifang.search.backends.base import SearchParams
from kaifang.search.backends.tantivy import TantivySearchBackend
from kaifang.search.models import SearchChange


def _search(user=None, backend=None, **params):
    backend = backend or TantivySearchBackend()
    return backend.search(SearchParams(**params), user or AnonymousUser())


def _titles(result) -> list[str]:
    return [d.title for d in result.results]


def _facet(result, name) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


# --- Chinese queries ------------------------------------------------------------------------


@pytest.fixture
def chinese(department, other_department):
    def make(title, summary, domain, dept=other_department):
        return factories.make_dataset(dept, title=title, summary=summary, domain=domain)

    return {
        "bus": make("公共交通客流统计", "全省公共汽车客流。", "6", department),
        "roads": make("道路交通事故统计", "事故起数与伤亡。", "4", department),
        "hospitals": make("全省医院名录", "医院名称与等级。", "2"),
        "reservoirs": make("水库名录", "大中型水库。", "9"),
        "water": make("饮用水源水质监测", "水源地水质。", "10"),
        "air": make("空气质量小时数据", "PM2.5、PM10 与 AQI 小时值。", "10"),
        "credit": make("企业信用评价", "信用等级。", "1"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("交通", {"公共交通客流统计", "道路交通事故统计"}),  # a word inside a longer one
        ("公交", {"公共交通客流统计"}),  # through the synonym 公共交通
        ("jiaotong", {"公共交通客流统计", "道路交通事故统计"}),  # full pinyin
        ("jt", {"公共交通客流统计", "道路交通事故统计"}),  # initials
        ("醫院", {"全省医院名录"}),  # traditional characters
        ("水", {"水库名录", "饮用水源水质监测"}),  # one character
        ("PM2.5", {"空气质量小时数据"}),  # a code with its dot
        ("ｐｍ２．５", {"空气质量小时数据"}),  # full-width
    ],
)
def test_chinese_queries(chinese, q, expected):
    assert set(_titles(_search(q=q))) >= expected


def test_unrelated_datasets_stay_out(chinese):
    assert "企业信用评价" not in _titles(_search(q="交通"))
    assert _search(q="交通 医院").count == 0


def test_an_exact_title_comes_first(department):
    factories.make_dataset(department, title="水库名录汇总", summary="水库名录 水库名录 水库名录")
    factories.make_dataset(department, title="水库名录")

    assert _titles(_search(q="水库名录"))[0] == "水库名录"


def test_title_matches_rank_above_summary_matches(department):
    factories.make_dataset(department, title="统计年鉴", summary="含公交客运量。", download_count=9)
    factories.make_dataset(department, title="公交客运量")

    assert _titles(_search(q="公交"))[0] == "公交客运量"


def test_highlights_mark_the_words_found_and_escape_the_rest(department):
    dataset = factories.make_dataset(
        department, title="<b>公交</b>站点", summary="全省公交站点名称与坐标。"
    )

    result = _search(q="公交")

    marked = result.highlights[str(dataset.pk)]
    assert marked["title"] == "&lt;b&gt;<mark>公交</mark>&lt;/b&gt;站点"
    assert marked["summary"] == "全省<mark>公交</mark>站点名称与坐标。"


def test_the_list_page_shows_the_highlights(client, department):
    factories.make_dataset(department, title="公交站点", summary="全省公交站点。")

    response = client.get("/datasets/?q=公交")

    html = response.content.decode()
    assert "<mark>公交</mark>站点</a>" in html
    assert "全省<mark>公交</mark>站点。" in html


def test_information_items_sample_values_and_region_names_are_searched(department):
    from kaifang.datastore.models import DatastoreTable
    from kaifang.search.tests.sample import add_file

    dataset = factories.make_dataset(
        department,
        title="站点表",
        metadata={"fields": [{"name": "候车亭", "type": "C", "description": "是否有候车亭"}]},
    )
    resource = add_file(dataset, b"a,b\n1,2\n", "t.csv", "CSV")
    DatastoreTable.objects.create(
        version=resource.current_version,
        resource=resource,
        status=DatastoreTable.Status.READY,
        fields=[
            {"id": "quxian", "type": "text", "label": "所在区县", "description": "站点所在区县"},
            {"id": "bianhao", "type": "integer", "label": "站点编号", "description": ""},
        ],
        profile={"columns": {"quxian": {"top": [["拱墅区", 40], ["余杭区", 30]]}}},
    )

    for q in ("候车亭", "所在区县", "拱墅区", "站点编号", "浙江"):
        assert _titles(_search(q=q)) == ["站点表"], q
    assert _search(has_api="true").count == 1  # the rows API serves the ready table


# --- the index on disk and the change log ---------------------------------------------------


@pytest.fixture
def on_disk(department, publisher, search_index):
    """Two published datasets of the publisher's department, indexed on disk; searches then
    read that index as in production, with no follower running."""
    kept = factories.make_dataset(department, title="公交站点", domain="6")
    gone = factories.make_dataset(department, title="公交线路", domain="6")
    search_index()
    return kept, gone


def test_a_withdrawn_dataset_is_gone_from_the_very_next_search(on_disk, publisher):
    _kept, gone = on_disk
    assert _search(q="公交").count == 2

    services.withdraw(act(publisher), gone, "数据有误")  # the follower has not run

    result = _search(q="公交")
    assert _titles(result) == ["公交站点"]
    assert result.count == 1
    assert _facet(result, "domain")["6"] == 1
    assert _facet(result, "department") == {"jiaotong": 1}
    assert result.pending == 1  # left out by the change log, not by the index


def test_once_applied_the_change_is_in_the_index_itself(on_disk, publisher):
    _kept, gone = on_disk
    services.withdraw(act(publisher), gone, "数据有误")

    writer = ti.Writer()
    applied = writer.apply_all()
    writer.close()

    result = _search(q="公交")
    assert applied == 1
    assert (_titles(result), result.pending) == (["公交站点"], 0)


def test_a_newly_published_dataset_appears_once_applied(on_disk, department, publisher, reviewer):
    dataset = services.create_dataset(
        act(publisher), department=department, data=dataset_data(title="公交客流")
    )
    services.submit_for_review(act(publisher), dataset)
    services.approve(act(reviewer), dataset)
    assert "公交客流" not in _titles(_search(q="公交"))  # left out until the index has it

    writer = ti.Writer()
    writer.apply_all()
    writer.close()

    assert "公交客流" in _titles(_search(q="公交"))


def test_searches_can_apply_the_log_themselves(on_disk, publisher, settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "search"}
    _kept, gone = on_disk

    services.withdraw(act(publisher), gone, "数据有误")
    result = _search(q="公交")

    assert (_titles(result), result.pending) == (["公交站点"], 0)


def _answers(backend) -> list:
    """What searches find: hits in order, counts and every facet, for a few queries."""
    answers = []
    for params in ({}, {"q": "公交"}, {"q": "站点"}, {"q": "jt"}, {"sort": "title"}):
        result = _search(backend=backend, limit=100, **params)
        facets = {
            name: [(v.value, v.count) for v in values] for name, values in result.facets.items()
        }
        answers.append((_titles(result), result.count, facets))
    return answers


def test_an_index_kept_current_equals_one_rebuilt(
    on_disk, department, publisher, reviewer, platform_admin
):
    from kaifang.organizations.services import save_department

    # given changes of every kind after the index was built
    kept, gone = on_disk
    services.withdraw(act(publisher), gone, "数据有误")
    new = services.create_dataset(
        act(publisher), department=department, data=dataset_data(title="交通站点")
    )
    services.submit_for_review(act(publisher), new)
    services.approve(act(reviewer), new)
    revision = services.update_dataset(act(publisher), kept, {"title": "公交站点位置"})
    services.submit_revision(act(publisher), revision)
    services.approve_revision(act(reviewer), revision)
    department.title = "省交通厅"
    save_department(Actor.for_user(platform_admin), department, changed=["title"])
    # when the log is applied to the old index
    writer = ti.Writer()
    writer.apply_all()
    writer.close()
    incremental = _answers(TantivySearchBackend())
    # then it answers as a fresh rebuild does
    ti.rebuild()
    assert _answers(TantivySearchBackend()) == incremental
    assert "公交站点位置" in incremental[1][0] and "公交线路" not in incremental[1][0]


def test_one_writer_per_index(on_disk):
    first = ti.Writer()
    try:
        with pytest.raises(ti.IndexBusy):
            ti.Writer()
    finally:
        first.close()
    ti.Writer().close()  # free again


def test_a_second_follower_waits_for_the_writer(on_disk, publisher, monkeypatch):
    monkeypatch.setattr(ti, "BUSY_RETRY_SECONDS", 0.05)
    said: list[str] = []
    holder = ti.Writer()
    stop = threading.Event()
    follower = ti.Follower(ti.index_root(), interval=0.02, stop=stop, log=said.append)
    thread = threading.Thread(target=follower.run)
    thread.start()
    try:
        _wait(lambda: any("另有进程" in m for m in said))
        holder.close()  # the first writer stops; the waiting follower takes over
        _wait(_follower_holds_writer)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def _follower_holds_writer() -> bool:
    try:
        ti.Writer().close()
    except ti.IndexBusy:
        return True
    return False


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_without_an_index_the_database_answers(department, settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "follower"}
    factories.make_dataset(department, title="公交站点")

    result = _search(q="公交")

    assert _titles(result) == ["公交站点"]


def test_far_behind_the_database_answers(on_disk, publisher, monkeypatch):
    monkeypatch.setattr(backend_module, "MAX_PENDING", 0)
    _kept, gone = on_disk

    services.withdraw(act(publisher), gone, "数据有误")
    result = _search(q="公交")

    assert (_titles(result), result.pending) == (["公交站点"], 0)


def test_recent_use_is_refreshed_for_most_used(on_disk):
    _kept, gone = on_disk
    resource = factories.make_link_resource(gone)
    ResourceDailyCount.objects.create(
        resource=resource, dataset=gone, day=today(), downloads=5, api_calls=7
    )
    writer = ti.Writer()

    refreshed = ti.refresh_use(writer)
    again = ti.refresh_use(writer)
    writer.close()

    assert (refreshed, again) == (1, 0)  # only what changed, once
    assert _titles(_search(sort="downloads"))[0] == "公交线路"


def test_the_command_rebuilds_and_reports(department, capsys):
    factories.make_dataset(department, title="公交站点")

    call_command("searchindex", rebuild=True)
    call_command("searchindex")

    out = capsys.readouterr().out
    assert "检索索引已建立：1 个数据集" in out
    assert "1 个文档" in out and "最新变更" in out
    assert call_command("searchindex", ensure=True) is None  # present: nothing to build


# --- a follower and two searchers at once ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_follower_and_two_searchers(province, department, publisher, reviewer, settings):
    """The follower applies the log in its own thread (its own database connection) while two
    searchers, as two web workers would, each read the index with their own handle."""
    if connection.vendor != "postgresql":
        # The SQLite test database is in memory with a shared cache, whose table locks fail at
        # once instead of waiting; tests/test_search_two_workers.py runs the same on a file.
        pytest.skip("a second connection writing beside this one needs PostgreSQL here")
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "follower"}
    kept = factories.make_dataset(department, title="公交站点")
    gone = factories.make_dataset(department, title="公交线路")
    ti.rebuild()
    first, second = TantivySearchBackend(), TantivySearchBackend()
    stop = threading.Event()
    thread = threading.Thread(target=_follow, args=(stop,))
    thread.start()
    try:
        assert all(_search(q="公交", backend=b).count == 2 for b in (first, second))
        # a withdrawal is gone from both at once, whether or not the follower has applied it
        services.withdraw(act(publisher), gone, "数据有误")
        for backend in (first, second):
            assert _titles(_search(q="公交", backend=backend)) == [kept.title]
        # a newly published dataset appears in both once the follower has applied it
        new = services.create_dataset(
            act(publisher), department=department, data=dataset_data(title="公交客流")
        )
        services.submit_for_review(act(publisher), new)
        services.approve(act(reviewer), new)
        for backend in (first, second):
            _wait(lambda b=backend: "公交客流" in _titles(_search(q="公交", backend=b)))
            result = _search(q="公交", backend=backend)
            assert (result.count, result.pending) == (2, 0)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert SearchChange.objects.count() >= 4


def _follow(stop: threading.Event) -> None:
    try:
        ti.Follower(ti.index_root(), interval=0.02, stop=stop).run()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_follower_command_in_its_own_process(
    province, department, publisher, reviewer, settings, tmp_path
):
    """`kaifang searchindex --follow` as `kaifang serve` runs it, beside this process's two
    searchers. It needs a database another process can open: PostgreSQL (SQLite test
    databases live in this process's memory)."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    database = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the test database must be reachable from another process")
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "follower"}
    factories.make_dataset(department, title="公交站点")
    gone = factories.make_dataset(department, title="公交线路")
    ti.rebuild()
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**database)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAIFANG_HOME": str(tmp_path / "home"),
        "KAIFANG_SEARCH_INDEX": str(ti.index_root()),
    }
    kaifang = Path(sys.executable).with_name("kaifang")
    follower = subprocess.Popen(  # noqa: S603
        [str(kaifang), "searchindex", "--follow", "--interval", "0.05"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    first, second = TantivySearchBackend(), TantivySearchBackend()
    try:
        services.withdraw(act(publisher), gone, "数据有误")
        assert all(_titles(_search(q="公交", backend=b)) == ["公交站点"] for b in (first, second))
        _wait(lambda: _search(q="公交", backend=first).pending == 0, timeout=30)
        assert _titles(_search(q="公交", backend=second)) == ["公交站点"]
    finally:
        follower.send_signal(signal.SIGTERM)
        output, _ = follower.communicate(timeout=30)
    assert follower.returncode == 0, output
    assert "已应用 1 个数据集的变更" in output
