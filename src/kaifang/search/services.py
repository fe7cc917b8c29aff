"""Recording changes for search. The catalog's services (and the datastore's, and department
edits) call `dataset_changed` explicitly, inside their own transaction, for every change that
can alter what a search shows: the row commits or rolls back with the change itself.

What changed is not recorded, only which dataset: the index rebuilds that dataset's document
from the database when it applies the row, so a row can never carry a stale value. A backend
whose index lives in the same database (search.backends.postgres) is told of the rows at once,
still inside the transaction, and re-indexes those datasets there."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from kaifang.search.backends.base import get_backend
from kaifang.search.models import SearchChange, SearchLogLock

Kind = SearchChange.Kind


def _dataset_id(dataset_or_id: Any) -> uuid.UUID:
    pk = getattr(dataset_or_id, "pk", dataset_or_id)
    return pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))


def lock_log() -> None:
    """Take the log's lock for the rest of the transaction (the row is made on first use: a
    test database flushed between tests loses the one the migration made)."""
    if _locked():
        return
    try:
        with transaction.atomic():
            SearchLogLock.objects.create(pk=1)
    except IntegrityError:  # another transaction made it first
        pass
    _locked()


def _locked() -> bool:
    return bool(list(SearchLogLock.objects.select_for_update().filter(pk=1).values_list("pk")))


@transaction.atomic
def datasets_changed(
    datasets: Iterable[Any], *, reason: str = "", deleted: bool = False
) -> list[SearchChange]:
    """Record that these datasets (instances or ids) changed — or were deleted — for search.
    Call it inside the transaction that makes the change."""
    ids = list(dict.fromkeys(_dataset_id(d) for d in datasets))
    if not ids:
        return []
    lock_log()
    kind = Kind.DELETE if deleted else Kind.UPSERT
    rows = [SearchChange(dataset_id=pk, kind=kind, reason=reason[:40]) for pk in ids]
    recorded = SearchChange.objects.bulk_create(rows, batch_size=1000)
    get_backend().changes_recorded(recorded)
    return recorded


def dataset_changed(dataset_or_id: Any, *, reason: str = "", deleted: bool = False) -> None:
    """Record that one dataset changed (or was deleted) for search; see datasets_changed."""
    datasets_changed([dataset_or_id], reason=reason, deleted=deleted)
