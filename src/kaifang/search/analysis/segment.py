"""Word segmentation with rjieba (jieba-rs) and the portal's dictionary, and the tokens a
document gives the index.

Documents are cut in search mode: every word of the precise cut, preceded by each dictionary
word inside it (空气质量 → 空气, 质量, 空气质量), so a query for a part finds the whole. jieba's
own search mode only looks for parts of two or three characters; ours looks for parts of any
length (安全生产 inside 安全生产标准化), cached per word so it costs one dictionary probe per
substring once per process.

A text's runs of Chinese characters are cut one by one, so a run gives the same words wherever
it stands, and its words are cached per run: across a catalog the same runs come back again
and again (department and region names, 信息, 名录, field names), so a rebuild cuts each
distinct run once instead of once per dataset (in a synthetic catalog of 20,000 datasets, one
run in ten is new).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from kaifang.search.analysis._once import once
from kaifang.search.analysis.data import read_dictionary
from kaifang.search.analysis.normalize import HAN_RUN, normalize, runs
from kaifang.search.analysis.synonyms import synonyms

if TYPE_CHECKING:
    import rjieba

# Words longer than this are not searched for parts: rare (HMM-made runs of unknown characters)
# and each costs a quadratic number of dictionary probes.
MAX_PART_SEARCH = 12
# Pieces of a code shorter than this are not indexed on their own (r&d gives no "r" and "d").
MIN_CODE_PIECE = 2
# Runs of Chinese characters whose words are kept (a few hundred bytes each).
RUN_CACHE = 100_000


@once
def segmenter() -> rjieba.Jieba:
    """jieba-rs with its general dictionary, our government terms and the synonym words
    (imported here, on first use: see analysis.pinyin on pypinyin)."""
    import rjieba

    jieba = rjieba.Jieba()
    for entry in read_dictionary():
        jieba.add_word(entry.word, entry.freq, entry.tag)
    for word in synonyms().words():
        if HAN_RUN.fullmatch(word) and not jieba.has_word(word):
            jieba.add_word(word, None, None)
    return jieba


def cut(han: str) -> list[tuple[str, int]]:
    """The precise cut of a run of Chinese characters: (word, offset in the run)."""
    return [(word, start) for word, start, _end in segmenter().tokenize(han)]


@lru_cache(maxsize=200_000)
def subwords(word: str) -> tuple[tuple[str, int], ...]:
    """The dictionary words strictly inside `word`, at least two characters long, as (part,
    offset), in order of offset and then length."""
    size = len(word)
    if size < 3 or size > MAX_PART_SEARCH:
        return ()
    jieba = segmenter()
    return tuple(
        (word[start:end], start)
        for start in range(size - 1)
        for end in range(start + 2, size + 1)
        if end - start < size and jieba.has_word(word[start:end])
    )


@lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The fewest dictionary parts of `word` that together cover every character of it
    (企业信用 → 企业, 信用; 不动产 → 不动, 动产), or () if its parts leave a gap. A query for a
    compound word also finds documents that hold its parts in another arrangement."""
    spans = [(start, start + len(part), part) for part, start in subwords(word)]
    chosen: list[str] = []
    covered = 0
    while covered < len(word):
        reach = [(end, part) for start, end, part in spans if start <= covered < end]
        if not reach:
            return ()
        end, part = max(reach, key=lambda item: (item[0], -len(item[1])))
        chosen.append(part)
        covered = end
    return tuple(chosen)


def index_tokens(text: str, *, chars: bool = False) -> list[str]:
    """The word tokens of `text` for the index, in text order, repeats kept so term
    frequencies count: search-mode Chinese words, and codes and numbers whole (pm2.5) plus the
    pieces of a joined code (633-2012 → 633-2012, 633, 2012). Punctuation, symbols and spaces
    give no token.

    With `chars`, the single characters of the Chinese words follow (see `char_tokens`): for
    a backend with one field. A backend that can should keep them in their own field with a
    low boost instead, so common characters (市, 省, 局) do not weigh on word matches."""
    normalized = normalize(text)
    tokens = _word_tokens(normalized)
    if chars:
        tokens.extend(_chars(normalized))
    return tokens


def char_tokens(text: str) -> list[str]:
    """Every Chinese character of `text`, in order: the field that lets a one-character query
    (学, 厅) or an unknown word find what the word tokens cut differently."""
    return list(_chars(normalize(text)))


def _chars(normalized: str) -> str:
    return "".join(HAN_RUN.findall(normalized))


def _word_tokens(normalized: str) -> list[str]:
    tokens: list[str] = []
    for han, run, _start in runs(normalized):
        tokens.extend(han_tokens(run) if han else code_tokens(run))
    return tokens


@lru_cache(maxsize=RUN_CACHE)
def han_tokens(run: str) -> tuple[str, ...]:
    """The search-mode words of a run of Chinese characters: each word of its precise cut,
    preceded by the dictionary words inside it."""
    tokens: list[str] = []
    for word, _offset in cut(run):
        tokens.extend(part for part, _at in subwords(word))
        tokens.append(word)
    return tuple(tokens)


def code_tokens(code: str) -> list[str]:
    """A run of letters and digits: itself, then the pieces between its joining marks."""
    pieces = [p for p in _split_code(code) if len(p) >= MIN_CODE_PIECE and p != code]
    return [code, *pieces]


def _split_code(code: str) -> list[str]:
    for mark in ".+&_-":
        code = code.replace(mark, " ")
    return code.split()
