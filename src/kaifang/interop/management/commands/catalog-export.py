"""`kaifang catalog-export FILE`: write the catalog spreadsheet (XLSX, or CSV by the file's
ending) — the public catalog, or with --user the datasets that user writes, in every state."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "导出目录表格 / export the catalog spreadsheet (catalog-guide layout)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出文件 .xlsx 或 .csv / output file")
        parser.add_argument(
            "--user", help="以该用户导出其可编辑的全部数据集 / export what this user writes"
        )
        parser.add_argument("--department", help="只导出该部门（英文标识）/ one department")
        parser.add_argument(
            "--base-url",
            help="文件资源地址的前缀，默认 https://KAIFANG_SITE_DOMAIN / address of the site",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.interop.catalog_xlsx import export, selectors
        from kaifang.interop.links import Links

        target = Path(options["file"])
        if target.suffix.lower() not in {".xlsx", ".csv"}:
            raise CommandError(_("输出文件应以 .xlsx 或 .csv 结尾。"))
        datasets = self._datasets(options, selectors)
        base = options["base_url"] or f"https://{settings.KAIFANG['SITE']['domain']}"
        writer = export.write_csv if target.suffix.lower() == ".csv" else export.write_xlsx
        started = time.monotonic()
        rows = writer(datasets, target, Links(base.rstrip("/")).download)
        seconds = time.monotonic() - started
        self.stdout.write(
            _("已导出 %(datasets)d 个数据集、%(rows)d 行到 %(file)s（%(s).1f 秒）。")
            % {"datasets": datasets.count(), "rows": rows, "file": target, "s": seconds}
        )

    def _datasets(self, options: dict[str, Any], selectors):
        from kaifang.accounts.models import User
        from kaifang.organizations.models import Department

        department = None
        if options["department"]:
            department = Department.objects.filter(name=options["department"]).first()
            if department is None:
                raise CommandError(_("部门“%(name)s”不存在。") % {"name": options["department"]})
        if not options["user"]:
            qs = selectors.public_catalog()
            return qs.filter(department=department) if department else qs
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("用户“%(name)s”不存在。") % {"name": options["user"]})
        return selectors.workspace_catalog(user, department)
