"""Places: administrative divisions, place names, addresses, stops and routes."""

from __future__ import annotations

import functools

import numpy as np
from pypinyin import Style, lazy_pinyin

from kaifang.catalog.demo import fake, vocab
from kaifang.catalog.demo.fake import (
    ROAD,
    TOWN,
    Column,
    Gen,
    cat,
)
from kaifang.catalog.demo.tables.base import Kind, Y


def admin_divisions(g: Gen) -> list[Column]:
    """The place's own administrative divisions (GB/T 2260): real codes, not generated."""
    p = g.place
    city_codes = np.char.add(np.char.ljust(np.asarray([c[:4] for c in p.county_codes]), 4), "00")
    cities, first = np.unique(city_codes, return_index=True)
    codes = np.concatenate([[p.code], cities, p.county_codes])
    names = np.concatenate([[p.name], p.county_cities[first], p.county_names])
    levels = np.concatenate(
        [["省级"], np.full(len(cities), "地级"), np.full(len(p.county_codes), "县级")]
    )
    parents = np.concatenate([[""], np.full(len(cities), p.code), city_codes])
    return [
        Column("区划代码", "C", codes, "GB/T 2260", 6),
        Column("区划名称", "C", names, "", 20),
        Column("层级", "C", levels, "", 4),
        Column("上级区划代码", "C", parents, "", 6),
    ]


PLACE_KINDS = (
    ("路", "道路"),
    ("桥", "桥梁"),
    ("村", "居民点"),
    ("山", "山体"),
    ("溪", "河流"),
    ("公园", "公园"),
    ("小区", "居民区"),
    ("广场", "广场"),
    ("湾", "海湾"),
    ("岛", "海岛"),
)


def place_names(g: Gen) -> list[Column]:
    """Standard place names with their romanisation (汉语拼音), as a place-name register
    publishes them."""
    which = g.rng.integers(0, len(PLACE_KINDS), g.n)
    suffix = np.asarray([s for s, _ in PLACE_KINDS])[which]
    kind = np.asarray([k for _, k in PLACE_KINDS])[which]
    stems = np.where(g.rng.random(g.n) < 0.5, g.pick(vocab.ROAD_WORDS), g.pick(vocab.TOWN_WORDS))
    names = fake.dedupe(np.char.add(stems, suffix), g.place.county_names[g.where], "")
    spelled = _pinyin(names)
    lon, lat = g.coords(0.05)
    return [
        Column("标准名称", "C", names, "", 40),
        Column("地名类别", "C", kind, "", 10),
        Column("罗马字母拼写", "C", spelled, "汉语拼音", 80),
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
        Column("所在乡镇（街道）", "C", g.towns(), "", 20),
        Column("经度", "N", lon, "CGCS2000"),
        Column("纬度", "N", lat, "CGCS2000"),
    ]


def _pinyin(names: np.ndarray) -> np.ndarray:
    """汉语拼音 of each distinct name once; 文三路 → Wensan Lu."""
    unique, inverse = np.unique(names, return_inverse=True)
    spelled = np.asarray([_spell(name) for name in unique.tolist()])
    return spelled[inverse] if len(unique) else unique


def _spell(name: str) -> str:
    return _spell_bare(name.split("（")[0])


@functools.cache
def _spell_bare(name: str) -> str:
    stem, tail = (
        (name[:-2], name[-2:])
        if name.endswith(("公园", "小区", "广场"))
        else (name[:-1], name[-1:])
    )
    words = ["".join(lazy_pinyin(part, style=Style.NORMAL)) for part in (stem, tail) if part]
    return " ".join(w.capitalize() for w in words)


def bus_stops(g: Gen) -> list[Column]:
    """Bus stops: 文三路学院路口, the routes that stop there, and where."""
    first = g.rng.integers(1, 400, g.n)
    extra = g.rng.integers(1, 400, (g.n, 2))
    count = g.rng.choice(3, g.n, p=(0.45, 0.35, 0.2))
    routes = np.char.add(first.astype(str), "路")
    for k in range(2):
        more = np.char.add(np.char.add("、", extra[:, k].astype(str)), "路")
        routes = np.char.add(routes, np.where(count > k, more, ""))
    names = g.text(ROAD, vocab.ROAD_WORDS, ("路口", "口", "站", "路东", "路西", "北"))
    lon, lat = g.coords(0.03)
    return [
        Column(
            "站点编号",
            "C",
            np.char.add("ST", np.char.zfill(np.arange(1, g.n + 1).astype(str), 6)),
            "",
            8,
        ),
        Column("站点名称", "C", fake.dedupe(names, g.towns(), "方向"), "", 40),
        Column("途经线路", "C", routes, "多条线路以顿号分隔", 60),
        Column("站台形式", "C", g.pick(("港湾式", "直线式"), (35, 65)), "", 6),
        Column("是否有候车亭", "C", g.pick(Y, (80, 20)), "", 2),
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
        Column("经度", "N", lon, "CGCS2000 坐标系"),
        Column("纬度", "N", lat, "CGCS2000 坐标系"),
    ]


