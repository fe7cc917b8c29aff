"""Decide the whole demo catalog before writing anything: departments, datasets, their states,
resources, ids, names and dates — all drawn from the seed, so two runs decide the same.

The plan is plain data. `files` renders and stores what it describes, `build` turns it into
rows; neither draws anything the plan has not fixed, except the table contents, which come
from each dataset's own seed.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kaifang.catalog.demo import departments as depts
from kaifang.catalog.demo import fake, vocab
from kaifang.catalog.demo.specs import Spec, domains
from kaifang.core.names import slug_from_text

# The day the demo's data runs up to. Fixed, so every run writes the same files; moved
# together with GENERATOR_VERSION.
REFERENCE_DAY = dt.date(2026, 10, 31)
PUBLIC_PER_DOMAIN = 16
EXTRA_STATES = ("draft", "in_review", "returned", "withdrawn", "taken_down", "private")
SIZES = {"s": (100, 800), "m": (300, 5000), "l": (5000, 20000), "xl": (60000, 100000)}
SMALL_ROWS = (5, 12)
NAMESPACE = uuid.UUID("6a1f2b4e-7c1d-5e8a-9b0c-3d4e5f607182")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass
class ResourcePlan:
    id: uuid.UUID
    name: str
    title: str
    description: str
    kind: str  # file · link · api
    format: str
    position: int
    url: str = ""
    version_id: uuid.UUID | None = None
    encoding: str = "utf-8"  # utf-8 · utf-8-sig · gb18030 (CSV only)
    role: str = "data"  # data · dictionary · report

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format.lower()}"


@dataclass
class DatasetPlan:
    id: uuid.UUID
    index: int
    name: str
    title: str
    identifier: str
    domain: str
    spec: Spec
    department: depts.DepartmentPlan
    place_code: str
    state: str
    rows: int
    seed: tuple[int, ...]
    published_at: dt.datetime | None
    data_updated_at: dt.datetime | None
    download_count: int
    licence: str
    share_type: str
    usage_terms: str
    spatial: str = ""
    resources: list[ResourcePlan] = field(default_factory=list)
    related: list[str] = field(default_factory=list)

    @property
    def is_private(self) -> bool:
        return self.state == "private"

    @property
    def workflow_state(self) -> str:
        return "published" if self.state == "private" else self.state

    @property
    def open_type(self) -> str:
        return "conditional" if self.spec.conditional else "open"

    @property
    def table_resources(self) -> list[ResourcePlan]:
        return [r for r in self.resources if r.kind == "file" and r.role == "data"]


@dataclass
class Plan:
    seed: int
    scale: str
    departments: list[depts.DepartmentPlan]
    datasets: list[DatasetPlan]


@dataclass(frozen=True)
class Entry:
    """One spec placed in one region: a dataset to be."""

    domain: str
    spec: Spec
    title: str
    dept_key: tuple[str, str]
    place_code: str


def demo_uuid(seed: int, *parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join([str(seed), *parts]))


def entries(regions: dict[str, tuple[str, str | None]]) -> list[Entry]:
    """Every spec expanded over its regions, domain by domain, in the specs' order."""
    out = []
    for domain, specs in domains().items():
        for spec in specs:
            for code in spec.at or (depts.PROVINCE_CODE,):
                title = spec.title.format(place=regions[code][0])
                out.append(Entry(domain, spec, title, (code, spec.dept), code))
    return out


def assign_states(all_entries: list[Entry]) -> list[str]:
    """The first PUBLIC_PER_DOMAIN datasets of a domain are published; the others take the
    remaining states in turn, so each state gets a few."""
    states, seen, turn = [], Counter(), 0
    for entry in all_entries:
        seen[entry.domain] += 1
        if seen[entry.domain] <= PUBLIC_PER_DOMAIN:
            states.append("published")
        else:
            states.append(EXTRA_STATES[turn % len(EXTRA_STATES)])
            turn += 1
    return states


