"""Vectorised makers of plausible values: whole columns at once, drawn with numpy.

A table is generated for one place (the province, a city or a county). `Gen` holds the random
source, the place and the row count, and draws once per table where each row is (which county),
so the county, town, address, telephone and coordinates of one row agree with each other.
Column makers are small functions returning `ColumnMaker`s; a table kind is a list of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kaifang.catalog.demo import vocab

# Special name slots, replaced per row by a word tied to the row's place.
PLACE = "@place"  # the table's own place: 浙江省 / 杭州市 / 西湖区
CITY = "@city"  # the row's city
COUNTY = "@county"  # the row's county
COUNTY_SHORT = "@county_short"  # 西湖区 → 西湖
TOWN = "@town"  # a town (街道/镇) of the row's county
ROAD = "@road"  # a road name: 文三路
TRADE = "@trade"  # a two-character trade name (字号): 恒瑞
SURNAME = "@surname"

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


@dataclass
class Column:
    """One column of a generated table, with what the 信息项 metadata needs to describe it."""

    name: str
    type: str  # a code of the field_data_type code list: C, N, I, F, D, T …
    values: np.ndarray
    description: str = ""
    length: int | None = None


@dataclass(frozen=True)
class Place:
    """Where a table's rows are: the place itself and the counties under it."""

    code: str
    name: str
    level: int
    province: str
    county_codes: np.ndarray
    county_names: np.ndarray
    county_cities: np.ndarray
    county_lon: np.ndarray
    county_lat: np.ndarray
    county_area_codes: np.ndarray
    county_is_district: np.ndarray
    county_weights: np.ndarray = field(repr=False)

    @property
    def full_name(self) -> str:
        return self.name if self.level == 1 else f"{self.province}{self.name}"

    @property
    def area_code(self) -> str:
        return str(self.county_area_codes[0])


ColumnMaker = Callable[["Gen"], list[Column]]


class Gen:
    """The random source, place and size of one table."""

    def __init__(self, rng: np.random.Generator, place: Place, n: int, anchor: dt.date):
        self.rng = rng
        self.place = place
        self.n = n
        self.anchor = anchor

    @cached_property
    def where(self) -> np.ndarray:
        """The county of each row, drawn once so every location column agrees."""
        p = self.place.county_weights
        return self.rng.choice(len(p), size=self.n, p=p / p.sum())

    @cached_property
    def town_index(self) -> np.ndarray:
        return self.rng.integers(0, 6, self.n)

    def pick(self, values: Sequence, weights: Sequence[float] | None = None) -> np.ndarray:
        """One of `values` per row."""
        p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
        return np.asarray(values)[self.rng.choice(len(values), size=self.n, p=p)]

    def slot(self, slot: str | Sequence[str]) -> np.ndarray | str:
        """The words of one name slot, per row (or one constant string)."""
        if isinstance(slot, str) and not slot.startswith("@"):
            return slot
        if not isinstance(slot, str):
            return self.pick(list(slot))
        return _SLOTS[slot](self)

    def text(self, *slots: str | Sequence[str]) -> np.ndarray:
        return cat(*(self.slot(s) for s in slots), n=self.n)

    def towns(self) -> np.ndarray:
        words = np.asarray(vocab.TOWN_WORDS)
        index = (self.where * 7 + self.town_index * 5) % len(words)
        suffix = np.where(self.place.county_is_district[self.where], "街道", "镇")
        return np.char.add(words[index], suffix)

    def roads(self) -> np.ndarray:
        base = self.pick(vocab.ROAD_WORDS)
        return np.char.add(base, self.pick(vocab.ROAD_SUFFIXES, vocab.ROAD_SUFFIX_WEIGHTS))

    def trade_names(self) -> np.ndarray:
        chars = np.asarray(list(vocab.TRADE_CHARS))
        first = self.rng.integers(0, len(chars), self.n)
        second = (first + self.rng.integers(1, len(chars), self.n)) % len(chars)
        return np.char.add(chars[first], chars[second])

    def persons(self, masked: bool = False) -> np.ndarray:
        surnames = self.pick(list(vocab.SURNAMES), vocab.SURNAME_WEIGHTS)
        given = np.asarray(list(vocab.GIVEN))
        one = given[self.rng.integers(0, len(given), self.n)]
        two = np.where(
            self.rng.random(self.n) < 0.7, given[self.rng.integers(0, len(given), self.n)], ""
        )
        if masked:
            return np.char.add(surnames, np.where(two == "", "*", "**"))
        return cat(surnames, one, two, n=self.n)

    def companies(self) -> np.ndarray:
        forms = self.pick(vocab.LEGAL_FORMS, vocab.LEGAL_FORM_WEIGHTS)
        city = np.char.replace(self.place.county_cities[self.where], "市", "")
        return cat(city, self.trade_names(), self.pick(vocab.BUSINESSES), forms, n=self.n)

    def addresses(self) -> np.ndarray:
        numbers = self.rng.integers(1, 999, self.n).astype(str)
        prefix = cat(self.place.county_names[self.where], self.towns(), n=self.n)
        if self.place.level == 1:
            prefix = np.char.add(self.place.county_cities[self.where], prefix)
        return cat(prefix, self.roads(), numbers, "号", n=self.n)

    def phones(self) -> np.ndarray:
        body = self.rng.integers(81_000_000, 89_999_999, self.n).astype(str)
        return cat(self.place.county_area_codes[self.where], "-", body, n=self.n)

    def coords(self, spread: float = 0.035) -> tuple[np.ndarray, np.ndarray]:
        lon = self.place.county_lon[self.where] + self.rng.normal(0, spread, self.n)
        lat = self.place.county_lat[self.where] + self.rng.normal(0, spread * 0.8, self.n)
        return np.round(lon, 6), np.round(lat, 6)

    def days_back(self, years: float, skew: float = 1.0) -> np.ndarray:
        """Dates up to `years` before the anchor day; skew > 1 favours recent ones."""
        span = int(years * 365)
        back = (self.rng.random(self.n) ** skew * span).astype(int)
        return np.datetime64(self.anchor) - back.astype("timedelta64[D]")

    def credit_codes(self, prefix: str = "91") -> np.ndarray:
        regions = self.place.county_codes[self.where]
        return credit_codes(self.rng, regions, prefix)


