from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaifang.catalog.demo import departments
from kaifang.search.analysis import (
    CHARS,
    PINYIN,
    WORDS,
    Alternative,
    Query,
    analyze_query,
    char_tokens,
    index_tokens,
    pinyin_tokens,
)
from kaifang.search.tests.test_analysis_tokens import demo_datasets

pytestmark = pytest.mark.engine_independent


def document(text: str) -> dict[str, list[str]]:
    """The three fields a backend indexes for a short field."""
    return {WORDS: index_tokens(text), CHARS: char_tokens(text), PINYIN: pinyin_tokens(text)}


def finds(q: str, text: str) -> bool:
    return analyze_query(q).matches(document(text))


def forms(q: str) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Per term, its alternatives as (field, tokens)."""
    return [[(a.field, a.tokens) for a in t.alternatives] for t in analyze_query(q).terms]


def test_a_chinese_word_is_one_term_with_its_characters_as_a_phrase():
    query = analyze_query("医院")

    assert query.text == "医院"
    [term] = query.terms
    assert (term.text, term.start, term.end, term.exact) == ("医院", 0, 2, False)
    assert Alternative(WORDS, ("医院",), "typed") in term.alternatives
    assert Alternative(CHARS, ("医", "院"), "chars", phrase=True) in term.alternatives


def test_synonyms_expand_both_ways_within_a_group():
    assert (WORDS, ("公共交通",)) in forms("公交")[0]
    assert (WORDS, ("公交",)) in forms("公共交通")[0]
    assert (WORDS, ("生态环境",)) in forms("环保")[0]
    assert (WORDS, ("环保",)) in forms("生态环境")[0]


def test_a_query_finds_documents_through_synonyms():
    assert finds("公交", "公共交通客运量统计")
    assert finds("巴士", "杭州市公交站点信息")
    assert finds("环保", "浙江省生态环境厅")
    assert finds("社保", "社会保险参保情况统计")
    assert finds("公积金", "住房公积金缴存使用统计")
    assert finds("AQI", "环境空气质量日报")
    assert finds("卫健委", "浙江省卫生健康委员会")
    assert finds("工商局", "杭州市市场监督管理局")
    assert finds("卫生间", "杭州市公共厕所分布")
    assert finds("宾馆", "星级饭店名录")
    assert finds("失业金", "失业保险待遇发放统计")


def test_a_short_department_name_finds_the_full_one():
    misses = [
        (short, full)
        for full, short, _duty in departments.PROVINCE.values()
        if not finds(short, full)
    ]

    assert misses == []


def test_every_demo_keyword_finds_its_dataset():
    misses = [
        (keyword, title)
        for title, keywords in demo_datasets()
        for keyword in keywords
        if not finds(keyword, f"{title} {' '.join(keywords)}")
    ]

    assert misses == []


def test_a_compound_also_matches_its_parts_apart():
    assert (WORDS, ("企业", "信用")) in forms("企业信用")[0]
    assert finds("企业信用", "全省企业公共信用评价结果")


def test_latin_letters_that_read_as_pinyin_are_looked_up_in_the_pinyin_field():
    [term] = analyze_query("jiaotong").terms

    assert term.pinyin
    assert (PINYIN, ("jiaotong",)) in forms("jiaotong")[0]
    assert finds("jiaotong", "道路交通事故统计")
    assert finds("gongjiao", "杭州市公交站点信息")


def test_pinyin_of_a_known_word_also_finds_its_synonyms():
    query = forms("chongdianzhuang")[0]

    assert (WORDS, ("充电桩",)) in query
    assert (PINYIN, ("chongdianzhan",)) in query
    assert finds("chongdianzhuang", "电动汽车充电站")
    assert finds("yiyuan", "医疗机构名录")


def test_initials_are_looked_up_in_the_pinyin_field():
    assert analyze_query("jt").terms[0].pinyin
    assert finds("jt", "道路交通事故统计")
    assert finds("gjzd", "杭州市公交站点信息")


def test_a_long_latin_word_that_is_not_pinyin_is_not_looked_up_in_the_pinyin_field():
    [term] = analyze_query("population").terms

    assert not term.pinyin


def test_mixed_code_and_chinese_split_into_two_terms():
    query = analyze_query("PM2.5浓度")

    assert [(t.text, t.start, t.end) for t in query.terms] == [
        ("pm2.5", 0, 5),
        ("浓度", 5, 7),
    ]
    assert finds("PM2.5浓度", "细颗粒物浓度监测")
    assert finds("ＰＭ２．５", "空气质量 PM2.5")


def test_a_single_character_is_a_term_that_matches_the_characters_field():
    [term] = analyze_query("学").terms

    assert term.text == "学"
    assert (CHARS, ("学",)) in forms("学")[0]
    assert finds("学", "全省中小学校名录")
    assert not finds("学", "杭州市公交站点信息")


def test_the_characters_phrase_finds_a_word_the_dictionary_cut_differently():
    assert finds("浙江省", "浙江省生态环境厅")
    assert finds("省公安厅", "浙江省公安厅")
    assert not finds("省公安局", "浙江省公安厅")


def test_traditional_query_finds_simplified_text():
    assert finds("醫院", "全省二级以上医院名录")
    assert finds("交通", "道路交通事故统计")


def test_every_term_must_match():
    assert finds("杭州 公交", "杭州市公交站点信息")
    assert not finds("宁波 公交", "杭州市公交站点信息")


def test_function_words_are_dropped_unless_they_are_all_there_is():
    assert [t.text for t in analyze_query("公交和地铁").terms] == ["公交", "地铁"]
    assert [t.text for t in analyze_query("和").terms] == ["和"]


def test_quoted_words_are_taken_as_typed_without_synonyms():
    [term] = analyze_query("“公交站点”").terms

    assert term.exact
    assert term.alternatives == (
        Alternative(WORDS, ("公交站点",), "typed"),
        Alternative(CHARS, ("公", "交", "站", "点"), "chars", phrase=True),
    )
    assert not finds('"公交"', "公共交通客运量统计")


def test_weights_rank_what_was_typed_above_synonyms_and_characters():
    [term] = analyze_query("公交").terms
    weight = {(a.field, a.tokens): a.weight for a in term.alternatives}

    assert weight[(WORDS, ("公交",))] > weight[(WORDS, ("公共交通",))]
    assert weight[(WORDS, ("公共交通",))] > weight[(CHARS, ("公", "交"))]


def test_an_empty_query_has_no_terms_and_matches_everything():
    query = analyze_query("  ，。 ")

    assert query == Query(text=",。", terms=())
    assert query.matches(document("任何数据集"))
    assert analyze_query(None).terms == ()


def test_a_typo_finds_nothing_so_the_speller_can_help():
    assert not finds("公焦", "杭州市公交站点信息")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=200),
        st.lists(
            st.sampled_from(
                [
                    "公交",
                    "“",
                    '"',
                    "「",
                    "ＰＭ２．５",
                    "😀",
                    "\x00",
                    "\ud800",
                    "jt",
                    "學",
                    " ",
                    "和",
                    "』",
                    "-",
                    ".",
                ]
            ),
            max_size=40,
        ).map("".join),
    )
)
def test_analyze_query_never_raises_and_every_term_can_match(q):
    query = analyze_query(q)

    for term in query.terms:
        assert term.text
        assert term.alternatives
        assert query.text[term.start : term.end] == term.text
        assert all(a.tokens for a in term.alternatives)