def small_selection(all_entries: list[Entry], states: list[str]) -> list[int]:
    """For tests: the first dataset of every domain, one dataset in each other state, and one of
    each unusual layout (report, map, service) and a conditional one."""
    chosen: dict[int, None] = {}
    domains_seen: set[str] = set()
    for i, entry in enumerate(all_entries):
        if entry.domain not in domains_seen:
            domains_seen.add(entry.domain)
            chosen[i] = None
    wanted = [lambda i, state=state: states[i] == state for state in EXTRA_STATES]
    wanted += [
        lambda i, layout=layout: all_entries[i].spec.layout == layout
        for layout in ("report", "map", "service")
    ]
    wanted.append(lambda i: all_entries[i].spec.conditional and states[i] == "published")
    for test in wanted:
        chosen.setdefault(next(i for i in range(len(all_entries)) if test(i)), None)
    return sorted(chosen)


def make_plan(
    regions: dict[str, tuple[str, str | None]], *, seed: int, scale: str, site_domain: str
) -> Plan:
    """The demo catalog at `scale` ("full" or "small") for `seed`."""
    all_entries = entries(regions)
    states = assign_states(all_entries)
    picked = range(len(all_entries)) if scale == "full" else small_selection(all_entries, states)
    all_depts = _departments(all_entries, regions, site_domain)
    used: dict[str, depts.DepartmentPlan] = {}
    datasets = []
    names: set[str] = set()
    for index in picked:
        entry = all_entries[index]
        dept = all_depts[entry.dept_key]
        used.setdefault(dept.key, dept)
        dataset = _dataset(entry, index, states[index], dept, seed, scale, names, site_domain)
        dataset.spatial = spatial_name(entry.place_code, regions)
        datasets.append(dataset)
    accounts_dept = all_depts.get((depts.PROVINCE_CODE, "jtyst"))
    if accounts_dept is not None:
        used.setdefault(accounts_dept.key, accounts_dept)
    _relate(datasets)
    ordered = sorted(used.values(), key=lambda d: (d.region_code, d.title))
    return Plan(seed, scale, ordered, datasets)


def _departments(all_entries, regions, site_domain) -> dict[tuple[str, str], depts.DepartmentPlan]:
    keys = dict.fromkeys(e.dept_key for e in all_entries)
    keys[(depts.PROVINCE_CODE, "jtyst")] = None
    return {k: depts.plan_department(k[0], k[1], regions, site_domain) for k in keys}


def _dataset(
    entry: Entry,
    index: int,
    state: str,
    dept: depts.DepartmentPlan,
    seed: int,
    scale: str,
    names: set[str],
    site_domain: str,
) -> DatasetPlan:
    rng = np.random.default_rng([seed, zlib.crc32(f"{entry.dept_key}/{entry.title}".encode())])
    spec = entry.spec
    low, high = SMALL_ROWS if scale == "small" else SIZES[spec.size]
    rows = int(np.exp(rng.uniform(np.log(low), np.log(high))))
    published, updated = _dates(rng, state, spec.freq)
    name = _unique(slug_from_text(entry.title, 80) or f"dataset-{index}", names)
    plan = DatasetPlan(
        id=demo_uuid(seed, "dataset", *entry.dept_key, entry.title),
        index=index,
        name=name,
        title=entry.title,
        identifier=_identifier(spec, entry, dept, index),
        domain=entry.domain,
        spec=spec,
        department=dept,
        place_code=entry.place_code,
        state=state,
        rows=rows,
        seed=(seed, index),
        published_at=published,
        data_updated_at=updated,
        download_count=_downloads(rng, spec, published),
        licence=_licence(rng, spec),
        share_type="2" if spec.conditional or rng.random() < 0.1 else "1",
        usage_terms=f"使用本数据时请注明数据来源：{dept.title}。" if rng.random() < 0.5 else "",
    )
    plan.resources = _resources(rng, plan, seed, site_domain)
    return plan


def _unique(base: str, taken: set[str]) -> str:
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    taken.add(name)
    return name


def _identifier(spec: Spec, entry: Entry, dept: depts.DepartmentPlan, index: int) -> str:
    """信息资源代码: class (类) + item (项, the domain) + catalogue (目, the bureau) + detail
    (细目, the region code), then '/' and the sequence number."""
    bureau = zlib.crc32(entry.dept_key[1].encode()) % 1000
    classification = f"{spec.resource_class}{int(entry.domain):02d}{bureau:03d}{dept.region_code}"
    return f"{classification}/{index + 1:06d}"


