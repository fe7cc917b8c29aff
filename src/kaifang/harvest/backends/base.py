"""The base every harvest backend fills in (template method): `pages` fetches the remote
records page by page (only those changed since a time when the remote can say so), `parse`
turns one raw remote record into a RemoteRecord, and `map_values` / `map_resources` turn it into
our metadata values and link resources. `records` drives the three; writing is the services'
job, so every backend's output goes through the same checks, permissions and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from kaifang.core import http
from kaifang.core.errors import Invalid

if TYPE_CHECKING:
    from kaifang.harvest.models import HarvestSource

_REGISTRY: dict[str, type[HarvestBackend]] = {}


class RecordFailed(Exception):
    """One remote record cannot be taken; the job reports the reason and goes on."""

    def __init__(self, reason: str, remote_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.remote_id = remote_id


@dataclass
class RemoteRecord:
    """One remote dataset as the backend read it."""

    remote_id: str
    original_url: str
    raw: dict[str, Any]
    deleted: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)


class HarvestBackend:
    key: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def __init__(self, source: HarvestSource, limits: http.Limits | None = None):
        self.source = source
        self.limits = limits

    # hooks a backend fills in -------------------------------------------------------------
    def pages(self, since: dt.datetime | None) -> Iterator[list[Any]]:
        raise NotImplementedError

    def parse(self, raw: Any) -> RemoteRecord:
        raise NotImplementedError

    def map_values(self, record: RemoteRecord) -> dict[str, Any]:
        raise NotImplementedError

    def map_resources(self, record: RemoteRecord) -> list[dict[str, Any]]:
        return []

    def total(self) -> int | None:
        """How many records the run will see, once the first page told; for progress bars."""
        return None

    # the template method ------------------------------------------------------------------
    def records(self, since: dt.datetime | None) -> Iterator[RemoteRecord | RecordFailed]:
        """Every remote record, mapped, or the reason it could not be: one bad record never
        stops the others. A failure to fetch a page does stop the run (raised)."""
        for page in self.pages(since):
            for raw in page:
                yield self._mapped(raw)

    def _mapped(self, raw: Any) -> RemoteRecord | RecordFailed:
        try:
            record = self.parse(raw)
            if not record.deleted:
                record.values = self.map_values(record)
                record.resources = self.map_resources(record)
            return record
        except RecordFailed as failure:
            failure.remote_id = _guess_id(raw)
            return failure
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            # remote data is anyone's: a value of an unexpected shape fails this record only
            reason = _("记录的结构不符合预期：%(error)s") % {"error": repr(exc)[:300]}
            return RecordFailed(reason, _guess_id(raw))

    def fetch_json(self, url: str) -> Any:
        return http.get_json(url, limits=self.limits)


def _guess_id(raw: Any) -> str:
    if isinstance(raw, dict):
        return str(raw.get("id") or raw.get("name") or "")[:200]
    return ""


def register(backend: type[HarvestBackend]) -> type[HarvestBackend]:
    """Class decorator: make `backend` available under its key."""
    if not backend.key:
        raise ValueError("a harvest backend needs a key")
    _REGISTRY[backend.key] = backend
    return backend


def get_backend(key: str) -> type[HarvestBackend]:
    try:
        return _REGISTRY[key]
    except KeyError:
        message = _("未知的采集来源类型“%(type)s”。") % {"type": key}
        raise Invalid(message, errors={"type": [message]}) from None


def backend_choices() -> list[tuple[str, str]]:
    return [(key, str(backend.label)) for key, backend in sorted(_REGISTRY.items())]
