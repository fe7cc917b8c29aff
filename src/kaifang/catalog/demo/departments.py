"""The demo's departments (开放部门), named as the province's real ones are.

Provincial departments are listed in full; a city or county department is a bureau name
after the region's name (杭州市 + 交通运输局), made only when a dataset spec needs it. Each
gets a 统一社会信用代码-shaped code (机关: 11 + region + organisation code + check character),
a short name, and a contact.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from kaifang.catalog.demo import fake, vocab

PROVINCE_CODE = "330000"

# bureau code: (full title, short name, what it is responsible for)
PROVINCE: dict[str, tuple[str, str, str]] = {
    "fgw": ("浙江省发展和改革委员会", "省发展改革委", "国民经济和社会发展规划、社会信用体系建设"),
    "jxt": ("浙江省经济和信息化厅", "省经信厅", "工业和信息化发展、数字经济"),
    "jyt": ("浙江省教育厅", "省教育厅", "全省教育事业"),
    "kjt": ("浙江省科学技术厅", "省科技厅", "科技创新和科技计划管理"),
    "gat": ("浙江省公安厅", "省公安厅", "社会治安、户籍、交通安全和出入境管理"),
    "mzt": ("浙江省民政厅", "省民政厅", "社会救助、养老服务、社会组织和地名管理"),
    "sft": ("浙江省司法厅", "省司法厅", "公共法律服务、律师公证和人民调解"),
    "czt": ("浙江省财政厅", "省财政厅", "财政收支、政府采购和政府债务管理"),
    "rlsbt": ("浙江省人力资源和社会保障厅", "省人力社保厅", "就业创业、社会保险和人才服务"),
    "zrzyt": ("浙江省自然资源厅", "省自然资源厅", "自然资源管理、国土空间规划和测绘地理信息"),
    "sthjt": ("浙江省生态环境厅", "省生态环境厅", "生态环境监测、监管和执法"),
    "jst": ("浙江省住房和城乡建设厅", "省建设厅", "住房保障、建筑业和城市建设管理"),
    "jtyst": ("浙江省交通运输厅", "省交通运输厅", "综合交通运输规划、建设、管理与服务"),
    "slt": ("浙江省水利厅", "省水利厅", "水资源管理、水利工程和防汛抗旱"),
    "nynct": ("浙江省农业农村厅", "省农业农村厅", "农业农村发展和农产品质量安全"),
    "swt": ("浙江省商务厅", "省商务厅", "内外贸易、利用外资和市场体系建设"),
    "whlyt": ("浙江省文化广电和旅游厅", "省文化广电旅游厅", "文化事业、文物保护和旅游发展"),
    "wsjkw": ("浙江省卫生健康委员会", "省卫生健康委", "医疗卫生服务和公共卫生"),
    "yjglt": ("浙江省应急管理厅", "省应急管理厅", "应急管理、安全生产和防灾减灾"),
    "scjgj": ("浙江省市场监督管理局", "省市场监管局", "市场主体登记、市场秩序和质量安全监管"),
    "tjj": ("浙江省统计局", "省统计局", "统计调查和统计信息发布"),
    "ybj": ("浙江省医疗保障局", "省医保局", "医疗保障和医药服务价格管理"),
    "tyj": ("浙江省体育局", "省体育局", "全民健身和体育事业"),
    "nyj": ("浙江省能源局", "省能源局", "能源发展规划和能源运行"),
    "swj": ("国家税务总局浙江省税务局", "省税务局", "税收征管和纳税服务"),
    "qxj": ("浙江省气象局", "省气象局", "气象监测、预报预警和气象服务"),
    "yjj": ("浙江省药品监督管理局", "省药监局", "药品、医疗器械和化妆品监管"),
    "xfjy": ("浙江省消防救援总队", "省消防救援总队", "消防救援和消防安全监督"),
    "yzglj": ("浙江省邮政管理局", "省邮政管理局", "邮政和快递业监管"),
    "cl": ("浙江省残疾人联合会", "省残联", "残疾人事业"),
    "jrj": ("浙江省地方金融监督管理局", "省地方金融监管局", "地方金融组织监管"),
    "bb": ("中共浙江省委机构编制委员会办公室", "省委编办", "机构编制和事业单位登记管理"),
    "mzzj": ("浙江省民族宗教事务委员会", "省民宗委", "民族宗教事务"),
    "zgh": ("浙江省总工会", "省总工会", "工会组织建设和职工服务"),
    "sjj": ("浙江省数据局", "省数据局", "公共数据和政务服务"),
}

# bureau code: (name after the region, short suffix, responsibility)
LOCAL: dict[str, tuple[str, str, str]] = {
    "fgw": ("发展和改革委员会", "发展改革委", "发展规划、信用建设和能源管理"),
    "jtysj": ("交通运输局", "交通运输局", "交通运输管理与服务"),
    "sthjj": ("生态环境局", "生态环境局", "生态环境监测与执法"),
    "wjw": ("卫生健康委员会", "卫生健康委", "医疗卫生服务"),
    "wsjkj": ("卫生健康局", "卫生健康局", "医疗卫生服务"),
    "scjgj": ("市场监督管理局", "市场监管局", "市场主体登记和市场监管"),
    "jyj": ("教育局", "教育局", "教育事业"),
    "rlsbj": ("人力资源和社会保障局", "人力社保局", "就业和社会保障"),
    "zjj": ("住房和城乡建设局", "住建局", "住房和城乡建设"),
    "mzj": ("民政局", "民政局", "社会救助、养老服务和社会组织"),
    "yjglj": ("应急管理局", "应急管理局", "应急管理和安全生产"),
    "nyncj": ("农业农村局", "农业农村局", "农业农村发展"),
    "czj": ("财政局", "财政局", "财政收支管理"),
    "sfj": ("司法局", "司法局", "公共法律服务"),
    "qxj": ("气象局", "气象局", "气象监测和服务"),
    "kjj": ("科学技术局", "科技局", "科技创新"),
    "zrzyghj": ("自然资源和规划局", "自然资源规划局", "自然资源和规划"),
    "cgj": ("城市管理局", "城管局", "市容环境和市政设施管理"),
    "swj": ("商务局", "商务局", "商贸流通和对外贸易"),
}

OFFICES = ("办公室", "信息中心", "数据管理处", "综合处", "政策法规处", "科技信息处")


@dataclass(frozen=True)
class DepartmentPlan:
    """Everything a demo department row needs, decided before any row is written."""

    key: str  # region code / bureau code
    name: str
    title: str
    short_name: str
    code: str
    region_code: str
    description: str
    contact_name: str
    contact_phone: str
    contact_email: str


def plan_department(
    region_code: str, bureau: str, regions: dict[str, tuple[str, str | None]], email_domain: str
) -> DepartmentPlan:
    """The department of `bureau` in `region_code`; `regions` maps code → (name, parent)."""
    title, short, duty = _names(region_code, bureau, regions)
    rng = np.random.default_rng(zlib.crc32(f"{region_code}/{bureau}".encode()))
    slug = f"{_region_slug(region_code, regions)}-{bureau}"
    code = str(fake.credit_codes(rng, np.array([region_code]), "11")[0])
    area = vocab.CITIES.get(region_code[:4] + "00", vocab.CITIES["330100"])[2]
    surname = vocab.SURNAMES[int(rng.integers(0, 30))]
    scope = "全省" if region_code == PROVINCE_CODE else "本地区"
    return DepartmentPlan(
        key=f"{region_code}/{bureau}",
        name=slug,
        title=title,
        short_name=short,
        code=code,
        region_code=region_code,
        description=f"{title}负责{scope}{duty}工作，在本平台开放其职责范围内的公共数据。",
        contact_name=f"{OFFICES[int(rng.integers(0, len(OFFICES)))]} {surname}工",
        contact_phone=f"{area}-8{int(rng.integers(1_000_000, 9_999_999))}",
        contact_email=f"{slug}@{email_domain}",
    )


def _names(region_code: str, bureau: str, regions) -> tuple[str, str, str]:
    if region_code == PROVINCE_CODE:
        return PROVINCE[bureau]
    suffix, short, duty = LOCAL[bureau]
    name, parent = regions[region_code]
    if region_code.endswith("00") or not name.endswith("区"):
        return f"{name}{suffix}", f"{name}{short}", duty
    city = regions[parent][0]
    return f"{city}{name}{suffix}", f"{name}{short}", duty


def _region_slug(region_code: str, regions) -> str:
    """zj for the province, the city's pinyin (hangzhou), or the county's (xihu, yiwu)."""
    from kaifang.core.names import slug_from_text

    if region_code == PROVINCE_CODE:
        return "zj"
    if region_code in vocab.CITIES:
        return vocab.CITIES[region_code][3]
    name = regions[region_code][0]
    stem = name[:-1] if len(name) > 2 else name
    return slug_from_text(stem).replace("-", "")
