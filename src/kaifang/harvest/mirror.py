"""Mirror sources: fetching the remote files of a record and keeping them as versions of local
file resources.

A remote file is fetched through `kaifang.core.http` (the SSRF checks, timeouts, retries and the
KAIFANG_HTTP_MAX_BYTES limit of every outbound request), streamed into a temporary file, never
held in memory. Files are fetched before the record's transaction opens, so no database lock is
held while a remote server answers slowly; a file that cannot be fetched fails its record (the
job reports why) and nothing of that record is written, so the local dataset keeps serving the
version it had.

A file is fetched again only when the remote says it changed (its hash, size or modification
time differ from what it said last time); a remote that says none of them has the file fetched
on every run, and a new version is stored only when the content's SHA-256 differs from the
newest local version's. The new version is stored as an upload is (`catalog.uploads`) and goes
through the same ingest pipeline: a tabular one becomes current once ingested, and on a
published dataset of an untrusted source only once the revision carrying it is approved.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog import uploads
from kaifang.catalog.models import Dataset, DatasetRevision, Resource, ResourceVersion
from kaifang.core import http, names
from kaifang.core.audit import Actor
from kaifang.core.errors import KaifangError
from kaifang.datastore import services as datastore_services
from kaifang.harvest import bulk
from kaifang.harvest.backends.base import REMOTE_FILE, RecordFailed, RemoteRecord
from kaifang.harvest.models import HarvestedRecord, HarvestSource, MirroredFile

CHUNK = 1024 * 1024
DISPOSITION_UTF8 = re.compile(r"filename\*\s*=\s*[\w-]+'[^']*'([^;]+)", re.IGNORECASE)
DISPOSITION_PLAIN = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)


@dataclass
class FetchedFile:
    path: Path
    name: str
    sha256: str
    size: int


@dataclass
class Fetched:
    """The files fetched for one record, in a temporary folder removed by `close`; and the
    storage names of versions stored from them, removed by `discard` when the record's
    transaction rolls back (the database forgets them, the storage would not)."""

    files: dict[str, FetchedFile] = field(default_factory=dict)
    stored: list[str] = field(default_factory=list)
    folder: Path | None = None

    def new_path(self) -> Path:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="kaifang-mirror-"))
        return self.folder / f"{len(self.files)}.part"

    def discard(self) -> None:
        for name in self.stored:
            default_storage.delete(name)
        self.stored.clear()

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def file_entries(resources: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The entries of a record's resources that are remote files, with their positions."""
    return [(n, entry) for n, entry in enumerate(resources) if REMOTE_FILE in entry]


def remote_key(entry: dict[str, Any]) -> str:
    return entry[REMOTE_FILE]["key"]


# fetching, before the record's transaction ---------------------------------------------------
def prefetch(
    source: HarvestSource, record: RemoteRecord, limits: http.Limits | None = None
) -> Fetched:
    """Fetch every remote file of `record` that changed since it was last fetched (all of them
    for a record not seen before). Raises RecordFailed naming the file and the reason."""
    fetched = Fetched()
    if source.mode != HarvestSource.Mode.MIRROR or record.deleted:
        return fetched
    entries = file_entries(record.resources)
    if not entries:
        return fetched
    known = _mirrored_files(source, record.remote_id)
    try:
        for _position, entry in entries:
            if not needs_fetch(known.get(remote_key(entry)), entry):
                continue
            fetched.files[remote_key(entry)] = fetch_file(entry, fetched.new_path(), limits)
    except BaseException:
        fetched.close()
        raise
    return fetched


def _mirrored_files(source: HarvestSource, remote_id: str) -> dict[str, MirroredFile]:
    found = MirroredFile.objects.filter(
        record__source=source, record__remote_id=remote_id
    ).select_related("resource")
    return {m.remote_key: m for m in found}


def needs_fetch(mirrored: MirroredFile | None, entry: dict[str, Any]) -> bool:
    """Whether the remote file must be fetched: not copied yet, or the remote says nothing of
    it, or what it says differs from last time."""
    if mirrored is None or not mirrored.resource.versions.exists():
        return True
    signature = entry[REMOTE_FILE]["signature"]
    return not signature or signature != mirrored.signature


def fetch_file(entry: dict[str, Any], path: Path, limits: http.Limits | None) -> FetchedFile:
    """Stream the remote file of `entry` into `path`; its SHA-256 is read back in chunks."""
    url = entry["url"]
    try:
        with path.open("wb") as sink:
            response = http.get(url, limits=limits, sink=sink)
    except KaifangError as exc:
        raise RecordFailed(
            _("资源“%(title)s”的文件获取失败，本地仍保留原有版本：%(error)s")
            % {"title": entry["title"], "error": exc.message}
        ) from None
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as done:
        while chunk := done.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    name = _file_name(entry, response.headers.get("content-disposition", ""), response.url)
    return FetchedFile(path=path, name=name, sha256=sha.hexdigest(), size=size)


def _file_name(entry: dict[str, Any], disposition: str, url: str) -> str:
    """The remote's own file name (Content-Disposition, else the URL's last segment when it
    has an extension), else the resource title with its format's extension."""
    match = DISPOSITION_UTF8.search(disposition) or DISPOSITION_PLAIN.search(disposition)
    if match:
        return uploads.sanitize_filename(unquote(match.group(1).strip()))
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if "." in last.strip("."):
        return uploads.sanitize_filename(last)
    extension = uploads.FORMAT_EXTENSIONS.get(entry.get("format") or "", "")
    title = uploads.sanitize_filename(entry["title"])
    return f"{title}.{extension}" if extension else title


