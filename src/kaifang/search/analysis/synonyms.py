"""Synonym groups from data/synonyms.yaml: 公交 ≈ 公共交通 ≈ 巴士, 环保 ≈ 生态环境, department
names ≈ their short and former names. Expansion happens at query time only, so changing the
file needs no re-index (except that its Chinese words are also dictionary words)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import gettext as _

from kaifang.search.analysis._once import once
from kaifang.search.analysis.data import SYNONYMS_FILE, AnalysisDataError, read_synonyms
from kaifang.search.analysis.normalize import is_han, normalize, runs


class Synonyms:
    """Word → the other words of every group it belongs to, in the file's order."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        collected: dict[str, dict[str, None]] = {}
        for group in groups:
            words = list(dict.fromkeys(group))
            for word in words:
                collected.setdefault(word, {}).update(dict.fromkeys(w for w in words if w != word))
        self._others = {word: tuple(others) for word, others in collected.items()}

    def of(self, word: str) -> tuple[str, ...]:
        """The synonyms of the normalized `word`, without the word itself; () for none."""
        return self._others.get(word, ())

    def words(self) -> list[str]:
        """Every word that stands in a group."""
        return list(self._others)

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_FILE) -> Synonyms:
        """Read and check a synonym file; every word is normalized and must be one term."""
        groups = read_synonyms(path)
        return cls([_checked(word, path) for word in group] for group in groups)


def _checked(word: str, path: Path) -> str:
    folded = normalize(word)
    parts = list(runs(folded))
    if len(parts) != 1 or parts[0][1] != folded or not (is_han(folded) or folded.isascii()):
        raise AnalysisDataError(
            _("同义词文件 %(path)s 中的“%(word)s”应为一个词：只含汉字，或只含一个代码（如 AQI）")
            % {"path": path, "word": word}
        )
    return folded


@once
def synonyms() -> Synonyms:
    """The portal's synonym groups, read once."""
    return Synonyms.from_file()
