"""Make the search benchmark's catalog: N synthetic datasets with realistic Chinese metadata,
written straight into the bench's own data folder (KAIFANG_HOME) in batches.

    KAIFANG_HOME=var/bench-search .venv/bin/python bench/search/generate.py --datasets 100000

The catalog reads like a province's: the demo catalog's 314 dataset kinds
(catalog/demo/catalog.yaml: titles, keywords, domains, frequencies) published by the provincial
departments and by the bureaus of each city and county (catalog/demo/departments.py), so the
same kinds of titles repeat across regions (杭州市医疗机构名录, 义乌市医疗机构名录 …) as they do
on real portals. Each dataset gets a title with its place and sometimes a year, a summary, two
to four keywords (some with the place: 杭州公交), information items, one to three resources
(CSV, XLSX, JSON …; an API for some), an open type, a frequency, a state (a few drafts,
withdrawn and private datasets, so the visibility filters have work) and downloads with a long
tail. The same seed gives the same catalog.

Rows are written with bulk_create, BATCH datasets per transaction, and nothing per row is
kept: memory stays flat at any size. On SQLite it writes about 400 datasets a second here (2
shared cores; with their keywords and resources, ~4.5 rows each), so 1,000,000 take about
40 minutes, once: the catalog is kept in its data folder. No search change log is written: the
benchmark builds the index from the database afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "bench-"  # every department and dataset name made here starts with it
BATCH = 5000
SEED = 20260601
FORMATS = ("CSV", "XLSX", "JSON", "XML", "PDF", "GEOJSON", "XLS", "DOCX")
FORMAT_WEIGHTS = (0.34, 0.24, 0.16, 0.08, 0.07, 0.04, 0.04, 0.03)
STATES = ("published", "draft", "in_review", "withdrawn")
STATE_WEIGHTS = (0.92, 0.03, 0.02, 0.03)
OPEN_TYPES = ("open", "conditional", "closed")
OPEN_WEIGHTS = (0.80, 0.17, 0.03)
PRIVATE_SHARE = 0.03
YEARS = tuple(range(2016, 2026))
ITEMS = (
    "名称", "地址", "联系电话", "统一社会信用代码", "经度", "纬度", "所属区县", "发布日期",
    "负责人", "登记机关", "有效期", "类别", "状态", "数量", "金额", "备注", "开放时间",
    "服务内容", "审批事项", "许可证号", "行政区划", "街道", "社区", "统计年度", "指标名称",
)  # fmt: skip
SUFFIXES = ("", "", "", "信息", "统计", "目录", "汇总")


@dataclass(frozen=True)
class Kind:
    """One dataset kind of the demo catalog."""

    stem: str
    domain: str
    bureau: str
    keywords: tuple[str, ...]
    frequency: str
    high_value: bool
    realtime: bool


def kinds() -> list[Kind]:
    """The demo catalog's dataset kinds, their titles without a place."""
    import yaml

    from kaifang.catalog.demo import departments

    path = ROOT / "src" / "kaifang" / "catalog" / "demo" / "catalog.yaml"
    found = []
    for domain, specs in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        for spec in specs:
            bureau = spec["dept"] if spec["dept"] in departments.LOCAL else ""
            frequency = spec.get("freq", "monthly")
            found.append(
                Kind(
                    stem=_stem(spec["title"]),
                    domain=str(domain),
                    bureau=bureau,
                    keywords=tuple(str(spec.get("keywords", "")).split()),
                    frequency=frequency,
                    high_value=bool(spec.get("high_value")),
                    realtime=frequency == "realtime",
                )
            )
    return found


def _stem(title: str) -> str:
    """A demo title without its place: {place}, 全省, or a city or county name."""
    title = title.replace("{place}", "").removeprefix("全省")
    for end in ("市", "区", "县"):
        at = title.find(end)
        if 1 < at <= 3:
            return title[at + 1 :]
    return title


@dataclass
class Catalog:
    """What every batch draws from: kinds, departments by (region, bureau), regions."""

    kinds: list[Kind]
    province: list[tuple[uuid.UUID, str, str]]  # (id, title, region code)
    local: dict[str, list[tuple[uuid.UUID, str, str]]]  # region code → its bureaus
    places: list[tuple[str, str]]  # (region code, name) of the province's cities and counties
    tags: dict[str, int]


