"""`kaifang ingest FILE --resource ID`: store a file as a new version of a resource and ingest
it at once, with a progress bar on stderr.

The file goes through the same service as an upload in the publisher's workspace
(`catalog.services.add_resource_version`: permission, format checks, audit entry), acting for
the user given by --user (a platform admin by default) from the command line; the ingest then
runs in this process instead of the queue.

The file is copied into storage (by the kernel) and left where it is. With --move it is moved
into storage instead, as a web upload's temporary file is: a rename when both are on one file
system, so a large file already on the server (an export dropped by a department's system)
costs no copy. Until the version is saved a second name of the file (a hard link) is kept
beside it, and put back if storing fails: a refused file stays where it was."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "将文件作为资源的新版本上传并立即入库 / store FILE as a new version and ingest it"
    # The system checks import every URL and API route (a second of start-up measured here,
    # all of it before the file is even stored), which this command does not use; the
    # services it calls fail with their own messages on what the checks would report.
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要入库的文件 / the file")
        parser.add_argument("--resource", required=True, help="资源 ID / resource id")
        parser.add_argument(
            "--user",
            help="以该用户身份上传（默认：平台管理员）/ act as this user (default: an admin)",
        )
        parser.add_argument(
            "--move",
            action="store_true",
            help="把文件移入存储而不是复制（同一文件系统内只是改名）/ move the file into "
            "storage instead of copying it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.catalog.models import Resource
        from kaifang.datastore.ingest.pipeline import ingest_version

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件“%(path)s”。") % {"path": path})
        resource = Resource.objects.filter(pk=_uuid(options["resource"])).first()
        if resource is None:
            raise CommandError(_("找不到资源 %(id)s。") % {"id": options["resource"]})
        actor = _actor(options.get("user"))
        store = _store_moved if options["move"] else _store
        version = store(actor, resource, path)
        version.refresh_from_db()
        bar = ProgressBar(self.stderr)
        if version.status == version.Status.PENDING:
            tables = ingest_version(version, listener=bar)
        else:
            tables = list(version.datastore_tables.all())
        bar.finish()
        self._report(tables, version)

    def _report(self, tables, version) -> None:
        failed = [t for t in tables if t.status == "failed"]
        if failed:
            raise CommandError(_("入库失败：%(message)s") % {"message": failed[0].error["message"]})
        version.resource.refresh_from_db()
        for table in tables:
            self.stdout.write(
                _("%(sheet)s%(rows)d 行，%(fields)d 个字段")
                % {
                    "sheet": f"{table.sheet}：" if table.sheet else "",
                    "rows": table.row_count or 0,
                    "fields": len(table.fields),
                }
            )
        current = version.resource.current_version_id == version.pk
        self.stdout.write(
            _("版本 %(n)d 已入库%(state)s。")
            % {
                "n": version.number,
                "state": _("并已成为当前版本") if current else _("，待审核通过后发布"),
            }
        )


def _uuid(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        raise CommandError(_("资源 ID“%(id)s”格式不正确。") % {"id": text}) from None


def _actor(username: str | None):
    """The command-line actor: a system actor acting for a real user, so the service's
    permission check and the audit entry name who ran it."""
    from kaifang.accounts.models import User
    from kaifang.core.audit import Actor
    from kaifang.core.models import AuditEntry

    users = User.objects.filter(is_active=True)
    user = (
        users.filter(username=username).first()
        if username
        else users.filter(is_platform_admin=True).order_by("pk").first()
    )
    if user is None:
        raise CommandError(
            _("找不到用户“%(name)s”。") % {"name": username}
            if username
            else _("没有可用的平台管理员，请用 --user 指定上传用户。")
        )
    return Actor(AuditEntry.ActorType.SYSTEM, f"命令行（{user.get_username()}）", user=user)


def _store(actor, resource, path: Path, wrap: type[File] = File):
    """The new version, stored through the catalog service. Its queued ingest finds it
    already done and skips it (or, with an immediate queue, has just run it)."""
    from kaifang.catalog.services import add_resource_version

    try:
        with path.open("rb") as handle:
            version = add_resource_version(actor, resource, wrap(handle, name=path.name))
    except KaifangError as exc:
        raise CommandError(exc.message) from exc
    return version


class _MovedFile(File):
    """A file on this machine's disk that the storage takes by moving it into place, as it
    takes a web upload's temporary file."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _store_moved(actor, resource, path: Path):
    """The new version, its file moved into storage from `path` (see the module's docstring)."""
    if not os.access(path.parent, os.W_OK):
        raise CommandError(
            _("无法移动文件：没有文件所在目录“%(dir)s”的写权限，请去掉 --move 以复制方式入库。")
            % {"dir": path.parent}
        )
    kept = path.with_name(f".{path.name}.kaifang-move")
    kept.unlink(missing_ok=True)
    try:
        os.link(path, kept)
    except OSError as exc:
        raise CommandError(
            _(
                "无法移动文件：不能在“%(dir)s”中为它建立备用名称（%(error)s），"
                "请去掉 --move 以复制方式入库。"
            )
            % {"dir": path.parent, "error": exc.strerror or exc}
        ) from exc
    try:
        version = _store(actor, resource, path, wrap=_MovedFile)
    except BaseException:
        if not path.exists():
            os.replace(kept, path)
        raise
    finally:
        kept.unlink(missing_ok=True)
    return version


class ProgressBar:
    """A one-line bar on stderr: stage, rows done (of total when known)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from kaifang.datastore.templatetags.ingest_progress import stage_label

        now = time.monotonic()
        if now - self.drawn < 0.1 and (total is None or done < total):
            return
        self.drawn = now
        if total:
            filled = int(BAR_WIDTH * min(done, total) / total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"[{bar}] {stage_label(stage)} {done:,}/{total:,}"
        else:
            text = f"[{'.' * BAR_WIDTH}] {stage_label(stage)} {done:,}"
        self.stream.write(f"\r{text:<78}")
        self.stream.flush()

    def finish(self) -> None:
        seconds = time.monotonic() - self.started
        self.stream.write("\r" + _("入库完成，用时 %(s).1f 秒") % {"s": seconds} + " " * 40 + "\n")
        self.stream.flush()
