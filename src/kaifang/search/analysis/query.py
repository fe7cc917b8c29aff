"""What a search box query asks, as a structure any backend can run: terms that must all
match, each with the alternatives that satisfy it.

An alternative names a field (WORDS, CHARS or PINYIN, filled with `index_tokens`,
`char_tokens` and `pinyin_tokens`), the tokens that must all be there — next to each other
and in order if it is a `phrase` —, and a weight for ranking. `Query.matches` is the reference
meaning that each backend reproduces in its own query language (tantivy: a BooleanQuery of
Must terms over Should alternatives, a PhraseQuery for a phrase; PostgreSQL: a tsquery of `&`
between terms, `|` between alternatives and `<->` inside a phrase).

Every Chinese term can also match as a phrase of its characters in CHARS: a document holding
the term's characters side by side matches, however its words were cut (浙江省生态环境厅 holds
浙江省 even if a dictionary word had cut it 浙江 + 省生态环境厅). A search then finds at least
what a substring search would, while word matches still rank first. A synonym matches as words
only: it is a word of the segmenter's dictionary (analysis.segment adds every one), so texts
holding it are cut with it as a word or one of its parts. Its characters as a phrase found
nothing more in the benchmark's searches of a million datasets, while they tripled the work of
a common term's search there (学校 with 中小学 and 教育机构: 39 → 12 ms for the page, 48 → 16
ms for the facets): phrases of common characters are the costliest queries there are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kaifang.search.analysis.normalize import is_han, normalize, runs
from kaifang.search.analysis.pinyin import (
    known_words_read_as,
    may_be_initials,
    split_pinyin,
    word_pinyin,
)
from kaifang.search.analysis.segment import cut, parts
from kaifang.search.analysis.synonyms import synonyms

WORDS = "words"
CHARS = "chars"
PINYIN = "pinyin"

# Where an alternative comes from, and how much a match through it counts against a match of
# what was typed.
TYPED = "typed"
PARTS = "parts"
SYNONYM = "synonym"
SYNONYM_PARTS = "synonym_parts"
CHARACTERS = "chars"
SPELLED = "pinyin"
SPELLED_SYNONYM = "pinyin_synonym"
WEIGHTS = {
    TYPED: 1.0,
    PARTS: 0.8,
    SYNONYM: 0.7,
    SYNONYM_PARTS: 0.6,
    SPELLED: 0.6,
    SPELLED_SYNONYM: 0.5,
    CHARACTERS: 0.4,
}

# Function words that only join others, dropped from a query that has other terms since a
# document's title seldom repeats them (公交和地铁 asks for 公交 and 地铁); and 查询, 数据:
# on a data portal every query asks for data (公交数据 asks for 公交).
STOPWORDS = frozenset("的了和与及或之在是等") | {"有关", "关于", "以及", "还有", "查询", "数据"}

# "…", “…”, 「…」 and 『…』 ask for the words inside exactly, without synonyms or pinyin.
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')


@dataclass(frozen=True)
class Alternative:
    """One way a term matches: every token of `tokens` is among the `field` tokens of a
    document (in this order, where the backend checks phrases)."""

    field: str
    tokens: tuple[str, ...]
    source: str
    phrase: bool = False

    @property
    def weight(self) -> float:
        return WEIGHTS[self.source]

    def matches(self, fields: Mapping[str, Sequence[str]]) -> bool:
        present = fields.get(self.field, ())
        if self.phrase and len(self.tokens) > 1:
            return _contains_run(present, self.tokens)
        return all(token in present for token in self.tokens)


@dataclass(frozen=True)
class Term:
    """One word of the query: `text` at `start`–`end` in the normalized query, and what may
    stand for it. `exact` terms came in quotes."""

    text: str
    start: int
    end: int
    alternatives: tuple[Alternative, ...]
    exact: bool = False

    @property
    def is_han(self) -> bool:
        return is_han(self.text)

    @property
    def pinyin(self) -> bool:
        """True if the term may be pinyin and should also be looked up in the PINYIN field."""
        return any(a.field == PINYIN for a in self.alternatives)

    def matches(self, fields: Mapping[str, Sequence[str]]) -> bool:
        return any(a.matches(fields) for a in self.alternatives)


@dataclass(frozen=True)
class Query:
    """A normalized query (`text`) and its terms; a document matches if it matches every
    term. A query without terms asks for nothing in particular."""

    text: str
    terms: tuple[Term, ...]

    def matches(self, fields: Mapping[str, Sequence[str]]) -> bool:
        """The reference semantics: `fields` maps WORDS, CHARS and PINYIN to a document's
        tokens in each, in text order."""
        return all(term.matches(fields) for term in self.terms)


def analyze_query(q: str | None) -> Query:
    """Turn what a person typed into a Query. Never raises: any text, however odd, gives a
    Query, perhaps without terms."""
    text = normalize(q or "")
    terms: list[Term] = []
    position = 0
    for match in _QUOTED.finditer(text):
        terms.extend(_free_terms(text, position, match.start()))
        terms.extend(_exact_terms(match))
        position = match.end()
    terms.extend(_free_terms(text, position, len(text)))
    kept = [t for t in terms if t.exact or t.text not in STOPWORDS]
    return Query(text=text, terms=tuple(kept or terms))


def words_of(text: str, start: int = 0) -> list[tuple[str, int]]:
    """The precise words of a normalized text with their offsets: Chinese words as jieba cuts
    them, codes and numbers whole."""
    found = []
    for han, run, offset in runs(text):
        if han:
            found.extend((word, start + offset + at) for word, at in cut(run))
        else:
            found.append((run, start + offset))
    return found


def _free_terms(text: str, start: int, end: int) -> list[Term]:
    return [
        Term(word, offset, offset + len(word), tuple(_alternatives(word)))
        for word, offset in words_of(text[start:end], start)
    ]


def _exact_terms(match: re.Match) -> list[Term]:
    """A quoted stretch: each run in it as typed, without parts, synonyms or pinyin, and a
    Chinese run kept whole as a phrase of its characters."""
    group = next(i for i, g in enumerate(match.groups(), start=1) if g is not None)
    offset = match.start(group)
    terms = []
    for han, run, start in runs(match.group(group)):
        alternatives = [Alternative(WORDS, _words(run) if han else (run,), TYPED)]
        if han:
            alternatives.append(Alternative(CHARS, tuple(run), CHARACTERS, phrase=True))
        at = offset + start
        terms.append(Term(run, at, at + len(run), tuple(alternatives), exact=True))
    return terms


def _alternatives(word: str) -> list[Alternative]:
    found = _forms(word, TYPED, PARTS, CHARACTERS)
    if not is_han(word) and (split_pinyin(word) or may_be_initials(word)):
        found.append(Alternative(PINYIN, (word,), SPELLED))
        found.extend(_spelled_synonyms(word))
    for other in synonyms().of(word):
        found.extend(_forms(other, SYNONYM, SYNONYM_PARTS, None))
    return _pruned(found)


def _spelled_synonyms(spelled: str) -> list[Alternative]:
    """For pinyin that spells one of our words (chongdianzhuang → 充电桩): that word, and each
    of its synonyms as words and as pinyin (充电站, chongdianzhan)."""
    found = []
    for word in known_words_read_as(spelled):
        found.append(Alternative(WORDS, (word,), SPELLED))
        for other in synonyms().of(word):
            found.extend(_spelled_forms(other))
    return found


def _spelled_forms(word: str) -> list[Alternative]:
    if not is_han(word):
        return [Alternative(WORDS, (word,), SPELLED_SYNONYM)]
    found = [Alternative(WORDS, _words(word), SPELLED_SYNONYM)]
    if word_pinyin(word):
        found.append(Alternative(PINYIN, ("".join(word_pinyin(word)),), SPELLED_SYNONYM))
    return found


def _forms(
    word: str, source: str, parts_source: str, chars_source: str | None
) -> list[Alternative]:
    """`word` as a WORDS alternative; for a compound, its parts as another; for Chinese, its
    characters side by side in CHARS (unless `chars_source` is None: a synonym's)."""
    if not is_han(word):
        return [Alternative(WORDS, (word,), source)]
    cuts = _words(word)
    found = [Alternative(WORDS, cuts, source)]
    pieces = parts(word) if len(cuts) == 1 else ()
    if pieces:
        found.append(Alternative(WORDS, pieces, parts_source))
    if chars_source is not None:
        found.append(Alternative(CHARS, tuple(word), chars_source, phrase=True))
    return found


def _words(han: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word for word, _at in cut(han)))


def _pruned(alternatives: list[Alternative]) -> list[Alternative]:
    """Without repeats, and without a CHARS phrase that holds a shorter one (公交车 when 公交
    is there): whatever matches it matches the shorter one already."""
    unique = list(dict.fromkeys(alternatives))
    phrases = ["".join(a.tokens) for a in unique if a.field == CHARS]
    return [
        a
        for a in unique
        if a.field != CHARS
        or not any(p != "".join(a.tokens) and p in "".join(a.tokens) for p in phrases)
    ]


def _contains_run(tokens: Sequence[str], run: tuple[str, ...]) -> bool:
    """True if `run` occurs in `tokens` as consecutive items."""
    size = len(run)
    first = run[0]
    return any(
        tokens[i] == first and tuple(tokens[i : i + size]) == run
        for i in range(len(tokens) - size + 1)
    )