def make_departments() -> Catalog:
    """The provincial departments and each city's and county's bureaus (made once, reused)."""
    from kaifang.catalog.demo import departments as demo
    from kaifang.catalog.demo.build import load_regions
    from kaifang.organizations.models import Department

    regions = load_regions()
    places = sorted((code, name) for code, (name, _parent) in regions.items() if code != "330000")
    wanted = [("330000", bureau) for bureau in demo.PROVINCE]
    wanted += [(code, bureau) for code, _name in places for bureau in demo.LOCAL]
    plans = [
        demo.plan_department(code, bureau, regions, "bench.example.cn") for code, bureau in wanted
    ]
    rows = [
        Department(
            name=f"{PREFIX}{p.name}"[:100],
            title=p.title,
            short_name=p.short_name,
            code=f"B{p.code[1:]}",
            region_id=p.region_code,
            description=p.description,
        )
        for p in plans
    ]
    Department.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    by_name = dict(Department.objects.filter(name__startswith=PREFIX).values_list("name", "id"))
    province, local = [], {}
    for (code, bureau), plan in zip(wanted, plans, strict=True):
        entry = (by_name[f"{PREFIX}{plan.name}"[:100]], plan.title, code)
        if code == "330000":
            province.append((*entry[:2], bureau))
        else:
            local.setdefault(code, []).append((*entry[:2], bureau))
    return Catalog(kinds(), province, local, places, {})


def _local_bureau(catalog: Catalog, kind: Kind, code: str, pick: int):
    bureaus = catalog.local[code]
    for pk, title, bureau in bureaus:
        if bureau == kind.bureau:
            return pk, title
    pk, title, _bureau = bureaus[pick % len(bureaus)]
    return pk, title


def _provincial(catalog: Catalog, pick: int):
    pk, title, _bureau = catalog.province[pick % len(catalog.province)]
    return pk, title


@dataclass
class Draw:
    """The random choices of one batch, drawn at once (numpy) for speed."""

    kind: np.ndarray
    place: np.ndarray
    local: np.ndarray
    year: np.ndarray
    suffix: np.ndarray
    state: np.ndarray
    open_type: np.ndarray
    private: np.ndarray
    high_value: np.ndarray
    downloads: np.ndarray
    published: np.ndarray
    items: np.ndarray
    formats: np.ndarray
    resources: np.ndarray
    api: np.ndarray
    place_keyword: np.ndarray
    pick: np.ndarray


def draw(rng: np.random.Generator, n: int, catalog: Catalog) -> Draw:
    return Draw(
        kind=rng.integers(0, len(catalog.kinds), n),
        place=rng.integers(0, len(catalog.places), n),
        local=rng.random(n) < 0.8,
        year=np.where(rng.random(n) < 0.25, rng.integers(0, len(YEARS), n), -1),
        suffix=rng.integers(0, len(SUFFIXES), n),
        state=rng.choice(len(STATES), n, p=STATE_WEIGHTS),
        open_type=rng.choice(len(OPEN_TYPES), n, p=OPEN_WEIGHTS),
        private=rng.random(n) < PRIVATE_SHARE,
        high_value=rng.random(n) < 0.05,
        downloads=np.minimum(rng.pareto(1.2, n) * 20, 2_000_000).astype(np.int64),
        published=rng.integers(0, 10 * 365 * 86400, n),
        items=rng.integers(0, len(ITEMS), (n, 6)),
        formats=rng.choice(len(FORMATS), (n, 3), p=FORMAT_WEIGHTS),
        resources=rng.integers(1, 4, n),
        api=rng.random(n) < 0.15,
        place_keyword=rng.random(n) < 0.3,
        pick=rng.integers(0, 1_000_000, n),
    )


