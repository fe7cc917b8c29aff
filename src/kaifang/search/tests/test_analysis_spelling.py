from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaifang.catalog.demo import departments
from kaifang.search.analysis import Speller, index_tokens
from kaifang.search.tests.test_analysis_tokens import demo_datasets

pytestmark = pytest.mark.engine_independent


@pytest.fixture(scope="module")
def speller() -> Speller:
    """A speller over what an index of the demo catalog holds: each word with the number of
    documents (title, keywords, department) that hold it."""
    documents = [f"{title} {' '.join(keywords)}" for title, keywords in demo_datasets()]
    documents += [full for full, _short, _duty in departments.PROVINCE.values()]
    documents.append("地区生产总值 GDP 季度统计")
    vocabulary = Counter(token for text in documents for token in set(index_tokens(text)))
    return Speller(vocabulary)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("公焦", "公交"),
        ("医员", "医院"),
        ("空汽质量", "空气质量"),
        ("充电庄", "充电桩"),
        ("幼儿圆", "幼儿园"),
        ("律师事物所", "律师事务所"),
        ("景去", "景区"),
        ("汽象预警", "气象预警"),
        ("停车厂", "停车场"),
        ("加油战", "加油站"),
        ("图书官", "图书馆"),
        ("空气质亮", "空气质量"),
        ("公焦线路", "公交线路"),
    ],
)
def test_a_homophone_typo_is_corrected_through_its_pinyin(speller, typed, meant):
    assert speller.suggest(typed) == meant


def test_a_near_homophone_the_provinces_speakers_merge_is_corrected(speller):
    # 森 sen for 生 sheng: s/sh and en/eng, as many speakers in the south pronounce them.
    assert speller.suggest("森态环境") == "生态环境"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("住房公金", "住房公积金"),  # a character missed
        ("医疗疗机构", "医疗机构"),  # a character doubled
        ("末来工厂", "未来工厂"),  # a character that looks alike
        ("社会组识", "社会组织"),
        ("aqii", "aqi"),
        ("gpd", "gdp"),  # two letters swapped
    ],
)
def test_an_edit_distance_typo_is_corrected(speller, typed, meant):
    assert speller.suggest(typed) == meant


def test_only_the_wrong_word_of_a_query_changes(speller):
    assert speller.suggest("杭州 公焦 站点") == "杭州 公交 站点"
    assert speller.suggest("2024年公焦") == "2024年公交"


def test_a_pinyin_word_is_offered_in_chinese(speller):
    assert speller.suggest("gongjiao") == "公交"


@pytest.mark.parametrize(
    "correct", ["公交", "空气质量", "杭州市公交站点", "学", "PM2.5", "jt", "养老机构 杭州"]
)
def test_no_suggestion_for_a_query_the_vocabulary_knows(speller, correct):
    assert speller.suggest(correct) is None


def test_no_suggestion_when_nothing_is_close(speller):
    assert speller.suggest("鳄鱼") is None
    assert speller.suggest("") is None


def test_numbers_are_never_corrected(speller):
    assert speller.suggest("2031") is None


def test_a_homophone_of_the_same_length_and_higher_frequency_wins():
    speller = Speller({"公交": 50, "工交": 2, "公交车": 80})

    assert speller.correct("公焦") == "公交"


def test_a_homophone_beats_a_more_frequent_word_one_edit_away():
    speller = Speller({"公交": 5, "公园": 500})

    assert speller.correct("公焦") == "公交"


def test_a_near_homophone_beats_a_more_frequent_word_one_edit_away():
    speller = Speller({"生态": 5, "森林": 500})

    assert speller.correct("森态") == "生态"


def test_a_missed_character_beats_a_more_frequent_replaced_one():
    speller = Speller({"公积金": 5, "公共": 500})

    assert speller.correct("公金") == "公积金"


def test_the_speller_keeps_only_the_most_frequent_words_when_told():
    speller = Speller({"公交": 50, "医院": 2}, max_words=1)

    assert speller.frequency == {"公交": 50}
    assert speller.suggest("医员") is None


def test_words_with_no_frequency_are_ignored():
    speller = Speller({"公交": 0, "": 5})

    assert speller.frequency == {}
    assert speller.suggest("公焦") is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_suggest_never_raises(speller, q):
    suggestion = speller.suggest(q)

    assert suggestion is None or isinstance(suggestion, str)
