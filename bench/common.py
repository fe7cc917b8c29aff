"""What the benchmarks share: a server of our own on a free port, requests over one keep-alive
connection, medians and percentiles, the machine's description, and replacing a benchmark's own
section of docs/benchmarks.md between its markers."""

from __future__ import annotations

import http.client
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAIFANG = Path(sys.executable).with_name("kaifang")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], port: int, *options: str) -> subprocess.Popen:
    """`kaifang serve` with 2 workers (and `options`); its log goes to
    KAIFANG_HOME/bench-server.log."""
    command = [str(KAIFANG), "serve", "--port", str(port), "--workers", "2", *options]
    log = (Path(env["KAIFANG_HOME"]) / "bench-server.log").open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def get(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Accept-Language": "zh-hans", **(headers or {})})
    response = connection.getresponse()
    return response.status, response.read()


def wait_for(
    connection: http.client.HTTPConnection, path: str, timeout: float = 60, what: str = "服务"
) -> None:
    """Wait until `path` answers 200; give up with a message naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _ = get(connection, path)
            if status == 200:
                return
        except OSError:
            connection.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}未能启动 / {path} did not answer in {timeout:.0f} s")
        time.sleep(0.3)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model or platform.machine()})"


def replace_section(path: Path, report: str, start: str, end: str) -> None:
    """Replace the section between the markers `start` and `end` (appended when absent),
    keeping everything else in the file."""
    section = f"{start}\n{report}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
