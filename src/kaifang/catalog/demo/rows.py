"""The demo catalog's database rows: every dataset's metadata filled and checked against the
metadata schema in force, then datasets, tags, resources and versions inserted in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from kaifang.catalog.demo import plan as planning
from kaifang.catalog.demo.accounts import ACCOUNTS_DEPARTMENT, AccountStatus
from kaifang.catalog.demo.files import Facts
from kaifang.catalog.models import Dataset, Resource, ResourceVersion, Tag
from kaifang.catalog.schema import get_schema
from kaifang.catalog.schema.validation import validate
from kaifang.core import codelists, errors
from kaifang.organizations.models import Department

# Domain → (national theme classes, industry sections) as a cataloguer would file them.
DOMAIN_CLASSES: dict[str, tuple[list[str], list[str]]] = {
    "1": (["02"], ["L"]),
    "2": (["15"], ["Q"]),
    "3": (["17"], ["S"]),
    "4": (["13"], ["S"]),
    "5": (["06"], ["K", "E"]),
    "6": (["04"], ["G"]),
    "7": (["14", "15"], ["P", "R"]),
    "8": (["14"], ["M"]),
    "9": (["03"], ["D", "B"]),
    "10": (["06"], ["N"]),
    "11": (["07", "04"], ["A", "C"]),
    "12": (["09"], ["F"]),
    "13": (["08"], ["J"]),
    "14": (["01"], ["S"]),
    "15": (["02"], ["L"]),
    "16": (["18"], ["Q"]),
    "17": (["13"], ["L"]),
    "18": (["10"], ["O", "H"]),
    "19": (["11"], ["M"]),
    "20": (["11", "03"], ["M"]),
    "21": (["18"], ["S"]),
}
DEADLINES = {
    "realtime": "数据产生后 10 分钟内更新",
    "daily": "每日 9 时前更新前一日数据",
    "weekly": "每周一更新上周数据",
    "tendays": "每旬结束后 3 日内更新",
    "monthly": "每月 15 日前更新上月数据",
    "quarterly": "每季度结束后 20 个工作日内更新",
    "halfyearly": "每半年结束后 1 个月内更新",
    "yearly": "每年 6 月底前更新上一年度数据",
    "irregular": "数据发生变化后 5 个工作日内更新",
}
OPEN_CONDITION = (
    "申请者须为依法登记的法人或其他组织，经实名认证后在线提交数据利用申请，写明应用场景、所需字段"
    "和使用期限，由开放部门在 5 个工作日内审核；通过后签署《有条件开放数据利用协议》和数据安全"
    "承诺书。数据仅限申请的用途使用，不得向第三方提供，使用期满后销毁。"
)
SHARE_CONDITION = "仅限政务部门依法履职使用，使用部门须落实数据安全管理责任。"
RETURN_REASONS = (
    "信息项“经度”“纬度”未注明坐标系，请补充后重新提交。",
    "摘要未说明数据来源和统计口径，请补充。",
    "资源文件中含有联系人手机号码，请脱敏后重新上传。",
)
WITHDRAW_REASONS = (
    "数据口径调整，暂停开放，更新后重新发布。",
    "部门职能调整，数据移交后重新发布。",
)
TAKE_DOWN_REASONS = (
    "发现资源文件含有未脱敏的个人信息，应急下线处置。",
    "接到数据安全风险通报，应急下线核查。",
)


@dataclass
class Rows:
    datasets: list[Dataset] = field(default_factory=list)
    tags: list[tuple[object, str]] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    versions: list[ResourceVersion] = field(default_factory=list)
    audit: list[tuple[Dataset, list[tuple[str, str]]]] = field(default_factory=list)


def reserved_names(plan: planning.Plan, owned: set) -> None:
    """Make sure no name or code the demo will use belongs to a row it does not own: a dataset
    name taken by someone else's dataset gets a suffix; a department name or resource code
    cannot be changed, so that stops the build with the reason."""
    foreign = Dataset.objects.exclude(department_id__in=owned)
    taken = set(
        foreign.filter(name__in=[d.name for d in plan.datasets]).values_list("name", flat=True)
    )
    taken |= set(
        Resource.objects.exclude(dataset__department_id__in=owned)
        .filter(name__in=[r.name for d in plan.datasets for r in d.resources])
        .values_list("name", flat=True)
    )
    for dataset in plan.datasets:
        if dataset.name in taken or any(r.name in taken for r in dataset.resources):
            _rename(dataset, f"{dataset.name[:90]}-demo")
    clash = foreign.filter(identifier__in=[d.identifier for d in plan.datasets]).first()
    if clash is not None:
        raise errors.Invalid(
            _("信息资源代码“%(code)s”已被数据集“%(title)s”使用，无法生成演示目录。")
            % {"code": clash.identifier, "title": clash.title}
        )
    used = (
        Department.objects.exclude(id__in=owned)
        .filter(name__in=[d.name for d in plan.departments])
        .first()
    )
    if used is not None:
        raise errors.Invalid(
            _("部门英文标识“%(name)s”已被部门“%(title)s”使用，无法生成演示目录。")
            % {"name": used.name, "title": used.title}
        )


def _rename(dataset: planning.DatasetPlan, new: str) -> None:
    old = dataset.name
    dataset.name = new
    for resource in dataset.resources:
        resource.name = new + resource.name.removeprefix(old)


def dataset_rows(
    plan: planning.Plan,
    facts: dict[object, Facts],
    departments: dict[str, Department],
    accounts: list[AccountStatus],
) -> Rows:
    rows = Rows()
    schema = get_schema()
    publisher = _publisher(accounts)
    for dp in plan.datasets:
        department = departments[dp.department.key]
        fact = facts[dp.id]
        cleaned = checked_values(schema, dp, fact, department)
        creator = publisher if dp.department.key == ACCOUNTS_DEPARTMENT else None
        dataset = _dataset(schema, dp, cleaned, department, creator)
        rows.datasets.append(dataset)
        rows.tags += [(dp.id, tag) for tag in cleaned.get("keywords", [])]
        rows.resources += [_resource(dp, r) for r in dp.resources]
        rows.versions += [_version(f, creator) for f in fact.files]
        rows.audit.append((dataset, _moves(dp)))
    return rows


def insert_rows(rows: Rows) -> None:
    """Insert in bulk. Resources point at versions not yet inserted; the foreign keys are
    checked when the transaction commits."""
    Dataset.objects.bulk_create(rows.datasets)
    names = {name for _, name in rows.tags}
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names)], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    through = Dataset.tags.through
    through.objects.bulk_create([through(dataset_id=d, tag_id=tag_ids[n]) for d, n in rows.tags])
    Resource.objects.bulk_create(rows.resources)
    ResourceVersion.objects.bulk_create(rows.versions)


def checked_values(schema, dp: planning.DatasetPlan, fact: Facts, department) -> dict:
    """Every schema field's value, cleaned by the schema's own validation. A value the demo
    provides that the schema refuses is a bug in the demo and stops the build."""
    data = metadata_values(dp, fact, department)
    cleaned, problems = validate(schema.dataset_fields, data, require=True)
    mine = {key: messages for key, messages in problems.items() if key in data}
    if mine:
        message = _("演示数据集“%(title)s”的元数据不符合元数据方案：%(errors)s")
        raise errors.Invalid(message % {"title": dp.title, "errors": mine}, errors=mine)
    return cleaned


def metadata_values(dp: planning.DatasetPlan, fact: Facts, department) -> dict:
    spec = dp.spec
    themes, industries = DOMAIN_CLASSES[dp.domain]
    kinds = {r.kind for r in dp.resources}
    start, end = fact.temporal or _published_span(dp)
    data = {
        "title": dp.title,
        "identifier": dp.identifier,
        "summary": summary(dp, fact),
        "department": department,
        "domain": dp.domain,
        "open_type": dp.open_type,
        "update_frequency": spec.freq,
        "is_high_value": spec.high_value,
        "is_realtime": spec.freq == "realtime",
        "region": dp.place_code,
        "keywords": keywords(dp),
        "resource_class": spec.resource_class,
        "national_theme": themes,
        "industry": industries,
        "open_method": [
            m for m, k in (("download", "file"), ("download", "link"), ("api", "api")) if k in kinds
        ],
        "licence": dp.licence,
        "usage_terms": dp.usage_terms,
        "share_type": dp.share_type,
        "share_condition": SHARE_CONDITION if dp.share_type == "2" else "",
        "format_class": format_class(dp),
        "fields": fact.fields,
        "update_deadline": DEADLINES.get(spec.freq, ""),
        "related_codes": dp.related,
        "spatial": dp.spatial,
        "temporal_start": start,
        "temporal_end": end,
        "contact_name": dp.department.contact_name,
        "contact_phone": dp.department.contact_phone,
        "contact_email": dp.department.contact_email,
    }
    data["open_method"] = list(dict.fromkeys(data["open_method"]))
    if dp.open_type == "conditional":
        data["open_condition"] = OPEN_CONDITION
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def summary(dp: planning.DatasetPlan, fact: Facts) -> str:
    spec, freq = dp.spec, codelists.get("update_frequency").label(dp.spec.freq)
    if spec.layout == "report":
        return (
            f"{spec.about}{dp.department.title}发布的{dp.title}，以 PDF 文档提供，"
            "内容包括主要指标及说明。"
        )
    if spec.layout == "map":
        return f"{dp.title}提供{dp.spatial}电子地图的在线浏览，以及地图瓦片和地名地址查询接口。"
    if spec.layout == "service":
        return f"{dp.title}以接口方式提供{dp.spatial}城市三维模型数据，申请 API 令牌后调用。"
    names = [f["name"] for f in fact.fields]
    items = "、".join(names[:6]) + ("等" if len(names) > 6 else "")
    return (
        f"{spec.about}{dp.title}，包含{items}信息项，覆盖{dp.spatial}，由{dp.department.title}"
        f"提供，更新周期为{freq}。"
    )


def keywords(dp: planning.DatasetPlan) -> list[str]:
    words = list(dp.spec.keywords)
    if dp.place_code != planning.depts.PROVINCE_CODE:
        words.append(dp.spatial.removeprefix("浙江省") or dp.spatial)
    return list(dict.fromkeys(words))[:20]


def format_class(dp: planning.DatasetPlan) -> str:
    """The catalog guide's format class of the main resource: spreadsheets for tables, 7 for
    services, 1 for documents and web pages."""
    first = dp.resources[0]
    if first.kind == "api":
        return "7"
    if first.kind == "link":
        return "1"
    item = codelists.get("format").get(first.format)
    return str(item.extra.get("format_class", "1")) if item else "1"


def _published_span(dp: planning.DatasetPlan):
    if dp.published_at is None:
        return None, None
    return dp.published_at.date(), dp.data_updated_at.date()


def _dataset(schema, dp: planning.DatasetPlan, cleaned: dict, department, creator) -> Dataset:
    columns = {f.key for f in schema.dataset_fields if f.column}
    metadata = {
        k: v
        for k, v in cleaned.items()
        if k not in columns and k != "keywords" and not schema.dataset_field(k).readonly
    }
    state = dp.workflow_state
    return Dataset(
        id=dp.id,
        name=dp.name,
        title=dp.title,
        identifier=dp.identifier,
        summary=cleaned.get("summary", ""),
        department=department,
        region_id=dp.place_code,
        domain=dp.domain,
        open_type=dp.open_type,
        update_frequency=dp.spec.freq,
        state=state,
        review_stage="department" if state == "in_review" else "",
        is_private=dp.is_private,
        is_high_value=dp.spec.high_value,
        is_realtime=dp.spec.freq == "realtime",
        metadata=metadata,
        published_at=dp.published_at,
        data_updated_at=dp.data_updated_at,
        download_count=dp.download_count,
        return_reason=RETURN_REASONS[dp.index % 3] if state == "returned" else "",
        created_by=creator,
    )


def _resource(dp: planning.DatasetPlan, rp: planning.ResourcePlan) -> Resource:
    return Resource(
        id=rp.id,
        dataset_id=dp.id,
        name=rp.name,
        title=rp.title,
        description=rp.description,
        kind=rp.kind,
        url=rp.url,
        format=rp.format,
        position=rp.position,
        current_version_id=rp.version_id,
    )


def _version(stored, creator) -> ResourceVersion:
    return ResourceVersion(
        id=stored.version_id,
        resource_id=stored.resource_id,
        number=1,
        file=stored.path,
        original_name=stored.original_name,
        size=stored.size,
        sha256=stored.sha256,
        detected_format=stored.format,
        media_type=stored.media_type,
        status=ResourceVersion.Status.READY,
        created_by=creator,
    )


def _moves(dp: planning.DatasetPlan) -> list[tuple[str, str]]:
    """The workflow moves that brought the dataset to its state, for the audit log."""
    i = dp.index
    return {
        "published": [("dataset.publish", "")],
        "private": [("dataset.publish", "")],
        "draft": [("dataset.create", "")],
        "in_review": [("dataset.submit", "")],
        "returned": [("dataset.submit", ""), ("dataset.return", RETURN_REASONS[i % 3])],
        "withdrawn": [("dataset.publish", ""), ("dataset.withdraw", WITHDRAW_REASONS[i % 2])],
        "taken_down": [("dataset.publish", ""), ("dataset.take_down", TAKE_DOWN_REASONS[i % 2])],
    }[dp.state]


def _publisher(accounts: list[AccountStatus]):
    if not any(a.username == "publisher" and a.status != "skipped" for a in accounts):
        return None
    return get_user_model().objects.filter(username="publisher").first()
