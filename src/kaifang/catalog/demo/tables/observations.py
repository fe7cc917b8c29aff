"""Observations: stations × time, with values that follow the seasons and the hours."""

from __future__ import annotations

import numpy as np

from kaifang.catalog.demo import fake
from kaifang.catalog.demo.fake import (
    COUNTY_SHORT,
    Column,
    Gen,
    cat,
)
from kaifang.catalog.demo.tables.base import (
    Kind,
    day_of_year,
    diurnal,
    hour_of_day,
    seasonal,
    station_count,
    stations,
    time_grid,
)

# HJ 633-2012 breakpoints: concentration → individual air quality index.
IAQI = np.array([0, 50, 100, 150, 200, 300, 400, 500])

AQI_BREAKS = {
    "PM2.5": [0, 35, 75, 115, 150, 250, 350, 500],
    "PM10": [0, 50, 150, 250, 350, 420, 500, 600],
    "SO2": [0, 150, 500, 650, 800, 1600, 2100, 2620],
    "NO2": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "CO": [0, 5, 10, 35, 60, 90, 120, 150],
    "O3": [0, 160, 200, 300, 400, 800, 1000, 1200],
}

AQI_LEVELS = np.array(["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"])

AIR_SITES = ("城区", "开发区", "新城", "中学", "公园", "监测站", "水厂", "农场", "文化中心", "港区")


def air_quality(g: Gen) -> list[Column]:
    """Hourly air quality: pollutant concentrations, and the AQI computed from them."""
    count = station_count(g.n, 720, 30 if g.place.level == 1 else 12)
    sg, names = stations(g, count, AIR_SITES)
    station, times = time_grid(g, count, 1)
    rng, n = g.rng, g.n
    winter = -seasonal(times)
    base = rng.lognormal(np.log(30), 0.25, count)[station]
    wave = np.sin(2 * np.pi * (times.astype(int) / 60.0) / (24 * 5.3) + station)
    pm25 = base * (1 + 0.45 * winter) * (1 + 0.35 * wave) * rng.lognormal(0, 0.25, n)
    pm10 = pm25 * rng.uniform(1.35, 1.9, n)
    o3 = np.clip(70 + 45 * diurnal(times, 15) + 35 * seasonal(times, 170), 5, None)
    o3 = o3 * rng.lognormal(0, 0.2, n)
    no2 = 28 * (1 + 0.3 * winter) * (1 + 0.25 * diurnal(times, 8)) * rng.lognormal(0, 0.25, n)
    so2 = rng.lognormal(np.log(7), 0.3, n)
    co = rng.lognormal(np.log(0.65), 0.25, n) * (1 + 0.2 * winter)
    values = {"PM2.5": pm25, "PM10": pm10, "SO2": so2, "NO2": no2, "CO": co, "O3": o3}
    iaqi = np.vstack([np.interp(v, AQI_BREAKS[k], IAQI) for k, v in values.items()])
    aqi = np.ceil(iaqi.max(axis=0)).astype(int)
    primary = np.asarray(list(values))[iaqi.argmax(axis=0)]
    primary = np.where(aqi > 50, primary, "—")
    level = AQI_LEVELS[np.searchsorted([50, 100, 150, 200, 300], aqi, side="left")]
    city = sg.place.county_cities[sg.where][station]
    return [
        Column("监测点位", "C", names[station], "", 30),
        Column("所属城市", "C", city, "", 10),
        Column("监测时间", "T", fake.iso_minutes(times), "北京时间，整点", 16),
        Column("AQI", "I", aqi, "空气质量指数"),
        Column("PM2.5", "I", np.round(pm25).astype(int), "微克/立方米"),
        Column("PM10", "I", np.round(pm10).astype(int), "微克/立方米"),
        Column("SO2", "I", np.round(so2).astype(int), "微克/立方米"),
        Column("NO2", "I", np.round(no2).astype(int), "微克/立方米"),
        Column("CO", "N", np.round(co, 2), "毫克/立方米"),
        Column("O3", "I", np.round(o3).astype(int), "微克/立方米，1 小时平均"),
        Column("首要污染物", "C", primary, "", 10),
        Column("空气质量级别", "C", level, "", 10),
    ]


WEATHER_SITES = ("国家基本站", "气象站", "区域站", "观测站")

