"""Downloads of a table in every common format, made once by a background job and stored beside
the table's data file (`<DATASTORE_ROOT>/<resource>/<version>/<table><suffix>`, or
`<table>-g<generation><suffix>` once rows have been written through the API).

Exporters are a registry: each format is a small `Exporter` subclass registered by its key, the
built-in ones through the same `register` any other would use. A table's data files are
immutable, so an export stays right for the generation of the data it was made from (recorded
with it). When rows are appended or replaced the exports are made again; until then the previous
ones keep being served, and since each generation's export has its own file name, a file being
served is never overwritten — it is deleted only once the next one is recorded.

Keys: `csv` (UTF-8 with BOM), `csv-utf-8`, `csv-gb18030`, `json`, `xml`, `xlsx`, `parquet`.
`export_all` makes the default ones (`DEFAULT_KEYS`); the plain UTF-8 and GB18030 CSVs are made
the first time someone asks for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.core.errors import Invalid, InvalidTransition, NotFound
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.exporters.base import Exporter
from kaifang.datastore.exporters.columnar import ParquetExporter
from kaifang.datastore.exporters.delimited import CsvExporter, Gb18030CsvExporter, PlainCsvExporter
from kaifang.datastore.exporters.structured import JsonExporter, XmlExporter
from kaifang.datastore.exporters.workbook import XlsxExporter

if TYPE_CHECKING:
    from kaifang.datastore.models import DatastoreTable

logger = logging.getLogger(__name__)

registry: dict[str, type[Exporter]] = {}


def register(exporter: type[Exporter]) -> type[Exporter]:
    """Add an exporter to the registry under its key."""
    registry[exporter.key] = exporter
    return exporter


for _exporter in (
    CsvExporter,
    PlainCsvExporter,
    Gb18030CsvExporter,
    JsonExporter,
    XmlExporter,
    XlsxExporter,
    ParquetExporter,
):
    register(_exporter)

DEFAULT_KEYS = ("csv", "json", "xml", "xlsx", "parquet")
#: what `?encoding=` may say for CSV, and the export it names
CSV_ENCODINGS = {
    "utf-8-sig": "csv",
    "utf-8-bom": "csv",
    "utf-8": "csv-utf-8",
    "utf8": "csv-utf-8",
    "gb18030": "csv-gb18030",
}
#: how long a queued export keeps others from queuing the same one again
QUEUE_LOCK_SECONDS = 15 * 60


def formats() -> list[str]:
    """The formats a user may ask for (csv, json, …), in registry order."""
    return list(dict.fromkeys(e.format for e in registry.values()))


def export_key(fmt: str, encoding: str | None = None) -> str:
    """The export that format `fmt` (and, for CSV, `encoding`) names. Raises NotFound for an
    unknown format and Invalid for an encoding that does not apply."""
    fmt = (fmt or "").lower()
    if fmt not in formats():
        raise NotFound(
            _("不支持的导出格式：%(fmt)s（可用：%(known)s）。")
            % {"fmt": fmt, "known": "、".join(formats())}
        )
    if not encoding:
        return fmt
    key = CSV_ENCODINGS.get(encoding.lower()) if fmt == "csv" else None
    if key is None:
        message = (
            _("参数 encoding 的值无效（收到“%(value)s”）：CSV 可选 utf-8 或 gb18030。")
            if fmt == "csv"
            else _("参数 encoding 只适用于 CSV 导出（收到“%(value)s”）。")
        )
        message %= {"value": encoding[:50]}
        raise Invalid(message, errors={"encoding": [message]})
    return key


def export_path(table: DatastoreTable, key: str) -> Path:
    """Where the export `key` of the table's current generation is stored: beside the table's
    data file."""
    data_file = get_engine().data_file(table)
    stem = f"{table.pk}-g{table.generation}" if table.generation else str(table.pk)
    return data_file.with_name(f"{stem}{registry[key].suffix}")


def stored_export(table: DatastoreTable, key: str) -> dict[str, Any] | None:
    """The record of a made export whose file is still in place, else None."""
    record = (table.exports or {}).get(key)
    if not record:
        return None
    path = get_engine().root() / record["path"]
    return record if path.is_file() else None


def export_table(table: DatastoreTable, fmt: str, encoding: str | None = None) -> dict[str, Any]:
    """Write one export of a ready table and record it in `table.exports` as {path (relative
    to the datastore root), size, sha256, created_at, generation}. The file appears complete
    or not at all: it is written under a temporary name and renamed into place."""
    key = export_key(fmt, encoding)
    if table.status != table.Status.READY:
        raise InvalidTransition(_("数据表尚未就绪，暂不能导出。"))
    engine = get_engine()
    target = export_path(table, key)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        registry[key](table).export(engine.data_files(table), partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    record = {
        "path": target.relative_to(engine.root()).as_posix(),
        "size": target.stat().st_size,
        "sha256": _sha256(target),
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "generation": table.generation,
    }
    return _record(table, key, record)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _record(table: DatastoreTable, key: str, record: dict[str, Any]) -> dict[str, Any]:
    """Add one export to the table's record under a row lock, so exports of other formats
    finishing at the same time are not lost, and return the record kept. The export it
    supersedes is deleted once this one is recorded; one made from an older generation than
    the export already recorded (a slow job finishing late) is dropped instead."""
    root = get_engine().root()
    with transaction.atomic():
        locked = type(table).objects.select_for_update().get(pk=table.pk)
        before = (locked.exports or {}).get(key)
        late = bool(before) and before.get("generation", 0) > record["generation"]
        if not late:
            locked.exports = {**(locked.exports or {}), key: record}
            locked.save(update_fields=["exports"])
            if before and before["path"] != record["path"]:
                gone = root / before["path"]
                transaction.on_commit(lambda: gone.unlink(missing_ok=True))
    table.exports = locked.exports
    if late:
        (root / record["path"]).unlink(missing_ok=True)  # never recorded, so never served
        return before
    return record


def export_all(table: DatastoreTable, keys: tuple[str, ...] = DEFAULT_KEYS) -> dict[str, Any]:
    """Make every default export of `table`. One format failing (a full disk, a bug) is logged
    and does not keep the others from being made."""
    made = {}
    for key in keys:
        try:
            made[key] = export_table(table, registry[key].format, _encoding_of(key))
        except Exception:
            logger.exception("export %s of table %s failed", key, table.pk)
    return made


def _encoding_of(key: str) -> str | None:
    """The `encoding` argument that names export `key` (None for the format's default)."""
    return next((e for e, k in CSV_ENCODINGS.items() if k == key and k != "csv"), None)


def queue_exports(table: DatastoreTable, keys: tuple[str, ...] = DEFAULT_KEYS) -> bool:
    """Queue the exports of `table` for the background worker, once the current transaction
    commits. An export already queued is not queued again; returns whether anything was."""
    from kaifang.datastore.tasks_export import export_table_task

    wanted = [k for k in keys if cache.add(_lock(table.pk, k), True, QUEUE_LOCK_SECONDS)]
    if not wanted:
        return False
    table_id = str(table.pk)
    transaction.on_commit(lambda: export_table_task(table_id, wanted))
    return True


def release_queue_lock(table_id: Any, key: str) -> None:
    """Let the export be queued again (when its job has finished, made or failed)."""
    cache.delete(_lock(table_id, key))


def _lock(table_id: Any, key: str) -> str:
    return f"datastore:export-queued:{table_id}:{key}"
