"""ASCII names (`^[a-z0-9_-]{2,100}$`) made from resource codes or Chinese titles.

Django's slugify drops Chinese characters entirely, so a Chinese title is spelled out in pinyin
first (公交站点 → gong-jiao-zhan-dian).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
MAX_LENGTH = 100
#: names that would collide with the word of a fixed route, e.g. /workspace/datasets/new/
RESERVED = frozenset({"new", "edit", "search", "api", "admin"})


def is_valid_name(name: str) -> bool:
    return bool(NAME_RE.fullmatch(name)) and name not in RESERVED


def slug_from_text(text: str, max_length: int = 80) -> str:
    """Spell `text` in ASCII: Chinese through pinyin, other letters stripped of accents.
    pypinyin is imported here, not with the module: its phrase dictionary takes a fifth of a
    second to load, which every command and worker start would pay for a name few make."""
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    ascii_text = unicodedata.normalize("NFKD", "-".join(parts))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:max_length].rstrip("-")


def slug_from_code(code: str) -> str:
    """A resource code such as 112461465423/000001 becomes 112461465423-000001."""
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


def unique_name(base: str, taken: Callable[[str], bool], fallback: str = "item") -> str:
    """`base` if free, else `base-2`, `base-3` …; `taken(name)` tells whether a name is in use."""
    base = (base or fallback)[: MAX_LENGTH - 8].strip("-_") or fallback
    if len(base) < 2:
        base = f"{fallback}-{base}"
    candidate, number = base, 1
    while candidate in RESERVED or taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