WIND_DIRECTIONS = np.array(
    [
        "北",
        "北东北",
        "东北",
        "东东北",
        "东",
        "东东南",
        "东南",
        "南东南",
        "南",
        "南西南",
        "西南",
        "西西南",
        "西",
        "西西北",
        "西北",
        "北西北",
    ]
)


def weather(g: Gen) -> list[Column]:
    """Hourly surface observations: temperature follows the season and the hour, rain comes in
    spells that are likelier in the plum-rain and typhoon months."""
    count = station_count(g.n, 720, 40 if g.place.level == 1 else 10)
    _, names = stations(g, count, WEATHER_SITES)
    station, times = time_grid(g, count, 1)
    rng, n = g.rng, g.n
    offset = rng.normal(0, 1.2, count)[station]
    temp = 17.5 + 11.5 * seasonal(times, 200) + 3.5 * diurnal(times, 14) + offset
    temp = temp + rng.normal(0, 1.1, n)
    wet_season = 0.10 + 0.12 * np.exp(-(((day_of_year(times) - 175) / 40.0) ** 2))
    raining = rng.random(n) < wet_season
    rain = np.where(raining, np.round(rng.gamma(0.8, 2.4, n), 1), 0.0)
    humidity = np.clip(72 - 1.8 * (temp - 17.5) + 18 * raining + rng.normal(0, 6, n), 22, 100)
    pressure = 1014 - 9 * seasonal(times, 200) + rng.normal(0, 2.5, n)
    wind = np.round(rng.gamma(2.0, 1.1, n), 1)
    return [
        Column("区站号", "C", np.char.add("K", (58400 + station).astype(str)), "", 6),
        Column("站名", "C", names[station], "", 30),
        Column("观测时间", "T", fake.iso_minutes(times), "北京时间", 16),
        Column("气温", "N", np.round(temp, 1), "摄氏度"),
        Column("相对湿度", "I", np.round(humidity).astype(int), "百分比"),
        Column("小时降水量", "N", rain, "毫米"),
        Column("风向", "C", WIND_DIRECTIONS[rng.integers(0, 16, n)], "16 方位", 4),
        Column("风速", "N", wind, "米/秒，2 分钟平均"),
        Column("气压", "N", np.round(pressure, 1), "百帕，本站气压"),
        Column(
            "能见度",
            "N",
            np.round(np.clip(25 - 0.2 * humidity + rng.normal(0, 3, n), 0.5, 30), 1),
            "千米",
        ),
    ]


RIVERS = (
    "钱塘江",
    "富春江",
    "新安江",
    "瓯江",
    "甬江",
    "曹娥江",
    "浦阳江",
    "东苕溪",
    "西苕溪",
    "京杭运河",
    "椒江",
    "飞云江",
    "鳌江",
    "兰江",
    "衢江",
    "姚江",
    "奉化江",
    "浦阳江",
)

SECTIONS = ("闸口", "大桥", "渡口", "出境断面", "入境断面", "水厂取水口", "汇合口", "埠头")

WATER_CLASSES = np.array(["Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类"])