# storing, inside the record's transaction ----------------------------------------------------
def sync_files(
    actor: Actor,
    known: HarvestedRecord,
    resources: list[dict[str, Any]],
    fetched: Fetched,
    revision: DatasetRevision | None,
) -> None:
    """Make the dataset's mirrored file resources those the remote lists: new ones added with
    their file, changed files stored as new versions, ones the remote dropped removed (not under
    a revision: those wait for its approval, as links do)."""
    dataset = known.dataset
    have = {m.remote_key: m for m in known.files.select_related("resource")}
    for position, entry in file_entries(resources):
        mirrored = have.pop(remote_key(entry), None)
        got = fetched.files.get(remote_key(entry))
        if mirrored is None:
            if got is None:  # fetched before the record was known: cannot happen, but be clear
                raise RecordFailed(_("资源“%(t)s”的文件未获取。") % {"t": entry["title"]})
            _add_file(actor, known, dataset, entry, position, got, fetched, revision)
            continue
        if revision is None:
            _update_resource(mirrored.resource, entry, position)
        if got is not None:
            _new_version_if_changed(actor, mirrored, got, fetched, revision)
        _remember(mirrored, entry, got)
    if revision is None:
        for mirrored in have.values():
            mirrored.resource.delete()


def changed_files(known: HarvestedRecord, fetched: Fetched) -> bool:
    """Whether a fetched file differs from the newest version of its local resource (a file
    fetched because its remote says nothing of it may well be unchanged)."""
    if not fetched.files:
        return False
    have = {m.remote_key: m for m in known.files.select_related("resource")}
    for key, got in fetched.files.items():
        mirrored = have.get(key)
        if mirrored is None or got.sha256 != _newest_sha(mirrored.resource):
            return True
    return False


def _newest_sha(resource: Resource) -> str:
    newest = resource.versions.order_by("-number").values_list("sha256", flat=True).first()
    return newest or ""


def _add_file(
    actor: Actor,
    known: HarvestedRecord,
    dataset: Dataset,
    entry: dict[str, Any],
    position: int,
    got: FetchedFile,
    fetched: Fetched,
    revision: DatasetRevision | None,
) -> None:
    """A new file resource with the fetched file as its version 1; on a published dataset of
    an untrusted source it waits for the revision like any new resource."""
    [name] = bulk.resource_names().names([names.slug_from_text(entry["title"])])
    resource = Resource.objects.create(
        dataset=dataset,
        name=name,
        title=entry["title"],
        description=entry.get("description") or "",
        kind=Resource.Kind.FILE,
        format=entry.get("format") or "",
        position=position,
        pending_revision=revision,
    )
    version = _store(actor, resource, got, fetched, revision=None)
    _make_current_or_ingest(resource, version)
    mirrored = MirroredFile(record=known, resource=resource, remote_key=remote_key(entry))
    _remember(mirrored, entry, got)


def _update_resource(resource: Resource, entry: dict[str, Any], position: int) -> None:
    resource.title = entry["title"]
    resource.description = entry.get("description") or ""
    resource.position = position
    resource.save(update_fields=["title", "description", "position", "updated_at"])


def _new_version_if_changed(
    actor: Actor,
    mirrored: MirroredFile,
    got: FetchedFile,
    fetched: Fetched,
    revision: DatasetRevision | None,
) -> ResourceVersion | None:
    """Store the fetched file as the resource's next version unless its content is the newest
    version's. On a public resource under a revision the version waits for the approval."""
    resource = mirrored.resource
    if got.sha256 == _newest_sha(resource):
        return None
    public = revision is not None and resource.pending_revision_id is None
    version = _store(actor, resource, got, fetched, revision=revision if public else None)
    if not public:
        _make_current_or_ingest(resource, version)
    else:
        datastore_services.queue_ingest(version)  # current once ingested and approved
    return version


def _store(
    actor: Actor,
    resource: Resource,
    got: FetchedFile,
    fetched: Fetched,
    revision: DatasetRevision | None,
) -> ResourceVersion:
    """The fetched file as an upload: the same checks (size, format by content) and storage."""
    with got.path.open("rb") as handle:
        upload = File(handle, name=got.name)
        try:
            version = uploads.store_upload(resource, upload, actor=actor, revision=revision)
        except KaifangError as exc:
            raise RecordFailed(
                _("资源“%(title)s”的文件不能保存：%(error)s")
                % {"title": resource.title, "error": exc.message}
            ) from None
    fetched.stored.append(version.file.name)
    return version


def _make_current_or_ingest(resource: Resource, version: ResourceVersion) -> None:
    """As for an upload: a tabular version becomes current once ingested, others at once."""
    if datastore_services.is_tabular(version):
        if resource.current_version_id is None:
            resource.format = version.detected_format
            resource.save(update_fields=["format", "updated_at"])
        datastore_services.queue_ingest(version)
        return
    resource.current_version = version
    resource.format = version.detected_format
    resource.save(update_fields=["current_version", "format", "updated_at"])


def _remember(mirrored: MirroredFile, entry: dict[str, Any], got: FetchedFile | None) -> None:
    mirrored.url = entry["url"]
    mirrored.signature = entry[REMOTE_FILE]["signature"]
    if got is not None:
        mirrored.sha256, mirrored.fetched_at = got.sha256, timezone.now()
    mirrored.save()
