"""A rebuild of the tantivy index makes the same index however it is made: the catalog read in
one pass or in ranges of ids, the text analysed in this process or in worker processes, with
the analyzer's caches cold or warm from other datasets. What makes a large rebuild fast (the
ranges, the pool, the caches per run of Chinese characters, per short text and per keyword)
must never change a token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaifang.search.analysis import pinyin, segment
from kaifang.search.analysis.normalize import _normalize_short
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.backends import tantivy_index as ti
from kaifang.search.documents import build_documents, documents_between, id_ranges
from kaifang.search.tests import sample

KAIFANG = Path(sys.executable).with_name("kaifang")
CACHES = (
    _normalize_short,
    segment.han_tokens,
    segment.subwords,
    pinyin.run_pinyin,
    pinyin.word_pinyin,
    pinyin._short_pinyin_tokens,
    ti._repeated_words,
    ti._keyword_terms,
    ti._short_pinyin,
    ti._short_chars,
)


def _clear_caches() -> None:
    for cached in CACHES:
        cached.cache_clear()


@pytest.fixture
def catalog(department, other_department):
    return sample.build(department, other_department)


def test_ranges_of_ids_read_the_same_documents_as_one_pass(catalog):
    # given the catalog read in one pass
    one_pass = list(build_documents())
    # when it is cut into ranges of three datasets, each read on its own
    ranges = id_ranges(3)
    by_range = [document for after, upto in ranges for document in documents_between(after, upto)]
    # then the documents are the same, in the same order, and the last range is open
    assert by_range == one_pass
    assert len(ranges) == len(one_pass) // 3 + 1
    assert ranges[0][0] is None and ranges[-1][1] is None
    assert any(d.keywords for d in one_pass) and any(d.formats for d in one_pass)


def test_a_dataset_added_after_the_ranges_were_cut_is_read_by_the_last_one(catalog, department):
    from kaifang.catalog.tests import factories

    ranges = id_ranges(1000)
    added = factories.make_dataset(department, title="新增的数据集")

    assert added.pk in {d.id for d in documents_between(*ranges[-1])}


def test_analysis_does_not_depend_on_what_was_analysed_before(catalog):
    documents = list(build_documents())
    _clear_caches()
    forward = [ti.analysed(d) for d in documents]
    _clear_caches()
    backward = [ti.analysed(d) for d in reversed(documents)][::-1]
    warm = [ti.analysed(d) for d in documents]

    assert forward == backward == warm


def test_a_caller_changing_the_tokens_it_got_changes_nothing_cached():
    tokens, terms = pinyin_tokens("公交站点"), ti.keyword_terms("公交")
    expected_tokens, expected_terms = list(tokens), list(terms)

    tokens.append("changed")
    terms.clear()

    assert pinyin_tokens("公交站点") == expected_tokens
    assert "gjzd" in expected_tokens
    assert ti.keyword_terms("公交") == expected_terms
    assert expected_terms[0] == "公交\x1f0\x1f公交"


def test_a_run_gives_the_same_words_wherever_it_stands():
    alone = segment.index_tokens("公交站点")

    assert segment.index_tokens("杭州市公交站点。公交站点，PM2.5") == [
        *segment.index_tokens("杭州市公交站点"),
        *alone,
        "pm2.5",
        "pm2",
    ]


# --- a rebuild in worker processes ------------------------------------------------------------

COMPARE = """
import json
from pathlib import Path

import tantivy
from django.core.management import call_command

from kaifang.search.backends import tantivy_index as ti

call_command("init", interactive=False, verbosity=0)
call_command("loaddemo", scale="small", verbosity=0)
ti.ANALYSIS_BATCH = 4  # ranges of four datasets, so the pool's processes share the work
FIELDS = [*ti.WORD_FIELDS, *ti.PINYIN_FIELDS, *ti.CHAR_FIELDS, *ti.SUGGEST_FIELDS,
          "title_infix", "title_exact", "title_sort", "suggest_order", *ti.KEYWORD_FIELDS, "id"]


def build(workers):
    index = ti.prepared(tantivy.Index(ti.SCHEMA))
    seq, count = ti.fill(index, workers=workers)
    index.reload()
    searcher = index.searcher()
    terms = {name: searcher.terms_with_prefix(name, "") for name in FIELDS}
    return {"count": count, "docs": searcher.num_docs, "terms": terms}


print(json.dumps({"serial": build(0), "parallel": build(2)}))
"""


def _environment(home: Path) -> dict[str, str]:
    """The embedded default node (SQLite in `home`): a database every process can open."""
    kept = {
        k: v for k, v in os.environ.items() if not k.startswith("KAIFANG_") and k != "DATABASE_URL"
    }
    return {**kept, "KAIFANG_HOME": str(home), "KAIFANG_SEARCH_INDEX_SYNC": "follower"}


@pytest.mark.engine_independent
def test_worker_processes_build_the_same_index_as_one_process(tmp_path):
    # given the small demo catalog (tables with fields and sample values) in a SQLite file
    done = subprocess.run(  # noqa: S603
        [str(KAIFANG), "shell", "-c", COMPARE],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # when it is indexed by this process alone and by two worker processes reading ranges
    built = json.loads(done.stdout.strip().splitlines()[-1])
    serial, parallel = built["serial"], built["parallel"]
    # then every field holds the same terms in the same number of datasets
    assert serial["count"] == parallel["count"] > 20
    assert serial["docs"] == parallel["docs"] == serial["count"] + 1  # and the meta document
    for name, terms in serial["terms"].items():
        assert parallel["terms"][name] == terms, name
    assert len(serial["terms"]["fields"]) > 50  # the tables' fields and sample values are there
