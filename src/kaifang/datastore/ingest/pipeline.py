"""The ingest job: every stage, in order, for each table of a resource version.

`process` is the chain itself and touches no database: it reads a file and leaves, in the job's
folder, one Parquet file and one profile per table. `ingest_version` wraps it for a stored
version: it records progress and the outcome on the version's tables and moves the resource's
published pointer (`services`). It never raises for bad input: a stage's IngestError (or any
unexpected error, logged) marks the version's tables failed with a Chinese message naming the
row, column or byte, removes whatever was written, and leaves the published version as it was.

The job's folder is made under the datastore root, so finished files are renamed into place
(same file system, atomic) and the job's spill files land on the data disk, not in /tmp."""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from kaifang.catalog.models import ResourceVersion
from kaifang.datastore import services
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest.duck import kept_staging, open_staging
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.privacy import apply_privacy
from kaifang.datastore.ingest.profile import profile_table
from kaifang.datastore.ingest.readers import reader_for
from kaifang.datastore.ingest.source import check_size, local_source
from kaifang.datastore.ingest.types import Column, infer_types
from kaifang.datastore.ingest.write import write_parquet
from kaifang.datastore.models import DatastoreTable

logger = logging.getLogger(__name__)
SAVE_EVERY = 0.5  # seconds between progress writes
INTERNAL_ERROR = "入库时发生内部错误，请稍后重试；如仍失败请联系平台管理员。"

#: an extra listener for progress (the CLI's progress bar): (stage, rows done, total or None)
Listener = Callable[[str, int, "int | None"], None]
Report = Callable[[str, int, "int | None"], None]


@dataclass
class Processed:
    """One table the chain produced: its Parquet file (in the job's folder) and facts."""

    sheet: str
    columns: list[Column]
    labels: list[str]
    rows: int
    parquet: Path
    profile: dict[str, Any]


def process(
    source: Path,
    fmt: str,
    work: Path,
    *,
    version: ResourceVersion | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
    report: Report | None = None,
    keep_connection: bool = False,
) -> list[Processed]:
    """read → decode/dialect → types → privacy → write → profile, for every table in the
    file at `source`; `overrides` maps a sheet to the publisher's column types."""
    reader = reader_for(fmt)
    if reader is None:
        raise IngestError(_("不支持将 %(fmt)s 格式的文件入库。") % {"fmt": fmt})
    con = kept_staging(work) if keep_connection else open_staging(work)
    try:
        job = Job(version, fmt, source, work, con, report or (lambda *a: None))
        staged = reader(job)
        done = []
        for position, one in enumerate(staged):
            wanted = (overrides or {}).get(one.sheet, {})
            done.append(_table(job, one, wanted, work / f"table-{position}.parquet"))
        for item in done:
            item.profile["notices"] = list(job.notices)
        return done
    finally:
        if not keep_connection:
            con.close()


def _table(job: Job, staged: Staged, overrides: dict[str, str], target: Path) -> Processed:
    """types → privacy → write → profile for one staged table."""
    columns = infer_types(job, staged, overrides)
    relation = apply_privacy(job, staged, columns)
    write_parquet(job, relation, columns, target, staged.rows)
    profile = profile_table(job, target, columns, staged.rows)
    return Processed(staged.sheet, columns, staged.labels, staged.rows, target, profile)


def work_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for one job, under the datastore root."""
    root = get_engine().root() / ".work"
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="ingest-", dir=root)


def place(processed: Processed, resource_id, version_id, table_id) -> str:
    """Move a finished Parquet file to its place; return its path relative to the root."""
    data_path = f"{resource_id}/{version_id}/{table_id}.parquet"
    target = get_engine().root() / data_path
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(processed.parquet, target)
    return data_path


def ingest_version(
    version: ResourceVersion, *, listener: Listener | None = None
) -> list[DatastoreTable]:
    """Run every stage for `version` and return its tables (ready, or failed with an error).
    Versions of formats no reader knows are left alone (no tables)."""
    version = ResourceVersion.objects.select_related("resource__dataset").get(pk=version.pk)
    fmt = (version.detected_format or "").upper()
    if reader_for(fmt) is None:
        return []
    progress = _Progress(services.start_ingest(version), listener)
    try:
        with work_folder() as work:
            _run(version, fmt, Path(work), progress)
    except IngestError as exc:
        _fail(version, exc.as_dict())
    except Exception:
        logger.exception("ingest of version %s failed", version.pk)
        _fail(version, IngestError(_(INTERNAL_ERROR)).as_dict())
    return list(DatastoreTable.objects.filter(version=version))


def _run(version: ResourceVersion, fmt: str, work: Path, progress: _Progress) -> None:
    source = local_source(version, work)
    overrides = services.overrides_for(version)
    done = process(source, fmt, work, version=version, overrides=overrides, report=progress)
    tables = services.tables_for_sheets(version, [p.sheet for p in done])
    results = []
    for table, processed in zip(tables, done, strict=True):
        data_path = place(processed, version.resource_id, version.pk, table.pk)
        fields = services.field_entries(
            version, processed.sheet, processed.columns, processed.labels
        )
        results.append(
            services.IngestedTable(table, fields, processed.rows, processed.profile, data_path)
        )
    services.complete_ingest(version, results)


def _fail(version: ResourceVersion, error: dict) -> None:
    services.remove_data_files(version, get_engine().root())
    services.fail_ingest(version, error)


def process_stored_file(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Ingest one stored file outside any job record (the demo's bulk build): `item` holds
    "path", "format", "size", "resource_id" and "version_id"; returns one dict per table with
    what a DatastoreTable row needs (or one failed entry with the error)."""
    try:
        check_size(item["size"])
        with work_folder() as work:
            done = process(Path(item["path"]), item["format"], Path(work), keep_connection=True)
            return [_table_values(item, position, p) for position, p in enumerate(done)]
    except IngestError as exc:
        return [{"sheet": "", "position": 0, "status": "failed", "error": exc.as_dict()}]
    except Exception:
        logger.exception("ingest of %s failed", item["path"])
        return [
            {
                "sheet": "",
                "position": 0,
                "status": "failed",
                "error": {"message": _(INTERNAL_ERROR)},
            }
        ]


def _table_values(item: dict[str, Any], position: int, processed: Processed) -> dict[str, Any]:
    table_id = uuid.uuid4()
    data_path = place(processed, item["resource_id"], item["version_id"], table_id)
    return {
        "id": table_id,
        "sheet": processed.sheet,
        "position": position,
        "status": "ready",
        "fields": services.fields_from(processed.columns, processed.labels),
        "row_count": processed.rows,
        "profile": processed.profile,
        "data_path": data_path,
    }


class _Progress:
    """Where the job is: saved on the version's first table at most every SAVE_EVERY seconds
    (and at each new stage), and passed to the listener."""

    def __init__(self, table: DatastoreTable, listener: Listener | None):
        self.table = table
        self.listener = listener
        self.stage = ""
        self.saved = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage != self.stage or now - self.saved >= SAVE_EVERY:
            services.report_progress(self.table, stage, done, total)
            self.stage, self.saved = stage, now
        if self.listener is not None:
            self.listener(stage, done, total)
