"""The demo catalog's contents: for each of the 21 domains, the datasets a provincial portal
publishes, who publishes them and what their files hold — kept as data in `catalog.yaml`.

A spec whose title has `{place}` is published once for each region in `at`, by that region's
bureau (杭州市公交站点信息 by 杭州市交通运输局 …); the others by a provincial department.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

CATALOG = Path(__file__).with_name("catalog.yaml")


@dataclass(frozen=True)
class Spec:
    title: str
    dept: str  # bureau code (departments.PROVINCE, or departments.LOCAL with `at`)
    kind: str  # table kind (tables.get)
    freq: str = "monthly"
    size: str = "m"  # s: 100–800 rows, m: 300–5,000, l: 5,000–20,000, xl: 60,000–100,000
    keywords: tuple[str, ...] = ()
    at: tuple[str, ...] = ()
    high_value: bool = False
    conditional: bool = False
    layout: str = "table"  # table · report (PDF) · map (external link + API) · service (API)
    resource_class: str = "3"
    about: str = ""


FIELDS = frozenset(f.name for f in fields(Spec))


@functools.cache
def domains() -> dict[str, list[Spec]]:
    """Domain code → its specs, in the file's order."""
    raw = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return {
        str(domain): [_spec(item, str(domain), number) for number, item in enumerate(items, 1)]
        for domain, items in raw.items()
    }


def _spec(item: dict[str, Any], domain: str, number: int) -> Spec:
    unknown = set(item) - FIELDS
    if unknown:
        raise ValueError(
            f"{CATALOG.name}：领域 {domain} 第 {number} 项有未知的键 {sorted(unknown)}"
        )
    values = dict(item)
    values["keywords"] = tuple(str(values.get("keywords", "")).split())
    values["at"] = tuple(str(code) for code in values.get("at", ()))
    values["resource_class"] = str(values.get("resource_class", "3"))
    return Spec(**values)
