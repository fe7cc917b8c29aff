"""Dynamic data: rows written to a published table through the API — appended after the rows it
has, or replacing them all — and the background jobs that merge the appended parts and delete
the files a change left behind.

These writes skip human review by design: they keep the approved schema (every value must fit
its column's type; no column is added, dropped or retyped — another schema is a new version,
which is reviewed), and each is audited with its actor, the API token.

A write is atomic. Every record is checked and typed (kaifang.datastore.incoming) into a
staging DuckDB before anything is written. Then one transaction locks the dataset and the
table's row, writes the new file under a temporary name, numbers its `_row_id`s on from the
locked `row_count`, renames it into place and records it with the new row count, generation
and refresh time and the audit entry. If anything fails nothing is visible and the new file is
removed. An append adds a part file (Parquet) after the table's others; a replace writes a new
base file (row ids from 0; in the engine's format, as ingest writes them) and empties the parts.

Files a change leaves behind are retired, not deleted: a request that read the table's row just
before may still be opening them. They are deleted RETIRED_GRACE_SECONDS later by the tidy job.

The merge (compaction) runs COMPACT_DELAY_SECONDS after an append, once for a burst of them: it
writes base + parts as one new base file in row order and in the engine's format (DuckDB,
within the datastore's memory limit, spilling to disk), recomputes the column profile with the
ingest's profile stage, and swaps it in only if the table still starts with the files it
merged — parts appended meanwhile stay after it, and a replace meanwhile wins. The exports are
made again after a merge or a replace; until then the previous ones are served.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset, Resource, State
from kaifang.catalog.services._base import acting_user, lock, log, require
from kaifang.core.audit import Actor
from kaifang.core.errors import InvalidTransition, KaifangError, NotFound
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.exporters import queue_exports
from kaifang.datastore.incoming import RecordsInvalid, Target, check_records
from kaifang.datastore.ingest.duck import ident, open_staging, sql_string
from kaifang.datastore.ingest.job import Job
from kaifang.datastore.ingest.pipeline import work_folder
from kaifang.datastore.ingest.profile import profile_table
from kaifang.datastore.ingest.types import Column
from kaifang.datastore.ingest.write import write_file
from kaifang.datastore.models import DatastoreTable
from kaifang.datastore.query.columns import ROW_ID
from kaifang.datastore.relation import PARQUET, opened
from kaifang.search.services import dataset_changed

logger = logging.getLogger(__name__)
Status = DatastoreTable.Status

APPEND, REPLACE = "append", "replace"
MODES = (APPEND, REPLACE)
DEFAULT_MAX_ROWS = 10_000
#: how long after an append its table is merged (appends in between are merged together)
COMPACT_DELAY_SECONDS = 60
#: how long a file no longer part of its table is kept for requests that may still open it
RETIRED_GRACE_SECONDS = 600
#: how long a queued job keeps another of its kind from being queued (a lost job frees it)
QUEUE_LOCK_SECONDS = 15 * 60
PART_SUFFIX = ".part.parquet"
AUDIT_ACTIONS = {APPEND: "datastore.rows_appended", REPLACE: "datastore.rows_replaced"}


class TooManyRows(KaifangError):
    """More records in one call than KAIFANG_APPEND_MAX_ROWS allows; nothing was written."""

    code = "too_many_rows"
    status = 413


@dataclass
class RowsWritten:
    """What a write did: the table as it is now (row count, generation, refresh time), the
    mode and how many records it wrote."""

    table: DatastoreTable
    mode: str
    rows_added: int


def max_rows() -> int:
    """The most records one write may carry (settings.KAIFANG["APPEND_MAX_ROWS"])."""
    return int(settings.KAIFANG.get("APPEND_MAX_ROWS") or DEFAULT_MAX_ROWS)


# Writing rows


def append_rows(
    actor: Actor,
    target: DatastoreTable | Resource,
    records: list[Any],
    mode: str = APPEND,
    sheet: str = "",
) -> RowsWritten:
    """Append `records` (JSON objects keyed by column name) to a table, or with `mode`
    "replace" make them its only rows. The table is `target` itself or the resource's table
    of `sheet` (default its first), and must be the current, ready table of a published
    dataset whose department the actor authors in. Nothing is written unless every record
    fits the schema; the change is atomic, audited with the actor, and needs no review."""
    user = acting_user(actor)
    table = _writable_table(target, sheet)
    require(
        permissions.may_author_in(user, table.resource.dataset.department),
        _("您不是该部门的数据发布员或管理员，不能写入该资源的数据。"),
    )
    _check_call(table, records, mode)
    with work_folder() as folder, _staging(Path(folder)) as con:
        rows = _stage(con, Path(folder), table, records)
        if mode == APPEND:
            table = _commit(actor, table, rows, partial(_add_part, con, rows=rows))
        else:
            table = _replace(actor, table, con, Path(folder), rows)
    return RowsWritten(table, mode, rows)


def _writable_table(target: DatastoreTable | Resource, sheet: str) -> DatastoreTable:
    """The table to write: `target` (read afresh), or the resource's current table of
    `sheet` (its first when empty)."""
    if isinstance(target, DatastoreTable):
        related = ("resource__dataset__department",)
        return DatastoreTable.objects.select_related(*related).get(pk=target.pk)
    tables = DatastoreTable.objects.filter(
        version_id=target.current_version_id, status=Status.READY
    ).order_by("position")
    table = (tables.filter(sheet=sheet) if sheet else tables).first()
    if table is None:
        raise NotFound(
            _("该资源没有名为“%(sheet)s”的工作表。") % {"sheet": sheet[:100]}
            if sheet and tables.exists()
            else _("该资源暂无可写入的数据表（不是表格数据，或正在处理中）。")
        )
    table.resource = target
    return table


def _check_call(table: DatastoreTable, records: Any, mode: str) -> None:
    """What can be refused before reading any record: the table's state, the mode, the
    number of records."""
    _require_current(table, table.resource.dataset, table.resource)
    if mode not in MODES:
        message = _("参数 mode 应为 append 或 replace（收到“%(mode)s”）。") % {
            "mode": str(mode)[:20]
        }
        raise RecordsInvalid(message, errors={"mode": [message]})
    if not isinstance(records, list) or not records:
        message = _("records 应为至少含一条记录的数组。")
        raise RecordsInvalid(message, errors={"records": [message]})
    if len(records) > max_rows():
        message = _("一次最多写入 %(max)d 条记录（收到 %(n)d 条），请分批提交。") % {
            "max": max_rows(),
            "n": len(records),
        }
        raise TooManyRows(message, errors={"records": [message]})


def _require_current(table: DatastoreTable, dataset: Dataset, resource: Resource) -> None:
    """Rows are written only to the table the public sees: a published dataset's resource's
    current version."""
    if dataset.state != State.PUBLISHED:
        raise InvalidTransition(_("数据集未处于发布状态，不能写入数据。"))
    current = (
        table.status == Status.READY
        and table.version_id == resource.current_version_id
        and resource.pending_revision_id is None
    )
    if not current:
        raise InvalidTransition(_("该数据表不是资源当前发布的版本，不能写入数据。"))


def _labels(table: DatastoreTable) -> dict[str, str]:
    """Display label → column, for labels that are not themselves a column's name."""
    ids = {f["id"] for f in table.fields}
    return {f["label"]: f["id"] for f in table.fields if f.get("label") and f["label"] not in ids}


