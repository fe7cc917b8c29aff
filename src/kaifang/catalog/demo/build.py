"""Build, rebuild and remove the demo catalog.

`build_demo` plans the catalog, writes its files, then inserts its rows in one transaction:
departments, accounts, tags, datasets, resources, versions and the audit entries of what it
published, all by bulk insert. A last audit entry (`demo.load`, on the province) records the
generator version, seed and scale; a later run that finds it, with the rows and files still in
place, returns at once. The demo owns its departments and everything in them: `--force`
deletes those and builds again. Users are never deleted (the audit log names them).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from kaifang.catalog.demo.accounts import ACCOUNTS_DEPARTMENT, AccountStatus, ensure_accounts
from kaifang.catalog.demo.departments import PROVINCE_CODE
from kaifang.catalog.models import Dataset, ResourceVersion
from kaifang.core import errors
from kaifang.core.audit import Actor, record
from kaifang.core.models import AuditEntry, Region
from kaifang.organizations.models import Department

GENERATOR_VERSION = 2  # 2: files are ingested into the datastore
DEMO_SEED = 20261031
SCALES = ("full", "small")
LOADED, REMOVED = "demo.load", "demo.remove"
ACTOR = Actor.system("demo")

Log = Callable[[str], None]

if TYPE_CHECKING:  # the planning modules load pypinyin and more; a run that finds the catalog
    # already built never needs them
    from kaifang.catalog.demo import plan as planning
    from kaifang.catalog.demo.files import Facts


@dataclass
class DemoResult:
    """What a run did (or found already done)."""

    built: bool
    scale: str
    seed: int
    departments: int = 0
    datasets: int = 0
    published: int = 0
    resources: int = 0
    files: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    accounts: list[AccountStatus] = field(default_factory=list)

    def counts(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("departments", "datasets", "published", "resources", "files", "rows", "bytes")
        }


def build_demo(
    scale: str = "full",
    seed: int = DEMO_SEED,
    *,
    force: bool = False,
    storage: Storage | None = None,
    log: Log | None = None,
) -> DemoResult:
    """Build the demo catalog unless the same one (version, seed, scale) is already there."""
    if scale not in SCALES:
        raise errors.Invalid(
            _("演示目录规模“%(scale)s”无效，可选：%(choices)s。")
            % {"scale": scale, "choices": "、".join(SCALES)}
        )
    started = time.monotonic()
    say = log or (lambda message: None)
    storage = storage or default_storage
    regions = load_regions()
    if not force:
        found = existing(seed, scale, storage)
        if found is not None:
            _ingest_missing(storage, say)  # an earlier build stopped before its ingest ended
            found.seconds = time.monotonic() - started
            return found
    from kaifang.catalog.demo import plan as planning
    from kaifang.catalog.demo.rows import reserved_names

    plan = planning.make_plan(
        regions, seed=seed, scale=scale, site_domain=settings.KAIFANG["SITE"]["domain"]
    )
    owned = owned_department_ids(plan)
    reserved_names(plan, owned)
    say(
        _("规划完成：%(departments)d 个部门，%(datasets)d 个数据集")
        % {"departments": len(plan.departments), "datasets": len(plan.datasets)}
    )
    facts = write_files(plan, regions, storage, say)
    say(_("文件写入完成：%(n)d 个") % {"n": sum(len(f.files) for f in facts.values())})
    with transaction.atomic():
        old_files = _delete_rows(owned)
        accounts = _insert(plan, facts)
        result = _result(plan, facts, accounts, started)
        record(
            ACTOR,
            LOADED,
            Region.objects.get(pk=PROVINCE_CODE),
            reason=_("生成演示目录"),
            detail=_marker_detail(plan, result),
        )
    kept = {f.path for fs in facts.values() for f in fs.files}
    _delete_files_after_commit(storage, [p for p in old_files if p not in kept])
    ingest_files(facts, storage, say)
    result.seconds = time.monotonic() - started
    return result


def _ingest_missing(storage: Storage, say: Log) -> None:
    """Ingest the tabular versions that were never ingested (no table, not even a failed one)."""
    from kaifang.datastore.ingest.batch import ingest_now
    from kaifang.datastore.selectors import is_tabular

    never = ResourceVersion.objects.filter(datastore_tables__isnull=True)
    versions = [v for v in never if is_tabular(v)]
    if versions:
        say(_("补充入库 %(n)d 个数据文件") % {"n": len(versions)})
        ingest_now(versions, path_of=lambda v: storage.path(v.file.name))


def ingest_files(facts: dict, storage: Storage, say: Log) -> None:
    """Ingest every tabular file into the datastore now, in this process and its workers
    rather than through the queue, so the catalog is served ready: rows API, preview and
    downloads from the first request."""
    from kaifang.datastore.ingest.batch import ingest_now

    started = time.monotonic()
    ids = [f.version_id for fs in facts.values() for f in fs.files]
    versions = list(ResourceVersion.objects.filter(pk__in=ids))
    counts = ingest_now(
        versions,
        path_of=lambda v: storage.path(v.file.name),
        log=lambda done, total: say(
            _("已入库 %(done)d/%(all)d 个数据文件") % {"done": done, "all": total}
        ),
    )
    say(
        _("数据入库完成：%(tables)d 张数据表，失败 %(failed)d 个文件，用时 %(s).1f 秒")
        % {"tables": counts["tables"], "failed": counts["failed"], "s": time.monotonic() - started}
    )


def remove_demo(*, storage: Storage | None = None) -> int:
    """Delete every department the demo made, with all their datasets and files; return how
    many datasets went."""
    storage = storage or default_storage
    load_regions()
    owned = set(_marked_department_ids())
    with transaction.atomic():
        count = Dataset.objects.filter(department_id__in=owned).count()
        old_files = _delete_rows(owned)
        record(
            ACTOR,
            REMOVED,
            Region.objects.get(pk=PROVINCE_CODE),
            reason=_("删除演示目录"),
            detail={"datasets": count},
        )
    _delete_files_after_commit(storage, old_files)
    return count


def load_regions() -> dict[str, tuple[str, str | None]]:
    """The demo province's regions, code → (name, parent code)."""
    province = PROVINCE_CODE
    rows = Region.objects.filter(code__startswith=province[:2]).values_list(
        "code", "name", "parent_id"
    )
    regions = {code: (name, parent) for code, name, parent in rows}
    if province not in regions:
        raise errors.NotFound(
            _("找不到行政区划 %(code)s（浙江省），请先执行 migrate 载入行政区划数据。")
            % {"code": province}
        )
    return regions


