"""The ingest job: every stage, in order, for each table of a resource version.

`process` is the chain itself and touches no database: it reads a file and leaves, in the job's
folder, one Parquet file and (unless asked not to) one profile per table. `ingest_version` wraps
it for a stored version: it records progress and the outcome on the version's tables and moves
the resource's published pointer (`services`). It never raises for bad input: a stage's
IngestError (or any unexpected error, logged) marks the version's tables failed with a Chinese
message naming the row, column or byte, removes whatever was written, and leaves the published
version as it was.

The profile is not needed to answer the rows API, so `ingest_version` publishes the version
first and profiles its tables after, as the job's last step: the preview shows the profile as
being computed until then. A profile that fails is logged and recorded as failed on its table;
the table stays published.

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
from kaifang.datastore.ingest.job import Job, Misfit, Staged
from kaifang.datastore.ingest.privacy import apply_privacy, keeps_rows
from kaifang.datastore.ingest.profile import profile_table
from kaifang.datastore.ingest.readers import reader_for
from kaifang.datastore.ingest.source import check_size, local_source
from kaifang.datastore.ingest.types import Column, plan_typed, type_staged
from kaifang.datastore.ingest.write import one_pass, write_parquet, write_typed
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
    profile: bool = True,
) -> list[Processed]:
    """read → decode/dialect → types → privacy → write → profile, for every table in the
    file at `source`; `overrides` maps a sheet to the publisher's column types. Without
    `profile` each table's profile holds only the notices (see `profile_tables`)."""
    reader = reader_for(fmt)
    if reader is None:
        raise IngestError(_("不支持将 %(fmt)s 格式的文件入库。") % {"fmt": fmt})
    con = kept_staging(work) if keep_connection else open_staging(work)
    job = Job(version, fmt, source, work, con, report or (lambda *a: None))
    try:
        done = _tables(job, reader(job), overrides or {}, profile=profile)
        for item in done:
            item.profile["notices"] = list(job.notices)
        return done
    finally:
        if not keep_connection:
            con.close()


def _tables(
    job: Job, staged: list[Staged], overrides: dict[str, dict[str, str]], *, profile: bool
) -> list[Processed]:
    done = []
    for position, one in enumerate(staged):
        target = job.workdir / f"table-{position}.parquet"
        done.append(_table(job, one, overrides.get(one.sheet, {}), target, profile=profile))
    return done


def _table(
    job: Job, staged: Staged, overrides: dict[str, str], target: Path, *, profile: bool
) -> Processed:
    """types → privacy → write → profile for one staged table: in one pass over the file
    for a staged view the privacy stage leaves as it is, when the engine's files are written
    that way (`_typed_and_written`)."""
    direct = staged.scan is not None and one_pass() and keeps_rows(job, staged)
    done = _typed_and_written(job, staged, overrides, target) if direct else None
    if done is not None:
        columns, rows = done
    else:
        staged, columns = type_staged(job, staged, overrides, typed=not direct)
        relation = apply_privacy(job, staged, columns)
        write_parquet(job, relation, columns, target, staged.rows)
        rows = staged.rows
    found = profile_table(job, target, columns, rows) if profile else {"pending": True}
    return Processed(staged.sheet, columns, staged.labels, rows, target, found)


def _typed_and_written(
    job: Job, staged: Staged, overrides: dict[str, str], target: Path
) -> tuple[list[Column], int] | None:
    """The staged view read once, typed as its sample plans, straight into the data file:
    its columns and row count; None (nothing written) when the sample settles no plan or a
    later value misfits it — the file is then staged as text and typed by the rules."""
    planned = plan_typed(job, staged, overrides)
    if planned is None:
        return None
    try:
        return planned, write_typed(job, staged, planned, target)
    except Misfit:
        return None


def work_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for one job, under the datastore root."""
    root = get_engine().root() / ".work"
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="ingest-", dir=root)


def place(processed: Processed, resource_id, version_id, table_id) -> str:
    """Move a finished data file to its place, named with the suffix of the engine's format
    (the write stage wrote it in that format); return its path relative to the root."""
    engine = get_engine()
    data_path = f"{resource_id}/{version_id}/{table_id}{engine.suffix}"
    target = engine.root() / data_path
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
            results = _run(version, fmt, Path(work), progress)
            profile_tables(version, results, Path(work), listener)
    except IngestError as exc:
        _fail(version, exc.as_dict())
    except Exception:
        logger.exception("ingest of version %s failed", version.pk)
        _fail(version, IngestError(_(INTERNAL_ERROR)).as_dict())
    return list(DatastoreTable.objects.filter(version=version))


def _run(
    version: ResourceVersion, fmt: str, work: Path, progress: _Progress
) -> list[services.IngestedTable]:
    """Every stage but the profile; the version is ready (and current, when due) after."""
    source = local_source(version, work)
    overrides = services.overrides_for(version)
    done = process(
        source, fmt, work, version=version, overrides=overrides, report=progress, profile=False
    )
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
    return results


def profile_tables(
    version: ResourceVersion,
    results: list[services.IngestedTable],
    work: Path,
    listener: Listener | None = None,
) -> None:
    """The profile stage for tables already published: each table's profile, computed from
    its placed data file and recorded. Never raises: a profile that fails is logged and
    recorded as failed, and the table stays as it is."""
    report = listener or (lambda *a: None)
    con = None
    try:
        con = open_staging(work)
        job = Job(version, version.detected_format or "", Path(), work, con, report)
    except Exception:
        logger.exception("profiles of version %s failed", version.pk)
        job = None
    try:
        for result in results:
            _profile_one(job, result)
    finally:
        if con is not None:
            con.close()


def _profile_one(job: Job | None, result: services.IngestedTable) -> None:
    """Profile one table and record it (or record its profile failed); never raises."""
    found = None
    try:
        if job is not None:
            path = get_engine().root() / result.data_path
            columns = [Column(f["id"], f["type"]) for f in result.fields]
            found = profile_table(job, path, columns, result.rows)
    except Exception:
        logger.exception("profile of table %s failed", result.table.pk)
    try:
        services.record_profile(result.table, found)
    except Exception:
        logger.exception("recording the profile of table %s failed", result.table.pk)


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
