"""`kaifang catalog-import FILE --user NAME`: import a catalog spreadsheet as that user. Checks
every row first and imports nothing if any is wrong (unless --valid-only); --dry-run only
reports what would be created and updated."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "导入目录表格 / import a catalog spreadsheet (catalog-guide layout)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="目录表格 .xlsx 或 .csv / the spreadsheet")
        parser.add_argument("--user", required=True, help="以该用户导入 / import as this user")
        parser.add_argument("--department", help="只允许该部门的行（英文标识）/ one department")
        parser.add_argument("--dry-run", action="store_true", help="只检查和预览 / check only")
        parser.add_argument("--submit", action="store_true", help="导入后提交审核 / submit")
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="只导入没有问题的数据集 / import the datasets without problems",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaifang.core.audit import Actor
        from kaifang.core.errors import KaifangError
        from kaifang.interop.catalog_xlsx.services import CREATE, UNCHANGED, UPDATE, import_catalog

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件 %(file)s。") % {"file": path})
        user, department = self._user(options["user"]), self._department(options["department"])
        started = time.monotonic()
        try:
            report = import_catalog(
                Actor.for_user(user),
                path,
                fmt="CSV" if path.suffix.lower() == ".csv" else "XLSX",
                department=department,
                dry_run=options["dry_run"],
                submit=options["submit"],
                partial=options["valid_only"],
            )
        except KaifangError as exc:
            raise CommandError(exc.message) from exc
        for message in report.messages():
            self.stderr.write(message)
        for notice in report.notices:
            self.stdout.write(str(notice))
        counts = {k: report.count(k) for k in (CREATE, UPDATE, UNCHANGED)}
        done = _("已导入") if report.applied else _("未导入（预览）")
        self.stdout.write(
            _("%(done)s：新建 %(create)d，更新 %(update)d，无变化 %(unchanged)d（%(s).1f 秒）。")
            % {"done": done, **counts, "s": time.monotonic() - started}
        )
        if report.problems:
            raise CommandError(_("目录表格有 %(n)d 处问题。") % {"n": len(report.problems)})

    def _user(self, name: str):
        from kaifang.accounts.models import User

        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(_("用户“%(name)s”不存在。") % {"name": name})
        return user

    def _department(self, name: str | None):
        from kaifang.organizations.models import Department

        if not name:
            return None
        department = Department.objects.filter(name=name).first()
        if department is None:
            raise CommandError(_("部门“%(name)s”不存在。") % {"name": name})
        return department