_SLOTS: dict[str, Callable[[Gen], np.ndarray | str]] = {
    PLACE: lambda g: g.place.name,
    CITY: lambda g: g.place.county_cities[g.where],
    COUNTY: lambda g: g.place.county_names[g.where],
    COUNTY_SHORT: lambda g: short_county(g.place.county_names[g.where]),
    TOWN: lambda g: g.towns(),
    ROAD: lambda g: g.roads(),
    TRADE: lambda g: g.trade_names(),
    SURNAME: lambda g: g.pick(list(vocab.SURNAMES), vocab.SURNAME_WEIGHTS),
}


def cat(*parts: np.ndarray | str, n: int) -> np.ndarray:
    """Join string columns (or constants) element by element."""
    out = np.full(n, "", dtype=object).astype(str)
    for part in parts:
        out = np.char.add(out, part if isinstance(part, np.ndarray) else str(part))
    return out


def short_county(names: np.ndarray) -> np.ndarray:
    """西湖区 → 西湖, 义乌市 → 义乌; names of two characters keep their suffix."""
    lengths = np.char.str_len(names)
    cut = np.array([s[:-1] for s in names.tolist()]) if len(names) else names
    return np.where(lengths > 2, cut, names)


def dedupe(values: np.ndarray, extra: np.ndarray, suffix: str = "") -> np.ndarray:
    """Tell repeated names apart the way real lists do: 某某医院（城东院区）."""
    _, first = np.unique(values, return_index=True)
    repeated = np.ones(len(values), bool)
    repeated[first] = False
    tail = cat("（", extra, suffix, "）", n=len(values))
    return np.where(repeated, np.char.add(values, tail), values)


def credit_codes(rng: np.random.Generator, regions: np.ndarray, prefix: str) -> np.ndarray:
    """统一社会信用代码 (GB 32100) with valid check characters: registration authority and
    type (`prefix`), the six-digit region, a nine-character organisation code (GB 11714,
    itself check-digited) and the final check character."""
    n = len(regions)
    body = rng.integers(0, 10, (n, 8))
    org_check = 11 - (body @ ORG_WEIGHTS) % 11
    org_check = np.where(org_check == 11, 0, org_check)
    org_check = np.where(org_check == 10, CREDIT_CHARS.index("X"), org_check)
    head = np.array([int(c) for c in prefix] * n).reshape(n, 2)
    region_digits = np.frombuffer("".join(regions.tolist()).encode(), np.uint8).reshape(n, 6)
    values = np.hstack([head, region_digits - 48, body, org_check[:, None]])
    check = (31 - (values @ CREDIT_WEIGHTS) % 31) % 31
    values = np.hstack([values, check[:, None]])
    points = np.frombuffer(CREDIT_CHARS.encode(), np.uint8)[values].astype(np.uint32)
    return np.ascontiguousarray(points).view("<U18").ravel()


