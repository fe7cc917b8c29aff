"""Ingesting many stored versions at once, in worker processes (the demo catalog's build).

Each worker runs the DB-free chain (`pipeline.process_stored_file`) on one file and returns
what the tables are; the parent then writes every table row in one bulk insert. A large batch
is shared among one process per processor; a small one, or one inside a transaction (tests),
runs in this process. The workers are started fresh ("spawn"), not forked: DuckDB keeps
threads and memory maps that a forked child inherits half-alive, and such a child crashed on
some files."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.db import connection

from kaifang.catalog.models import ResourceVersion
from kaifang.datastore import services
from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest import worker
from kaifang.datastore.ingest.pipeline import process_stored_file
from kaifang.datastore.selectors import is_tabular

MIN_FOR_POOL = 20
MAX_WORKERS = 8


def ingest_now(
    versions: list[ResourceVersion], *, path_of: Callable[[ResourceVersion], str], log=None
) -> dict[str, int]:
    """Ingest every tabular version of `versions` now; `path_of` gives a version's local file.
    Returns {"tables": ready tables, "failed": failed versions}."""
    items = [_item(v, path_of(v)) for v in versions if is_tabular(v)]
    items.sort(key=lambda item: -item["size"])  # big files first, so the workers end together
    results = _map(items, log)
    return services.record_batch(items, results)


def _item(version: ResourceVersion, path: str) -> dict[str, Any]:
    return {
        "path": path,
        "format": version.detected_format.upper(),
        "size": version.size,
        "resource_id": str(version.resource_id),
        "version_id": str(version.pk),
        "datastore_root": str(get_engine().root()),
    }


def _map(items: list[dict], log) -> list[list[dict]]:
    workers = _worker_count(len(items))
    if workers == 1:
        return [process_stored_file(item) for item in items]
    context = multiprocessing.get_context("spawn")
    results = []
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=worker.start
    ) as pool:
        for number, found in enumerate(pool.map(worker.process, items), 1):
            results.append(found)
            if log and number % 100 == 0:
                log(number, len(items))
    return results


def _worker_count(count: int) -> int:
    if count < MIN_FOR_POOL or connection.in_atomic_block:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))
