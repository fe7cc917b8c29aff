"""Reads of the search change log, for the index that follows it and the searches that check
how far their index has caught up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Max

from kaifang.search.models import SearchChange


def latest_seq() -> int:
    """The last seq the log has handed out (0 for an empty log): one index lookup."""
    return SearchChange.objects.aggregate(n=Max("seq"))["n"] or 0


@dataclass(frozen=True)
class Changes:
    """A stretch of the log, each dataset once with its last kind."""

    upserts: frozenset[uuid.UUID]
    deletes: frozenset[uuid.UUID]
    last_seq: int

    @property
    def ids(self) -> frozenset[uuid.UUID]:
        return self.upserts | self.deletes

    def __len__(self) -> int:
        return len(self.upserts) + len(self.deletes)


def changes_after(seq: int, *, limit: int | None = None) -> Changes:
    """The changes after `seq` (the first `limit` rows of them), each dataset once: a dataset
    changed and then deleted is a delete, deleted and then made again an upsert."""
    rows = SearchChange.objects.filter(seq__gt=seq).order_by("seq")
    if limit is not None:
        rows = rows[:limit]
    last: dict[uuid.UUID, str] = {}
    last_seq = seq
    for pk, dataset_id, kind in rows.values_list("seq", "dataset_id", "kind"):
        last[dataset_id] = kind
        last_seq = pk
    upserts = frozenset(k for k, kind in last.items() if kind == SearchChange.Kind.UPSERT)
    return Changes(upserts, frozenset(last) - upserts, last_seq)
