"""Text folding shared by documents and queries, and the split into runs of Chinese characters
and of Latin letters or digits.

Both sides of a search go through `normalize`, so whatever it folds (full-width forms,
traditional characters, letter case, accents, stray control characters) can never cause a
miss. Its steps are chosen so that it is idempotent: a normalized text normalizes to itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from opencc import OpenCC

from kaifang.search.analysis._once import once

#: Chinese characters: 〇, the unified ideographs with extension A, the compatibility block and
#: the supplementary planes' extensions B–H.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{HAN}]+")

# Letters and digits of any other script, joined by the marks that hold a code or a number
# together: pm2.5, 633-2012, r&d, gb_t.
_WORD = rf"[^\W_{HAN}]+"
RUN = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>{_WORD}(?:[.+&_-]{_WORD})*)")

# Unicode format characters (category Cf: soft hyphen, zero-width and bidirectional marks,
# tags) and variation selectors: invisible, so a pasted title must not differ by them.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]+"
)
# Controls, line and paragraph separators and lone surrogates (which no encoder accepts)
# separate words like a space does.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")

# Short texts are folded once per process and then looked up: titles, keywords and the names
# of departments, regions and information items repeat across a catalog, and a rebuild folds
# each of a dataset's short fields several times (words, characters, pinyin, exact title).
CACHED_LENGTH = 64
NORMALIZE_CACHE = 100_000


def normalize(text: str) -> str:
    """Fold `text` for matching: full-width → half-width and other compatibility forms (NFKC),
    traditional → simplified characters, lower-case letters without accents (jiāotōng →
    jiaotong), invisible characters removed, controls and runs of whitespace → one space.
    Codes and numbers stay as they are written (ＰＭ２．５ → pm2.5)."""
    if not text:
        return ""
    if len(text) <= CACHED_LENGTH and type(text) is str:
        return _normalize_short(text)
    return _normalize(text)


@lru_cache(maxsize=NORMALIZE_CACHE)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = _INVISIBLE.sub("", _BREAKING.sub(" ", text))
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", to_simplified(text).lower())
        text = text.translate(_accent_table())
    else:
        text = text.lower()
    return " ".join(text.split())


def runs(normalized: str) -> Iterator[tuple[bool, str, int]]:
    """The runs of a normalized text as (is_han, text, start offset); punctuation, symbols,
    emoji and spaces between them are dropped."""
    for match in RUN.finditer(normalized):
        yield match.lastgroup == "han", match.group(), match.start()


def is_han(text: str) -> bool:
    """True if `text` is one or more Chinese characters and nothing else."""
    return bool(text) and HAN_RUN.fullmatch(text) is not None


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC's phrase and character tables.

    Most text on the portal is simplified already, so it is converted only when it holds a
    character the tables would change. The conversion is repeated until nothing changes (a
    handful of OpenCC's phrase results would convert further on a second pass, e.g. 乾縣 → 乾县
    → 干县), which keeps `normalize` idempotent; documents and queries fold alike either way."""
    triggers = _t2s_triggers()
    for _attempt in range(4):
        if triggers is not None and triggers.isdisjoint(text):
            return text
        converted = _converter().convert(text)
        if converted == text:
            return text
        text = converted
    return text


@once
def _converter() -> OpenCC:
    return OpenCC("t2s")


@once
def _t2s_triggers() -> frozenset[str] | None:
    """The characters whose presence can change a text under t2s: those with a different
    simplified form, and those changed only inside a phrase (瞭 in 明瞭). None when the
    installed OpenCC keeps its tables elsewhere; every text is then converted."""
    try:
        folder = resources.files("opencc").joinpath("dictionary")
        chars = _table(folder.joinpath("TSCharacters.txt").read_text(encoding="utf-8"))
        phrases = _table(folder.joinpath("TSPhrases.txt").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    changed = {key for key, value in chars.items() if value != key}
    for key, value in phrases.items():
        if len(key) == len(value):
            changed.update(k for k, v in zip(key, value, strict=True) if k != v)
        elif key != value:
            changed.update(key)
    return frozenset(changed)


def _table(text: str) -> dict[str, str]:
    """An OpenCC dictionary file: `key<TAB>value [other values]` per line."""
    table = {}
    for line in text.splitlines():
        key, _tab, values = line.partition("\t")
        if key and values:
            table[key] = values.split(" ")[0]
    return table


@once
def _accent_table() -> dict[int, str | None]:
    """Latin letters with diacritics → the plain letter (ǎ → a, ü → u), and the combining
    diacritical marks removed; pinyin typed with tone marks then reads like the one without."""
    table: dict[int, str | None] = dict.fromkeys(range(0x0300, 0x0370))
    for block in (range(0x00C0, 0x0250), range(0x1E00, 0x1F00)):
        for code in block:
            letters = unicodedata.normalize("NFKD", chr(code))
            base = "".join(c for c in letters if not unicodedata.combining(c)).lower()
            if base.isascii() and base.isalpha() and base != chr(code):
                table[code] = base
    return table
