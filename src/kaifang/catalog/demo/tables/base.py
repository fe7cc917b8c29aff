"""The building blocks of the demo's tables: lists drawn column by column, stations and time
grids for observations, statistics, licences, penalties and credit ratings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from kaifang.catalog.demo import fake, vocab
from kaifang.catalog.demo.fake import (
    COUNTY_SHORT,
    Column,
    Gen,
    address,
    cat,
    choice,
    coords,
    county,
    credit,
    date,
    hours,
    person,
    phone,
    text,
)

Kind = Callable[[Gen], list[Column]]


def directory(*makers: fake.ColumnMaker) -> Kind:
    """A list of places or organisations: every column drawn independently per row."""

    def make(g: Gen) -> list[Column]:
        return [column for maker in makers for column in maker(g)]

    return make


def years_later(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """An expiry date: a year counted as 365 days, as licences print them."""
    return days + (np.asarray(years) * 365).astype("timedelta64[D]")


def stations(g: Gen, count: int, words: Sequence[str]) -> tuple[Gen, np.ndarray]:
    """`count` stations spread over the place's counties, named 县名 + site word."""
    sg = Gen(g.rng, g.place, count, g.anchor)
    names = fake.dedupe(sg.text(COUNTY_SHORT, words), sg.towns())
    return sg, names


