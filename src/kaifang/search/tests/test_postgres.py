"""The PostgreSQL full-text backend beyond the shared contract (test_backends.py): Chinese
queries (words inside words, synonyms, pinyin and initials, traditional characters, one
character, codes, homophone typos), exact titles first, the index kept current inside the
transaction of each change — a withdrawn dataset gone from the very next search, facets
included —, changes too many for that transaction applied by the next search, the rebuild
command, and the refusal to start on SQLite.

Everything but the start-up check needs PostgreSQL: it runs in the PostgreSQL pass."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from kaifang.catalog import services
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, dataset_data
from kaifang.search.backends import postgres_index as pi
from kaifang.search.backends.base import SearchParams
from kaifang.search.models import SearchDocument

POSTGRES = "kaifang.search.backends.postgres.PostgresSearchBackend"
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the PostgreSQL full-text backend needs PostgreSQL (the PostgreSQL pass)",
)


def _backend():
    from kaifang.search.backends.postgres import PostgresSearchBackend

    return PostgresSearchBackend()


def _search(user=None, **params):
    return _backend().search(SearchParams(**params), user or AnonymousUser())


def _titles(result) -> list[str]:
    return [d.title for d in result.results]


def _facet(result, name) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


# --- start-up on another database -----------------------------------------------------------


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite pass checks this")
def test_on_sqlite_the_platform_refuses_to_start_with_it(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": POSTGRES}

    errors = [e for e in run_checks() if e.id == "kaifang.E201"]

    assert len(errors) == 1
    assert "需要 PostgreSQL 数据库" in errors[0].msg and "sqlite" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        _backend()


@on_postgres
def test_on_postgresql_the_start_up_check_passes(settings):
    settings.KAIFANG = {**settings.KAIFANG, "SEARCH_BACKEND": POSTGRES}

    assert [e for e in run_checks() if e.id == "kaifang.E201"] == []


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


@on_postgres
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
        ("企业信用", {"企业信用评价"}),
    ],
)
def test_chinese_queries(chinese, q, expected):
    assert set(_titles(_search(q=q))) >= expected


@on_postgres
def test_unrelated_datasets_stay_out(chinese):
    assert "企业信用评价" not in _titles(_search(q="交通"))
    assert _search(q="交通 医院").count == 0


@on_postgres
def test_a_phrase_needs_its_characters_side_by_side(department):
    factories.make_dataset(department, title="公交线路")
    factories.make_dataset(department, title="路线公告")  # 线 and 路, the other way round

    assert _titles(_search(q="线路")) == ["公交线路"]
    assert _search(q="江省生").count == 0


@on_postgres
def test_an_exact_title_comes_first(department):
    factories.make_dataset(department, title="水库名录汇总", summary="水库名录 水库名录 水库名录")
    factories.make_dataset(department, title="水库名录")

    assert _titles(_search(q="水库名录"))[0] == "水库名录"


@on_postgres
def test_title_matches_rank_above_summary_matches(department):
    factories.make_dataset(department, title="统计年鉴", summary="含公交客运量。", download_count=9)
    factories.make_dataset(department, title="公交客运量")

    assert _titles(_search(q="公交"))[0] == "公交客运量"


@on_postgres
def test_a_homophone_typo_is_offered_the_correction(department, publisher):
    factories.make_dataset(department, title="公交线路", domain="6")
    factories.make_dataset(department, title="地铁客流", is_private=True)

    result = _search(q="公焦线路")

    assert (result.count, result.suggestion) == (0, "公交线路")
    assert _search(q="公焦线路", domain="10").suggestion is None  # it would find nothing there
    assert _search(q="公交线路").suggestion is None
    assert _search(q="地贴客流", user=publisher).suggestion is None  # a private dataset's word


@on_postgres
def test_quotes_in_a_query_are_only_text(department):
    factories.make_dataset(department, title="公交线路")

    assert _search(q="公交' | '线路").count == 1
    assert _search(q="公交 ' & !线路").count == 1
    assert _search(q="'\\").count == _search().count  # no words: the whole list


# --- ranking in two stages ------------------------------------------------------------------


def _row_vectors(dataset) -> tuple[dict[str, str], dict[str, str]]:
    """The row's `rank_head` and `rank_words` as {lexeme: positions}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.lexeme, array_to_string(u.positions, ',') || array_to_string(u.weights, '') "
            "FROM search_searchdocument d, unnest(d.rank_head) u WHERE d.dataset_id = %s",
            [dataset.pk],
        )
        head = dict(cursor.fetchall())
        cursor.execute(
            "SELECT u.lexeme, array_to_string(u.positions, ',') || array_to_string(u.weights, '') "
            "FROM search_searchdocument d, unnest(d.rank_words) u WHERE d.dataset_id = %s",
            [dataset.pk],
        )
        return head, dict(cursor.fetchall())


