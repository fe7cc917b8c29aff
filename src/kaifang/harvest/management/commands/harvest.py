"""`kaifang harvest SOURCE [--full]`: run one harvest source now, with a progress bar on
stderr, and print the job's report: its counts, the records left out on purpose when the source
reports them, and each failed record with its reason."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError


class Command(BaseCommand):
    help = "运行一个采集来源 / run one harvest source now"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="采集来源的英文标识或 ID")
        parser.add_argument("--full", action="store_true", help="全量采集（并下线来源中已没有的）")

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.core.audit import Actor
        from kaifang.harvest.selectors import find_source
        from kaifang.harvest.services import run_harvest

        source = find_source(options["source"])
        if source is None:
            raise CommandError(_("找不到采集来源“%(name)s”。") % {"name": options["source"]})
        bar = ProgressBar(self.stderr)
        try:
            job = run_harvest(Actor.system("命令行"), source, full=options["full"], progress=bar)
        except KaifangError as exc:
            raise CommandError(exc.message) from exc
        bar.finish()
        self._report(job)

    def _report(self, job) -> None:
        self.stdout.write(
            _("新增 %(a)d，更新 %(u)d，未变 %(n)d，下线 %(w)d，失败 %(f)d")
            % {
                "a": job.added,
                "u": job.updated,
                "n": job.unchanged,
                "w": job.withdrawn,
                "f": job.failed,
            }
        )
        skipped = job.report.get("skipped")
        if isinstance(skipped, dict) and "count" in skipped:
            # records the source left out on purpose (the sharing platform's closed entries)
            self.stdout.write(
                _("跳过 %(n)d：%(reason)s")
                % {"n": skipped["count"], "reason": skipped.get("reason", "")}
            )
        for failure in job.report.get("failures", []):
            self.stdout.write(f"  {failure['id'] or '-'}: {failure['reason']}")
        if job.status == job.Status.FAILED:
            raise CommandError(_("采集失败：%(error)s") % {"error": job.report.get("error", "")})


class ProgressBar:
    """A one-line bar on stderr: records done, of the total once the source has told it."""

    width = 30

    def __init__(self, stream):
        self.stream = stream  # the command's OutputWrapper
        self.drawn = 0.0
        self.used = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.drawn < 0.1 and (not total or done < total):
            return
        self.drawn, self.used = now, True
        if total:
            filled = min(self.width, self.width * done // total)
            line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        else:
            line = f"{done} …"
        self.stream.write(f"\r{line}", ending="")

    def finish(self) -> None:
        if self.used:
            self.stream.write("")
