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

    def remote_ids(self) -> set[str] | None:
        """The ids of every record the remote lists now, so an incremental run (which reads
        only what changed) can withdraw here what is gone there; None when the remote cannot
        tell this cheaply, and then only full runs withdraw."""
        return None

    def notes(self) -> dict[str, Any]:
        """What the run adds to the job's report besides the counts (records a backend left out
        on purpose, and why); read once the records are done."""
        return {}

    # the template method ------------------------------------------------------------------
    def records(self, since: dt.datetime | None) -> Iterator[RemoteRecord | RecordFailed]:
        """Every remote record, mapped, or the reason it could not be: one bad record never
        stops the others. A failure to fetch a page does stop the run (raised)."""
        for page in self.record_pages(since):
            yield from page

    def record_pages(
        self, since: dt.datetime | None
    ) -> Iterator[list[RemoteRecord | RecordFailed]]:
        """The records of `records` as the remote's pages gave them, so a page is written
        together (`harvest.bulk`)."""
        for page in self.pages(since):
            yield [self._mapped(raw) for raw in page]

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


#: the key of a resource entry that a mirror source fetches as a file (see `file_entry`)
REMOTE_FILE = "remote_file"


def file_entry(
    entry: dict[str, Any],
    *,
    key: str,
    hash: str = "",
    size: int | None = None,
    modified: str = "",
) -> dict[str, Any]:
    """Mark a resource entry of `map_resources` as a remote file for a mirror source to fetch
    from `entry["url"]` into a version of a local file resource. `key` names the remote
    resource stably across runs (its id, else its URL); `hash`, `size` and `modified` are what
    the remote says of the file, compared with what it said last time so an unchanged file is
    not fetched again (when it says nothing, the file is fetched and its content compared)."""
    signature = {"hash": hash, "size": size, "modified": modified}
    entry = {**entry, "kind": "file"}
    entry[REMOTE_FILE] = {
        "key": key[:500],
        "signature": {k: v for k, v in signature.items() if v not in (None, "")},
    }
    return entry


#: formats whose files a mirror source copies even when the remote only links to them; a file
#: the remote says is a download (a CKAN upload, a DCAT or data.json downloadURL) is copied
#: whatever its format, and web pages and APIs always stay links
FILE_FORMATS = frozenset(
    {"CSV", "TSV", "TXT", "JSON", "GEOJSON", "XML", "RDF", "PDF", "XLS", "XLSX", "DOC", "DOCX"}
    | {"OFD", "ZIP", "JPG", "JPEG", "PNG", "SHP"}
)


def mirror_entry(
    source: HarvestSource,
    entry: dict[str, Any],
    *,
    key: str,
    download: bool = False,
    hash: str = "",
    size: int | None = None,
    modified: str = "",
) -> dict[str, Any]:
    """`entry` marked as a remote file (`file_entry`) when `source` mirrors and the entry is a
    file: one the remote calls a `download`, or a link in a file format; as it is otherwise."""
    if source.mode != "mirror" or entry.get("kind") == "api":
        return entry
    if not download and entry.get("format") not in FILE_FORMATS:
        return entry
    return file_entry(entry, key=key, hash=hash, size=size, modified=modified)


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
