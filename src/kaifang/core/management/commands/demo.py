"""`kaifang demo`: the whole demo in one unattended command.

init (migrations; an admin only if KAIFANG_ADMIN_USER/PASSWORD are set) → `loaddemo` (which
prints the demo logins) → the search index, rebuilt (the demo writes its rows in bulk, past
the change log; a second or two) → serve (which collects the static files first). `loaddemo`
recognises a catalog it has already built and returns at once, so a second `kaifang demo`
starts in seconds.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kaifang.core.management.commands.serve import url
from kaifang.search.backends.base import backend_class


class Command(BaseCommand):
    help = "初始化、加载演示目录并启动服务 / init, load the demo catalog and serve it"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 / address to bind")
        parser.add_argument("--port", type=int, default=8000, help="端口 / port")
        parser.add_argument("--workers", type=int, default=2, help="工作进程数 / web workers")
        parser.add_argument(
            "--no-serve",
            action="store_false",
            dest="serve",
            help="只准备数据，不启动服务 / prepare everything but do not serve",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        call_command("init", interactive=False, stdout=self.stdout, stderr=self.stderr)
        call_command("loaddemo", url=url(host, port) + "/", stdout=self.stdout, stderr=self.stderr)
        if backend_class().node_index:
            call_command("searchindex", rebuild=True, stdout=self.stdout)
        if not options["serve"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            return
        call_command("serve", host=host, port=port, workers=options["workers"])
