"""`kaifang loaddemo`: build the demo catalog (or find it already built), then print the demo
logins and where to open the portal."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError


class Command(BaseCommand):
    help = "加载演示目录（可重复运行）/ load the demo catalog (safe to repeat)"
    # A second run should answer in about a second. The checks import every URL and API route,
    # which this command does not use; the build checks each dataset against the metadata
    # schema itself.
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        from kaifang.catalog.demo import DEMO_SEED, SCALES

        parser.add_argument(
            "--force",
            action="store_true",
            help="删除已有的演示数据后重新生成 / delete the demo rows and rebuild",
        )
        parser.add_argument(
            "--remove",
            action="store_true",
            help="只删除演示数据 / delete the demo catalog and stop",
        )
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="full",
            help="规模：full 完整，small 测试用 / full, or small for tests",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="随机种子 / seed")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="打印的访问地址 / the address to print"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.catalog.demo import build_demo, remove_demo

        try:
            if options["remove"]:
                count = remove_demo()
                self.stdout.write(_("已删除演示目录（%(n)d 个数据集）。") % {"n": count})
                return
            result = build_demo(
                options["scale"], options["seed"], force=options["force"], log=self.stdout.write
            )
        except KaifangError as exc:
            raise CommandError(exc.message) from exc
        self.report(result, options["url"])

    def report(self, result, url: str) -> None:
        if result.built:
            self.stdout.write(
                self.style.SUCCESS(_("演示目录已生成，用时 %(s).1f 秒。") % {"s": result.seconds})
            )
        else:
            self.stdout.write(
                _("演示目录已存在（同一版本、种子和规模），未重新生成；用 --force 可重新生成。")
            )
        self.stdout.write(
            _(
                "部门 %(departments)d 个，数据集 %(datasets)d 个（已发布 %(published)d 个），"
                "资源 %(resources)d 个，文件 %(files)d 个，数据 %(rows)d 行，共 %(mb).1f MB。"
            )
            % {**result.counts(), "mb": result.bytes / 1e6}
        )
        self.stdout.write("\n" + _("演示账号 / demo accounts:"))
        skipped = {a.username for a in result.accounts if a.status == "skipped"}
        from kaifang.catalog.demo import DEMO_ACCOUNTS

        for username, role, password in DEMO_ACCOUNTS:
            shown = _("（平台已有管理员，未创建）") if username in skipped else password
            self.stdout.write(f"  {username:<18} {shown:<20} {role}")
        self.stdout.write("\n" + _("访问地址 / open: %(url)s") % {"url": url})
