"""The search benchmark's 30 searches and its suggestion prefixes, as a person would type them
into the portal: everyday Chinese words (two-character ones too), pinyin, initials, a synonym, a
department's short name, and filters with and without text. Each search asks for everything the
API answers with: the first page and every facet (GET /api/v1/datasets always counts all nine).
"""

from __future__ import annotations

from urllib.parse import urlencode

# (label, query parameters). The labels name the kind of search in the report.
SEARCHES: list[tuple[str, dict[str, str]]] = [
    ("二字词", {"q": "公交"}),
    ("二字词", {"q": "医院"}),
    ("二字词", {"q": "学校"}),
    ("二字词", {"q": "交通"}),
    ("二字词", {"q": "招聘"}),
    ("二字词", {"q": "养老"}),
    ("二字词", {"q": "停车"}),
    ("二字词", {"q": "信用"}),
    ("常用词", {"q": "空气质量"}),
    ("常用词", {"q": "企业信用"}),
    ("常用词", {"q": "医疗机构"}),
    ("常用词", {"q": "充电桩"}),
    ("常用词", {"q": "幼儿园"}),
    ("两个词", {"q": "杭州 医院"}),
    ("两个词", {"q": "食品 许可"}),
    ("同义词", {"q": "环保"}),
    ("拼音", {"q": "gongjiao"}),
    ("拼音", {"q": "yiyuan"}),
    ("拼音", {"q": "xuexiao"}),
    ("拼音", {"q": "zhaopin"}),
    ("首字母", {"q": "gj"}),
    ("首字母", {"q": "yljg"}),
    ("首字母", {"q": "kqzl"}),
    ("单字", {"q": "桥"}),
    ("筛选", {"domain": "2"}),
    ("筛选", {"department": "bench-hangzhou-jtysj"}),
    ("词+筛选", {"q": "医院", "region": "330100"}),
    ("词+筛选", {"q": "交通", "format": "CSV", "open_type": "open"}),
    ("词+筛选", {"q": "公交", "has_api": "true", "sort": "newest"}),
    ("词+筛选", {"q": "学校", "high_value": "false", "update_frequency": "yearly"}),
]

# What is typed into the search box, keystroke by keystroke: Chinese prefixes, pinyin and
# initials (GET /api/v1/search/suggest?q=).
SUGGESTIONS: list[str] = [
    "公", "公交", "医", "医院", "学", "学校", "交通", "杭州", "浙江省", "空气",
    "g", "go", "gong", "gongj", "yiy", "yiyuan", "xuex", "jt", "yl", "kqzl",
    "招聘", "养", "停车场", "企业", "生态", "信用评", "医疗机", "义乌", "zhaop", "充电",
]  # fmt: skip


def search_path(params: dict[str, str]) -> str:
    return "/api/v1/datasets?" + urlencode(params)


def suggest_path(q: str) -> str:
    return "/api/v1/search/suggest?" + urlencode({"q": q})
