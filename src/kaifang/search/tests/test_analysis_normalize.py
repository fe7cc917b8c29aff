from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaifang.search.analysis import normalize
from kaifang.search.analysis.normalize import _INVISIBLE, runs, to_simplified

pytestmark = pytest.mark.engine_independent

# Text a person may paste: Chinese in both scripts, full-width forms, pinyin with tones,
# codes, emoji, controls and invisible characters.
PIECES = st.sampled_from(
    [
        "醫院",
        "交通",
        "公車站點",
        "乾縣",
        "瞭解",
        "明瞭",
        "臺灣",
        "空氣質量",
        "ＰＭ２．５",
        "Ａ級",
        "ＡＢＣ",
        "jiāotōng",
        "lǜsè",
        "ǅ",
        "İ",
        "ß",
        "ﬁ",
        "①",
        "㎡",
        "℃",
        "\u3000",
        "\u200b",
        "\u00ad",
        "\ufeff",
        "\x00",
        "\x07",
        "\ud800",
        "😀",
        "👩\u200d💻",
        "e\u0301",
        " \u0308",
        "\u037a",
        "\u2028",
        "\ufe0f",
        "\U000e0041",
        " ",
        "\t\n",
        "PM2.5",
        "r&d",
        "633-2012",
        "GDP",
        "省生态环境厅",
        "𠀀",
        "〇",
    ]
)
HOSTILE_TEXT = st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=12).map("".join))


def test_full_width_letters_and_digits_become_half_width_and_lower_case():
    assert normalize("ＰＭ２．５浓度") == "pm2.5浓度"
    assert normalize("ＧＤＰ　增长") == "gdp 增长"


def test_traditional_characters_become_simplified():
    assert normalize("醫院名錄") == "医院名录"
    assert normalize("公車站點") == "公车站点"


def test_simplified_text_and_its_traditional_form_fold_alike():
    assert normalize("交通") == normalize("交通") == "交通"
    assert normalize("空氣質量") == normalize("空气质量")


def test_codes_numbers_and_latin_words_are_kept_as_written_but_lower_case():
    assert normalize("PM2.5 AQI HJ 633-2012 R&D") == "pm2.5 aqi hj 633-2012 r&d"


def test_pinyin_typed_with_tone_marks_reads_as_plain_pinyin():
    assert normalize("Jiāotōng") == "jiaotong"


def test_controls_and_whitespace_collapse_to_single_spaces():
    assert normalize("  公交\t\n站点\x00\x07信息\u3000 ") == "公交 站点 信息"


def test_invisible_characters_are_removed_without_splitting_words():
    assert normalize("公\u200b交\u00ad站\ufeff点") == "公交站点"


def test_lone_surrogates_do_not_survive():
    assert normalize("公交\ud800站点") == "公交 站点"


def test_empty_text_stays_empty():
    assert normalize("") == ""
    assert normalize(" \t\u200b ") == ""


def test_conversion_runs_until_nothing_changes():
    # OpenCC turns 乾縣 into 乾县 and 乾县 into 干县; one pass would not be idempotent.
    assert to_simplified("乾縣") == to_simplified(to_simplified("乾縣"))


def test_the_invisible_characters_cover_every_format_character_of_this_python():
    format_chars = [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    ]

    missed = [f"U+{ord(c):04X}" for c in format_chars if not _INVISIBLE.fullmatch(c)]

    assert missed == []


def test_runs_split_chinese_from_codes_and_drop_punctuation():
    found = [(han, text) for han, text, _start in runs(normalize("PM2.5浓度（小时）😀 A级"))]

    assert found == [
        (False, "pm2.5"),
        (True, "浓度"),
        (True, "小时"),
        (False, "a"),
        (True, "级"),
    ]


@settings(max_examples=400, deadline=None)
@given(HOSTILE_TEXT)
def test_normalize_is_idempotent(text):
    once = normalize(text)

    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
def test_normalized_text_has_no_controls_surrogates_or_doubled_spaces(text):
    folded = normalize(text)

    assert folded == folded.strip()
    assert "  " not in folded
    assert not any(unicodedata.category(c) in {"Cc", "Cs", "Cf"} for c in folded)
    folded.encode("utf-8")
