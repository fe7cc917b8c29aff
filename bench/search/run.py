"""The search benchmark: 30 searches with all facets through the HTTP API beside the same
searches asked of the backend in-process (its floor), suggestions as one types, and the time and
size of an index build, on a synthetic catalog of N datasets.

    .venv/bin/python bench/search/run.py [--datasets 100000] [--backend tantivy|postgres|…]
        [--rounds 7] [--home var/bench-search/100000] [--no-write]     (or: make bench-search)
        [--build-only]      the catalog and the index build only, printed

1. The catalog: `generate.py` writes N datasets into the bench's own data folder once per size
   (kept there and reused; an interrupted run is completed).
2. The index: a full rebuild from the database, timed, with its size — the folder of the
   node's index (tantivy) or the index table (PostgreSQL, `--backend postgres`, whose catalog
   then lives in PostgreSQL too: --database-url).
3. The server: `kaifang serve --workers 2 --no-worker` (gunicorn gthread, with its index
   follower), search answers cache off (KAIFANG_SEARCH_CACHE_SECONDS=0): every search is
   answered afresh. A search that finds nothing first makes each worker build its "did you
   mean" speller (the server warms it when it opens the index), so no timed request waits on it.
4. The check (check.py): every search's API answer equals the backend's in-process answer (the
   same datasets in order, counts, all nine facets) and finds something; every suggestion too.
5. The timing: a warm-up round, then --rounds rounds; in each, every search through the API
   (one keep-alive connection on loopback, timed from sending to the last byte) and then the
   same search in-process, then every suggestion prefix the same way. p50 and p95 over all.
The report replaces this size's and backend's section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    KAIFANG,
    free_port,
    get,
    machine,
    median,
    percentile,
    replace_section,
    start_server,
    stop_server,
    wait_for,
)
from bench.search import check  # noqa: E402
from bench.search.queries import SEARCHES, SUGGESTIONS, search_path, suggest_path  # noqa: E402

BACKENDS = {
    "tantivy": "kaifang.search.backends.tantivy.TantivySearchBackend",
    "postgres": "kaifang.search.backends.postgres.PostgresSearchBackend",
    "database": "kaifang.search.backends.database.DatabaseSearchBackend",
}
PG_URL = "postgres://postgres@127.0.0.1:5432/kaifang_bench_search"
TYPO = "公焦站点"  # finds nothing: makes a worker build its speller before timing
GOALS = {  # p95 through the API, ms, by catalog size, on the default backend
    100_000: 30.0,
    1_000_000: 60.0,
}
PG_GOAL_MS = 300.0
FLOOR_MARGIN_MS = 10.0
SUGGEST_GOAL_MS = 10.0
BUILD_GOALS_S = {100_000: 60.0, 1_000_000: 600.0}
#: the goal cell of a measure whose goal is set for the default backend only (the second
#: backend's one goal is its search time, PG_GOAL_MS)
DEFAULT_ONLY = "a goal of the default backend"
HTTP_TIMEOUT = 300


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Kaifang search benchmark")
    parser.add_argument("--datasets", type=int, default=100_000, help="datasets in the catalog")
    parser.add_argument(
        "--backend",
        default="tantivy",
        help=f"{', '.join(BACKENDS)} or a dotted path of a SearchBackend (default tantivy)",
    )
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds of every search")
    parser.add_argument("--seed", type=int, default=None, help="the generator's seed")
    parser.add_argument("--home", type=Path, help="KAIFANG_HOME (default var/bench-search/N)")
    parser.add_argument(
        "--database-url",
        help=f"DATABASE_URL of the catalog (default SQLite in the home; {PG_URL} for postgres)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="generate the catalog and time the index build only (printed, nothing written)",
    )
    options = parser.parse_args(argv)
    if options.datasets < 100 or options.rounds < 1:
        parser.error("--datasets ≥ 100 and --rounds ≥ 1")
    options.backend_path = BACKENDS.get(options.backend, options.backend)
    if options.database_url is None and options.backend == "postgres":
        options.database_url = PG_URL
    options.home = (options.home or ROOT / "var" / "bench-search" / str(options.datasets)).resolve()
    return options


def environment(options: argparse.Namespace) -> dict[str, str]:
    """The environment of the server and of this process's Django."""
    env = {
        **os.environ,
        "KAIFANG_HOME": str(options.home),
        "KAIFANG_SEARCH_BACKEND": options.backend_path,
        "KAIFANG_SEARCH_INDEX_SYNC": "follower",
        "KAIFANG_SEARCH_CACHE_SECONDS": "0",
        "KAIFANG_QUEUE": "sqlite",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    return env


@dataclass
class Results:
    datasets: int = 0
    generated_seconds: float | None = None
    build_seconds: float | None = None
    index_bytes: int | None = None
    http: dict[int, list[float]] = field(default_factory=dict)  # search number → ms
    engine: dict[int, list[float]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    suggest_http: list[float] = field(default_factory=list)
    suggest_engine: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    env = environment(options)
    options.home.mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    results = Results(load=[os.getloadavg()[0]])
    prepare(options, env, results)
    if options.build_only:
        print(f"负载 / load average: {results.load[0]:.1f} → {os.getloadavg()[0]:.1f}")
        return 0
    measure(options, env, results)
    results.load.append(os.getloadavg()[0])
    report = render(results, options)
    print(report)
    if not options.no_write:
        start, end = markers(options)
        replace_section(options.output, report, start, end)
        print(f"\nwritten to {options.output}")
    return 0


def markers(options: argparse.Namespace) -> tuple[str, str]:
    key = f"bench/search/run.py --datasets {options.datasets} --backend {options.backend}"
    return f"<!-- {key}: start -->", f"<!-- {key}: end -->"


# --- the catalog and the index ------------------------------------------------------------


def prepare(options: argparse.Namespace, env: dict[str, str], results: Results) -> None:
    """Migrate the bench's database, generate the catalog, build the index."""
    command = [str(KAIFANG), "init", "--no-input", "-v", "0"]
    subprocess.run(command, env=env, check=True, cwd=ROOT)  # noqa: S603
    from bench.search import generate

    generate.setup_django()
    started = time.monotonic()
    seed = generate.SEED if options.seed is None else options.seed
    say = _progress("已生成", started)
    results.datasets = generate.generate(options.datasets, seed=seed, progress=say)
    results.generated_seconds = time.monotonic() - started
    build_index(results)


def _progress(what: str, started: float):
    def say(n: int) -> None:
        if n % 50_000 == 0:
            print(f"{what} {n} 个数据集（{time.monotonic() - started:.0f} 秒）", flush=True)

    return say


def build_index(results: Results) -> None:
    """Rebuild the backend's index, timed, with its size: the node's folder (tantivy) or the
    index table (PostgreSQL). The plain database backend has none."""
    from django.db import connections

    from kaifang.search.backends.base import backend_class

    progress = _progress("已索引", time.monotonic())
    if backend_class().node_index:
        from kaifang.search.backends import tantivy_index as ti

        report = ti.rebuild(progress=progress)
    elif backend_class().__name__ == "PostgresSearchBackend":
        from kaifang.search.backends import postgres_index

        report = postgres_index.rebuild(progress=progress)
    else:
        return
    connections.close_all()
    results.build_seconds, results.index_bytes = report.seconds, report.bytes
    print(f"索引：{report.datasets} 个数据集，{report.seconds:.1f} 秒，{report.bytes / 1e6:.0f} MB")


# --- the server and the timing ------------------------------------------------------------


def measure(options: argparse.Namespace, env: dict[str, str], results: Results) -> None:
    port = free_port()
    server = start_server(env, port, "--no-worker")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        wait_for(connection, "/api/v1/datasets?limit=1", timeout=600, what="开放数据平台")
        warm_spellers(port)
        fetch = _fetcher(connection)
        check.verify_searches(fetch, SEARCHES)
        check.verify_suggestions(fetch, SUGGESTIONS)
        for round_number in range(options.rounds + 1):
            timed = round_number > 0  # the first round warms up
            time_searches(fetch, results, timed)
            time_suggestions(fetch, results, timed)
    finally:
        stop_server(server)


def warm_spellers(port: int, connections: int = 6) -> None:
    """A search that finds nothing on a few fresh connections (so both workers see one): each
    waits for its worker's speller, which the server started building when it opened the index."""
    for _ in range(connections):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        status, _body = get(connection, search_path({"q": TYPO}))
        connection.close()
        if status != 200:
            raise SystemExit(f"{TYPO}: HTTP {status}")


def _fetcher(connection: http.client.HTTPConnection):
    """GET over the keep-alive connection, connecting again when the server closed it (gunicorn
    closes a connection idle for two seconds: the check's in-process answers can take that)."""

    def fetch(path: str) -> tuple[int, bytes]:
        try:
            return get(connection, path)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            connection.close()
            return get(connection, path)

    return fetch


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def time_searches(fetch: check.Fetch, results: Results, timed: bool) -> None:
    for number, (_label, params) in enumerate(SEARCHES):
        path = search_path(params)
        http_ms = _timed(lambda path=path: _ok(fetch(path), path))
        found: list = []
        engine_ms = _timed(lambda p=params, f=found: f.append(check.engine_search(p)))
        if timed:
            results.http.setdefault(number, []).append(http_ms)
            results.engine.setdefault(number, []).append(engine_ms)
            results.counts[number] = found[0].count


def time_suggestions(fetch: check.Fetch, results: Results, timed: bool) -> None:
    for q in SUGGESTIONS:
        path = suggest_path(q)
        http_ms = _timed(lambda path=path: _ok(fetch(path), path))
        engine_ms = _timed(lambda q=q: check.engine_suggestion(q))
        if timed:
            results.suggest_http.append(http_ms)
            results.suggest_engine.append(engine_ms)


def _ok(answer: tuple[int, bytes], path: str) -> None:
    if answer[0] != 200:
        raise SystemExit(f"{path}: HTTP {answer[0]}")


# --- the report ---------------------------------------------------------------------------


def _all(timings: dict[int, list[float]]) -> list[float]:
    return [ms for values in timings.values() for ms in values]


def _verdict(value: float | None, goal: float | None, unit: str = "ms") -> str:
    if value is None or goal is None:
        return ""
    return f"< {goal:g} {unit}: {'met' if value < goal else 'NOT met'}"


def render(results: Results, options: argparse.Namespace) -> str:
    http_all, engine_all = _all(results.http), _all(results.engine)
    http95, engine95 = percentile(http_all, 0.95), percentile(engine_all, 0.95)
    over = [h - e for h, e in zip(http_all, engine_all, strict=True)]
    over95 = percentile(over, 0.95)
    sug95 = percentile(results.suggest_http, 0.95)
    default = options.backend == "tantivy"
    goal = GOALS.get(options.datasets) if default else None
    if options.backend == "postgres" and options.datasets == 100_000:
        goal = PG_GOAL_MS
    build_goal = BUILD_GOALS_S.get(options.datasets)
    database = "PostgreSQL" if (options.database_url or "").startswith("postgres") else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f".venv/bin/python bench/search/run.py --datasets {options.datasets}"
    command += "" if default else f" --backend {options.backend}"
    command += "" if options.rounds == 7 else f" --rounds {options.rounds}"
    build = (
        "—"
        if results.build_seconds is None
        else f"{results.build_seconds:.1f} s, {results.index_bytes / 1e6:.0f} MB"
    )
    summary = [
        "| measure | p50 | p95 | goal |",
        "| --- | ---: | ---: | --- |",
        f"| 30 searches with facets, HTTP API | {median(http_all):.1f} ms | {http95:.1f} ms "
        f"| {_verdict(http95, goal)} |",
        f"| the same, backend in-process (floor) | {median(engine_all):.1f} ms "
        f"| {engine95:.1f} ms | |",
        f"| API over the floor (each request minus its in-process twin) | {median(over):.1f} ms "
        f"| {over95:.1f} ms | {_verdict(over95, FLOOR_MARGIN_MS)} |",
        f"| suggestions, HTTP API | {median(results.suggest_http):.1f} ms | {sug95:.1f} ms "
        f"| {_verdict(sug95, SUGGEST_GOAL_MS) if default else DEFAULT_ONLY} |",
        f"| suggestions in-process | {median(results.suggest_engine):.1f} ms "
        f"| {percentile(results.suggest_engine, 0.95):.1f} ms | |",
        f"| index build (full rebuild) | {build} | | "
        f"{_verdict(results.build_seconds, build_goal, 's') if default else DEFAULT_ONLY} |",
    ]
    rows = [
        "| # | kind | parameters | found | API p50 | API p95 | in-process p50 | in-process p95 |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for number, (label, params) in enumerate(SEARCHES):
        http, engine = results.http[number], results.engine[number]
        shown = " ".join(f"{k}={v}" for k, v in params.items())
        rows.append(
            f"| {number + 1} | {label} | `{shown}` | {results.counts[number]} "
            f"| {median(http):.1f} | {percentile(http, 0.95):.1f} "
            f"| {median(engine):.1f} | {percentile(engine, 0.95):.1f} |"
        )
    return "\n".join(
        [
            f"## Search, {results.datasets:,} datasets, {options.backend} backend "
            "(`bench/search/run.py`)",
            "",
            f"Measured {when} on {machine()}, Python {platform.python_version()}, {database} "
            f"metadata, backend `{options.backend_path}`, `kaifang serve --workers 2` "
            "(gunicorn gthread), search cache off. A synthetic catalog "
            f"(`bench/search/generate.py`, {results.datasets:,} datasets) · "
            f"{options.rounds} timed rounds after one warm-up round; each search through the "
            "API (first page and all nine facets, one keep-alive client on loopback) and then "
            "in-process (`backend.search`, the same user and parameters); every answer checked "
            "equal first. Load average (1 min) at the start and the end: "
            f"{results.load[0]:.1f} / {results.load[-1]:.1f}; other work on the machine "
            "inflates the times.",
            "",
            *summary,
            "",
            *rows,
            "",
            f"Suggestions: {len(SUGGESTIONS)} prefixes (Chinese, pinyin, initials) per round, "
            + (
                "read from the search index."
                if default
                else "from the catalog each process keeps in memory (this backend has no "
                "search index to read them from)."
            ),
            "",
            f"Reproduce: `{command}` (`make bench-search`).",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
