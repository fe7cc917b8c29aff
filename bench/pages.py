"""Page benchmark: how long the server takes for the main pages and the API list, beside a floor.

    .venv/bin/python bench/pages.py [--requests 300] [--warmup 30] [--home var/bench]
    (or: make bench)

It prepares a data folder holding the demo catalog (`kaifang demo --no-serve`, which loads the
catalog only when absent), starts `kaifang serve` with 2 gthread workers on a free port, and
times, in one run and round-robin so every target sees the same conditions:
- the floor: the same server answering a static 20 KB file through whitenoise;
- home `/`, the dataset list `/datasets/`, one dataset page `/datasets/<name>/`;
- the API list `/api/v1/datasets`.
Each request goes over one keep-alive connection on loopback and is timed from sending to the
last byte of the body, so the figure is the server's time plus a loopback round trip. After the
warm-up requests, N requests per target give p50 and p90; the ratio compares each p50 with the
floor's. The result replaces this benchmark's section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    KAIFANG,
    free_port,
    get,
    machine,
    percentile,
    replace_section,
    start_server,
    stop_server,
    wait_for,
)

FLOOR_PATH = "/static/bench/floor-20k.txt"
FLOOR_SIZE = 20 * 1024
GOALS_MS = {"home": 30, "dataset list": 30, "dataset page": 30, "API list": 15}
START = "<!-- bench/pages.py: start -->"
END = "<!-- bench/pages.py: end -->"
START_UNCACHED = "<!-- bench/pages.py --search-cache 0: start -->"
END_UNCACHED = "<!-- bench/pages.py --search-cache 0: end -->"


def main() -> int:
    options = parse_args()
    home = options.home.resolve()
    env = {**os.environ, "KAIFANG_HOME": str(home)}
    env["KAIFANG_SEARCH_CACHE_SECONDS"] = str(options.search_cache)
    prepare(env, home)
    port = free_port()
    server = start_server(env, port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        wait_until_up(connection)
        targets = bench_targets(connection)
        verify_targets(lambda path: get(connection, path), targets)
        timings = measure(connection, targets, options.requests, options.warmup)
    finally:
        stop_server(server)
    report = render(timings, targets, options, env)
    print(report)
    if not options.no_write:
        write_section(options.output, report, cached=options.search_cache > 0)
        print(f"\nwritten to {options.output}")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Kaifang page benchmark")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per target")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per target")
    parser.add_argument("--home", type=Path, default=ROOT / "var" / "bench", help="KAIFANG_HOME")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--search-cache",
        type=int,
        default=60,
        help="KAIFANG_SEARCH_CACHE_SECONDS for the server; 0 measures every search afresh",
    )
    return parser.parse_args()


def prepare(env: dict[str, str], home: Path) -> None:
    """Migrate, load the demo catalog if it is not there, collect static files; add the floor."""
    subprocess.run([str(KAIFANG), "demo", "--no-serve"], env=env, check=True)  # noqa: S603
    floor = home / "static" / FLOOR_PATH.removeprefix("/static/")
    floor.parent.mkdir(parents=True, exist_ok=True)
    line = "开放数据平台基准测试静态文件 / Kaifang benchmark static file\n".encode()
    floor.write_bytes((line * (FLOOR_SIZE // len(line) + 1))[:FLOOR_SIZE])


def wait_until_up(connection: http.client.HTTPConnection, timeout: float = 60) -> None:
    wait_for(connection, FLOOR_PATH, timeout)


def bench_targets(connection: http.client.HTTPConnection) -> dict[str, str]:
    """The paths to time; the dataset page is the first dataset the API lists."""
    status, body = get(connection, "/api/v1/datasets?limit=1")
    if status != 200:
        raise SystemExit(f"/api/v1/datasets answered {status}")
    listing = json.loads(body)
    if not listing["results"]:
        raise SystemExit("目录为空 / the catalog is empty")
    name = listing["results"][0]["name"]
    return {
        "floor (static 20 KB)": FLOOR_PATH,
        "home": "/",
        "dataset list": "/datasets/",
        "dataset page": f"/datasets/{name}/",
        "API list": "/api/v1/datasets",
    }


def verify_targets(fetch, targets: dict[str, str]) -> None:
    """Check that each timed path answers what it should before any timing counts: the list
    API's count and facets agree, the list page and the dataset page show that dataset. `fetch`
    takes a path and returns (status, body); the test suite runs this check too."""
    status, body = fetch(targets["API list"])
    listing = json.loads(body)
    first = listing["results"][0]
    if status != 200 or sum(f["count"] for f in listing["facets"]["domain"]) != listing["count"]:
        raise SystemExit("API list: the domain facets do not add up to the count")
    expectations = {
        "home": "数据目录",
        "dataset list": first["title"],
        "dataset page": first["title"],
    }
    for label, text in expectations.items():
        status, body = fetch(targets[label])
        if status != 200 or text not in body.decode("utf-8"):
            raise SystemExit(f"{label} ({targets[label]}): {status}, without “{text}”")


def measure(
    connection: http.client.HTTPConnection, targets: dict[str, str], n: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per request for each target, requests interleaved round-robin."""
    timings: dict[str, list[float]] = {label: [] for label in targets}
    for round_number in range(warmup + n):
        for label, path in targets.items():
            started = time.perf_counter()
            status, _ = get(connection, path)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            if round_number >= warmup:
                timings[label].append(elapsed)
    return timings


def render(
    timings: dict[str, list[float]],
    targets: dict[str, str],
    options: argparse.Namespace,
    env: dict[str, str],
) -> str:
    floor = statistics.median(timings["floor (static 20 KB)"])
    rows = [
        "| target | path | p50 ms | p90 ms | p50 / floor | goal (p50) |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for label, values in timings.items():
        p50 = statistics.median(values)
        goal = GOALS_MS.get(label)
        verdict = "" if goal is None else f"< {goal} ms: {'met' if p50 < goal else 'NOT met'}"
        rows.append(
            f"| {label} | `{targets[label]}` | {p50:.2f} | {percentile(values, 0.9):.2f} "
            f"| {p50 / floor:.1f}× | {verdict} |"
        )
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cache = options.search_cache
    mode = f"search cache {cache} s" if cache else "search cache off"
    command = ".venv/bin/python bench/pages.py" + (
        "" if cache == 60 else f" --search-cache {cache}"
    )
    return "\n".join(
        [
            f"## Pages and the API list, {mode} (`bench/pages.py`)",
            "",
            f"Measured {when} on {machine()}, Python {platform.python_version()}, {database}, "
            f"the demo catalog, `kaifang serve --workers 2` (gunicorn gthread), {mode}. "
            f"{options.requests} timed requests per target after {options.warmup} warm-up "
            "requests, interleaved, one keep-alive client on loopback. Load average (1 min) "
            f"at the end: {os.getloadavg()[0]:.1f}; other work on the machine inflates the times.",
            "",
            *rows,
            "",
            f"Reproduce: `{command}` (`make bench` runs both modes).",
        ]
    )


def write_section(path: Path, report: str, *, cached: bool) -> None:
    """Replace this benchmark's section of the file (one for each search cache mode), keeping
    everything else in it."""
    start, end = (START, END) if cached else (START_UNCACHED, END_UNCACHED)
    replace_section(path, report, start, end)


if __name__ == "__main__":
    sys.exit(main())