def existing(seed: int, scale: str, storage: Storage) -> DemoResult | None:
    """The result recorded by the last build, if it was this version, seed and scale and its
    departments, datasets and files are all still there."""
    marker = _last_marker()
    detail = marker.detail if marker is not None and marker.action == LOADED else {}
    if (detail.get("version"), detail.get("seed"), detail.get("scale")) != (
        GENERATOR_VERSION,
        seed,
        scale,
    ):
        return None
    ids = detail.get("department_ids", [])
    if Department.objects.filter(id__in=ids).count() != len(ids):
        return None
    if Dataset.objects.filter(department_id__in=ids).count() < detail.get("datasets", 0):
        return None
    if not _files_present(ids, storage):
        return None
    counts = {k: detail.get(k, 0) for k in DemoResult(True, scale, seed).counts()}
    return DemoResult(built=False, scale=scale, seed=seed, **counts)


def owned_department_ids(plan: planning.Plan) -> set:
    """Departments the demo made: those of earlier builds and those this one would make."""
    ids = {str(i) for i in _marked_department_ids()}
    mine = [_department_id(plan.seed, d.key) for d in plan.departments]
    ids.update(str(i) for i in Department.objects.filter(id__in=mine).values_list("id", flat=True))
    return ids


def write_files(plan: planning.Plan, regions, storage: Storage, say: Log) -> dict:
    """Render and store each dataset's files; rows come after, from what this returns. A large
    catalog is shared among worker processes, one per processor."""
    from kaifang.catalog.demo import plan as planning
    from kaifang.catalog.demo.files import write_dataset

    places: dict[str, object] = {}
    work = []
    for dataset in plan.datasets:
        if dataset.place_code not in places:
            places[dataset.place_code] = planning.place(dataset.place_code, regions)
        work.append((dataset, places[dataset.place_code]))
    work.sort(key=lambda item: -item[0].rows)  # big tables first, so the workers finish together
    workers = _worker_count(len(work))
    facts: dict = {}
    if workers == 1:
        for dataset, where in work:
            facts[dataset.id] = write_dataset(dataset, where, storage)
        return facts
    _shared["storage"] = storage
    connections.close_all()  # the workers are forked; they must not share a connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for number, (key, found) in enumerate(pool.map(_write_one, work, chunksize=2), 1):
            facts[key] = found
            if number % 100 == 0:
                say(
                    _("已生成 %(done)d/%(all)d 个数据集的文件") % {"done": number, "all": len(work)}
                )
    return facts


