"""A small catalog for search and API tests: departments at province, city and county level,
datasets in several domains with keywords, resources in several formats (public and not), and
datasets no visitor may see."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ResourceVersion, State, Tag
from kaifang.catalog.tests import factories
from kaifang.core.models import Region
from kaifang.organizations.models import Department


def add_file(dataset: Dataset, content: bytes, filename: str, fmt: str, **kw) -> Resource:
    """A file resource whose version 1 is complete and published."""
    resource = Resource.objects.create(
        dataset=dataset,
        name=kw.pop("name", f"file-{hashlib.sha256(filename.encode()).hexdigest()[:8]}"),
        title=kw.pop("title", filename),
        kind=Resource.Kind.FILE,
        format=fmt,
        **kw,
    )
    version = ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file=ContentFile(content, name=filename),
        original_name=filename,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        detected_format=fmt,
        media_type="text/csv" if fmt == "CSV" else "application/octet-stream",
        status=ResourceVersion.Status.READY,
    )
    resource.current_version = version
    resource.save(update_fields=["current_version"])
    return resource


@dataclass
class Sample:
    province_dept: Department
    env_dept: Department
    city_dept: Department
    county_dept: Department
    ningbo_dept: Department
    bus_stops: Dataset
    bus_lines: Dataset
    hospitals: Dataset
    air: Dataset
    credit: Dataset
    private: Dataset
    draft: Dataset
    withdrawn: Dataset

    @property
    def public(self) -> list[Dataset]:
        return [self.bus_stops, self.bus_lines, self.hospitals, self.air, self.credit]


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _tag(dataset: Dataset, *names: str) -> None:
    dataset.tags.set([Tag.objects.get_or_create(name=n)[0] for n in names])


def build(department: Department, other_department: Department) -> Sample:
    """`department` is the province's transport department (the conftest fixture),
    `other_department` its environment department."""
    hangzhou = Region.objects.get(code="330100")
    xihu = Region.objects.get(code="330106")
    ningbo = Region.objects.get(code="330200")
    city = factories.make_department(hangzhou, name="hz-data", title="杭州市数据资源局")
    county = factories.make_department(xihu, name="xihu-health", title="西湖区卫生健康局")
    nb = factories.make_department(ningbo, name="nb-market", title="宁波市市场监督管理局")

    bus_stops = factories.make_dataset(
        department,
        title="公交站点",
        domain="6",
        update_frequency="monthly",
        download_count=50,
        published_at=_ago(10),
        identifier="330000006001/000001",
        summary="全省公交站点名称与坐标。",
    )
    _tag(bus_stops, "公交", "站点")
    add_file(
        bus_stops,
        "站点,经度,纬度\n武林广场,120.16,30.27\n".encode(),
        "stops.csv",
        "CSV",
        name="bus-stops-csv",
    )

    bus_lines = factories.make_dataset(
        city,
        title="杭州公交线路",
        domain="6",
        update_frequency="daily",
        download_count=5,
        published_at=_ago(5),
        summary="杭州市公交线路走向。",
    )
    factories.make_link_resource(bus_lines, format="JSON", url="https://example.org/lines.json")
    factories.make_link_resource(bus_lines, format="CSV", url="https://example.org/lines.csv")

    hospitals = factories.make_dataset(
        county,
        title="西湖区医院名录",
        domain="2",
        update_frequency="yearly",
        download_count=100,
        published_at=_ago(1),
        summary="医院名称、地址与附近公交站。",
    )
    factories.make_link_resource(hospitals, format="XLSX", url="https://example.org/h.xlsx")

    air = factories.make_dataset(
        other_department,
        title="空气质量小时数据",
        domain="10",
        update_frequency="realtime",
        open_type="conditional",
        download_count=20,
        published_at=_ago(20),
        metadata={"open_condition": "需实名认证并签署数据使用协议"},
        is_realtime=True,
    )
    add_file(air, b"time,aqi\n2026-01-01T00:00,42\n", "air.csv", "CSV", name="air-csv")

    credit = factories.make_dataset(
        nb,
        title="宁波企业信用评价",
        domain="1",
        update_frequency="quarterly",
        download_count=0,
        published_at=_ago(30),
    )
    # Not public: a file resource whose upload never completed, and a resource of a pending
    # revision.
    Resource.objects.create(
        dataset=credit, name="credit-pdf", title="未完成", kind=Resource.Kind.FILE, format="PDF"
    )
    revision = DatasetRevision.objects.create(
        dataset=credit, status=DatasetRevision.Status.IN_REVIEW
    )
    factories.make_link_resource(credit, format="XML", pending_revision=revision)

    private = factories.make_dataset(
        department, title="公交内部调度", domain="6", is_private=True, published_at=_ago(2)
    )
    factories.make_link_resource(private, format="CSV")
    draft = factories.make_dataset(department, state=State.DRAFT, title="公交草稿", domain="6")
    withdrawn = factories.make_dataset(
        department, state=State.WITHDRAWN, title="公交已下线", domain="6"
    )
    return Sample(
        department,
        other_department,
        city,
        county,
        nb,
        bus_stops,
        bus_lines,
        hospitals,
        air,
        credit,
        private,
        draft,
        withdrawn,
    )
