"""`kaifang serve`: the web server and the background task worker, started and stopped together.

It collects the static files into KAIFANG_HOME, then supervises two children:
- gunicorn with gthread workers, serving the WSGI application (static files through whitenoise);
- the Huey consumer (`run_huey`), which runs queued and scheduled tasks;
and, with a search backend that keeps an index on each node (tantivy), builds that index first
when it is missing and supervises a third child, its follower (`searchindex --follow`), the one
process of the node that writes the index.
SIGINT or SIGTERM stops them all cleanly (gunicorn finishes its requests, Huey its running task).
If a child dies on its own, the others are stopped too and the command fails, so a supervisor
above (systemd, a container runtime) sees the failure instead of a half-working site.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from kaifang.search.backends.base import backend_class

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_TIMEOUT = 20  # seconds a child gets to finish before it is killed


class Command(BaseCommand):
    help = "启动网站（gunicorn）与后台任务进程（Huey）/ serve the site and run the task worker"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 / address to bind")
        parser.add_argument("--port", type=int, default=8000, help="端口 / port")
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn 工作进程数 / web worker processes"
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="每个工作进程的线程数 / threads per worker"
        )
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="task_worker",
            help="不启动后台任务进程 / do not run the task worker",
        )
        parser.add_argument(
            "--access-log", action="store_true", help="打印访问日志 / log every request"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        _check_options(port, options["workers"], options["threads"])
        _check_migrated()
        _check_port_free(host, port)
        # Static files live in KAIFANG_HOME; collecting them again is quick when nothing changed.
        call_command("collectstatic", interactive=False, verbosity=0)
        index = backend_class().node_index
        if index:  # the first searches find an index, not the database fallback
            call_command("searchindex", ensure=True, stdout=self.stdout)
        connections.close_all()  # the children open their own
        children = {"web": subprocess.Popen(gunicorn_command(**options))}  # noqa: S603
        if options["task_worker"] and not settings.HUEY.get("immediate"):
            children["worker"] = subprocess.Popen(huey_command())  # noqa: S603
        if index:
            children["search-index"] = subprocess.Popen(follower_command())  # noqa: S603
        self.stdout.write(
            f"开放数据平台已启动：{url(host, port)}（按 Ctrl+C 停止）\n"
            f"Kaifang is serving at {url(host, port)} (Ctrl+C stops it)"
        )
        self.stdout.flush()
        failed = supervise(children)
        if failed:
            raise CommandError(f"{failed} 进程意外退出 / the {failed} process stopped unexpectedly")


def url(host: str, port: int) -> str:
    return f"http://{bind_address(host, port)}"


def bind_address(host: str, port: int) -> str:
    """host:port as gunicorn and URLs write it (IPv6 addresses in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_command(
    *, host: str, port: int, workers: int, threads: int, access_log: bool, **_: Any
) -> list[str]:
    command = [
        sys.executable, "-m", "gunicorn", "kaifang.config.wsgi:application",
        "--bind", bind_address(host, port),
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "60",
        "--graceful-timeout", "10",
        "--name", "kaifang",
    ]  # fmt: skip
    if access_log:
        command += ["--access-logfile", "-"]
    return command


def huey_command() -> list[str]:
    return [sys.executable, "-m", "kaifang.cli", "run_huey"]


def follower_command() -> list[str]:
    return [sys.executable, "-m", "kaifang.cli", "searchindex", "--follow"]


def supervise(children: dict[str, subprocess.Popen]) -> str | None:
    """Wait until a stop signal arrives or a child exits; stop all; name the child that died."""
    stop_requested = False

    def request_stop(signum: int, frame: Any) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    failed = None
    try:
        while not stop_requested and failed is None:
            failed = next((n for n, c in children.items() if c.poll() is not None), None)
            time.sleep(0.2)
    finally:
        stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return failed


def stop(children: dict[str, subprocess.Popen]) -> None:
    """Ask each child to finish its work and exit; kill any still running after the timeout.

    gunicorn stops gracefully on SIGTERM; Huey's consumer on SIGINT (its SIGTERM is immediate).
    """
    for name, child in children.items():
        child.send_signal(signal.SIGINT if name == "worker" else signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _check_options(port: int, workers: int, threads: int) -> None:
    if not 1 <= port <= 65535:
        raise CommandError(f"--port 须在 1–65535 之间 / --port must be 1–65535, not {port}")
    if workers < 1 or threads < 1:
        raise CommandError(
            "--workers 与 --threads 须至少为 1 / --workers and --threads must be at least 1"
        )


def _check_migrated() -> None:
    """Refuse to serve a database that `kaifang init` has not prepared: every page would fail."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise CommandError(
            f"数据库尚未初始化或有 {len(pending)} 个迁移未执行，请先运行 kaifang init / "
            "the database needs migrating: run kaifang init first"
        )


def _check_port_free(host: str, port: int) -> None:
    """Fail fast, in words, when the port is taken (gunicorn would retry for several seconds)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"无法监听 {bind_address(host, port)}：{exc.strerror}。端口可能已被占用，"
                f"请用 --port 换一个 / cannot listen on {bind_address(host, port)}: "
                f"{exc.strerror}; the port may be in use, choose another with --port"
            ) from None
