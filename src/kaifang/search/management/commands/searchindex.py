"""`kaifang searchindex`: this node's search index (tantivy backend), or the PostgreSQL
full-text index (postgres backend: --rebuild rebuilds its rows, --ensure and --follow apply
the change log it has not applied yet, the status line counts its rows).

    kaifang searchindex             how far the index has caught up with the change log
    kaifang searchindex --ensure    build it only when missing (what `kaifang serve` runs)
    kaifang searchindex --rebuild   build a new index from the database and switch to it
    kaifang searchindex --follow    keep it current: apply the change log until stopped

A rebuild goes on while searches read the old index and replaces it in one rename. The
follower is the one process per node that writes the index; `kaifang serve` runs it as its
third child. A second follower on the same node waits until the first one stops.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kaifang.search.backends import tantivy_index as ti


class Command(BaseCommand):
    help = "检索索引：查看、重建或持续更新 / the search index: status, rebuild, follow"

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--rebuild", action="store_true", help="从数据库重建 / rebuild from the database"
        )
        group.add_argument(
            "--ensure", action="store_true", help="缺失时才建立 / build only when missing"
        )
        group.add_argument(
            "--follow",
            action="store_true",
            help="持续应用变更记录直到停止 / apply the change log until stopped",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="--follow 查询变更的间隔秒数 / seconds between looks at the change log",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if _postgres():
            self.handle_postgres(options)
            return
        root = ti.index_root()
        if options["follow"]:
            self.follow(root, options["interval"])
        elif options["rebuild"]:
            self.built(ti.rebuild(root, progress=self.progress))
        elif options["ensure"]:
            report = ti.ensure_index(root)
            if report is not None:
                self.built(report)
        else:
            self.status(root)

    def progress(self, count: int) -> None:
        if count % 10_000 == 0:
            self.stdout.write(_("已索引 %(n)d 个数据集") % {"n": count})

    def built(self, report: ti.BuildReport) -> None:
        self.stdout.write(
            _("检索索引已建立：%(n)d 个数据集，用时 %(s).1f 秒，%(mb).1f MB（%(path)s）。")
            % {
                "n": report.datasets,
                "s": report.seconds,
                "mb": report.bytes / 1e6,
                "path": report.path,
            }
        )

    def status(self, root) -> None:
        from kaifang.search.selectors import latest_seq

        generation = ti.current_generation(root)
        if generation is None:
            self.stdout.write(_("本节点还没有检索索引（%(path)s）。") % {"path": root})
            return
        searcher = ti.open_index(generation).searcher()
        applied = ti.applied_seq(searcher)
        self.stdout.write(
            _(
                "检索索引 %(path)s：%(docs)d 个文档，%(mb).1f MB，"
                "已应用变更至 %(applied)s，最新变更 %(latest)d。"
            )
            % {
                "path": generation.path,
                "docs": max(searcher.num_docs - 1, 0),
                "mb": ti.folder_size(generation.path) / 1e6,
                "applied": applied if applied is not None else "—",
                "latest": latest_seq(),
            }
        )

    def follow(self, root, interval: float) -> None:
        """Run the follower until SIGINT or SIGTERM."""
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(_("正在持续更新检索索引（%(path)s）。") % {"path": root})
        self.stdout.flush()
        ti.Follower(root, interval=interval, stop=stop, log=self._say).run()

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle_postgres(self, options: dict[str, Any]) -> None:
        from kaifang.search.backends import postgres_index as pi
        from kaifang.search.selectors import latest_seq

        if options["rebuild"]:
            report = pi.rebuild(progress=self.progress)
            self.stdout.write(
                _("全文检索索引已重建：%(n)d 个数据集，用时 %(s).1f 秒，%(mb).1f MB。")
                % {"n": report.datasets, "s": report.seconds, "mb": report.bytes / 1e6}
            )
        elif options["ensure"] or options["follow"]:
            self.catch_up_postgres(pi, follow=options["follow"], interval=options["interval"])
        rows, applied = pi.status()
        self.stdout.write(
            _("全文检索索引：%(rows)d 个数据集，已应用变更至 %(applied)d，最新变更 %(latest)d。")
            % {"rows": rows, "applied": applied, "latest": latest_seq()}
        )

    def catch_up_postgres(self, pi, *, follow: bool, interval: float) -> None:
        """Apply the change log until it is all applied (and, with --follow, until stopped)."""
        stop = threading.Event()
        if follow:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            applied = pi.catch_up()
            if applied:
                self._say(_("全文检索索引：已应用 %(n)d 个数据集的变更") % {"n": applied})
            elif not follow:
                return
            else:
                stop.wait(interval)


def _postgres() -> bool:
    from kaifang.search.backends.base import backend_class
    from kaifang.search.backends.postgres import PostgresSearchBackend

    return issubclass(backend_class(), PostgresSearchBackend)
