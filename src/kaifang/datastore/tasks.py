"""Background jobs of the datastore's ingest (Huey), queued after the transaction that stored
their input commits (`services.queue_ingest`). The export jobs are in `tasks_export`."""

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