def water_quality(g: Gen) -> list[Column]:
    """Automatic water quality monitoring every four hours; the class follows GB 3838-2002:
    the worst of dissolved oxygen, permanganate index, ammonia nitrogen and total phosphorus."""
    count = station_count(g.n, 180, 40 if g.place.level == 1 else 10)
    sg = Gen(g.rng, g.place, count, g.anchor)
    river = sg.pick(RIVERS)
    names = fake.dedupe(cat(river, sg.text(COUNTY_SHORT), sg.pick(SECTIONS), n=count), sg.towns())
    station, times = time_grid(g, count, 4)
    rng, n = g.rng, g.n
    summer = seasonal(times, 200)
    temp = 19 + 9 * summer + rng.normal(0, 1, n)
    oxygen = np.clip(8.2 - 1.6 * summer + rng.normal(0, 0.8, n), 1.5, 13)
    codmn = rng.lognormal(np.log(2.6), 0.3, n) * rng.lognormal(0, 0.2, count)[station]
    ammonia = rng.lognormal(np.log(0.28), 0.55, n)
    phosphorus = rng.lognormal(np.log(0.08), 0.45, n)
    classes = np.vstack(
        [
            np.searchsorted([-7.5, -6, -5, -3, -2], -oxygen, side="right"),
            np.searchsorted([2, 4, 6, 10, 15], codmn, side="left"),
            np.searchsorted([0.15, 0.5, 1.0, 1.5, 2.0], ammonia, side="left"),
            np.searchsorted([0.02, 0.1, 0.2, 0.3, 0.4], phosphorus, side="left"),
        ]
    ).max(axis=0)
    return [
        Column("断面名称", "C", names[station], "", 40),
        Column("所在水系", "C", river[station], "", 10),
        Column("所在区县", "C", sg.place.county_names[sg.where][station], "", 20),
        Column("监测时间", "T", fake.iso_minutes(times), "每 4 小时一次", 16),
        Column("水温", "N", np.round(temp, 1), "摄氏度"),
        Column("pH", "N", np.round(rng.normal(7.4, 0.3, n), 2), "无量纲"),
        Column("溶解氧", "N", np.round(oxygen, 2), "毫克/升"),
        Column("高锰酸盐指数", "N", np.round(codmn, 2), "毫克/升"),
        Column("氨氮", "N", np.round(ammonia, 3), "毫克/升"),
        Column("总磷", "N", np.round(phosphorus, 3), "毫克/升"),
        Column("水质类别", "C", WATER_CLASSES[classes], "GB 3838-2002", 6),
        Column("是否达标", "C", np.where(classes <= 2, "是", "否"), "目标Ⅲ类", 2),
    ]


def hydrology(g: Gen) -> list[Column]:
    """Hourly river and reservoir water levels with each station's warning level."""
    count = station_count(g.n, 720, 40 if g.place.level == 1 else 12)
    sg = Gen(g.rng, g.place, count, g.anchor)
    river = sg.pick(RIVERS)
    names = fake.dedupe(
        cat(sg.text(COUNTY_SHORT), sg.pick(("", "水文站", "水位站")), n=count), sg.towns()
    )
    station, times = time_grid(g, count, 1)
    rng, n = g.rng, g.n
    base = rng.uniform(2.5, 12, count)
    level = base[station] + 0.9 * seasonal(times, 180) + 0.25 * diurnal(times, 5)
    level = level + np.cumsum(rng.normal(0, 0.01, n)) % 0.6
    warning = np.round(base + rng.uniform(1.6, 2.8, count), 2)[station]
    flow = np.round(
        np.clip((level - base[station] + 1.2) * 85 * rng.lognormal(0, 0.1, n), 1, None), 1
    )
    return [
        Column("站码", "C", np.char.add("63", (201000 + station * 7).astype(str)), "", 8),
        Column("站名", "C", names[station], "", 30),
        Column("河名", "C", river[station], "", 10),
        Column("时间", "T", fake.iso_minutes(times), "北京时间", 16),
        Column("水位", "N", np.round(level, 2), "米，1985 国家高程基准"),
        Column("流量", "N", flow, "立方米/秒"),
        Column("警戒水位", "N", warning, "米"),
        Column("是否超警", "C", np.where(level > warning, "是", "否"), "", 2),
    ]


HIGHWAYS = (
    "G60沪昆高速",
    "G15沈海高速",
    "G92杭州湾环线高速",
    "G25长深高速",
    "G56杭瑞高速",
    "S26诸永高速",
    "G1512甬金高速",
    "G2504杭州绕城高速",
    "G50沪渝高速",
    "S2杭甬高速",
)


