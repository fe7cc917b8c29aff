"""Code lists (代码表) kept as data files beside this module, loaded once and cached."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Item:
    code: str
    zh: str
    en: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The label in the active language (Chinese unless English is active)."""
        lang = get_language() or "zh-hans"
        return self.en if lang.startswith("en") and self.en else self.zh


@dataclass
class CodeList:
    name: str
    label_zh: str
    label_en: str
    items: tuple[Item, ...]
    by_code: dict[str, Item] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_code = {item.code: item for item in self.items}

    def __iter__(self):
        return iter(self.items)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str | None) -> Item | None:
        return self.by_code.get(code) if code is not None else None

    def label(self, code: str | None) -> str:
        item = self.get(code)
        return item.label if item else (code or "")

    def choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self.items]


@cache
def get(name: str) -> CodeList:
    """Load code list `name` (a file `<name>.yaml` here); KeyError if there is none."""
    path = HERE / f"{name}.yaml"
    if not path.is_file() or "/" in name or "." in name:
        raise KeyError(f"no code list named {name!r}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = tuple(
        Item(
            code=str(raw["code"]),
            zh=raw["zh"],
            en=raw.get("en", ""),
            extra={k: v for k, v in raw.items() if k not in {"code", "zh", "en"}},
        )
        for raw in doc["items"]
    )
    return CodeList(doc["name"], doc["label"]["zh"], doc["label"].get("en", ""), items)


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.yaml"))