_shared: dict[str, Storage] = {}


def _write_one(item) -> tuple[object, Facts]:
    from kaifang.catalog.demo.files import write_dataset

    dataset, where = item
    return dataset.id, write_dataset(dataset, where, _shared["storage"])


def _worker_count(datasets: int) -> int:
    """One process for small catalogs, inside a transaction (tests), or where processes cannot
    be forked; otherwise one per processor."""
    if (
        datasets < 50
        or connection.in_atomic_block
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def _insert(plan: planning.Plan, facts: dict[object, Facts]) -> list[AccountStatus]:
    from kaifang.catalog.demo.rows import dataset_rows, insert_rows

    departments = {
        d.key: Department(
            id=_department_id(plan.seed, d.key),
            name=d.name,
            title=d.title,
            short_name=d.short_name,
            code=d.code,
            region_id=d.region_code,
            description=d.description,
            contact_name=d.contact_name,
            contact_phone=d.contact_phone,
            contact_email=d.contact_email,
        )
        for d in plan.departments
    }
    Department.objects.bulk_create(list(departments.values()))
    accounts = ensure_accounts(departments[ACCOUNTS_DEPARTMENT])
    rows = dataset_rows(plan, facts, departments, accounts)
    insert_rows(rows)
    for dataset, moves in rows.audit:
        for action, reason in moves:
            record(ACTOR, action, dataset, reason=reason, detail={"demo": True})
    return accounts


def _result(plan, facts, accounts, started) -> DemoResult:
    files = [f for fs in facts.values() for f in fs.files]
    return DemoResult(
        built=True,
        scale=plan.scale,
        seed=plan.seed,
        departments=len(plan.departments),
        datasets=len(plan.datasets),
        published=sum(1 for d in plan.datasets if d.state == "published"),
        resources=sum(len(d.resources) for d in plan.datasets),
        files=len(files),
        rows=sum(f.rows for f in files),
        bytes=sum(f.size for f in files),
        seconds=time.monotonic() - started,
        accounts=accounts,
    )


def _marker_detail(plan: planning.Plan, result: DemoResult) -> dict:
    return {
        "version": GENERATOR_VERSION,
        "seed": plan.seed,
        "scale": plan.scale,
        "department_ids": [str(_department_id(plan.seed, d.key)) for d in plan.departments],
        **result.counts(),
    }


def _last_marker() -> AuditEntry | None:
    return (
        AuditEntry.objects.filter(
            action__in=(LOADED, REMOVED),
            target_type="core.region",
            target_id=PROVINCE_CODE,
        )
        .order_by("-id")
        .first()
    )


def _marked_department_ids() -> list[str]:
    """Every department id any demo build recorded (a build at another seed or scale may have
    made departments this one would not)."""
    ids: set[str] = set()
    for detail in AuditEntry.objects.filter(action=LOADED, target_type="core.region").values_list(
        "detail", flat=True
    ):
        ids.update((detail or {}).get("department_ids", []))
    return sorted(ids)


def _department_id(seed: int, key: str):
    from kaifang.catalog.demo.plan import demo_uuid

    return demo_uuid(seed, "department", key)


def _files_present(department_ids: list, storage: Storage) -> bool:
    versions = ResourceVersion.objects.filter(
        resource__dataset__department_id__in=department_ids
    ).order_by("id")
    sample = list(versions.values_list("file", flat=True)[:3])
    return all(storage.exists(name) for name in sample)


def _delete_rows(department_ids) -> list[str]:
    """Delete the departments and everything in them; return their files' storage paths."""
    datasets = Dataset.objects.filter(department_id__in=department_ids)
    files = list(
        ResourceVersion.objects.filter(resource__dataset__in=datasets).values_list(
            "file", flat=True
        )
    )
    datasets.delete()
    Department.objects.filter(id__in=department_ids).delete()
    return files


def _delete_files_after_commit(storage: Storage, paths: list[str]) -> None:
    def delete() -> None:
        for path in paths:
            if path and storage.exists(path):
                storage.delete(path)

    transaction.on_commit(delete)