def _clock(g: Gen, low: int, high: int) -> np.ndarray:
    minutes = g.rng.integers(low, high, g.n) // 5 * 5
    return cat(
        np.char.zfill((minutes // 60).astype(str), 2),
        ":",
        np.char.zfill((minutes % 60).astype(str), 2),
        n=g.n,
    )


def bus_routes(g: Gen) -> list[Column]:
    number = g.rng.choice(np.arange(1, 900), g.n, replace=g.n > 899)
    ends = ("公交站", "枢纽站", "首末站", "客运中心", "火车站", "公交中心站")
    return [
        Column("线路名称", "C", np.char.add(number.astype(str), "路"), "", 10),
        Column("起点站", "C", g.text(TOWN, ends), "", 40),
        Column("终点站", "C", g.text(ROAD, ends), "", 40),
        Column("首班时间", "C", _clock(g, 330, 420), "HH:MM", 5),
        Column("末班时间", "C", _clock(g, 1200, 1380), "HH:MM", 5),
        Column("票价", "N", g.pick((1.0, 2.0, 2.0, 3.0, 4.0)), "元"),
        Column("线路长度", "N", np.round(g.rng.uniform(4, 38, g.n), 1), "千米"),
        Column("站点数", "I", g.rng.integers(8, 52, g.n), "个"),
        Column("运营单位", "C", np.full(g.n, f"{g.place.name}公共交通集团有限公司"), "", 50),
    ]


def townships(g: Gen) -> list[Column]:
    n = g.n
    kinds = np.where(g.place.county_is_district[g.where], "街道", g.pick(("镇", "镇", "乡")))
    names = fake.dedupe(
        np.char.add(g.pick(vocab.TOWN_WORDS), kinds), g.place.county_names[g.where], ""
    )
    codes = cat(
        g.place.county_codes[g.where],
        np.char.zfill((g.rng.integers(1, 40, n) * 3).astype(str), 3),
        n=n,
    )
    return [
        Column("统计用区划代码", "C", codes, "9 位", 9),
        Column("名称", "C", names, "", 30),
        Column("类型", "C", kinds, "", 4),
        Column("所属区县", "C", g.place.county_names[g.where], "", 20),
        Column("户籍人口", "I", g.rng.integers(8000, 160000, n), "人"),
        Column("面积", "N", np.round(g.rng.lognormal(np.log(60), 0.6, n), 2), "平方千米"),
    ]


def villages(g: Gen) -> list[Column]:
    community = g.place.county_is_district[g.where] & (g.rng.random(g.n) < 0.7)
    stem = np.where(community, g.pick(vocab.ROAD_WORDS), g.pick(vocab.TOWN_WORDS))
    kind = np.where(community, "社区", "村")
    return [
        Column("名称", "C", fake.dedupe(np.char.add(stem, kind), g.towns(), ""), "", 30),
        Column("类型", "C", np.where(community, "社区", "行政村"), "", 6),
        Column("所属乡镇（街道）", "C", g.towns(), "", 20),
        Column("所属区县", "C", g.place.county_names[g.where], "", 20),
        Column("户数", "I", g.rng.integers(150, 4500, g.n), "户"),
        Column("联系电话", "C", g.phones(), "", 20),
    ]


def addresses(g: Gen) -> list[Column]:
    number = g.rng.integers(1, 600, g.n).astype(str)
    road = g.roads()
    town = g.towns()
    full = cat(g.place.county_names[g.where], town, road, number, "号", n=g.n)
    lon, lat = g.coords(0.03)
    return [
        Column(
            "地址编码",
            "C",
            cat(
                g.place.county_codes[g.where],
                np.char.zfill(np.arange(1, g.n + 1).astype(str), 10),
                n=g.n,
            ),
            "",
            16,
        ),
        Column("标准地址", "C", full, "", 100),
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
        Column("乡镇（街道）", "C", town, "", 20),
        Column("道路（街巷）", "C", road, "", 20),
        Column("门牌号", "C", np.char.add(number, "号"), "", 10),
        Column("经度", "N", lon, "CGCS2000"),
        Column("纬度", "N", lat, "CGCS2000"),
    ]


def survey_marks(g: Gen) -> list[Column]:
    lon, lat = g.coords(0.12)
    return [
        Column(
            "点名", "C", fake.dedupe(g.text(TOWN, ("", "北", "南", "山")), g.towns(), ""), "", 30
        ),
        Column(
            "点号",
            "C",
            np.char.add("ZJ", np.char.zfill(np.arange(1, g.n + 1).astype(str), 5)),
            "",
            8,
        ),
        Column(
            "等级",
            "C",
            g.pick(("GNSS B级", "GNSS C级", "二等水准", "三等水准"), (5, 35, 20, 40)),
            "",
            10,
        ),
        Column("标石类型", "C", g.pick(("基本标石", "普通标石", "墙角标志")), "", 10),
        Column("经度", "N", lon, "CGCS2000"),
        Column("纬度", "N", lat, "CGCS2000"),
        Column("高程", "N", np.round(g.rng.gamma(1.3, 60, g.n), 3), "米，1985 国家高程基准"),
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
        Column("保管单位", "C", np.char.add(g.towns(), "人民政府"), "", 30),
    ]


KINDS: dict[str, Kind] = {
    "bus_stops": bus_stops,
    "bus_routes": bus_routes,
    "townships": townships,
    "villages": villages,
    "addresses": addresses,
    "survey_marks": survey_marks,
    "committees": villages,
    "admin_divisions": admin_divisions,
    "place_names": place_names,
}
