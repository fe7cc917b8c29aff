"""What the demo's files hold: one maker per kind of table, each filling `n` rows at once.

Lists (hospitals, schools, shelters, law firms …) are declared column by column; observations
(air quality, weather, water, traffic …) are grids of stations by time whose values follow the
seasons and the hours of the day; statistics are regions by periods by indicators. The dataset
specs name a kind; `get` returns its maker.
"""

from __future__ import annotations

from kaifang.catalog.demo.tables.base import Kind

KINDS: dict[str, Kind] = {}


def _load() -> None:
    from kaifang.catalog.demo.tables import (
        lists_economy,
        lists_public,
        lists_society,
        observations,
        places,
        registers,
    )

    for module in (observations, registers, places, lists_public, lists_economy, lists_society):
        clash = KINDS.keys() & module.KINDS.keys()
        if clash:
            raise ValueError(f"演示表种类重复定义：{sorted(clash)}")
        KINDS.update(module.KINDS)


def get(kind: str) -> Kind:
    """The table maker named `kind`; KeyError names the unknown kind."""
    if not KINDS:
        _load()
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"演示数据没有“{kind}”这种表") from None


def all_kinds() -> dict[str, Kind]:
    """Every kind, by name (loaded on first use)."""
    if not KINDS:
        _load()
    return dict(KINDS)
