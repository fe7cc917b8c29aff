"""Registers whose columns depend on each other: prices, jobs, permits, procurement, projects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kaifang.catalog.demo import fake, vocab
from kaifang.catalog.demo.fake import (
    COUNTY_SHORT,
    TOWN,
    TRADE,
    Column,
    Gen,
    cat,
)
from kaifang.catalog.demo.tables.base import Kind, Y, seasonal, station_count

PRODUCE = (  # name, unit, typical price (元)
    ("大白菜", "元/公斤", 1.8),
    ("青菜", "元/公斤", 3.2),
    ("土豆", "元/公斤", 3.4),
    ("西红柿", "元/公斤", 5.6),
    ("黄瓜", "元/公斤", 4.8),
    ("茄子", "元/公斤", 5.2),
    ("芹菜", "元/公斤", 4.4),
    ("白萝卜", "元/公斤", 1.9),
    ("猪肉（后腿）", "元/公斤", 26.0),
    ("牛肉", "元/公斤", 72.0),
    ("鸡蛋", "元/公斤", 9.6),
    ("草鱼", "元/公斤", 16.0),
    ("带鱼", "元/公斤", 38.0),
    ("大米（粳米）", "元/公斤", 5.8),
    ("苹果", "元/公斤", 8.6),
    ("香蕉", "元/公斤", 6.4),
    ("豆腐", "元/公斤", 6.0),
    ("白条鸡", "元/公斤", 19.0),
)

MARKETS = ("农副产品物流中心", "蔬菜批发市场", "农产品批发市场", "水产品批发市场", "果品批发市场")


def produce_prices(g: Gen) -> list[Column]:
    """Daily wholesale prices by market and product; vegetables swing with the season."""
    items = len(PRODUCE)
    count = station_count(g.n, items * 30, 12 if g.place.level == 1 else 4)
    sg = Gen(g.rng, g.place, count, g.anchor)
    markets = fake.dedupe(cat(sg.text(COUNTY_SHORT), sg.pick(MARKETS), n=count), sg.towns())
    idx = np.arange(g.n)
    product, market, day = idx % items, (idx // items) % count, idx // (items * count)
    dates = np.datetime64(g.anchor) - (int(day.max()) - day if g.n else day).astype(
        "timedelta64[D]"
    )
    names, units, typical = (np.asarray(x) for x in zip(*PRODUCE, strict=True))
    swing = 1 + np.where(typical[product] < 8, 0.18, 0.05) * seasonal(dates, 20)
    average = typical[product].astype(float) * swing * g.rng.lognormal(0, 0.06, g.n)
    return [
        Column("日期", "D", fake.iso_dates(dates), "", 10),
        Column("市场名称", "C", markets[market], "", 40),
        Column("品种", "C", names[product], "", 20),
        Column("最低价", "N", np.round(average * 0.88, 2), "元"),
        Column("最高价", "N", np.round(average * 1.12, 2), "元"),
        Column("平均价", "N", np.round(average, 2), "元"),
        Column("计量单位", "C", units[product], "", 10),
    ]


JOBS = (  # title, base monthly pay (元)
    ("软件开发工程师", 14000),
    ("销售代表", 7000),
    ("会计", 6500),
    ("行政专员", 5500),
    ("普工", 5800),
    ("电工", 7200),
    ("仓库管理员", 5600),
    ("客服专员", 5200),
    ("幼儿教师", 6000),
    ("护士", 7000),
    ("厨师", 7500),
    ("快递员", 8000),
    ("机械设计工程师", 11000),
    ("外贸业务员", 8000),
    ("电商运营", 8500),
    ("货车司机", 9000),
    ("保安员", 4800),
    ("质检员", 5800),
    ("数控车床操作工", 7800),
    ("保洁员", 4200),
    ("数据分析师", 13000),
    ("电气工程师", 12000),
    ("缝纫工", 6200),
    ("导游", 6000),
)

EDUCATION = ("不限", "初中", "高中", "中专", "大专", "本科", "硕士")


def jobs(g: Gen) -> list[Column]:
    which = g.rng.integers(0, len(JOBS), g.n)
    title = np.asarray([j for j, _ in JOBS])[which]
    pay = np.asarray([p for _, p in JOBS])[which] * g.rng.lognormal(0, 0.15, g.n)
    low = (np.round(pay * 0.8 / 500) * 500).astype(int)
    high = low + (np.round(pay * 0.5 / 500) * 500).astype(int) + 500
    posted = g.days_back(0.5, 1.5)
    education = np.where(pay > 10000, g.pick(EDUCATION[4:]), g.pick(EDUCATION[:6]))
    return [
        Column("岗位名称", "C", title, "", 30),
        Column("招聘单位", "C", g.companies(), "", 100),
        Column("工作地点", "C", g.place.county_names[g.where], "", 20),
        Column("学历要求", "C", education, "", 6),
        Column(
            "工作经验",
            "C",
            g.pick(("不限", "1年以上", "3年以上", "5年以上"), (45, 30, 20, 5)),
            "",
            10,
        ),
        Column("月薪下限", "I", low, "元"),
        Column("月薪上限", "I", high, "元"),
        Column("招聘人数", "I", g.rng.integers(1, 21, g.n), "人"),
        Column("发布日期", "D", fake.iso_dates(posted), "", 10),
        Column("有效期至", "D", fake.iso_dates(posted + np.timedelta64(60, "D")), "", 10),
        Column("联系电话", "C", g.phones(), "", 20),
    ]


ESTATES = ("花园", "府", "公馆", "名苑", "雅苑", "华庭", "天地", "悦府", "云庐", "湾", "名邸", "里")


def presale_permits(g: Gen) -> list[Column]:
    issued = g.days_back(3, 0.9)
    year = issued.astype("datetime64[Y]").astype(str)
    city = np.char.replace(g.place.county_cities[g.where], "市", "")
    area = np.round(g.rng.lognormal(np.log(18000), 0.6, g.n), 2)
    blocks = g.rng.integers(1, 12, g.n)
    developer = cat(city, g.trade_names(), "房地产开发有限公司", n=g.n)
    return [
        Column(
            "预售许可证号",
            "C",
            cat(
                city, "售许字（", year, "）第", g.rng.integers(1, 400, g.n).astype(str), "号", n=g.n
            ),
            "",
            30,
        ),
        Column("项目名称", "C", fake.dedupe(g.text(TRADE, ESTATES), g.towns()), "", 50),
        Column("开发企业", "C", developer, "", 100),
        Column("项目坐落", "C", g.addresses(), "", 200),
        Column("预售楼幢", "C", cat(blocks.astype(str), "幢等", n=g.n), "", 20),
        Column("预售面积", "N", area, "平方米"),
        Column(
            "预售套数", "I", np.maximum(1, (area / g.rng.uniform(90, 140, g.n))).astype(int), "套"
        ),
        Column("发证日期", "D", fake.iso_dates(issued), "", 10),
    ]


PURCHASES = (
    "办公设备",
    "教学设备",
    "医疗设备",
    "物业管理服务",
    "信息化系统建设",
    "公务用车",
    "食堂食材配送服务",
    "绿化养护服务",
    "保安服务",
    "审计服务",
    "道路保洁服务",
    "印刷服务",
)


def procurement(g: Gen) -> list[Column]:
    announced = g.days_back(2, 0.9)
    year = announced.astype("datetime64[Y]").astype(str)
    where = g.place.county_names[g.where]
    buyer = np.char.add(
        where,
        g.pick(
            (
                "教育局",
                "卫生健康局",
                "人民医院",
                "住房和城乡建设局",
                "机关事务管理局",
                "综合行政执法局",
                "实验中学",
            )
        ),
    )
    return [
        Column(
            "项目编号",
            "C",
            cat(
                "ZJ-",
                g.place.county_codes[g.where],
                "-",
                year,
                "-",
                np.char.zfill(g.rng.integers(1, 9999, g.n).astype(str), 4),
                n=g.n,
            ),
            "",
            30,
        ),
        Column("项目名称", "C", cat(where, g.pick(PURCHASES), "采购项目", n=g.n), "", 100),
        Column("采购单位", "C", buyer, "", 50),
        Column(
            "采购方式",
            "C",
            g.pick(
                ("公开招标", "竞争性磋商", "询价", "单一来源", "竞争性谈判"), (55, 25, 10, 4, 6)
            ),
            "",
            10,
        ),
        Column("中标供应商", "C", g.companies(), "", 100),
        Column("中标金额", "N", np.round(g.rng.lognormal(np.log(80), 1.1, g.n), 2), "万元"),
        Column("公告日期", "D", fake.iso_dates(announced), "", 10),
    ]


def bonds(g: Gen) -> list[Column]:
    issued = np.sort(g.days_back(5, 1.0))
    year = issued.astype("datetime64[Y]").astype(str)
    kind = g.pick(("一般债券", "专项债券", "再融资一般债券", "再融资专项债券"), (30, 45, 15, 10))
    term = g.pick((3, 5, 7, 10, 15, 20, 30), (8, 12, 15, 25, 15, 15, 10))
    nth = (np.arange(g.n) % 12 + 1).astype(str)
    return [
        Column(
            "债券名称",
            "C",
            cat(year, "年", g.place.full_name, kind, "（", nth, "期）", n=g.n),
            "",
            60,
        ),
        Column(
            "债券代码",
            "C",
            cat("2", np.char.zfill(g.rng.integers(0, 99999, g.n).astype(str), 5), n=g.n),
            "",
            8,
        ),
        Column("债券类型", "C", kind, "", 10),
        Column("发行日期", "D", fake.iso_dates(issued), "", 10),
        Column("期限", "I", term, "年"),
        Column("发行规模", "N", np.round(g.rng.lognormal(np.log(60), 0.8, g.n), 2), "亿元"),
        Column(
            "票面利率", "N", np.round(1.9 + term * 0.045 + g.rng.normal(0, 0.12, g.n), 2), "百分比"
        ),
    ]


TOPICS = (
    "数字经济促进",
    "生态环境保护",
    "公共数据",
    "水资源管理",
    "道路运输",
    "城市管理",
    "食品安全",
    "安全生产",
    "历史文化名城保护",
    "社会信用",
    "优化营商环境",
    "海洋环境保护",
    "农村集体资产管理",
    "养老服务",
    "学前教育",
    "消防",
    "燃气管理",
    "物业管理",
    "河长制",
    "大气污染防治",
    "地名管理",
    "气象灾害防御",
    "慈善事业促进",
    "全民健身",
    "法律援助",
    "人口与计划生育",
    "知识产权保护",
    "科技创新",
    "港口管理",
    "旅游",
    "乡村振兴促进",
)

FORMS = ("条例", "实施办法", "管理办法", "若干规定")


def regulations(g: Gen) -> list[Column]:
    published = g.days_back(20, 0.6)
    effect = published + g.rng.integers(30, 120, g.n).astype("timedelta64[D]")
    names = fake.dedupe(
        cat(g.place.full_name, g.pick(TOPICS), g.pick(FORMS), n=g.n), np.full(g.n, "修订"), ""
    )
    status = np.where(
        published < np.datetime64(g.anchor) - np.timedelta64(4000, "D"),
        g.pick(("现行有效", "已修改", "已废止"), (50, 35, 15)),
        "现行有效",
    )
    return [
        Column("名称", "C", names, "", 100),
        Column(
            "制定机关",
            "C",
            g.pick(
                (f"{g.place.full_name}人民代表大会常务委员会", f"{g.place.full_name}人民政府"),
                (45, 55),
            ),
            "",
            50,
        ),
        Column("公布日期", "D", fake.iso_dates(published), "", 10),
        Column("施行日期", "D", fake.iso_dates(effect), "", 10),
        Column("时效性", "C", status, "", 6),
    ]


FOODS = (
    ("大米", "5kg/袋"),
    ("挂面", "1kg/袋"),
    ("酱油", "500mL/瓶"),
    ("食醋", "420mL/瓶"),
    ("白砂糖", "400g/袋"),
    ("饮用纯净水", "550mL/瓶"),
    ("纯牛奶", "250mL/盒"),
    ("酸奶", "200g/杯"),
    ("豆腐", "散装"),
    ("猪肉", "散装"),
    ("鸡蛋", "散装"),
    ("韭菜", "散装"),
    ("芹菜", "散装"),
    ("草鱼", "散装"),
    ("月饼", "100g/个"),
    ("粽子", "200g/只"),
    ("黄酒", "500mL/瓶"),
    ("啤酒", "500mL/罐"),
    ("绿茶", "250g/罐"),
    ("糕点", "计量称重"),
)

FAILURES = (
    "菌落总数",
    "大肠菌群",
    "二氧化硫残留量",
    "铅（以Pb计）",
    "腐霉利",
    "恩诺沙星",
    "过氧化值（以脂肪计）",
    "苯甲酸及其钠盐（以苯甲酸计）",
)


def food_sampling(g: Gen) -> list[Column]:
    which = g.rng.integers(0, len(FOODS), g.n)
    food = np.asarray([f for f, _ in FOODS])[which]
    spec = np.asarray([s for _, s in FOODS])[which]
    sampled = g.days_back(1, 1.0)
    made = sampled - g.rng.integers(1, 90, g.n).astype("timedelta64[D]")
    failed = g.rng.random(g.n) < 0.035
    year = sampled.astype("datetime64[Y]").astype(str)
    return [
        Column(
            "抽样单编号",
            "C",
            cat(
                "DC",
                year[0] if g.n else "",
                "33",
                np.char.zfill(np.arange(1, g.n + 1).astype(str), 9),
                n=g.n,
            ),
            "",
            20,
        ),
        Column("食品名称", "C", food, "", 30),
        Column("规格型号", "C", spec, "", 20),
        Column("标称生产企业", "C", g.companies(), "", 100),
        Column(
            "被抽样单位",
            "C",
            cat(
                g.place.county_names[g.where],
                g.trade_names(),
                g.pick(("超市", "农贸市场", "食品店", "便利店")),
                n=g.n,
            ),
            "",
            100,
        ),
        Column("生产日期", "D", fake.iso_dates(made), "", 10),
        Column("抽样日期", "D", fake.iso_dates(sampled), "", 10),
        Column("检验结论", "C", np.where(failed, "不合格", "合格"), "", 4),
        Column("不合格项目", "C", np.where(failed, g.pick(FAILURES), "/"), "", 40),
    ]


TECH = (
    "人工智能",
    "工业互联网",
    "新能源汽车",
    "生物医药",
    "集成电路",
    "新材料",
    "智能制造",
    "数字孪生",
    "氢能",
    "海洋工程",
    "现代农业",
    "节能环保",
    "5G通信",
    "区块链",
)

PRODUCTS = (
    "关键技术研究",
    "装备研发及产业化",
    "平台建设与应用示范",
    "核心部件研制",
    "系统集成与应用",
    "检测技术研究",
    "工艺优化",
)


def research_projects(g: Gen) -> list[Column]:
    start = g.rng.integers(g.anchor.year - 4, g.anchor.year + 1, g.n)
    return [
        Column(
            "项目编号",
            "C",
            cat(
                start.astype(str),
                "C0",
                np.char.zfill(g.rng.integers(1, 9999, g.n).astype(str), 4),
                n=g.n,
            ),
            "",
            12,
        ),
        Column(
            "项目名称",
            "C",
            cat("基于", g.pick(TECH), "的", g.pick(TECH), g.pick(PRODUCTS), n=g.n),
            "",
            100,
        ),
        Column("承担单位", "C", g.companies(), "", 100),
        Column(
            "项目类别",
            "C",
            g.pick(
                (
                    "重点研发计划",
                    "自然科学基金",
                    "软科学研究计划",
                    "公益技术应用研究",
                    "科技特派员项目",
                )
            ),
            "",
            20,
        ),
        Column("资助金额", "N", np.round(g.rng.lognormal(np.log(60), 0.9, g.n), 1), "万元"),
        Column("起始年份", "I", start, ""),
        Column("结束年份", "I", start + g.rng.integers(1, 4, g.n), ""),
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
    ]


def job_fairs(g: Gen) -> list[Column]:
    held = g.days_back(2, 1.0)
    year = held.astype("datetime64[Y]").astype(str)
    where = g.place.county_names[g.where]
    theme = g.pick(("春风行动", "高校毕业生", "民营企业", "退役军人专场", "残疾人专场", "秋季"))
    return [
        Column("活动名称", "C", cat(year, "年", where, theme, "招聘会", n=g.n), "", 60),
        Column("举办日期", "D", fake.iso_dates(held), "", 10),
        Column(
            "举办地点",
            "C",
            np.char.add(where, g.pick(("人力资源市场", "会展中心", "体育馆", "职业技术学院"))),
            "",
            60,
        ),
        Column("主办单位", "C", np.char.add(where, "人力资源和社会保障局"), "", 50),
        Column("参会企业数", "I", g.rng.integers(20, 400, g.n), "家"),
        Column("提供岗位数", "I", g.rng.integers(200, 8000, g.n), "个"),
    ]


def projects(what: Sequence[str], unit: str = "套") -> Kind:
    """Construction projects: housing, renovation, energy — with start and finish dates."""

    def make(g: Gen) -> list[Column]:
        start = g.days_back(4, 0.9)
        finish = start + g.rng.integers(300, 1100, g.n).astype("timedelta64[D]")
        done = finish <= np.datetime64(g.anchor)
        return [
            Column(
                "项目名称",
                "C",
                fake.dedupe(
                    cat(g.place.county_names[g.where], g.slot(TOWN), g.pick(what), n=g.n), g.towns()
                ),
                "",
                100,
            ),
            Column("建设地点", "C", g.addresses(), "", 200),
            Column("建设单位", "C", g.companies(), "", 100),
            Column("建设规模", "I", g.rng.integers(50, 2500, g.n), unit),
            Column("总投资", "N", np.round(g.rng.lognormal(np.log(9000), 0.8, g.n), 1), "万元"),
            Column("开工日期", "D", fake.iso_dates(start), "", 10),
            Column("计划竣工日期", "D", fake.iso_dates(finish), "", 10),
            Column("项目状态", "C", np.where(done, "已竣工", "在建"), "", 6),
        ]

    return make


def market_entities(g: Gen) -> list[Column]:
    founded = g.days_back(30, 2.2)
    capital = np.round(g.rng.lognormal(np.log(200), 1.3, g.n) / 10) * 10
    status = g.pick(("存续（在营、开业、在册）", "注销", "吊销，未注销", "迁出"), (88, 8, 3, 1))
    return [
        Column("统一社会信用代码", "C", g.credit_codes("91"), "GB 32100", 18),
        Column("企业名称", "C", fake.dedupe(g.companies(), g.towns(), "分公司"), "", 100),
        Column(
            "企业类型", "C", g.pick(vocab.ENTERPRISE_TYPES, vocab.ENTERPRISE_TYPE_WEIGHTS), "", 40
        ),
        Column("法定代表人", "C", g.persons(), "", 20),
        Column("注册资本", "N", np.maximum(capital, 1), "万元人民币"),
        Column("成立日期", "D", fake.iso_dates(founded), "", 10),
        Column(
            "登记机关", "C", np.char.add(g.place.county_names[g.where], "市场监督管理局"), "", 50
        ),
        Column("住所", "C", g.addresses(), "", 200),
        Column("登记状态", "C", status, "", 20),
    ]


def machinery_subsidies(g: Gen) -> list[Column]:
    machines = (
        ("拖拉机", 18000),
        ("插秧机", 9000),
        ("联合收割机", 36000),
        ("植保无人机", 6500),
        ("谷物烘干机", 22000),
        ("微耕机", 1200),
        ("茶叶炒（烘）干机", 2600),
    )
    which = g.rng.integers(0, len(machines), g.n)
    amount = np.asarray([a for _, a in machines])[which] * g.rng.uniform(0.7, 1.3, g.n)
    return [
        Column("所在区县", "C", g.place.county_names[g.where], "", 20),
        Column("所在乡镇（街道）", "C", g.towns(), "", 20),
        Column("购机者姓名", "C", g.persons(masked=True), "已脱敏", 10),
        Column("机具品目", "C", np.asarray([m for m, _ in machines])[which], "", 20),
        Column("生产厂家", "C", g.companies(), "", 100),
        Column("购买数量", "I", g.rng.choice((1, 1, 1, 2), g.n), "台"),
        Column("中央补贴资金", "N", np.round(amount, -1), "元"),
        Column("购机日期", "D", fake.iso_dates(g.days_back(1.5)), "", 10),
    ]


def land_supply(g: Gen) -> list[Column]:
    signed = g.days_back(3, 0.9)
    use = g.pick(
        ("工业用地", "住宅用地", "商服用地", "公共管理与公共服务用地", "交通运输用地"),
        (40, 25, 12, 15, 8),
    )
    area = np.round(g.rng.lognormal(np.log(2.5), 0.8, g.n), 4)
    price = np.round(
        area * np.where(use == "住宅用地", 3200, 260) * g.rng.lognormal(0, 0.4, g.n), 2
    )
    return [
        Column(
            "电子监管号",
            "C",
            cat(
                g.place.county_codes[g.where],
                signed.astype("datetime64[Y]").astype(str),
                "B",
                np.char.zfill(g.rng.integers(1, 9999, g.n).astype(str), 5),
                n=g.n,
            ),
            "",
            20,
        ),
        Column(
            "项目名称",
            "C",
            cat(
                g.trade_names(),
                g.pick(
                    (
                        "智能制造项目",
                        "住宅项目",
                        "商业综合体",
                        "研发中心",
                        "学校建设项目",
                        "物流仓储项目",
                    )
                ),
                n=g.n,
            ),
            "",
            60,
        ),
        Column("宗地坐落", "C", g.addresses(), "", 200),
        Column("面积", "N", area, "公顷"),
        Column("土地用途", "C", use, "", 20),
        Column(
            "供地方式",
            "C",
            np.where(
                use == "公共管理与公共服务用地",
                "划拨",
                g.pick(("挂牌出让", "拍卖出让", "协议出让"), (75, 20, 5)),
            ),
            "",
            10,
        ),
        Column("成交价格", "N", np.where(use == "公共管理与公共服务用地", 0.0, price), "万元"),
        Column("合同签订日期", "D", fake.iso_dates(signed), "", 10),
        Column("受让单位", "C", g.companies(), "", 100),
    ]


def service_items(g: Gen) -> list[Column]:
    matters = (
        "企业设立登记",
        "食品经营许可",
        "建设工程规划许可证核发",
        "不动产登记",
        "公共场所卫生许可",
        "道路运输经营许可",
        "户口迁移",
        "社会保障卡申领",
        "医保关系转移接续",
        "二手房转移登记",
        "排污许可证核发",
        "律师执业许可",
        "出生医学证明办理",
        "城镇职工基本养老保险关系转移",
        "机动车检验合格标志核发",
    )
    agency = g.pick(
        (
            "市场监督管理局",
            "自然资源和规划局",
            "卫生健康局",
            "交通运输局",
            "公安局",
            "人力资源和社会保障局",
            "医疗保障局",
            "生态环境局",
            "司法局",
        )
    )
    return [
        Column("事项名称", "C", g.pick(matters), "", 50),
        Column(
            "事项编码",
            "C",
            cat(
                "3300", np.char.zfill(g.rng.integers(1, 99999999, g.n).astype(str), 8), "000", n=g.n
            ),
            "",
            16,
        ),
        Column(
            "事项类型",
            "C",
            g.pick(
                ("行政许可", "行政确认", "公共服务", "行政给付", "其他行政权力"), (45, 20, 25, 5, 5)
            ),
            "",
            10,
        ),
        Column("实施主体", "C", np.char.add(g.place.county_names[g.where], agency), "", 50),
        Column("承诺办结时限", "I", g.rng.choice((1, 3, 5, 7, 10, 15, 20), g.n), "工作日"),
        Column("是否收费", "C", g.pick(Y, (10, 90)), "", 2),
        Column("最多跑次数", "I", g.rng.choice((0, 0, 0, 1), g.n), "次"),
        Column("网上办理", "C", g.pick(Y, (92, 8)), "", 2),
    ]


def service_catalog(g: Gen) -> list[Column]:
    services = (
        "政策研究",
        "规划编制",
        "第三方评估",
        "法律顾问",
        "信息系统运维",
        "会议服务",
        "课题调研",
        "审计服务",
        "养老服务",
        "社区矫正辅助",
        "公共文化服务",
        "绿化养护",
    )
    return [
        Column(
            "目录编码",
            "C",
            cat("A", np.char.zfill(np.arange(1, g.n + 1).astype(str), 6), n=g.n),
            "",
            8,
        ),
        Column("服务事项", "C", g.pick(services), "", 30),
        Column(
            "一级目录",
            "C",
            g.pick(
                (
                    "基本公共服务",
                    "社会管理性服务",
                    "行业管理与协调性服务",
                    "技术性服务",
                    "政府履职辅助性服务",
                )
            ),
            "",
            20,
        ),
        Column(
            "购买主体",
            "C",
            np.char.add(
                g.place.county_names[g.where],
                g.pick(("民政局", "财政局", "司法局", "文化广电旅游局")),
            ),
            "",
            50,
        ),
        Column("适用年度", "C", np.full(g.n, str(g.anchor.year)), "", 4),
    ]


def price_list(items: tuple[tuple[str, str, float], ...]) -> Kind:
    def make(g: Gen) -> list[Column]:
        which = g.rng.integers(0, len(items), g.n)
        name, unit, price = (np.asarray(x) for x in zip(*items, strict=True))
        level = g.pick(("三级医院", "二级医院", "一级及以下"), (30, 40, 30))
        factor = np.select([level == "三级医院", level == "二级医院"], [1.0, 0.9], 0.8)
        return [
            Column(
                "项目编码",
                "C",
                cat("0", np.char.zfill(g.rng.integers(1, 99999999, g.n).astype(str), 8), n=g.n),
                "",
                9,
            ),
            Column("项目名称", "C", name[which], "", 50),
            Column("计价单位", "C", unit[which], "", 10),
            Column("医院等级", "C", level, "", 10),
            Column("价格", "N", np.round(price[which].astype(float) * factor, 1), "元"),
            Column("执行日期", "D", fake.iso_dates(g.days_back(3)), "", 10),
        ]

    return make


MEDICAL_PRICES = (
    ("普通门诊诊查费", "次", 25.0),
    ("副主任医师诊查费", "次", 40.0),
    ("主任医师诊查费", "次", 60.0),
    ("血常规检查", "次", 20.0),
    ("胸部X线摄影", "次", 75.0),
    ("CT平扫", "部位", 260.0),
    ("彩色多普勒超声", "次", 150.0),
    ("普通病房床位费", "日", 45.0),
    ("静脉输液", "组", 12.0),
    ("针灸", "次", 35.0),
)


KINDS: dict[str, Kind] = {
    "price_medical": price_list(MEDICAL_PRICES),
    "projects_housing": projects(("保障性租赁住房项目", "人才公寓项目", "公共租赁住房项目")),
    "projects_renovation": projects(
        ("老旧小区综合改造提升工程", "未来社区建设项目", "城中村改造项目"), "户"
    ),
    "land_supply": land_supply,
    "machinery_subsidy": machinery_subsidies,
    "service_catalog": service_catalog,
    "service_items": service_items,
    "produce_prices": produce_prices,
    "jobs": jobs,
    "presale_permits": presale_permits,
    "procurement": procurement,
    "bonds": bonds,
    "regulations": regulations,
    "food_sampling": food_sampling,
    "research_projects": research_projects,
    "job_fairs": job_fairs,
    "market_entities": market_entities,
}
