"""Pinyin for the short fields (title, keywords, department), so a person typing on a phone
finds 交通 with `jiaotong` or `jt`.

Pinyin is made per word and cached (pypinyin takes ~60 µs a word, a cache hit well under one),
and so are the tokens of each run of Chinese characters; a whole title's pinyin is the words'
pinyin joined: over a catalog the same few thousand words and runs repeat, so the cost per
title falls to a few dictionary look-ups. It is meant for short fields only; a summary's
words would fill the cache with little gain. Readings follow pypinyin's phrase dictionary
(重庆 → chongqing) and its conventions as in core/names.py: toneless, ü written v (绿 → lv).

pypinyin is imported on first use, not with the module: its phrase dictionary takes a fifth of
a second to load, which every process that imports the search backend only to record a change
(a command line, a worker starting) would otherwise pay.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

from kaifang.search.analysis._once import once
from kaifang.search.analysis.data import read_dictionary
from kaifang.search.analysis.normalize import CACHED_LENGTH, is_han, normalize, runs
from kaifang.search.analysis.segment import RUN_CACHE, cut, subwords
from kaifang.search.analysis.synonyms import synonyms

#: The longest pinyin syllable (zhuang, shuang).
MAX_SYLLABLE = 6
#: An all-letter query term up to this long may be a word's initials (gjzd for 公交站点).
MAX_INITIALS = 8
#: Short texts whose tokens are kept: the keywords and department names that repeat are hit
#: again and again; the titles that do not are soon let go (a title's tokens take ~1 KB).
SHORT_CACHE = 20_000


@lru_cache(maxsize=200_000)
def word_pinyin(word: str) -> tuple[str, ...]:
    """The toneless syllables of a Chinese word (交通 → jiao, tong); () if a character has
    no reading."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="default")
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return ()
    return tuple(syllables)


def pinyin_tokens(text: str) -> list[str]:
    """The pinyin tokens of a short field: for each word and each dictionary word inside it,
    its full pinyin (gongjiao) and, for words of two or more characters, its initials (gj);
    then the same for the whole text's Chinese words joined (gongjiaozhandian, gjzd).
    Without repeats, in order of first appearance."""
    if len(text) <= CACHED_LENGTH and type(text) is str:
        return list(_short_pinyin_tokens(text))
    return _pinyin_tokens(text)


@lru_cache(maxsize=SHORT_CACHE)
def _short_pinyin_tokens(text: str) -> tuple[str, ...]:
    """Kept per text: keywords and department names repeat across a catalog."""
    return tuple(_pinyin_tokens(text))


def _pinyin_tokens(text: str) -> list[str]:
    tokens: dict[str, None] = {}
    whole: list[str] = []
    for han, run, _start in runs(normalize(text)):
        if han:
            syllables, run_tokens = run_pinyin(run)
            whole.extend(syllables)
            tokens.update(dict.fromkeys(run_tokens))
    if len(whole) > 1:
        _add(tokens, tuple(whole))
    return list(tokens)


@lru_cache(maxsize=RUN_CACHE)
def run_pinyin(run: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A run of Chinese characters' syllables, word by word (a word without a reading gives
    none), and its words' pinyin tokens in order: kept per run, as the run's words are
    (segment.han_tokens), since the runs of short fields repeat across a catalog."""
    tokens: dict[str, None] = {}
    whole: list[str] = []
    for word, _offset in cut(run):
        syllables = word_pinyin(word)
        whole.extend(syllables)
        _add(tokens, syllables)
        for part, _at in subwords(word):
            _add(tokens, word_pinyin(part))
    return tuple(whole), tuple(tokens)


def _add(tokens: dict[str, None], syllables: tuple[str, ...]) -> None:
    if not syllables:
        return
    tokens["".join(syllables)] = None
    if len(syllables) > 1:
        tokens["".join(s[0] for s in syllables)] = None


@once
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable with a vowel, from pypinyin's own character table (the
    vowelless interjections m, n, ng, hm would make almost any letters read as pinyin)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFKD", reading.replace("ü", "v"))
            plain = "".join(c for c in plain if not unicodedata.combining(c))
            if plain.isascii() and plain.isalpha() and any(v in plain for v in "aeiouv"):
                found.add(plain)
    return frozenset(found)


@lru_cache(maxsize=20_000)
def split_pinyin(text: str) -> tuple[str, ...]:
    """`text` split into pinyin syllables (jiaotong → jiao, tong), or () if it does not read as
    pinyin. Of several splits the one with the fewest syllables wins (xian → xian, not xi an)."""
    if not (text.isascii() and text.isalpha()) or len(text) > 60:
        return ()
    known = syllables()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and text[start:end] in known:
                candidate = (*head, text[start:end])
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1] or ()


def known_words_read_as(text: str) -> tuple[str, ...]:
    """The words of our dictionary and synonym groups whose full pinyin is `text`
    (chongdianzhuang → 充电桩): a pinyin query then also finds what those words' synonyms
    name. Only our own few hundred words, not jieba's whole dictionary, whose many homophones
    would drown the one meant."""
    return _known_words_by_pinyin().get(text, ())


@once
def _known_words_by_pinyin() -> dict[str, tuple[str, ...]]:
    words = [entry.word for entry in read_dictionary()] + synonyms().words()
    found: dict[str, dict[str, None]] = {}
    for word in words:
        if is_han(word) and len(word) >= 2 and word_pinyin(word):
            found.setdefault("".join(word_pinyin(word)), {})[word] = None
    return {key: tuple(value) for key, value in found.items()}


def may_be_initials(text: str) -> bool:
    """True if `text` could be a word's initials: two to MAX_INITIALS Latin letters."""
    return text.isascii() and text.isalpha() and 2 <= len(text) <= MAX_INITIALS


def readings(word: str, limit: int = 16) -> list[str]:
    """The joined toneless readings of a Chinese word, the usual one first, then those its
    characters' other readings give (at most `limit`): a typo's characters have no context, so
    any of their readings may be the one the person meant."""
    from pypinyin import Style, pinyin

    usual = "".join(word_pinyin(word))
    found = dict.fromkeys([usual] if usual else [])
    options = pinyin(word, style=Style.NORMAL, heteronym=True, errors="default")
    if len(options) != len(word):
        return list(found)
    for combination in itertools.islice(itertools.product(*options), limit):
        joined = "".join(combination)
        if joined.isascii() and joined.isalpha():
            found[joined] = None
    return list(found)[:limit]
