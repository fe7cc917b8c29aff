"""The background job that makes a table's downloads. Web requests never export: they queue
this job (through `kaifang.datastore.exporters.queue_exports`) and answer "正在生成"."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from kaifang.datastore import exporters
from kaifang.datastore.models import DatastoreTable

logger = logging.getLogger(__name__)


@db_task()
def export_table_task(table_id: str, keys: list[str] | None = None) -> None:
    """Make the exports `keys` (default: every default format) of one ready table. A table
    gone or not ready by the time the job runs is skipped: a newer ingest queues again."""
    keys = tuple(keys or exporters.DEFAULT_KEYS)
    try:
        table = DatastoreTable.objects.filter(pk=table_id).first()
        if table is None or table.status != DatastoreTable.Status.READY:
            logger.info("export of table %s skipped: not ready", table_id)
            return
        exporters.export_all(table, keys)
    finally:
        for key in keys:
            exporters.release_queue_lock(table_id, key)
    # Rows written while the exports were made could not queue them again (the queue lock was
    # held): they are queued now, from the new data.
    changed = DatastoreTable.objects.filter(pk=table_id).exclude(generation=table.generation)
    if changed.filter(status=DatastoreTable.Status.READY).exists():
        exporters.queue_exports(table, keys)