def time_grid(g: Gen, count: int, step_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Row i is station i % count at the (i // count)-th time step, the last step ending at the
    anchor day; returns station index and times (datetime64[m])."""
    station = np.arange(g.n) % count
    steps = np.arange(g.n) // count
    last = int(steps.max()) if g.n else 0
    end = np.datetime64(g.anchor) + np.timedelta64(23, "h")
    minutes = ((last - steps) * step_hours * 60).astype("timedelta64[m]")
    return station, end - minutes


def station_count(n: int, per_station: int, most: int) -> int:
    return int(np.clip(n // per_station, 1, most))


def seasonal(times: np.ndarray, peak_day: int = 200) -> np.ndarray:
    """+1 on `peak_day` of the year, −1 half a year away."""
    day = (times.astype("datetime64[D]") - times.astype("datetime64[Y]")).astype(int)
    return np.cos(2 * np.pi * (day - peak_day) / 365.0)


def hour_of_day(times: np.ndarray) -> np.ndarray:
    return (times.astype("datetime64[h]") - times.astype("datetime64[D]")).astype(int)


def diurnal(times: np.ndarray, peak_hour: float) -> np.ndarray:
    return np.cos(2 * np.pi * (hour_of_day(times) - peak_hour) / 24.0)


def day_of_year(times: np.ndarray) -> np.ndarray:
    return (times.astype("datetime64[D]") - times.astype("datetime64[Y]")).astype(int)


# name, unit, value per region, yearly growth, seasonal swing, decimals[, additive]
Indicator = tuple


def indicators(items: Sequence[Indicator], period: str = "month") -> Kind:
    """A statistics table: each region's value of each indicator in each period, with the
    year-on-year change computed from the same series. An additive indicator's value for the
    place itself is the sum of its parts'; a rate or an index is near the parts' level."""

    def make(g: Gen) -> list[Column]:
        regions, region_names = _stat_regions(g)
        per_year = {"month": 12, "quarter": 4, "year": 1}[period]
        k = len(items)
        periods = max(1, -(-g.n // (len(regions) * k)))
        idx = np.arange(g.n)
        item, region, t = idx % k, (idx // k) % len(regions), idx // (k * len(regions))
        t = periods - 1 - t  # newest first
        full = [(*i, True)[:7] for i in items]
        names, units, base, growth, season, digits, additive = (
            np.asarray(x) for x in zip(*full, strict=True)
        )
        scale = _region_scales(g, len(regions), additive[item], region)
        now = _series(base[item] * scale, growth[item], season[item], t + per_year, per_year)
        before = _series(base[item] * scale, growth[item], season[item], t, per_year)
        value = now * g.rng.lognormal(0, 0.04, g.n)
        value = np.where(units[item] == "%", np.minimum(value, 99.9), value)
        change = np.round((value / before - 1) * 100, 1)
        return [
            Column("统计期", "C", _period_labels(g.anchor, t, periods, period), "", 10),
            Column("地区", "C", region_names[region], "", 20),
            Column("指标名称", "C", names[item], "", 40),
            Column("数值", "N", _rounded(value, digits[item]), ""),
            Column("计量单位", "C", units[item], "", 10),
            Column("同比增长", "N", change, "百分比"),
        ]

    return make


def _region_scales(g: Gen, count: int, additive: np.ndarray, region: np.ndarray) -> np.ndarray:
    parts = g.rng.lognormal(0, 0.45, count)
    summed = parts.copy()
    summed[0] = parts[1:].sum() if count > 1 else 1.0
    levels = g.rng.lognormal(0, 0.05, count)
    levels[0] = 1.0
    return np.where(additive, summed[region], levels[region])


def _stat_regions(g: Gen) -> tuple[np.ndarray, np.ndarray]:
    if g.place.level == 1:
        cities = np.unique(g.place.county_cities)
        return np.arange(len(cities) + 1), np.concatenate([[g.place.name], cities])
    names = np.concatenate([[g.place.name], g.place.county_names])
    return np.arange(len(names)), names


def _series(base, growth, season, t, per_year):
    cycle = 1 + season * np.cos(2 * np.pi * (t % per_year) / per_year)
    return base * (1 + growth) ** (t / per_year) * cycle


def _rounded(values: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Counts as integers, amounts with two decimals, in one column (as statistics tables
    show them)."""
    out = np.round(values, 2).astype(object)
    whole = digits == 0
    out[whole] = np.round(values[whole]).astype(np.int64).astype(object)
    return out


def _period_labels(anchor: dt.date, t: np.ndarray, periods: int, period: str) -> np.ndarray:
    """Period labels counted back from the anchor: 2026-10 / 2026Q3 / 2025."""
    back = periods - 1 - t
    if period == "month":
        months = np.datetime64(anchor, "M") - 1 - back.astype("timedelta64[M]")
        return months.astype(str)
    if period == "quarter":
        q = (anchor.year * 4 + (anchor.month - 1) // 3) - 1 - back
        return cat((q // 4).astype(str), "Q", (q % 4 + 1).astype(str), n=len(t))
    return (anchor.year - 1 - back).astype(str)


def licences(
    certificate: str, prefix: str, contents: Sequence[str], agency: str, years: int = 5
) -> Kind:
    """Administrative licences (行政许可): the certificate number carries the region code, and
    validity runs `years` from the decision."""

    def make(g: Gen) -> list[Column]:
        decided = g.days_back(6, 0.7)
        year = decided.astype("datetime64[Y]").astype(str)
        regions = g.place.county_codes[g.where]
        serial = np.char.zfill(g.rng.integers(1, 99999, g.n).astype(str), 5)
        number = cat(prefix, regions, year, serial, n=g.n)
        doc = cat(
            fake.short_county(g.place.county_names[g.where]),
            agency[:2],
            "许〔",
            year,
            "〕",
            g.rng.integers(1, 3000, g.n).astype(str),
            "号",
            n=g.n,
        )
        return [
            Column("行政许可决定文书号", "C", doc, "", 40),
            Column("许可证书名称", "C", np.full(g.n, certificate), "", 40),
            Column("许可证编号", "C", number, "", 30),
            Column("行政相对人名称", "C", g.companies(), "", 100),
            Column("统一社会信用代码", "C", g.credit_codes("91"), "GB 32100", 18),
            Column("法定代表人", "C", g.persons(), "", 20),
            Column("许可内容", "C", g.pick(contents), "", 100),
            Column("许可决定日期", "D", fake.iso_dates(decided), "", 10),
            Column("有效期至", "D", fake.iso_dates(years_later(decided, years)), "", 10),
            Column("许可机关", "C", np.char.add(g.place.county_names[g.where], agency), "", 50),
        ]

    return make


def penalties(agency: str, offences: Sequence[tuple[str, str]]) -> Kind:
    """Administrative penalties (行政处罚) as published under 双公示: what was wrong, the law
    applied, the penalty and the fine."""

    def make(g: Gen) -> list[Column]:
        decided = g.days_back(4, 0.8)
        year = decided.astype("datetime64[Y]").astype(str)
        which = g.rng.integers(0, len(offences), g.n)
        offence = np.asarray([o for o, _ in offences])[which]
        law = np.asarray([law for _, law in offences])[which]
        short = fake.short_county(g.place.county_names[g.where])
        doc = cat(
            short,
            agency[:2],
            "罚决字〔",
            year,
            "〕",
            g.rng.integers(1, 2000, g.n).astype(str),
            "号",
            n=g.n,
        )
        fine = np.round(g.rng.lognormal(np.log(2.0), 1.0, g.n), 2)
        kind = g.pick(("罚款", "警告、罚款", "没收违法所得、罚款", "警告"), (55, 20, 20, 5))
        fine = np.where(kind == "警告", 0.0, fine)
        return [
            Column("行政处罚决定书文号", "C", doc, "", 40),
            Column("当事人名称", "C", g.companies(), "", 100),
            Column("统一社会信用代码", "C", g.credit_codes("91"), "GB 32100", 18),
            Column("法定代表人", "C", g.persons(), "", 20),
            Column("违法行为类型", "C", offence, "", 100),
            Column("处罚依据", "C", law, "", 200),
            Column("处罚类别", "C", kind, "", 20),
            Column("罚款金额", "N", fine, "万元"),
            Column("处罚决定日期", "D", fake.iso_dates(decided), "", 10),
            Column("处罚机关", "C", np.char.add(g.place.county_names[g.where], agency), "", 50),
        ]

    return make


CREDIT_GRADES = ("A", "B", "C", "D")


def credit_ratings(
    agency: str, grades: Sequence[str] = CREDIT_GRADES, weights: Sequence[float] = (32, 48, 15, 5)
) -> Kind:
    """Credit evaluation results: the score decides the grade, as the evaluation rules do."""

    def make(g: Gen) -> list[Column]:
        grade_index = g.rng.choice(len(grades), g.n, p=np.asarray(weights) / np.sum(weights))
        score = np.round(950 - grade_index * 120 - g.rng.uniform(0, 110, g.n), 1)
        business = g.pick(list(vocab.BUSINESS_INDUSTRY))
        names = cat(
            np.char.replace(g.place.county_cities[g.where], "市", ""),
            g.trade_names(),
            business,
            g.pick(vocab.LEGAL_FORMS, vocab.LEGAL_FORM_WEIGHTS),
            n=g.n,
        )
        return [
            Column("统一社会信用代码", "C", g.credit_codes("91"), "GB 32100", 18),
            Column("企业名称", "C", fake.dedupe(names, g.towns(), "分公司"), "", 100),
            Column(
                "评价年度",
                "C",
                g.pick([str(g.anchor.year - i) for i in (1, 2, 3)], (60, 25, 15)),
                "",
                4,
            ),
            Column("信用等级", "C", np.asarray(grades)[grade_index], "", 4),
            Column("评价得分", "N", score, "满分 1000"),
            Column("所属行业", "C", business, "", 20),
            Column("所在区县", "C", g.place.county_names[g.where], "", 20),
            Column("评价机关", "C", np.full(g.n, agency), "", 50),
        ]

    return make


def facilities(
    name: tuple | fake.ColumnMaker,
    category: tuple | None,
    *extra: fake.ColumnMaker,
    spread: float = 0.035,
    with_hours: bool = True,
    with_phone: bool = True,
) -> Kind:
    """A list of places people go to: name, category, whatever the place is measured by,
    address, telephone, opening hours and coordinates."""
    makers = [
        *_name_and_category(name, category),
        *extra,
        address(),
        county(),
    ]
    if with_phone:
        makers.append(phone())
    if with_hours:
        makers.append(hours())
    makers.append(coords(spread))
    return directory(*makers)


def _name_and_category(name, category) -> list[fake.ColumnMaker]:
    """(label, slots, duplicate suffix) and a separate category — or one `fake.named` maker
    whose name ending decides the category."""
    if callable(name):
        return [name]
    label, slots, dup = name
    return [text(label, *slots, unique=True, dup=dup), _category(category)]


def _category(category: tuple) -> fake.ColumnMaker:
    """(values,), (values, weights) or (values, weights, column label)."""
    values, weights, label = (*category, None, None)[:3]
    return choice(label or "类别", values, weights)


def organisations(
    name: tuple | fake.ColumnMaker,
    prefix: str,
    category: tuple | None,
    *extra: fake.ColumnMaker,
    head: str = "负责人",
    founded: str = "成立日期",
) -> Kind:
    """A register of organisations: name, 统一社会信用代码, category, head, date, address."""
    first, *kind = _name_and_category(name, category)
    return directory(
        first,
        credit("统一社会信用代码", prefix),
        *kind,
        *extra,
        person(head),
        date(founded, 25, 0.8),
        address(),
        phone(),
        county(),
    )


Y = ("是", "否")

OFFENCES_MARKET = (
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("未按规定公示营业执照", "《中华人民共和国市场主体登记管理条例》第四十八条"),
    ("价格违法行为", "《中华人民共和国价格法》第四十条"),
    ("销售不合格产品", "《中华人民共和国产品质量法》第五十条"),
    ("未经许可从事食品经营活动", "《中华人民共和国食品安全法》第一百二十二条"),
    ("使用未经检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条"),
)

OFFENCES_ENV = (
    ("超标排放水污染物", "《中华人民共和国水污染防治法》第八十三条"),
    ("未落实扬尘污染防治措施", "《中华人民共和国大气污染防治法》第一百一十五条"),
    ("未按规定贮存危险废物", "《中华人民共和国固体废物污染环境防治法》第一百一十二条"),
    ("未批先建", "《中华人民共和国环境影响评价法》第三十一条"),
    ("无证排污", "《排污许可管理条例》第三十三条"),
)

OFFENCES_SAFETY = (
    ("未按规定开展安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    ("未对重大危险源登记建档", "《中华人民共和国安全生产法》第一百零一条"),
    ("特种作业人员未持证上岗", "《中华人民共和国安全生产法》第九十七条"),
    ("未及时排查治理事故隐患", "《中华人民共和国安全生产法》第一百零二条"),
)

OFFENCES_ADS = (
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条"),
    ("广告使用绝对化用语", "《中华人民共和国广告法》第五十七条"),
    ("未经审查发布医疗广告", "《中华人民共和国广告法》第五十八条"),
)

OFFENCES_ORGS = (
    ("未按规定参加年度检查", "《社会团体登记管理条例》第三十条"),
    ("违反规定收取费用", "《社会团体登记管理条例》第三十条"),
    ("擅自设立分支机构", "《民办非企业单位登记管理暂行条例》第二十五条"),
)

OFFENCES_DUAL = OFFENCES_MARKET + OFFENCES_ENV + OFFENCES_SAFETY
