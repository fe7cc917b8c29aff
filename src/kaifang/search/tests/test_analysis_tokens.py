from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml

from kaifang.catalog import demo
from kaifang.catalog.demo import departments
from kaifang.search.analysis import char_tokens, index_tokens, normalize, pinyin_tokens
from kaifang.search.analysis._once import once
from kaifang.search.analysis.normalize import is_han
from kaifang.search.analysis.segment import parts, segmenter

pytestmark = pytest.mark.engine_independent

CATALOG = yaml.safe_load((Path(demo.__file__).parent / "catalog.yaml").read_text(encoding="utf-8"))


def demo_datasets() -> list[tuple[str, list[str]]]:
    """(title, keywords) of every dataset the demo catalog shows, with {place} filled in."""
    return [
        (spec["title"].replace("{place}", "杭州市"), spec.get("keywords", "").split())
        for specs in CATALOG.values()
        for spec in specs
    ]


def test_index_tokens_are_search_mode_words():
    tokens = index_tokens("杭州市公交站点信息")

    assert tokens == ["杭州", "州市", "杭州市", "公交", "公交站", "站点", "公交站点", "信息"]


def test_index_tokens_find_parts_longer_than_jieba_search_mode_does():
    tokens = index_tokens("安全生产标准化达标企业")

    assert {"安全生产", "安全生产标准化", "标准化", "安全", "生产", "达标", "企业"} <= set(tokens)


def test_codes_stay_whole_beside_chinese():
    assert index_tokens("PM2.5浓度") == ["pm2.5", "pm2", "浓度"]
    assert index_tokens("ＰＭ２．５浓度") == index_tokens("PM2.5浓度")


def test_a_joined_code_also_gives_its_pieces():
    assert index_tokens("HJ 633-2012") == ["hj", "633-2012", "633", "2012"]


def test_punctuation_spaces_and_emoji_give_no_token():
    tokens = index_tokens("老年食堂（助餐点）😀 ，。！")

    assert tokens == ["老年", "食堂", "老年食堂", "助餐", "餐点", "助餐点"]


def test_traditional_text_gives_the_same_tokens_as_simplified():
    assert index_tokens("醫院名錄") == index_tokens("医院名录")


def test_repeated_words_are_kept_for_term_frequency():
    assert index_tokens("公交 公交").count("公交") == 2


def test_char_tokens_are_every_chinese_character_in_order():
    assert char_tokens("A级景区 PM2.5") == ["级", "景", "区"]


def test_index_tokens_with_chars_append_the_characters_for_a_one_field_backend():
    assert index_tokens("学校", chars=True) == ["学校", "学", "校"]


def test_department_names_keep_the_province_and_the_office():
    tokens = index_tokens("浙江省生态环境厅")

    assert {"浙江省", "生态环境厅", "生态环境"} <= set(tokens)


def test_every_keyword_of_a_demo_title_is_one_of_its_tokens():
    misses = [
        (keyword, title)
        for title, keywords in demo_datasets()
        for keyword in keywords
        if is_han(keyword) and keyword in title and normalize(keyword) not in index_tokens(title)
    ]

    assert misses == []


def test_the_dictionary_keeps_the_terms_the_search_issue_names():
    for title, term in [
        ("杭州市充电桩分布", "充电桩"),
        ("公共交通客运量统计", "公共交通"),
        ("空气质量小时监测数据", "空气质量"),
        ("不动产登记服务网点", "不动产登记"),
        ("营业执照办理指南", "营业执照"),
        ("核酸检测机构名录", "核酸检测机构"),
    ]:
        assert term in index_tokens(title), title


def test_provincial_department_names_are_cut_into_their_office():
    cut_badly = [
        title
        for title, _short, _duty in departments.PROVINCE.values()
        if not any(len(t) >= 3 and t.endswith(title[-1]) for t in index_tokens(title))
    ]

    assert cut_badly == []


def test_parts_cover_a_compound_word():
    assert parts("企业信用") == ("企业", "信用")
    assert parts("不动产") == ("不动", "动产")
    assert parts("公交") == ()


def test_pinyin_tokens_give_full_pinyin_and_initials_of_words_and_the_whole_text():
    tokens = pinyin_tokens("公交站点")

    assert tokens == [
        "gongjiaozhandian",
        "gjzd",
        "gongjiao",
        "gj",
        "gongjiaozhan",
        "gjz",
        "zhandian",
        "zd",
    ]


def test_pinyin_tokens_join_all_words_of_a_title():
    tokens = pinyin_tokens("交通 事故")

    assert tokens == ["jiaotong", "jt", "shigu", "sg", "jiaotongshigu", "jtsg"]


def test_pinyin_follows_phrase_readings_and_writes_u_umlaut_as_v():
    assert "chongqing" in pinyin_tokens("重庆")
    assert "lvse" in pinyin_tokens("绿色")


def test_pinyin_tokens_skip_codes_and_one_letter_initials():
    assert pinyin_tokens("PM2.5 厅") == ["ting"]


def test_pinyin_tokens_of_traditional_text_match_simplified():
    assert pinyin_tokens("醫院") == pinyin_tokens("医院") == ["yiyuan", "yy"]


def test_heavy_parts_are_built_once_when_threads_ask_at_the_same_time():
    calls = []
    start = threading.Barrier(8)

    @once
    def build():
        calls.append(1)
        time.sleep(0.05)
        return object()

    def ask(results):
        start.wait()
        results.append(build())

    results: list[object] = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1
    assert segmenter() is segmenter()


def test_threads_tokenizing_at_once_get_what_one_thread_gets():
    titles = [title for title, _keywords in demo_datasets()]
    expected = [(index_tokens(t), pinyin_tokens(t)) for t in titles]
    results: list[list] = []

    def work():
        results.append([(index_tokens(t), pinyin_tokens(t)) for t in titles])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [expected] * 4


def test_tokens_are_deterministic():
    title = "全省企业公共信用评价结果（2024年）"

    assert index_tokens(title) == index_tokens(title)
    assert pinyin_tokens(title) == pinyin_tokens(title)
