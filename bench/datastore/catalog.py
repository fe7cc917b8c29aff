"""The catalog side of the datastore benchmark, run inside Django in the bench's own data folder
(KAIFANG_HOME), through the same services a publisher's and a reviewer's clicks go through:

    python -m bench.datastore.catalog resource SAMPLE.csv  → {"resource": …, "dataset": …}
    python -m bench.datastore.catalog approve-next RESOURCE_ID

`resource` makes a published dataset with one file resource whose current version is SAMPLE
(a few rows of the benchmark's file). A new version of a published dataset's resource goes into
a revision and becomes current once it is both ingested and approved, so `approve-next` plays
the reviewer who is standing by: started (and Django loaded) before the timed ingest, it prints
"ready", waits for the revision holding the resource's next version, submits and approves it
— while the ingest runs. The version then becomes current the moment its ingest completes,
which is what the benchmark times. It then follows the ingest to its end and prints when each
stage began (read from the table's own progress record, to within POLL_EVERY). The actor is
the platform admin `kaifang init` made (KAIFANG_ADMIN_USER), also the department's reviewer."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

DEPARTMENT = "bench-datastore"
METADATA = {
    "summary": "数据存储基准测试用数据：登记日期、城市、区县、行业、经营状态、数量、金额、坐标。",
    "domain": "6",
    "resource_class": "3",
    "open_type": "open",
    "open_method": ["download"],
    "licence": "kaifang-open-1.0",
    "share_type": "1",
    "format_class": "2",
    "update_frequency": "monthly",
    "fields": [{"name": "记录编号", "type": "N", "length": 10}],
    "contact_name": "基准测试",
    "contact_phone": "0571-88888888",
}
POLL_EVERY = 0.1
WAIT_SECONDS = 3600


def _admin():
    from kaifang.accounts.models import User

    return User.objects.get(username=os.environ["KAIFANG_ADMIN_USER"])


def _actor():
    from kaifang.core.audit import Actor

    return Actor.for_user(_admin())


def _department():
    """The bench department, made once, with the admin as its reviewer."""
    from kaifang.core.models import Region
    from kaifang.organizations import services
    from kaifang.organizations.models import Department, Membership

    found = Department.objects.filter(name=DEPARTMENT).first()
    if found is not None:
        return found
    department = Department(
        name=DEPARTMENT,
        title="基准测试部门",
        code="11330000MB99999999",
        region=Region.objects.get(code="330000"),
    )
    services.save_department(_actor(), department, changed=["name", "title", "code", "region"])
    services.add_membership(
        _actor(), user=_admin(), department=department, role=Membership.Role.REVIEWER
    )
    return department


def new_resource(sample: Path) -> dict[str, str]:
    """A published dataset with one resource whose current version is `sample` (its ingest
    runs at once: the caller sets KAIFANG_QUEUE=immediate)."""
    from django.core.files import File

    from kaifang.catalog import services
    from kaifang.catalog.models import Dataset

    number = Dataset.objects.count() + 1
    dataset = services.create_dataset(
        _actor(),
        department=_department(),
        data={
            **METADATA,
            "title": f"市场主体登记基准数据 {number}",
            "identifier": f"330000000001/{number:06d}",
        },
    )
    with sample.open("rb") as handle:
        resource = services.add_resource(
            _actor(), dataset, data={"title": "市场主体登记"}, upload=File(handle, sample.name)
        )
    services.submit_for_review(_actor(), dataset)
    services.approve(_actor(), Dataset.objects.get(pk=dataset.pk), reason="基准测试")
    return {"resource": str(resource.pk), "dataset": str(dataset.pk)}


def approve_next(resource_id: str) -> dict:
    """Wait for the revision holding the resource's next version; submit and approve it; then
    follow the version's ingest until it is ready (or failed), noting when each stage began
    (epoch seconds: the ingest records each new stage on its table as it starts it)."""
    from kaifang.catalog.models import Resource

    resource = Resource.objects.get(pk=resource_id)
    known = resource.versions.count()
    print("ready", flush=True)
    deadline = time.monotonic() + WAIT_SECONDS
    version, stages, approved = None, [], None
    while time.monotonic() < deadline:
        if version is None:
            version = _next_version(resource, known)
        if version is not None and approved is None:
            approved = _approve(version.revision)
        status = _note_stage(version, stages) if version is not None else None
        if status in ("ready", "failed"):
            print("settled", flush=True)  # the bench's cue to ask the rows API
            return {"approved": approved, "status": status, "stages": stages}
        time.sleep(POLL_EVERY)
    raise SystemExit("等待新版本超时 / no new version arrived")


def _next_version(resource, known: int):
    version = (
        resource.versions.filter(revision__isnull=False)
        .select_related("revision")
        .order_by("-number")
        .first()
    )
    return version if version is not None and version.number > known else None


def _approve(revision) -> str:
    from kaifang.catalog import services

    services.submit_revision(_actor(), revision)
    services.approve_revision(_actor(), revision, reason="基准测试")
    return str(revision.pk)


def _note_stage(version, stages: list) -> str | None:
    """Append [stage, epoch] when the version's first table shows a new stage; its status."""
    from kaifang.datastore.models import DatastoreTable

    found = (
        DatastoreTable.objects.filter(version=version, position=0)
        .values_list("stage", "status")
        .first()
    )
    if found is None:
        return None
    stage, status = found
    if stage and (not stages or stages[-1][0] != stage):
        stages.append([stage, time.time()])
    return status


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaifang.config.settings")
    import django

    django.setup()
    command, argument = argv
    result = new_resource(Path(argument)) if command == "resource" else approve_next(argument)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
