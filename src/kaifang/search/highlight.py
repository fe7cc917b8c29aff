"""Highlighted matches for the result list: a dataset's title and a fragment of its summary
as HTML, with each place a searched word occurs wrapped in <mark> and everything else escaped.

It works on the stored text itself, not on an engine's tokens, so every backend gets the same
highlights: an index holds pre-segmented words, from which the original spelling (full-width
letters, traditional characters) could not be shown again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from django.utils.html import escape

from kaifang.search.analysis.query import PARTS, SYNONYM, TYPED, Query

HIGHLIGHTED = frozenset({TYPED, PARTS, SYNONYM})
SUMMARY_CHARS = 120  # the fragment of a summary shown around its first match
MARK = "<mark>{}</mark>"

Fold = Callable[[str], str]


def _spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where any of `words` occurs in `text`, overlapping places merged, in order."""
    found = []
    for word in words:
        start = text.find(word)
        while word and start >= 0:
            found.append((start, start + len(word)))
            start = text.find(word, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _folded(text: str, fold: Fold | None) -> str:
    """The text as words are compared with it: lower case, and folded (traditional →
    simplified, full-width → half-width) where folding keeps every character in its place."""
    if fold is None:
        return text.lower()
    return _folded_with(text, fold)


@lru_cache(maxsize=20_000)
def _folded_with(text: str, fold: Fold) -> str:
    """Cached: the same titles and summaries come back page after page, and folding runs
    OpenCC's tables over them."""
    folded = fold(text)
    return folded if len(folded) == len(text) else text.lower()


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    parts, at = [], 0
    for start, end in spans:
        parts += [escape(text[at:start]), MARK.format(escape(text[start:end]))]
        at = end
    parts.append(escape(text[at:]))
    return "".join(parts)


def mark(text: str, words: Sequence[str], *, fold: Fold | None = None) -> str:
    """`text` as HTML with `words` marked; "" when none of them occurs."""
    spans = _spans(_folded(text, fold), words)
    return _render(text, spans) if spans else ""


def fragment(
    text: str, words: Sequence[str], *, size: int = SUMMARY_CHARS, fold: Fold | None = None
) -> str:
    """Up to `size` characters of `text` around its first match, as HTML with the words
    marked and … where text was cut; "" when none of the words occurs."""
    spans = _spans(_folded(text, fold), words)
    if not spans:
        return ""
    start = max(0, min(spans[0][0] - size // 4, len(text) - size))
    end = min(len(text), start + size)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end]
    html = _render(text[start:end], [(s, e) for s, e in inside if s < e])
    return ("…" if start else "") + html + ("…" if end < len(text) else "")


def highlight_results(
    datasets: Iterable, words: Iterable[str], *, fold: Fold | None = None
) -> dict[str, dict[str, str]]:
    """For each dataset whose title or summary contains a word: {"title", "summary"} as HTML
    (either may be "" when only the other matched), keyed by the dataset's id as text."""
    wanted = sorted({(fold(w) if fold else w).lower() for w in words if w}, key=len, reverse=True)
    if not wanted:
        return {}
    found = {}
    for dataset in datasets:
        title = mark(dataset.title, wanted, fold=fold)
        summary = fragment(dataset.summary or "", wanted, fold=fold)
        if title or summary:
            found[str(dataset.pk)] = {"title": title, "summary": summary}
    return found


def query_words(analyzed: Query) -> list[str]:
    """The words a result highlights for an analysed query: what was typed, its parts and
    its synonyms (not the synonyms' parts, nor pinyin and single characters, which would mark
    too much)."""
    words = [term.text for term in analyzed.terms]
    for term in analyzed.terms:
        words += [t for a in term.alternatives if a.source in HIGHLIGHTED for t in a.tokens]
    return words
