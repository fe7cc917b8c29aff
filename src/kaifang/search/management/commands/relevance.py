"""`kaifang relevance [--backend dotted.path]`: run the search relevance set on the current
database (the full demo catalog, `kaifang loaddemo`) and print each query's result, then the
top-3 hit rate and nDCG@10, overall and per kind.

The backend is the configured one unless --backend names another; it answers as it would a
visitor's search, so an index backend must be current (the follower of `kaifang serve`, or
`kaifang searchindex --rebuild`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError


class Command(BaseCommand):
    help = "搜索相关性评测：前 3 命中率与 nDCG@10 / run the search relevance set"
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        from kaifang.search.relevance.harness import KINDS

        parser.add_argument(
            "--backend",
            help="搜索后端的点分路径（默认：当前配置的后端）/ dotted path of the backend "
            "(default: the configured one)",
        )
        parser.add_argument(
            "--queries",
            help="评测集文件（默认：内置的演示目录评测集）/ a relevance set file (default: the "
            "built-in one for the demo catalog)",
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=list(KINDS),
            help="只评测这一类查询，可重复 / only queries of this kind (repeatable)",
        )
        parser.add_argument(
            "--failures",
            action="store_true",
            help="只列出未通过的查询 / list only the queries that fail",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="未全部通过或 nDCG@10 低于 0.9 时以非零状态退出 / exit non-zero unless the "
            "set passes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.search.relevance import harness

        path = options["backend"] or settings.KAIFANG["SEARCH_BACKEND"]
        try:
            queries = harness.load_queries(Path(options["queries"] or harness.QUERIES))
            backend = harness.load_backend(path)
        except KaifangError as exc:
            raise CommandError(exc.message) from exc
        if options["kind"]:
            queries = [q for q in queries if q.kind in options["kind"]]
        unknown = harness.unknown_names(queries)
        if unknown:
            raise CommandError(
                _(
                    "当前数据库中没有评测集所需的 %(n)d 个公开数据集（如 %(names)s）。"
                    "内置评测集基于完整的演示目录，请先运行 kaifang loaddemo。"
                )
                % {"n": len(unknown), "names": "、".join(unknown[:3])}
            )
        report = harness.run(backend, queries, name=path)
        self.stdout.write(harness.format_report(report, failures_only=options["failures"]))
        if options["check"] and not report.passed:
            raise CommandError(_("相关性评测未通过。"))
