from __future__ import annotations

import pytest

from kaifang.search.analysis import AnalysisDataError, analyze_query
from kaifang.search.analysis.data import DictionaryEntry, read_dictionary, read_synonyms
from kaifang.search.analysis.normalize import is_han
from kaifang.search.analysis.synonyms import Synonyms, synonyms

pytestmark = pytest.mark.engine_independent


def test_the_dictionary_reads_words_with_optional_frequency_and_part_of_speech(tmp_path):
    path = tmp_path / "dictionary.txt"
    path.write_text("# 注释\n充电桩 n\n\n公共交通 3000 n  # 行尾注释\n核酸检测\n", encoding="utf-8")

    entries = read_dictionary(path)

    assert entries == [
        DictionaryEntry("充电桩", None, "n"),
        DictionaryEntry("公共交通", 3000, "n"),
        DictionaryEntry("核酸检测", None, None),
    ]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("PM2.5 n", "只能由汉字组成"),
        ("充电桩 n 3000", "既不是词频也不是词性"),
        ("充电桩 0", "词频应为正整数"),
        ("充电桩 3000 n 多余", "多出了内容"),
    ],
)
def test_a_bad_dictionary_line_is_refused_naming_the_file_and_line(tmp_path, line, words):
    path = tmp_path / "dictionary.txt"
    path.write_text(f"公交 n\n{line}\n", encoding="utf-8")

    with pytest.raises(AnalysisDataError) as caught:
        read_dictionary(path)

    assert str(path) in str(caught.value)
    assert "第 2 行" in str(caught.value)
    assert words in str(caught.value)


def test_a_missing_dictionary_is_refused_naming_it(tmp_path):
    with pytest.raises(AnalysisDataError, match="无法读取词典文件"):
        read_dictionary(tmp_path / "none.txt")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("groups: [[公交, 公共交通], [环保]]\n", "第 2 组（环保）至少要有两个不同的词"),
        ("groups: [[公交, 公交]]\n", "至少要有两个不同的词"),
        ("groups: [公交]\n", "第 1 组应为非空词语的列表"),
        ("groups: [[公交, 3]]\n", "第 1 组应为非空词语的列表"),
        ("words: []\n", "缺少 groups 列表"),
        ("groups: [[公交\n", "无法读取同义词文件"),
    ],
)
def test_a_bad_synonym_file_is_refused_naming_the_group(tmp_path, text, words):
    path = tmp_path / "synonyms.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(AnalysisDataError) as caught:
        read_synonyms(path)

    assert words in str(caught.value)


def test_a_synonym_mixing_chinese_and_a_code_is_refused(tmp_path):
    path = tmp_path / "synonyms.yaml"
    path.write_text("groups: [[A级景区, 景区]]\n", encoding="utf-8")

    with pytest.raises(AnalysisDataError, match="“A级景区”应为一个词"):
        Synonyms.from_file(path)


def test_synonym_words_are_folded_like_the_text_they_match(tmp_path):
    path = tmp_path / "synonyms.yaml"
    path.write_text("groups: [[AQI, 空氣質量]]\n", encoding="utf-8")

    loaded = Synonyms.from_file(path)

    assert loaded.of("aqi") == ("空气质量",)
    assert loaded.of("空气质量") == ("aqi",)


def test_a_word_in_two_groups_has_the_synonyms_of_both():
    loaded = Synonyms([["环保", "生态环境"], ["环保局", "环保"]])

    assert loaded.of("环保") == ("生态环境", "环保局")


def test_the_portals_dictionary_loads():
    entries = read_dictionary()

    assert len(entries) > 300
    assert all(is_han(e.word) for e in entries)
    assert len({e.word for e in entries}) == len(entries)


def test_the_portals_synonyms_hold_the_groups_the_search_issue_names():
    groups = read_synonyms()

    assert len(groups) >= 40
    for pair in [
        ("公交", "公共交通"),
        ("公交", "巴士"),
        ("环保", "生态环境"),
        ("医院", "医疗机构"),
        ("学校", "中小学"),
        ("企业信用", "信用信息"),
        ("社保", "社会保险"),
        ("公积金", "住房公积金"),
        ("不动产", "房产"),
        ("空气质量", "AQI"),
        ("空气质量", "大气环境"),
        ("人口", "户籍"),
        ("交警", "公安交通管理"),
        ("市场监管", "工商"),
        ("卫健委", "卫生健康委员会"),
        ("生态环境厅", "环保厅"),
        ("市场监管局", "工商局"),
    ]:
        assert any(set(pair) <= set(group) for group in groups), pair


def test_every_chinese_synonym_is_kept_whole_by_the_query_analyzer():
    split = [
        word
        for word in synonyms().words()
        if is_han(word) and [t.text for t in analyze_query(word).terms] != [word]
    ]

    assert split == []