@contextmanager
def _staging(folder: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A staging DuckDB with the datastore's memory cap, spilling to `folder`."""
    con = open_staging(folder)
    try:
        yield con
    finally:
        con.close()


def _targets(con: duckdb.DuckDBPyConnection, table: DatastoreTable) -> list[Target]:
    """The table's columns in file order with their stored types, read from its base file:
    every new file must have exactly these, or the files could not be read as one."""
    path = get_engine().data_file(table)
    if not path.is_file():
        raise NotFound(_("数据文件不存在，请稍后再试或联系数据提供部门。"))
    with opened(con, [path]) as source:
        described = con.execute(f"DESCRIBE {source}").fetchall()
    kinds = {f["id"]: f["type"] for f in table.fields}
    layout = [(row[0], row[1]) for row in described if row[0] != ROW_ID]
    if [name for name, _type in layout] != list(kinds):
        raise RuntimeError(f"table {table.pk}: the data file's columns differ from its fields")
    return [Target(name, kinds[name], sql_type) for name, sql_type in layout]


def _stage(
    con: duckdb.DuckDBPyConnection, folder: Path, table: DatastoreTable, records: list[Any]
) -> int:
    """Check the records against the table's schema and stage them as the typed table
    `staged`, its `_row_id` the record's position (no field is named `_row_id`, the data
    files' own column); returns how many. They go through JSON lines of canonical texts,
    which DuckDB casts to the stored types in one pass."""
    targets = _targets(con, table)
    rows = check_records(records, targets, _labels(table))
    path = folder / "records.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for n, row in enumerate(rows):
            handle.write(json.dumps({"v": [str(n), *row]}, ensure_ascii=False) + "\n")
    casts = "".join(
        f", CAST(v[{i + 2}] AS {t.sql_type}) AS {ident(t.id)}" for i, t in enumerate(targets)
    )
    lines = (
        f"read_json({sql_string(path)}, format='newline_delimited', columns={{'v': 'VARCHAR[]'}})"
    )
    # Column names and types come from the table's own file, values from the JSON file.
    con.execute(
        f"CREATE TABLE staged AS SELECT CAST(v[1] AS BIGINT) AS {ROW_ID}{casts} "  # noqa: S608
        f"FROM {lines}"
    )
    return len(rows)


def _write(con: duckdb.DuckDBPyConnection, path: Path, offset: int, fmt: str = PARQUET) -> None:
    """The staged rows as a data file at `path` in format `fmt`, their `_row_id`s counted on
    from `offset`."""
    columns = [row[0] for row in con.execute("DESCRIBE staged").fetchall() if row[0] != ROW_ID]
    listed = "".join(f", {ident(c)}" for c in columns)
    row_id = ident(ROW_ID)
    select = (
        f"SELECT {row_id} + {int(offset)} AS {row_id}{listed} "  # noqa: S608
        f"FROM staged ORDER BY {row_id}"
    )
    write_file(con, select, path, fmt)


def _replace(
    actor: Actor, table: DatastoreTable, con: duckdb.DuckDBPyConnection, folder: Path, rows: int
) -> DatastoreTable:
    base, profile = _new_base(con, folder, table, rows)
    try:
        change = partial(_swap_base, base=base, profile=profile, rows=rows)
        return _commit(actor, table, rows, change, mode=REPLACE)
    finally:
        base.unlink(missing_ok=True)


def _new_base(
    con: duckdb.DuckDBPyConnection, folder: Path, table: DatastoreTable, rows: int
) -> tuple[Path, dict[str, Any]]:
    """A replace's new base file, written before the lock (its row ids start at 0 whatever
    happens meanwhile) beside the table's files under a temporary name, and its profile."""
    engine = get_engine()
    written = _partial(engine.data_file(table))
    _write(con, written, 0, engine.file_format)
    return written, _profile(con, folder, table, written, rows)


def _commit(
    actor: Actor,
    table: DatastoreTable,
    rows: int,
    change: Callable[[DatastoreTable, list[Path]], None],
    *,
    mode: str = APPEND,
) -> DatastoreTable:
    """Make the change under the dataset's and the table's locks, on the table as it is now,
    and audit it; the files it placed are removed again if anything fails."""
    placed: list[Path] = []
    try:
        with transaction.atomic():
            dataset = table.resource.dataset
            lock(dataset)
            locked = DatastoreTable.objects.select_for_update().get(pk=table.pk)
            resource = Resource.objects.get(pk=locked.resource_id)
            _require_current(locked, dataset, resource)
            change(locked, placed)
            now = timezone.now()
            locked.generation += 1
            locked.refreshed_at = now
            locked.save(
                update_fields=[
                    "data_path",
                    "parts",
                    "row_count",
                    "profile",
                    "retired",
                    "generation",
                    "refreshed_at",
                ]
            )
            Dataset.objects.filter(pk=dataset.pk).update(data_updated_at=now)
            dataset_changed(dataset, reason="rows")  # its data date; a replace, its samples
            _audit(actor, dataset, locked, rows, mode)
            _after_commit(locked, mode)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    locked.resource = resource
    return locked


def _add_part(
    con: duckdb.DuckDBPyConnection, locked: DatastoreTable, placed: list[Path], *, rows: int
) -> None:
    """Write the staged rows as the table's next part, numbered on from its locked count."""
    target = _data_path(locked, locked.generation + 1, PART_SUFFIX)
    written = _partial(target)
    try:
        _write(con, written, locked.row_count or 0)
        placed.append(target)
        os.replace(written, target)
    finally:
        written.unlink(missing_ok=True)
    locked.parts = [*locked.parts, _relative(target)]
    locked.row_count = (locked.row_count or 0) + rows


def _swap_base(
    locked: DatastoreTable,
    placed: list[Path],
    *,
    base: Path,
    profile: dict[str, Any],
    rows: int,
) -> None:
    """Make the written file the table's base and its only file; retire the old ones."""
    target = _data_path(locked, locked.generation + 1, get_engine().suffix)
    placed.append(target)
    os.replace(base, target)
    _retire(locked, [locked.data_path, *locked.parts])
    locked.data_path, locked.parts, locked.row_count = _relative(target), [], rows
    locked.profile = {**profile, "notices": (locked.profile or {}).get("notices", [])}


def _audit(actor: Actor, dataset: Dataset, table: DatastoreTable, rows: int, mode: str) -> None:
    log(
        actor,
        AUDIT_ACTIONS[mode],
        dataset,
        resource=str(table.resource_id),
        table=str(table.pk),
        sheet=table.sheet,
        rows=rows,
        row_count=table.row_count,
        generation=table.generation,
    )


def _after_commit(table: DatastoreTable, mode: str) -> None:
    """An append is merged a little later (which makes the exports again); a replace has
    its exports made now and its old files deleted after the grace period."""
    table_id = str(table.pk)
    if mode == APPEND:
        transaction.on_commit(lambda: queue_compaction(table_id))
    else:
        transaction.on_commit(lambda: queue_exports(table))
        transaction.on_commit(lambda: queue_tidy(table_id))


# Files


def _data_path(table: DatastoreTable, generation: int, suffix: str) -> Path:
    """The file a generation of the table's data adds, beside its other files. The name is
    unique per generation, so no file in use is ever overwritten (a leftover of a change that
    failed before its commit may be)."""
    return get_engine().data_file(table).with_name(f"{table.pk}-g{generation}{suffix}")


def _partial(target: Path) -> Path:
    """A temporary name beside `target`, so the rename into place is atomic."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")


def _relative(path: Path) -> str:
    return path.relative_to(get_engine().root()).as_posix()


def _retire(table: DatastoreTable, paths: list[str]) -> None:
    at = timezone.now().astimezone(dt.UTC).isoformat()
    table.retired = [*(table.retired or []), *({"path": p, "at": at} for p in paths if p)]


def _profile(
    con: duckdb.DuckDBPyConnection, folder: Path, table: DatastoreTable, path: Path, rows: int
) -> dict[str, Any]:
    """The column profile of a data file, by the ingest's own profile stage."""
    job = Job(None, PARQUET, path, folder, con, lambda *args: None)
    columns = [Column(f["id"], f["type"]) for f in table.fields]
    return profile_table(job, path, columns, rows)


# Merging the parts


def compact(table_id: Any) -> bool:
    """Merge the table's base and parts into one new base file in row order, with its
    profile recomputed, and swap it in if the table still starts with the files merged (parts
    appended meanwhile are kept after it). True when a merge was swapped in."""
    table = DatastoreTable.objects.filter(pk=table_id, status=Status.READY).first()
    if table is None or not table.parts:
        return False
    merged_files = (table.data_path, list(table.parts))
    with work_folder() as folder, _staging(Path(folder)) as con:
        merged = _partial(get_engine().data_file(table))
        try:
            rows = _merge(con, table, merged)
            profile = _profile(con, Path(folder), table, merged, rows)
            return _swap_merged(table, merged_files, merged, profile)
        finally:
            merged.unlink(missing_ok=True)


def _merge(con: duckdb.DuckDBPyConnection, table: DatastoreTable, target: Path) -> int:
    """Every file of the table, in order, as one file at `target` in the engine's format;
    returns its row count. DuckDB keeps the files' order and each file's row order
    (preserve_insertion_order)."""
    engine = get_engine()
    with opened(con, engine.data_files(table)) as source:
        write_file(con, source, target, engine.file_format)
    with opened(con, [target]) as source:
        return int(con.execute(f"SELECT count(*) FROM ({source})").fetchone()[0])  # noqa: S608


def _swap_merged(
    table: DatastoreTable,
    merged_files: tuple[str, list[str]],
    merged: Path,
    profile: dict[str, Any],
) -> bool:
    base, parts = merged_files
    placed: list[Path] = []
    try:
        with transaction.atomic():
            locked = DatastoreTable.objects.select_for_update().get(pk=table.pk)
            still = locked.data_path == base and locked.parts[: len(parts)] == parts
            if locked.status != Status.READY or not still:
                logger.info("merge of table %s dropped: its files changed meanwhile", table.pk)
                return False
            locked.generation += 1
            target = _data_path(locked, locked.generation, get_engine().suffix)
            placed.append(target)
            os.replace(merged, target)
            _retire(locked, [base, *parts])
            locked.data_path, locked.parts = _relative(target), locked.parts[len(parts) :]
            locked.profile = {**profile, "notices": (locked.profile or {}).get("notices", [])}
            locked.save(update_fields=["data_path", "parts", "profile", "retired", "generation"])
            dataset_changed(locked.resource.dataset_id, reason="compaction")  # new samples
            _after_merge(locked)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return True


def _after_merge(table: DatastoreTable) -> None:
    table_id = str(table.pk)
    transaction.on_commit(lambda: queue_exports(table))
    transaction.on_commit(lambda: queue_tidy(table_id))
    if table.parts:
        transaction.on_commit(lambda: queue_compaction(table_id))


# Deleting retired files


def tidy(table_id: Any, now: dt.datetime | None = None) -> list[str]:
    """Delete the table's retired files whose grace period has passed; returns their paths.
    A file still part of the table is never deleted, whatever the list says."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=RETIRED_GRACE_SECONDS)
    with transaction.atomic():
        locked = DatastoreTable.objects.select_for_update().filter(pk=table_id).first()
        if locked is None or not locked.retired:
            return []
        expired = [r for r in locked.retired if dt.datetime.fromisoformat(r["at"]) <= cutoff]
        if not expired:
            return []
        locked.retired = [r for r in locked.retired if r not in expired]
        locked.save(update_fields=["retired"])
        in_use = {locked.data_path, *locked.parts}
    # After the commit: were it rolled back, the files would merely be listed once more.
    root = get_engine().root()
    gone = [r["path"] for r in expired if r["path"] not in in_use]
    for path in gone:
        (root / path).unlink(missing_ok=True)
    return gone


# Queueing the jobs


def queue_compaction(table_id: Any) -> bool:
    """Queue the merge of the table's parts COMPACT_DELAY_SECONDS from now, unless one is
    already queued (appends in between are merged by that one). Call after the commit."""
    from kaifang.datastore.tasks import compact_table_task

    if not cache.add(_queue_key("compact", table_id), True, QUEUE_LOCK_SECONDS):
        return False
    _schedule(compact_table_task, str(table_id), COMPACT_DELAY_SECONDS, now_if_immediate=True)
    return True


def queue_tidy(table_id: Any) -> bool:
    """Queue the deletion of the table's retired files for when their grace period ends,
    unless one is already queued. A queue that runs jobs at once (KAIFANG_QUEUE=immediate)
    cannot wait: there the files go at the table's next merge."""
    from kaifang.datastore.tasks import tidy_table_task

    key = _queue_key("tidy", table_id)
    if not cache.add(key, True, RETIRED_GRACE_SECONDS + QUEUE_LOCK_SECONDS):
        return False
    if not _schedule(tidy_table_task, str(table_id), RETIRED_GRACE_SECONDS + 5):
        cache.delete(key)
        return False
    return True


def run_compaction(table_id: str) -> None:
    """The merge job: the table may be queued again from now on; old files past their grace
    period go first."""
    cache.delete(_queue_key("compact", table_id))
    tidy(table_id)
    compact(table_id)


def run_tidy(table_id: str) -> None:
    """The tidy job; queued again while files wait for their grace period to end."""
    cache.delete(_queue_key("tidy", table_id))
    tidy(table_id)
    if DatastoreTable.objects.filter(pk=table_id).exclude(retired=[]).exists():
        queue_tidy(table_id)


def _schedule(task, table_id: str, delay: int, *, now_if_immediate: bool = False) -> bool:
    """Run `task` for the table `delay` seconds from now; whether it was queued."""
    from huey.contrib.djhuey import HUEY

    if not HUEY.immediate:
        task.schedule((table_id,), delay=delay)
    elif now_if_immediate:
        task(table_id)
    else:
        return False
    return True


def _queue_key(job: str, table_id: Any) -> str:
    return f"datastore:{job}-queued:{table_id}"