def traffic_flow(g: Gen) -> list[Column]:
    """Hourly vehicle counts at road counting stations, with morning and evening peaks."""
    count = station_count(g.n, 720, 60)
    sg = Gen(g.rng, g.place, count, g.anchor)
    km = sg.rng.integers(3, 380, count)
    names = cat(
        sg.pick(HIGHWAYS),
        " K",
        km.astype(str),
        "+",
        sg.rng.integers(0, 999, count).astype(str),
        n=count,
    )
    station, times = time_grid(g, count, 1)
    rng, n = g.rng, g.n
    hour = hour_of_day(times)
    peaks = np.exp(-(((hour - 8) / 2.0) ** 2)) + np.exp(-(((hour - 18) / 2.5) ** 2))
    weekday = (times.astype("datetime64[D]").astype(int) + 3) % 7 < 5
    base = rng.lognormal(np.log(900), 0.5, count)[station]
    level = base * (0.15 + 0.55 * (hour >= 6) * (hour <= 22) + 0.8 * peaks)
    level = level * np.where(weekday, 1.0, 1.15) * rng.lognormal(0, 0.12, n)
    small = np.round(level * 0.78).astype(int)
    large = np.round(level * 0.22).astype(int)
    speed = np.clip(102 - 0.012 * level + rng.normal(0, 5, n), 18, 120)
    return [
        Column("观测站", "C", names[station], "路线与桩号", 40),
        Column("所在区县", "C", sg.place.county_names[sg.where][station], "", 20),
        Column("统计时间", "T", fake.iso_minutes(times), "小时起点", 16),
        Column("方向", "C", g.pick(("上行", "下行")), "", 4),
        Column("小型车流量", "I", small, "辆/小时"),
        Column("大中型车流量", "I", large, "辆/小时"),
        Column("平均车速", "N", np.round(speed, 1), "千米/小时"),
    ]


def lightning(g: Gen) -> list[Column]:
    """Cloud-to-ground lightning strokes located by the lightning network, mostly in summer."""
    rng, n = g.rng, g.n
    summer_day = np.clip(rng.normal(200, 35, n), 90, 300).astype(int)
    year = np.datetime64(g.anchor, "Y") - np.timedelta64(rng.integers(0, 2), "Y")
    hour_of_day = np.clip(rng.normal(15, 3, n), 0, 23.99)
    times = (
        year.astype("datetime64[m]")
        + (summer_day * 1440).astype("timedelta64[m]")
        + (hour_of_day * 60).astype("timedelta64[m]")
    )
    seconds = rng.integers(0, 60, n).astype(str)
    lon, lat = g.coords(0.2)
    peak = np.round(rng.normal(0, 1, n) * 25, 1)
    peak = np.where(np.abs(peak) < 3, np.sign(peak + 0.01) * 3.2, peak)
    order = np.argsort(times, kind="stable")
    stamp = cat(fake.iso_minutes(times), ":", np.char.zfill(seconds, 2), n=n)
    return [
        Column("发生时间", "T", stamp[order], "北京时间", 19),
        Column("经度", "N", lon[order], "十进制度"),
        Column("纬度", "N", lat[order], "十进制度"),
        Column("强度", "N", peak[order], "千安，正负表示极性"),
        Column("类型", "C", np.where(np.abs(peak[order]) > 0, "云地闪", ""), "", 4),
        Column("所在区县", "C", g.place.county_names[g.where][order], "", 20),
    ]


TYPHOONS = (
    "烟花",
    "灿都",
    "梅花",
    "轩岚诺",
    "杜苏芮",
    "卡努",
    "海葵",
    "格美",
    "贝碧嘉",
    "康妮",
    "普拉桑",
    "山神",
    "摩羯",
    "利奇马",
    "黑格比",
    "米娜",
)