@on_postgres
def test_the_head_holds_the_short_fields_words_as_ranking_sees_them(department):
    dataset = factories.make_dataset(department, title="公交线路", summary="公交线路的站点。")
    pi.rebuild()

    head, full = _row_vectors(dataset)

    assert head["公交"] == "1A" and full["公交"].startswith("1,")  # the summary's in full only
    assert "站点" not in head  # a word of the summary only
    assert {"p:gongjiao", "p:gj", "p:gjxl", "c:公", "c:路"} <= set(head)
    assert "p:gongjiaoxianlu" not in head and "p:gongjiaoxianlu" in full  # too long
    assert "c:公交" not in head and "c:公交" in full  # characters one by one, no pairs


@on_postgres
def test_past_the_candidates_title_matches_come_before_summary_matches(department, monkeypatch):
    from kaifang.search.backends import postgres as backend_module

    for n in range(3):
        factories.make_dataset(department, title=f"统计年鉴{n}", summary="含公交客运量。",
                               download_count=10_000)  # fmt: skip
    for title in ("公交站点", "公交线路", "公交客流"):
        factories.make_dataset(department, title=title)
    monkeypatch.setattr(backend_module, "CANDIDATES", 1)

    result = _search(q="公交", limit=1)  # 2 candidates of 6 matches

    assert result.count == 6  # counting is not limited by the candidates
    assert _titles(result)[0] in {"公交站点", "公交线路", "公交客流"}
    assert _titles(_search(q="公交线路", limit=1)) == ["公交线路"]  # the exact title


@on_postgres
def test_within_the_candidates_the_order_is_the_full_ranking(department, monkeypatch):
    from kaifang.search.backends import postgres as backend_module

    factories.make_dataset(department, title="统计年鉴", summary="公交 公交 公交")
    factories.make_dataset(department, title="客运量", summary="公交。")
    factories.make_dataset(department, title="公交客运量")
    full = _titles(_search(q="公交"))

    monkeypatch.setattr(backend_module, "CANDIDATES", 1)  # 2 × (offset + limit) still covers
    assert _titles(_search(q="公交", limit=3)) == full
    assert full[0] == "公交客运量"


# --- kept current inside the change's transaction -------------------------------------------


@pytest.fixture
def live(settings, department, publisher):
    """The backend configured as in production: no rebuild per search; the index follows
    the services' changes. Two published datasets, indexed."""
    settings.KAIFANG = {
        **settings.KAIFANG,
        "SEARCH_BACKEND": POSTGRES,
        "SEARCH_INDEX_SYNC": "follower",
    }
    kept = factories.make_dataset(department, title="公交站点", domain="6")
    gone = factories.make_dataset(department, title="公交线路", domain="6")
    pi.rebuild()
    return kept, gone