FRESHNESS = {
    "realtime": 0.05,
    "daily": 1,
    "weekly": 7,
    "tendays": 10,
    "monthly": 31,
    "quarterly": 92,
    "halfyearly": 183,
    "yearly": 365,
    "irregular": 400,
    "never": 900,
}


def _dates(rng, state: str, freq: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Published some time in the past three years (in office hours, Beijing time); the data
    last updated as recently as its update frequency says."""
    end = dt.datetime.combine(REFERENCE_DAY, dt.time(18, 0), SHANGHAI)
    if state in {"draft", "in_review", "returned"}:
        return None, None
    days = int(rng.integers(20, 3 * 365))
    hour = dt.timedelta(hours=int(rng.integers(9, 18)), minutes=int(rng.integers(0, 60)))
    published = (
        dt.datetime.combine(REFERENCE_DAY - dt.timedelta(days=days), dt.time(0), SHANGHAI) + hour
    )
    back = dt.timedelta(days=float(rng.uniform(0, FRESHNESS.get(freq, 31))))
    updated = max(published, end - back)
    return published.astimezone(dt.UTC), updated.astimezone(dt.UTC)


def _downloads(rng, spec: Spec, published: dt.datetime | None) -> int:
    if published is None:
        return 0
    years = (REFERENCE_DAY - published.date()).days / 365 + 0.3
    base = 900 if spec.high_value else 220
    return int(rng.lognormal(np.log(base * years), 0.9))


def _licence(rng, spec: Spec) -> str:
    if spec.conditional:
        return "conditional-agreement"
    return "kaifang-open-1.0" if rng.random() < 0.8 else "CC-BY-4.0"


FORMAT_WEIGHTS = (("CSV", 0.68), ("XLSX", 0.14), ("JSON", 0.10), ("XML", 0.08))
SPREADSHEET_ROWS = 2000  # Excel files of departments are mostly small lists
SMALL_CYCLE = ("CSV", "XLSX", "JSON", "XML", "CSV")
LINK_ONLY_SHARE = 0.06


def _resources(rng, plan: DatasetPlan, seed: int, site_domain: str) -> list[ResourcePlan]:
    """1–3 resources: the data as a file (mostly CSV), sometimes the same data in a second
    format, often an API, now and then a PDF data dictionary; reports are PDFs; a few
    datasets only link to a page on the site."""
    layout = plan.spec.layout
    if layout == "table" and rng.random() < LINK_ONLY_SHARE:
        layout = "page"
    made: list[ResourcePlan] = []

    def add(kind: str, fmt: str, title: str, description: str, **extra) -> None:
        suffix = {"file": fmt.lower(), "link": "link", "api": "api"}[kind]
        made.append(
            ResourcePlan(
                id=demo_uuid(seed, "resource", str(plan.id), suffix),
                name=f"{plan.name}-{suffix}",
                title=title,
                description=description,
                kind=kind,
                format=fmt,
                position=len(made),
                version_id=demo_uuid(seed, "version", str(plan.id), suffix)
                if kind == "file"
                else None,
                **extra,
            )
        )

    base = f"https://{site_domain}"
    if layout == "report":
        add(
            "file",
            "PDF",
            f"{plan.title}（{REFERENCE_DAY.year - 1}年）",
            "PDF 文档。",
            role="report",
        )
    elif layout in {"map", "service"}:
        if layout == "map":
            add(
                "link",
                "HTML",
                f"{plan.title}（在线地图）",
                "在浏览器中浏览的在线地图。",
                url=f"{base}/map/{plan.name}",
            )
        add("api", "API", f"{plan.title}接口", API_NOTE, url=f"{base}/api/open/{plan.name}/v1")
    elif layout == "page":
        add(
            "link",
            "HTML",
            f"{plan.title}（部门网站发布页）",
            "部门网站上的发布页面。",
            url=f"{base}/open/{plan.department.name}/{plan.name}.html",
        )
    else:
        _table_resources(rng, plan, add, made, base)
    return made


API_NOTE = "返回 JSON，分页参数 limit、offset；调用时在请求头 Authorization 中携带 API 令牌。"
FORMAT_NOTES = {
    "CSV": "逗号分隔，首行为表头，{encoding} 编码。",
    "XLSX": "Excel 工作簿，第一个工作表为数据，首行为表头。",
    "JSON": "JSON 数组，每个元素为一条记录。",
    "XML": "XML 文档，每个“记录”元素为一条记录。",
}


def _table_resources(rng, plan: DatasetPlan, add, made: list, base: str) -> None:
    small = plan.rows <= SMALL_ROWS[1]
    if small:
        first = SMALL_CYCLE[plan.index % len(SMALL_CYCLE)]
    else:
        formats, weights = zip(*FORMAT_WEIGHTS, strict=True)
        first = formats[rng.choice(len(formats), p=weights)] if plan.rows <= 5000 else "CSV"
        if first == "XLSX" and plan.rows > SPREADSHEET_ROWS:
            first = "CSV"
    encoding = "utf-8"
    if first == "CSV":
        draw = rng.random()
        encoding = (
            "gb18030"
            if draw < 0.07 or (small and plan.index % 10 == 4)
            else ("utf-8-sig" if draw < 0.22 else "utf-8")
        )
    label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gb18030": "GB18030"}[encoding]
    add("file", first, plan.title, FORMAT_NOTES[first].format(encoding=label), encoding=encoding)
    if plan.rows <= 5000 and rng.random() < 0.45:
        second = (
            "XLSX"
            if first != "XLSX" and plan.rows <= SPREADSHEET_ROWS
            else ("CSV" if first != "CSV" else "JSON")
        )
        add("file", second, plan.title, FORMAT_NOTES[second].format(encoding="UTF-8"))
    wants_api = plan.spec.freq == "realtime" or rng.random() < (
        0.65 if plan.spec.high_value else 0.33
    )
    if wants_api:
        add("api", "API", f"{plan.title}查询接口", API_NOTE, url=f"{base}/api/open/{plan.name}/v1")
    if len(made) < 3 and rng.random() < 0.05:
        add("file", "PDF", f"{plan.title}数据说明", "信息项说明与数据采集口径。", role="dictionary")


def _relate(datasets: list[DatasetPlan]) -> None:
    """Datasets made from the same spec (a province-wide one and its cities') point at each
    other's resource codes."""
    by_spec: dict[int, list[DatasetPlan]] = {}
    for plan in datasets:
        by_spec.setdefault(id(plan.spec), []).append(plan)
    for group in by_spec.values():
        for plan in group:
            plan.related = [p.identifier for p in group if p is not plan][:3]


def spatial_name(code: str, regions: dict[str, tuple[str, str | None]]) -> str:
    """浙江省 / 浙江省杭州市 / 浙江省杭州市西湖区."""
    names = []
    while code:
        name, parent = regions[code]
        names.append(name)
        code = parent or ""
    return "".join(reversed(names))


def place(code: str, regions: dict[str, tuple[str, str | None]]) -> fake.Place:
    """The counties under `code` (or `code` itself for a county), with their cities, centres
    and telephone area codes, as arrays a table generator can index."""
    counties = sorted(
        c
        for c, (_, parent) in regions.items()
        if parent
        and len(c) == 6
        and not c.endswith("00")
        and (code == depts.PROVINCE_CODE or c == code or parent == code)
    )
    cities = [regions[c][1] for c in counties]
    centre = np.array([vocab.CITIES[p][:2] for p in cities])
    offset = np.array([_offset(c) for c in counties])
    district = np.array([regions[c][0].endswith("区") for c in counties])
    name = regions[code][0]
    level = 1 if code == depts.PROVINCE_CODE else (2 if code.endswith("00") else 3)
    return fake.Place(
        code=code,
        name=name,
        level=level,
        province=regions[depts.PROVINCE_CODE][0],
        county_codes=np.array(counties),
        county_names=np.array([regions[c][0] for c in counties]),
        county_cities=np.array([regions[p][0] for p in cities]),
        county_lon=np.round(centre[:, 0] + offset[:, 0] * np.where(district, 0.25, 1), 4),
        county_lat=np.round(centre[:, 1] + offset[:, 1] * np.where(district, 0.25, 1), 4),
        county_area_codes=np.array([vocab.CITIES[p][2] for p in cities]),
        county_is_district=district,
        county_weights=np.where(district, 1.6, 1.0),
    )


def _offset(code: str) -> tuple[float, float]:
    """Where a county lies from its city's centre: fixed per code, up to about 0.45°."""
    rng = np.random.default_rng(zlib.crc32(code.encode()))
    return tuple(rng.uniform(-0.45, 0.45, 2))