def _row(catalog: Catalog, d: Draw, i: int, number: int) -> tuple[dict, list[str], list[str]]:
    """The dataset's column values, its keywords and its resources' formats."""
    from kaifang.core import codelists

    kind = catalog.kinds[d.kind[i]]
    code, place = catalog.places[d.place[i]]
    if d.local[i]:
        department_id, department = _local_bureau(catalog, kind, code, int(d.pick[i]))
    else:
        code, place = "330000", "浙江省"
        department_id, department = _provincial(catalog, int(d.pick[i]))
    year = f"{YEARS[d.year[i]]}年" if d.year[i] >= 0 else ""
    title = f"{place}{year}{kind.stem}{SUFFIXES[d.suffix[i]]}"
    keywords = list(kind.keywords[:3])
    if d.place_keyword[i] and keywords:
        keywords.append(f"{place[:-1] if len(place) > 2 else place}{keywords[0]}")
    items = list(dict.fromkeys(ITEMS[k] for k in d.items[i]))
    frequency = codelists.get("update_frequency").get(kind.frequency)
    summary = (
        f"{department}开放的{title}，包括{'、'.join(items[:4])}等信息项，"
        f"{frequency.zh if frequency else '不定期'}更新，供社会公众查询和开发利用。"
    )
    published = dt.datetime(2016, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(d.published[i]))
    state = STATES[d.state[i]]
    values = dict(
        id=uuid.UUID(int=int(d.pick[i]) << 64 | number),
        name=f"{PREFIX}{number:07d}",
        title=title,
        identifier=f"{code}{int(kind.domain):02d}/{number:07d}",
        summary=summary,
        department_id=department_id,
        region_id=code,
        domain=kind.domain,
        open_type=OPEN_TYPES[d.open_type[i]],
        update_frequency=kind.frequency,
        state=state,
        is_private=bool(d.private[i]),
        is_high_value=kind.high_value or bool(d.high_value[i]),
        is_realtime=kind.realtime,
        metadata={"fields": [{"name": item, "type": "C", "length": 100} for item in items]},
        published_at=published if state in ("published", "withdrawn") else None,
        data_updated_at=published,
        download_count=int(d.downloads[i]),
    )
    formats = list(dict.fromkeys(FORMATS[f] for f in d.formats[i][: d.resources[i]]))
    if d.api[i]:
        formats.append("API")
    return values, keywords, formats


def write_batch(
    catalog: Catalog, rng: np.random.Generator, start: int, n: int, skip: int = 0
) -> None:
    """Datasets start + skip … start + n - 1, their keywords and resources, in one
    transaction (the batch's first `skip` are there already: drawn, not written)."""
    from django.db import transaction

    from kaifang.catalog.models import Dataset, Resource

    d = draw(rng, n, catalog)
    datasets, links, resources = [], [], []
    for i in range(skip, n):
        values, keywords, formats = _row(catalog, d, i, start + i)
        datasets.append(Dataset(**values))
        links += [(values["id"], keyword) for keyword in keywords]
        for position, fmt in enumerate(formats):
            kind = Resource.Kind.API if fmt == "API" else Resource.Kind.LINK
            resources.append(
                Resource(
                    dataset_id=values["id"],
                    name=f"{values['name']}-{position}",
                    title=f"{values['title']}（{fmt}）",
                    kind=kind,
                    url=f"https://data.example.cn/{values['name']}/{position}",
                    format=fmt,
                    position=position,
                )
            )
    with transaction.atomic():
        _ensure_tags(catalog, {keyword for _pk, keyword in links})
        Dataset.objects.bulk_create(datasets, batch_size=1000)
        through = Dataset.tags.through
        Dataset.tags.through.objects.bulk_create(
            [through(dataset_id=pk, tag_id=catalog.tags[k]) for pk, k in links], batch_size=2000
        )
        Resource.objects.bulk_create(resources, batch_size=1000)


def _ensure_tags(catalog: Catalog, names: set[str]) -> None:
    from kaifang.catalog.models import Tag

    missing = names - catalog.tags.keys()
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        catalog.tags.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))


def existing() -> int:
    from kaifang.catalog.models import Dataset

    return Dataset.objects.filter(name__startswith=PREFIX).count()


def generate(count: int, *, seed: int = SEED, progress: Callable[[int], None] | None = None) -> int:
    """Add the synthetic datasets missing up to `count` (a catalog already there is kept and
    completed: a re-run after an interruption carries on, drawing what it skips so the rest is
    the same); return how many there are."""
    from kaifang.catalog.models import Tag

    rng = np.random.default_rng(seed)
    catalog = make_departments()
    catalog.tags = dict(Tag.objects.values_list("name", "id"))
    done = existing()
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        if start + n <= done:
            draw(rng, n, catalog)  # the same random stream as a run from the start
            continue
        write_batch(catalog, rng, start, n, skip=max(0, done - start))
        if progress:
            progress(start + n)
    return existing()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaifang.config.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kaifang search benchmark catalog")
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    options = parser.parse_args(argv)
    if options.datasets < 1:
        parser.error("--datasets ≥ 1")
    setup_django()
    started = time.monotonic()

    def say(n: int) -> None:
        if n % 50_000 == 0 or n == options.datasets:
            print(f"已生成 {n} 个数据集（{time.monotonic() - started:.0f} 秒）", flush=True)

    total = generate(options.datasets, seed=options.seed, progress=say)
    print(f"目录中共有 {total} 个基准数据集，用时 {time.monotonic() - started:.1f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