def typhoon_tracks(g: Gen) -> list[Column]:
    """Best-track points every three hours: typhoons that came near the coast, moving
    north-west and deepening, then filling after landfall."""
    rng, n = g.rng, g.n
    points = 48
    storm = np.arange(n) // points
    step = np.arange(n) % points
    storms = int(storm.max()) + 1 if n else 0
    year = (g.anchor.year - np.arange(storms) // 2)[storm]
    number = (np.arange(storms) % 2 * 7 + 5)[storm]
    start_lon, start_lat = rng.uniform(128, 136, storms), rng.uniform(14, 20, storms)
    lon = start_lon[storm] - step * rng.uniform(0.16, 0.24, storms)[storm]
    lat = start_lat[storm] + step * rng.uniform(0.18, 0.26, storms)[storm]
    depth = np.sin(np.pi * step / points) * rng.uniform(40, 75, storms)[storm]
    pressure = np.round(1002 - depth)
    wind = np.round(np.clip(12 + depth * 0.62 + rng.normal(0, 1, n), 10, 68), 1)
    grade = np.array(["热带低压", "热带风暴", "强热带风暴", "台风", "强台风", "超强台风"])[
        np.searchsorted([17.2, 24.5, 32.7, 41.5, 51.0], wind, side="right")
    ]
    start = (year.astype(str).astype("datetime64[Y]") + np.timedelta64(6, "M")).astype(
        "datetime64[h]"
    ) + (number * 240).astype("timedelta64[h]")
    times = start + (step * 3).astype("timedelta64[h]")
    code = cat(year.astype(str), np.char.zfill(number.astype(str), 2), n=n)
    return [
        Column("台风编号", "C", code, "", 6),
        Column(
            "台风名称", "C", np.asarray(TYPHOONS)[(storm + g.anchor.year) % len(TYPHOONS)], "", 10
        ),
        Column("时间", "T", fake.iso_minutes(times), "北京时间", 16),
        Column("经度", "N", np.round(lon, 1), "度"),
        Column("纬度", "N", np.round(lat, 1), "度"),
        Column("中心气压", "I", pressure.astype(int), "百帕"),
        Column("最大风速", "N", wind, "米/秒"),
        Column("强度等级", "C", grade, "GB/T 19201-2006", 10),
    ]


WEATHER_WORDS = np.array(["晴", "多云", "阴", "小雨", "中雨", "阵雨", "雷阵雨", "大雨"])


def forecast(g: Gen) -> list[Column]:
    """Daily city forecasts for the coming days, issued each morning."""
    count = station_count(g.n, 30, 11 if g.place.level == 1 else 6)
    sg = Gen(g.rng, g.place, count, g.anchor)
    station, times = time_grid(g, count, 24)
    names = fake.dedupe(sg.place.county_names[sg.where], sg.towns())
    rng, n = g.rng, g.n
    high = 21 + 11 * seasonal(times, 200) + rng.normal(0, 2, n)
    low = high - rng.uniform(5, 10, n)
    weights = np.array([25, 30, 15, 12, 5, 6, 5, 2], float)
    return [
        Column("预报日期", "D", fake.iso_dates(times), "", 10),
        Column("城市", "C", names[station], "", 20),
        Column("白天天气", "C", WEATHER_WORDS[rng.choice(8, n, p=weights / weights.sum())], "", 6),
        Column("夜间天气", "C", WEATHER_WORDS[rng.choice(8, n, p=weights / weights.sum())], "", 6),
        Column("最高气温", "I", np.round(high).astype(int), "摄氏度"),
        Column("最低气温", "I", np.round(low).astype(int), "摄氏度"),
        Column(
            "风向",
            "C",
            g.pick(("东风", "东南风", "南风", "西南风", "西北风", "北风", "东北风")),
            "",
            4,
        ),
        Column("风力", "C", g.pick(("3级以下", "3-4级", "4-5级", "5-6级"), (50, 30, 15, 5)), "", 6),
    ]


WARNING_TYPES = ("台风", "暴雨", "高温", "寒潮", "大风", "雷电", "大雾", "道路结冰", "冰雹", "霾")

WARNING_WEIGHTS = (8, 20, 18, 6, 10, 14, 12, 3, 3, 6)


def weather_warnings(g: Gen) -> list[Column]:
    rng, n = g.rng, g.n
    issued = g.days_back(3, 0.8).astype("datetime64[m]") + rng.integers(0, 1440, n).astype(
        "timedelta64[m]"
    )
    order = np.argsort(issued, kind="stable")
    issued = issued[order]
    lasted = rng.integers(4 * 60, 72 * 60, n).astype("timedelta64[m]")
    kind = g.pick(WARNING_TYPES, WARNING_WEIGHTS)
    level = g.pick(("蓝色", "黄色", "橙色", "红色"), (40, 40, 16, 4))
    area = g.place.county_names[g.where]
    stamp = np.char.replace(np.char.replace(fake.iso_minutes(issued), "-", ""), ":", "")
    return [
        Column(
            "预警编号",
            "C",
            cat(g.place.county_codes[g.where], "_", np.char.replace(stamp, " ", ""), n=n),
            "",
            30,
        ),
        Column("发布单位", "C", np.char.add(area, "气象台"), "", 30),
        Column("预警信号", "C", cat(kind, level, "预警信号", n=n), "", 20),
        Column("预警类型", "C", kind, "", 6),
        Column("预警级别", "C", level, "", 4),
        Column("发布时间", "T", fake.iso_minutes(issued), "", 16),
        Column("解除时间", "T", fake.iso_minutes(issued + lasted), "", 16),
        Column("影响区域", "C", area, "", 20),
    ]


def hourly(
    names: tuple[str, ...],
    value: str,
    unit: str,
    base: float,
    peak: float,
    spread: float = 0.3,
    desc: str = "",
) -> Kind:
    """Hourly readings at a few sites, peaking at `peak` o'clock."""

    def make(g: Gen) -> list[Column]:
        count = station_count(g.n, 720, 30 if g.place.level == 1 else 10)
        sg, site = stations(g, count, names)
        station, times = time_grid(g, count, 1)
        level = g.rng.lognormal(np.log(base), spread, count)[station]
        reading = level * (1 + 0.45 * diurnal(times, peak)) * g.rng.lognormal(0, 0.15, g.n)
        return [
            Column("站点名称", "C", site[station], "", 40),
            Column("所在区县", "C", sg.place.county_names[sg.where][station], "", 20),
            Column("时间", "T", fake.iso_minutes(times), "北京时间", 16),
            Column(value, "I", np.round(reading).astype(int), f"{unit}{desc}"),
        ]

    return make


def buoys(g: Gen) -> list[Column]:
    count = station_count(g.n, 720, 8)
    station, times = time_grid(g, count, 1)
    waves = np.round(g.rng.gamma(2.2, 0.45, g.n) * (1 + 0.3 * seasonal(times, 240)), 1)
    wind = np.round(g.rng.gamma(2.4, 2.4, g.n), 1)
    return [
        Column("浮标编号", "C", np.char.add("ZJ", (101 + station).astype(str)), "", 6),
        Column("观测时间", "T", fake.iso_minutes(times), "北京时间", 16),
        Column("有效波高", "N", waves, "米"),
        Column("风速", "N", wind, "米/秒"),
        Column("风向", "C", WIND_DIRECTIONS[g.rng.integers(0, 16, g.n)], "", 4),
        Column(
            "气温",
            "N",
            np.round(18 + 9 * seasonal(times, 210) + g.rng.normal(0, 1, g.n), 1),
            "摄氏度",
        ),
        Column("表层水温", "N", np.round(19 + 8 * seasonal(times, 230), 1), "摄氏度"),
    ]


def weather_daily(g: Gen) -> list[Column]:
    count = station_count(g.n, 90, 70 if g.place.level == 1 else 12)
    _, names = stations(g, count, WEATHER_SITES)
    station, days = time_grid(g, count, 24)
    mean = 17.5 + 11.5 * seasonal(days, 200) + g.rng.normal(0, 1.2, g.n)
    wet = g.rng.random(g.n) < 0.32
    rain = np.where(wet, np.round(g.rng.gamma(0.7, 11, g.n), 1), 0.0)
    return [
        Column("站名", "C", names[station], "", 30),
        Column("日期", "D", fake.iso_dates(days), "", 10),
        Column("日平均气温", "N", np.round(mean, 1), "摄氏度"),
        Column("日最高气温", "N", np.round(mean + g.rng.uniform(3, 7, g.n), 1), "摄氏度"),
        Column("日最低气温", "N", np.round(mean - g.rng.uniform(3, 6, g.n), 1), "摄氏度"),
        Column("日降水量", "N", rain, "毫米，20-20 时"),
        Column(
            "日照时数",
            "N",
            np.round(np.where(wet, g.rng.uniform(0, 3, g.n), g.rng.uniform(3, 10, g.n)), 1),
            "小时",
        ),
    ]


KINDS: dict[str, Kind] = {
    "scenic_flow": hourly(
        ("景区", "古镇", "湿地", "公园"), "在园人数", "人", 2500, 14, 0.6, "，整点采集"
    ),
    "weather_daily": weather_daily,
    "negative_ions": hourly(
        ("森林公园", "风景区", "湿地", "山顶"), "负氧离子浓度", "个/立方厘米", 3200, 6, 0.5
    ),
    "buoys": buoys,
    "air_quality": air_quality,
    "weather": weather,
    "water_quality": water_quality,
    "hydrology": hydrology,
    "traffic_flow": traffic_flow,
    "lightning": lightning,
    "typhoon_tracks": typhoon_tracks,
    "forecast": forecast,
    "weather_warnings": weather_warnings,
}
