"""Background jobs of the datastore (Huey), queued after the transaction that stored their
input commits: ingest (`services.queue_ingest`), and the merge of rows appended through the
API and the deletion of the files a change left behind (`dynamic.queue_compaction`,
`dynamic.queue_tidy`). The export jobs are in `tasks_export`."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def ingest_version_task(version_id: str) -> None:
    """Ingest one resource version, unless it is gone or no longer waiting (the command line
    ingests what it stores at once)."""
    from kaifang.catalog.models import ResourceVersion
    from kaifang.datastore.ingest.pipeline import ingest_version

    waiting = ResourceVersion.objects.filter(pk=version_id, status=ResourceVersion.Status.PENDING)
    version = waiting.first()
    if version is not None:
        ingest_version(version)


@db_task()
def compact_table_task(table_id: str) -> None:
    """Merge the parts appended to a table into one base file (queued a little after an
    append, once for a burst of them)."""
    from kaifang.datastore.dynamic import run_compaction

    run_compaction(table_id)


@db_task()
def tidy_table_task(table_id: str) -> None:
    """Delete the files a table's changes left behind, once no request can still open them."""
    from kaifang.datastore.dynamic import run_tidy

    run_tidy(table_id)


# The task consumer imports each app's `tasks` module only, so the export jobs, kept in a module
# of their own, are registered from here; without this import every queued export would be lost.
from kaifang.datastore.tasks_export import export_table_task  # noqa: E402, F401