@on_postgres
def test_a_withdrawn_dataset_is_gone_from_the_very_next_search(live, publisher):
    _kept, gone = live
    assert _search(q="公交").count == 2

    services.withdraw(act(publisher), gone, "数据有误")

    result = _search(q="公交")
    assert (_titles(result), result.count, result.pending) == (["公交站点"], 1, 0)
    assert _facet(result, "domain")["6"] == 1
    assert _facet(result, "department") == {"jiaotong": 1}
    row = SearchDocument.objects.get(pk=gone.pk)
    assert row.state == "withdrawn"  # applied in the withdrawal's own transaction
    assert pi.applied_seq() == row.seq


@on_postgres
def test_a_newly_published_dataset_is_found_at_once(live, department, publisher, reviewer):
    dataset = services.create_dataset(
        act(publisher), department=department, data=dataset_data(title="公交客流")
    )
    services.submit_for_review(act(publisher), dataset)
    services.approve(act(reviewer), dataset)

    assert "公交客流" in _titles(_search(q="公交"))
    assert "公交客流" in _titles(_search(q="gongjiao"))


@on_postgres
def test_changes_too_many_for_their_transaction_are_applied_by_the_next_search(
    live, publisher, monkeypatch
):
    monkeypatch.setattr(pi, "IN_TRANSACTION_MAX", 0)
    _kept, gone = live

    services.withdraw(act(publisher), gone, "数据有误")
    assert SearchDocument.objects.get(pk=gone.pk).state == "published"  # not applied yet

    result = _search(q="公交")

    assert _titles(result) == ["公交站点"]
    assert SearchDocument.objects.get(pk=gone.pk).state == "withdrawn"
    assert pi.applied_seq() > 0


@on_postgres
def test_while_the_log_is_locked_stale_rows_are_left_out(live, publisher, monkeypatch):
    monkeypatch.setattr(pi, "IN_TRANSACTION_MAX", 0)
    monkeypatch.setattr(pi, "_try_lock_log", lambda: False)  # a writer holds the log
    _kept, gone = live

    services.withdraw(act(publisher), gone, "数据有误")
    result = _search(q="公交")

    assert (_titles(result), result.count, result.pending) == (["公交站点"], 1, 1)
    assert _facet(result, "domain")["6"] == 1


@on_postgres
def test_far_behind_the_database_answers(live, publisher, monkeypatch):
    from kaifang.search.backends import postgres as backend_module

    monkeypatch.setattr(pi, "IN_TRANSACTION_MAX", 0)
    monkeypatch.setattr(pi, "_try_lock_log", lambda: False)
    monkeypatch.setattr(backend_module, "MAX_PENDING", 0)
    _kept, gone = live

    services.withdraw(act(publisher), gone, "数据有误")
    result = _search(q="公交")

    assert (_titles(result), result.pending) == (["公交站点"], 0)


@on_postgres
def test_a_deleted_dataset_leaves_the_index(live):
    from kaifang.search.services import dataset_changed

    _kept, gone = live
    pk = gone.pk
    gone.delete()
    dataset_changed(pk, reason="delete", deleted=True)

    assert not SearchDocument.objects.filter(pk=pk).exists()
    assert _titles(_search(q="公交")) == ["公交站点"]


@on_postgres
def test_the_command_rebuilds_and_reports(live, settings, capsys):
    SearchDocument.objects.all().delete()

    call_command("searchindex", rebuild=True)

    out = capsys.readouterr().out
    assert "全文检索索引已重建：2 个数据集" in out
    assert "全文检索索引：2 个数据集" in out
    assert _search(q="公交").count == 2


@on_postgres
def test_recent_use_is_refreshed_for_most_used(live):
    from kaifang.analytics.models import ResourceDailyCount
    from kaifang.analytics.services import today

    _kept, gone = live
    resource = factories.make_link_resource(gone)
    ResourceDailyCount.objects.create(
        resource=resource, dataset=gone, day=today(), downloads=5, api_calls=7
    )

    assert (pi.refresh_use(), pi.refresh_use()) == (1, 0)  # only what changed, once
    assert SearchDocument.objects.get(pk=gone.pk).recent_use == 12
    assert _titles(_search(sort="downloads"))[0] == "公交线路"
