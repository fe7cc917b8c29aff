"""The analysis data files: the dictionary of government terms and the synonym groups.

Both are data, not code, so a domain expert can extend them without touching Python. They are
read once per process; a wrong line stops the loading with a Chinese message naming the file and
the line, since a half-read dictionary would silently cut words differently than the index did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DICTIONARY_FILE = DATA_DIR / "dictionary.txt"
SYNONYMS_FILE = DATA_DIR / "synonyms.yaml"

# The parts of speech jieba's tagger knows; a user dictionary line may name one.
_TAG = re.compile(r"^[a-z]{1,4}$")
_HAN_WORD = re.compile(r"^[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+$")


class AnalysisDataError(Exception):
    """A dictionary or synonym file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class DictionaryEntry:
    """One word for the segmenter. `freq` None lets jieba pick the smallest frequency that
    still keeps the word whole; `tag` is its part of speech (nt organisation, nz proper noun…)."""

    word: str
    freq: int | None = None
    tag: str | None = None


def read_dictionary(path: Path = DICTIONARY_FILE) -> list[DictionaryEntry]:
    """Read a jieba user dictionary: `词 [词频] [词性]` per line, `#` starts a comment.

    Words must be Chinese characters only: Latin letters and digits are kept whole by the
    analyzer before the segmenter sees the text, so such a word could never be matched."""
    entries = []
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) > 3:
            raise _error(path, number, _("应为“词 [词频] [词性]”，多出了内容"))
        word = parts[0]
        if not _HAN_WORD.match(word):
            raise _error(path, number, _("词“%(word)s”只能由汉字组成") % {"word": word})
        freq, tag = _freq_and_tag(parts[1:], path, number)
        entries.append(DictionaryEntry(word, freq, tag))
    return entries


def read_synonyms(path: Path = SYNONYMS_FILE) -> list[tuple[str, ...]]:
    """Read the synonym groups: a YAML mapping whose `groups` is a list of lists of words.

    A word may appear in several groups; each group must hold at least two different words."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnalysisDataError(
            _("无法读取同义词文件 %(path)s：%(error)s") % {"path": path, "error": exc}
        ) from None
    groups = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(groups, list):
        raise AnalysisDataError(_("同义词文件 %(path)s 缺少 groups 列表") % {"path": path})
    return [_group(raw, path, index) for index, raw in enumerate(groups, start=1)]


def _lines(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnalysisDataError(
            _("无法读取词典文件 %(path)s：%(error)s") % {"path": path, "error": exc}
        ) from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def _freq_and_tag(rest: list[str], path: Path, number: int) -> tuple[int | None, str | None]:
    freq = tag = None
    for value in rest:
        if value.isdigit() and freq is None and tag is None:
            freq = int(value)
            if freq < 1:
                raise _error(path, number, _("词频应为正整数"))
        elif _TAG.match(value) and tag is None:
            tag = value
        else:
            raise _error(path, number, _("“%(value)s”既不是词频也不是词性") % {"value": value})
    return freq, tag


def _group(raw, path: Path, index: int) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise AnalysisDataError(
            _("同义词文件 %(path)s 第 %(n)d 组应为非空词语的列表") % {"path": path, "n": index}
        )
    words = tuple(dict.fromkeys(w.strip() for w in raw))
    if len(words) < 2:
        raise AnalysisDataError(
            _("同义词文件 %(path)s 第 %(n)d 组（%(words)s）至少要有两个不同的词")
            % {"path": path, "n": index, "words": "、".join(words)}
        )
    return words


def _error(path: Path, number: int, reason: str) -> AnalysisDataError:
    return AnalysisDataError(
        _("词典文件 %(path)s 第 %(n)d 行：%(reason)s")
        % {"path": path, "n": number, "reason": reason}
    )
