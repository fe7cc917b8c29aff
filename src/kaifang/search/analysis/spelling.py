"""“您是不是要找” (did you mean) for a query whose words the index does not hold.

A one-character typo in Chinese is nearly always a homophone — the input method offered the
wrong character for the right pinyin (公焦 for 公交, 医员 for 医院) — so a word is corrected
through its pinyin first: the same toneless pinyin, then the same pinyin up to the sounds the
province's speakers often merge (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing). Only then edit
distance one (a missed, doubled, swapped or wrong character), over a deletion index so a
lookup costs a few dictionary probes, not a scan of the vocabulary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kaifang.search.analysis.normalize import is_han
from kaifang.search.analysis.pinyin import readings, split_pinyin, word_pinyin
from kaifang.search.analysis.query import Term, analyze_query

#: Words longer than this are left out of the deletion index (and never corrected by it).
MAX_EDIT_LENGTH = 12
#: A Latin word shorter than this is not corrected by edit distance: too many near neighbours.
MIN_LATIN_LENGTH = 3
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))


class Speller:
    """Corrections from a vocabulary {word: frequency}: the index's word tokens and how many
    documents hold each. Built once per vocabulary and read-only afterwards, so one speller
    can serve every thread.

    `max_words` keeps the most frequent words only: building costs a pinyin look-up per
    Chinese word (~60 µs uncached), and a word seen once is a poor suggestion anyway."""

    def __init__(self, vocabulary: Mapping[str, int], *, max_words: int = 200_000):
        ranked = sorted(
            ((w, int(f)) for w, f in vocabulary.items() if w and int(f) > 0),
            key=lambda item: (-item[1], item[0]),
        )
        self.frequency: dict[str, int] = dict(ranked[:max_words])
        self._by_pinyin: dict[str, list[str]] = defaultdict(list)
        self._by_fuzzy: dict[str, list[str]] = defaultdict(list)
        self._by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in self.frequency:  # most frequent first, so each list is ranked
            self._index(word)

    def suggest(self, q: str) -> str | None:
        """The normalized query with each word the vocabulary lacks replaced by its best
        correction, or None when nothing could be corrected (or nothing needed to be)."""
        query = analyze_query(q)
        edits = [edit for group in _groups(query.terms) for edit in self._corrections(group)]
        if not edits:
            return None
        text = query.text
        for start, end, replacement in sorted(edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    def correct(self, word: str) -> str | None:
        """The best correction of one normalized word the vocabulary lacks, or None."""
        if word in self.frequency or not self._correctable(word):
            return None
        return (
            self._homophone(word)
            or self._fuzzy_homophone(word)
            or self._edited(word, substitutions=False)
            or self._edited(word, substitutions=True)
        )

    def _index(self, word: str) -> None:
        if is_han(word):
            syllables = word_pinyin(word)
            if syllables:
                self._by_pinyin["".join(syllables)].append(word)
                self._by_fuzzy[_fuzzy(syllables)].append(word)
        if 2 <= len(word) <= MAX_EDIT_LENGTH:
            for deleted in _deletions(word):
                self._by_deletion[deleted].append(word)

    def _corrections(self, group: list[Term]) -> list[tuple[int, int, str]]:
        """Corrections for a run of adjacent terms: each unknown word on its own, else the
        whole run as one word when the segmenter cut a typo apart (医疗疗机构)."""
        units = _join_single_characters(group)
        unknown = [unit for unit in units if self._unknown(unit)]
        if not unknown:
            return []
        edits = []
        for unit in unknown:
            correction = self.correct(unit.text)
            if correction is not None:
                edits.append((unit.start, unit.end, correction))
        if edits or len(group) == 1:
            return edits
        correction = self.correct("".join(term.text for term in group))
        return [(group[0].start, group[-1].end, correction)] if correction else []

    def _unknown(self, unit: _Unit) -> bool:
        if unit.text in self.frequency:
            return False
        return not unit.joined or any(char not in self.frequency for char in unit.text)

    def _correctable(self, word: str) -> bool:
        if is_han(word):
            return len(word) >= 2
        return word.isascii() and word.isalpha() and len(word) >= MIN_LATIN_LENGTH

    def _homophone(self, word: str) -> str | None:
        """Same toneless pinyin; a word of the same length first, then the most frequent."""
        if is_han(word):
            candidates = {w for key in readings(word) for w in self._by_pinyin.get(key, ())}
            return self._best(candidates - {word}, length=len(word))
        if len(split_pinyin(word)) < 2:
            return None
        return self._best(set(self._by_pinyin.get(word, ())), length=None)

    def _fuzzy_homophone(self, word: str) -> str | None:
        if not is_han(word):
            return None
        syllables = word_pinyin(word)
        if not syllables:
            return None
        candidates = {w for w in self._by_fuzzy.get(_fuzzy(syllables), ()) if w != word}
        return self._best({w for w in candidates if len(w) == len(word)}, length=len(word))

    def _edited(self, word: str, *, substitutions: bool) -> str | None:
        """A vocabulary word one edit away: with `substitutions` False, a character missed
        (住房公金), doubled or extra (医疗疗机构) or two swapped (gpd); else one replaced."""
        if len(word) > MAX_EDIT_LENGTH + 1:
            return None
        if substitutions:
            candidates = {
                w
                for deleted in _deletions(word)
                for w in self._by_deletion.get(deleted, ())
                if len(w) == len(word) and _one_substitution(w, word)
            }
        else:
            candidates = set(self._by_deletion.get(word, ()))
            candidates.update(d for d in _deletions(word) if d in self.frequency)
            candidates.update(t for t in _transpositions(word) if t in self.frequency)
        if is_han(word):
            candidates = {w for w in candidates if is_han(w) and len(w) >= 2}
        return self._best(candidates - {word}, length=None)

    def _best(self, candidates: set[str], *, length: int | None) -> str | None:
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda w: (length is not None and len(w) != length, -self.frequency[w], w),
        )


@dataclass(frozen=True)
class _Unit:
    """A stretch of the normalized query to correct; `joined` if made of one-character terms."""

    text: str
    start: int
    end: int
    joined: bool = False


def _groups(terms: Iterable[Term]) -> list[list[Term]]:
    """The terms in runs of adjacent Chinese terms; any other term is a run of its own."""
    groups: list[list[Term]] = []
    for term in terms:
        last = groups[-1][-1] if groups else None
        if last is not None and last.end == term.start and _han(last) and _han(term):
            groups[-1].append(term)
        else:
            groups.append([term])
    return groups


def _join_single_characters(group: list[Term]) -> list[_Unit]:
    """Each run of one-character terms becomes one unit (公焦 may be cut 公 + 焦)."""
    units: list[_Unit] = []
    for term in group:
        single = len(term.text) == 1
        if single and units and units[-1].joined:
            last = units[-1]
            units[-1] = _Unit(last.text + term.text, last.start, term.end, joined=True)
        else:
            units.append(_Unit(term.text, term.start, term.end, joined=single))
    return units


def _han(term: Term) -> bool:
    return not term.exact and is_han(term.text)


def _fuzzy(syllables: tuple[str, ...]) -> str:
    return "".join(_fuzzy_syllable(s) for s in syllables)


def _fuzzy_syllable(syllable: str) -> str:
    for before, after in _FUZZY_INITIALS:
        if syllable.startswith(before):
            syllable = after + syllable[len(before) :]
            break
    if syllable.endswith("ng") and not syllable.endswith("ong") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} - {""}


def _transpositions(word: str) -> set[str]:
    return {
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    }


def _one_substitution(a: str, b: str) -> bool:
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1