def credit_code_is_valid(code: str) -> bool:
    """Check a 统一社会信用代码's final character (used by tests and by departments)."""
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def iso_dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(str)


def iso_minutes(times: np.ndarray) -> np.ndarray:
    return np.char.replace(times.astype("datetime64[m]").astype(str), "T", " ")


# Column makers: each returns a function that fills its column(s) for one table.


def text(name: str, *slots, unique: bool = False, dup: str = "", desc: str = "") -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        values = g.text(*slots)
        if unique:
            values = dedupe(values, g.towns(), dup)
        return [Column(name, "C", values, desc, _width(values))]

    return make


def named(
    name: str,
    prefix: Sequence,
    kinds: Sequence[tuple[str, str, float]],
    kind_name: str,
    dup: str = "",
) -> ColumnMaker:
    """A name whose ending says what the place is (…中医院 → 中医医院), and that kind in its own
    column, so the two always agree."""

    def make(g: Gen) -> list[Column]:
        endings, labels, weights = (np.asarray(x) for x in zip(*kinds, strict=True))
        which = g.rng.choice(len(endings), g.n, p=weights.astype(float) / weights.sum())
        names = dedupe(np.char.add(g.text(*prefix), endings[which]), g.towns(), dup)
        return [
            Column(name, "C", names, "", _width(names)),
            Column(kind_name, "C", labels[which], "", _width(labels[which])),
        ]

    return make


def choice(name: str, values: Sequence, weights=None, kind: str = "C", desc: str = ""):
    def make(g: Gen) -> list[Column]:
        picked = g.pick(values, weights)
        return [Column(name, kind, picked, desc, _width(picked) if kind == "C" else None)]

    return make


def integer(name: str, low: int, high: int, *, log: bool = False, desc: str = "") -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        if log:
            values = np.exp(g.rng.uniform(np.log(max(low, 1)), np.log(high), g.n))
            values = values.round().astype(np.int64)
        else:
            values = g.rng.integers(low, high + 1, g.n)
        return [Column(name, "I", values, desc)]

    return make


def number(
    name: str, low: float, high: float, digits: int = 2, *, log: bool = False, desc: str = ""
) -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        if log:
            values = np.exp(g.rng.uniform(np.log(low), np.log(high), g.n))
        else:
            values = g.rng.uniform(low, high, g.n)
        return [Column(name, "N", np.round(values, digits), desc)]

    return make


def date(name: str, years: float = 10, skew: float = 1.0, desc: str = "") -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        return [Column(name, "D", iso_dates(g.days_back(years, skew)), desc, 10)]

    return make


def sequence(name: str, prefix: str = "", width: int = 6, start: int = 1) -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        numbers = np.char.zfill(np.arange(start, start + g.n).astype(str), width)
        values = np.char.add(g.slot(prefix) if prefix.startswith("@") else prefix, numbers)
        return [Column(name, "C", values, "", _width(values))]

    return make


def person(name: str, masked: bool = False) -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        desc = "已脱敏" if masked else ""
        return [Column(name, "C", g.persons(masked), desc, 20)]

    return make


def company(name: str = "企业名称") -> ColumnMaker:
    return lambda g: [Column(name, "C", dedupe(g.companies(), g.towns(), "分公司"), "", 100)]


def credit(name: str = "统一社会信用代码", prefix: str = "91") -> ColumnMaker:
    return lambda g: [Column(name, "C", g.credit_codes(prefix), "GB 32100", 18)]


def county(name: str = "所在区县") -> ColumnMaker:
    return lambda g: [Column(name, "C", g.place.county_names[g.where], "", 20)]


def address(name: str = "地址") -> ColumnMaker:
    return lambda g: [Column(name, "C", g.addresses(), "", 200)]


def phone(name: str = "联系电话") -> ColumnMaker:
    return lambda g: [Column(name, "C", g.phones(), "", 20)]


def coords(spread: float = 0.035) -> ColumnMaker:
    def make(g: Gen) -> list[Column]:
        lon, lat = g.coords(spread)
        return [
            Column("经度", "N", lon, "CGCS2000 坐标系，十进制度"),
            Column("纬度", "N", lat, "CGCS2000 坐标系，十进制度"),
        ]

    return make


def hours(name: str = "开放时间") -> ColumnMaker:
    return choice(name, vocab.OPENING_HOURS, (6, 3, 3, 2, 2, 1, 2))


def _width(values: np.ndarray) -> int:
    if not len(values):
        return 10
    longest = int(np.char.str_len(values.astype(str)).max())
    return max(10, -(-longest // 10) * 10)
