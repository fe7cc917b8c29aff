"""The datastore benchmark: our ingest and rows API beside PostgreSQL COPY (the CKAN xloader
path) and sqlite-utils + Datasette 0.65, on the same generated file, in one run.

    .venv/bin/python bench/datastore/run.py [--rows 5000000] [--repeat 3] [--rounds 7]
        [--skip-sqlite] [--engines duckfile,parquet] [--workdir var/bench-datastore]
                                                            (or: make bench-datastore)

1. The file: `generate.py` makes it once per size (kept in the workdir; never committed), and
   Python's csv module computes the right answers to every question from it (`questions.py`).
2. Ingest, --repeat times, ours and PostgreSQL's in turn: `kaifang ingest` in a fresh data
   folder, timed until the rows API answers a filtered, sorted question with the new data
   (peak memory of the command's process tree); PostgreSQL `COPY` into an xloader-style table.
   Then `sqlite-utils insert` once (it takes minutes at 5 million rows).
3. Queries: the questions through our HTTP API (gunicorn, 2 workers), through Datasette on
   the sqlite-utils database (default settings, and tuned so that every question answers),
   and as SQL on the PostgreSQL table. Every answer is checked against the right one before
   timing, and again at each timed request; then --rounds rounds, every question to every
   system in turn; medians, ratios and goals.
4. The round trip at 1,000,000 rows (`roundtrip.py`), when that module is there.
The report replaces this benchmark's section of docs/benchmarks.md. With `--engines` naming
more than one of our datastore engines, each ingests the file into a resource of its own and
each is asked every question in the same rounds; the report's "ours" is the first engine named,
and a side-by-side table of our engines is printed after it.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(ROOT))

from bench.common import free_port, get, replace_section, start_server, stop_server  # noqa: E402
from bench.common import wait_for as wait_for_path  # noqa: E402
from bench.datastore import datasette, engines, ours, postgres  # noqa: E402
from bench.datastore import questions as qs  # noqa: E402
from bench.datastore import report as rp  # noqa: E402

START = "<!-- bench/datastore/run.py: start -->"
END = "<!-- bench/datastore/run.py: end -->"
SAMPLE_ROWS = 10
ROUNDTRIP_ROWS = 1_000_000
HTTP_TIMEOUT = 300


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Kaifang datastore benchmark")
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows in the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="ingests of ours and PostgreSQL")
    parser.add_argument("--rounds", type=int, default=7, help="timed query rounds")
    parser.add_argument("--skip-sqlite", action="store_true", help="no sqlite-utils/Datasette")
    parser.add_argument("--skip-roundtrip", action="store_true", help="no round trip")
    parser.add_argument(
        "--skip-engines", action="store_true", help="no layout comparison with DuckDB alone"
    )
    parser.add_argument(
        "--engines",
        default="duckfile",
        help=f"our datastore engines, comma-separated ({', '.join(ours.ENGINES)}); "
        "the first is the report's",
    )
    parser.add_argument("--roundtrip-rows", type=int, default=ROUNDTRIP_ROWS)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-datastore")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/kaifang_bench_copy")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/12",
        help="a Redis database for our server's cache (the bench empties its kept counts)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--render-from",
        type=Path,
        help="write the section again from a run's saved results (<workdir>/results-N.json)",
    )
    options = parser.parse_args(argv)
    if options.rows < 1000 or options.repeat < 1 or options.rounds < 1:
        parser.error("--rows ≥ 1000, --repeat ≥ 1 and --rounds ≥ 1")
    options.engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    unknown = [e for e in options.engines if e not in ours.ENGINES]
    if unknown or not options.engines:
        parser.error(f"--engines: one or more of {', '.join(ours.ENGINES)}")
    return options


def system_name(engine: str, options) -> str:
    """The name our engine's answers go under: "ours" for the first, else "ours (name)"."""
    return rp.OURS if engine == options.engines[0] else f"{rp.OURS} ({engine})"


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.render_from:
        return publish(options, rp.load(options.render_from))
    started = time.monotonic()
    work = options.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    load = [rp.load_average()]
    plan = qs.Plan(options.rows)
    source = ensure_data(work, options.rows)
    expected = qs.reference(source, plan, cache=work / f"answers-{options.rows}.json")
    subprocess.run([str(ROOT / "scripts" / "ensure-services.sh")], check=True)  # noqa: S603
    bin_dir = None if options.skip_sqlite else datasette.ensure_venv(work / "venv")
    results = measure_all(options, work, source, plan, expected, bin_dir, load)
    results.roundtrip = roundtrip(options, work)
    results.load.append(rp.load_average())
    results.minutes = (time.monotonic() - started) / 60
    rp.save(results, work / f"results-{options.rows}.json")
    return publish(options, results)


def publish(options, results: rp.Results) -> int:
    """Print the section and put it in its place in docs/benchmarks.md."""
    section = rp.render(results)
    print(section)
    if not options.no_write:
        replace_section(options.output, section, START, END)
        print(f"\nwritten to {options.output}")
    return 0


# --- the file ------------------------------------------------------------------------------


def ensure_data(work: Path, rows: int) -> Path:
    """The generated file of `rows` rows, made when it is not there yet."""
    path = work / f"data-{rows}.csv"
    stamp = path.with_suffix(".csv.done")
    if not stamp.exists() or not path.exists():
        generator = ROOT / "bench" / "datastore" / "generate.py"
        command = [sys.executable, str(generator), "--rows", str(rows), "--out", str(path)]
        subprocess.run(command, check=True)  # noqa: S603
        stamp.write_text(str(path.stat().st_size))
    return path


def write_sample(source: Path, target: Path) -> Path:
    """The header and the first rows: the resource's first version, before the timed one."""
    with source.open(encoding="utf-8") as handle:
        lines = [handle.readline() for _ in range(SAMPLE_ROWS + 1)]
    target.write_text("".join(lines), encoding="utf-8")
    return target


# --- one run -------------------------------------------------------------------------------


def measure_all(options, work: Path, source: Path, plan, expected, bin_dir, load) -> rp.Results:
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    env = ours.environment(home, options.cache_url, options.engines[0])
    ours.prepare_home(env)
    port = free_port()
    server = start_server(env, port, "--no-worker")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        wait_for_path(connection, "/api/v1/datasets?limit=1", what="开放数据平台")
        ingests, resources = ingest_ours_and_pg(options, env, source, work, port, expected)
        resource = resources[options.engines[0]]
        sqlite_run = None
        if bin_dir is not None:
            sqlite_run = datasette.insert(bin_dir, source, work / f"{datasette.DATABASE}.db")
        load.append(rp.load_average())
        queries = time_queries(options, work, plan, expected, bin_dir, port, resources)
    finally:
        stop_server(server)
    print_engines(options, ingests, queries)
    layouts = None
    if not options.skip_engines:
        layouts = compare_engines(options, work, plan, expected, home, resource["resource"])
    return rp.Results(
        command=command_line(options),
        rows=options.rows,
        size=source.stat().st_size,
        plan=plan,
        ours_ingest=ingests["ours"],
        pg_ingest=ingests["pg"],
        copied_ingest=ingests["copied"],
        sqlite=sqlite_run,
        queries=queries,
        versions=versions(options, bin_dir),
        load=load,
        minutes=0,
        rounds=options.rounds,
        engines=layouts,
    )


def compare_engines(options, work: Path, plan, expected, home: Path, resource_id: str):
    """The ingested table in other layouts, asked the same questions with DuckDB alone."""
    print("engine layouts …", flush=True)
    source = engines.ingested_file(home, resource_id)
    layouts = engines.make_layouts(source, work / "engines")
    engines.measure(layouts, _columns(work), plan, expected, options.rounds)
    return layouts


def ingest_ours_and_pg(options, env, source: Path, work: Path, port: int, expected):
    """--repeat ingests of each of our engines and PostgreSQL's, in turn; the last resource
    each engine ingested. Ingests are under "ours" (the first engine) and "ours (name)"."""
    sample = write_sample(source, work / "sample.csv")
    probe = _probe(port, expected, qs.Plan(options.rows))
    postgres.ensure_database(options.pg_url)
    found: dict[str, list] = {"ours": [], "pg": [], "copied": []}
    resources: dict[str, dict[str, str]] = {}
    for number in range(options.repeat):
        for engine in options.engines:
            engine_env = {**env, "KAIFANG_DATASTORE_ENGINE": ours.ENGINES[engine]}
            resources[engine] = ours.new_resource(engine_env, sample)
            probe.resource_id = resources[engine]["resource"]
            run = ours.time_ingest(engine_env, source, probe.resource_id, probe)
            found.setdefault(system_name(engine, options), []).append(run)
            print(
                f"ingest {number + 1}/{options.repeat}: ours ({engine}) {run.queryable:.1f} s "
                f"to queryable ({run.peak_bytes / 1e9:.2f} GB)",
                flush=True,
            )
        # the command line's default beside it: the file copied into storage by the command
        probe.resource_id = ours.new_resource(env, sample)["resource"]
        copied = ours.time_ingest(env, source, probe.resource_id, probe, move=False)
        found["copied"].append(copied)
        print(f"ingest {number + 1}/{options.repeat}: ours, copying {copied.queryable:.1f} s")
        os.sync()  # what our ingests wrote reaches the disk before PostgreSQL is timed
        found["pg"].append(postgres.load(options.pg_url, source))
        print(f"PostgreSQL COPY {found['pg'][-1]:.1f} s", flush=True)
    return found, resources


class _probe:
    """The question that says our ingest is done: q1, asked anonymously, right only once the
    new version answers (the sample version before it has a handful of rows)."""

    def __init__(self, port: int, expected: dict, plan: qs.Plan):
        self.expected, self.plan = expected, plan
        self.resource_id = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)

    def __call__(self) -> bool:
        path = ours.question_paths(self.resource_id, self.plan)[qs.Q1]
        try:
            status, body = get(self.connection, path)
        except OSError:
            self.connection.close()
            return False
        if status != 200:
            return False
        return qs.problem(qs.Q1, ours.answer(qs.Q1, body), self.expected) is None


# --- the queries ---------------------------------------------------------------------------


class HttpSystem:
    """A system asked over HTTP: its paths per question, the parser of its answers, and what
    to do before each timed request (ours: drop the kept counts)."""

    def __init__(self, port: int, paths, parse, before: Callable[[], None] | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        self.paths, self.parse, self.before = paths, parse, before

    def fetch(self, path: str) -> tuple[int, bytes]:
        return get(self.connection, path)

    def ask(self, question: str, expected: dict) -> tuple[float, str | None]:
        """Time the question's request(s). A server closes a keep-alive connection left idle
        (gunicorn after 2 s) while other systems answer: then the question is asked again on a
        new connection, and only that attempt is timed."""
        for _attempt in range(3):
            if self.before is not None:
                self.before()
            started = time.perf_counter()
            try:
                bodies = [self.fetch(path) for path in self.paths[question]]
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()
                continue
            elapsed = time.perf_counter() - started
            return elapsed * 1000, self.check(question, bodies, expected)
        raise SystemExit(f"{question}: the server closed the connection three times")

    def check(self, question: str, answers, expected: dict) -> str | None:
        try:
            answer = self.parse(question, [body for _status, body in answers])
        except datasette.Unanswered as exc:
            return _short(str(exc))
        except (ValueError, KeyError, TypeError):
            return f"HTTP {answers[0][0]}: {answers[0][1][:80]!r}"
        return qs.problem(question, answer, expected)


class SqlSystem:
    """PostgreSQL, asked over a kept psycopg connection."""

    def __init__(self, anchor: postgres.Anchor):
        self.anchor = anchor

    def ask(self, question: str, expected: dict) -> tuple[float, str | None]:
        run = self.anchor.ask(question)
        started = time.perf_counter()
        answer = run()
        elapsed = time.perf_counter() - started
        return elapsed * 1000, qs.problem(question, answer, expected)


def _short(message: str) -> str:
    lowered = message.lower()
    if "too long" in lowered or "interrupted" in lowered:
        return "time limit"
    return message[:60]


def time_queries(options, work, plan, expected, bin_dir, port, resources):
    """Check every system's answers, then time the rounds. Each of our engines is a system
    of its own, asking about the resource that engine ingested."""
    systems = {}
    for engine in options.engines:
        our_paths = ours.targets(_fetcher(port), resources[engine]["resource"], plan)
        name = system_name(engine, options)
        systems[name] = HttpSystem(
            port,
            {q: [p] for q, p in our_paths.items()},
            lambda q, bodies: ours.answer(q, bodies[0]),
            ours.drop_counts(options.cache_url),
        )
        ours.verify(systems[name].fetch, our_paths, expected)
    servers = []
    try:
        if bin_dir is not None:
            servers = _datasette_servers(bin_dir, work, plan, expected, systems)
        anchor = postgres.Anchor(options.pg_url, plan, _columns(work), expected)
        systems[rp.POSTGRES] = SqlSystem(anchor)
        _check_anchors(systems, expected)
        return _rounds(systems, expected, options.rounds)
    finally:
        for server in servers:
            stop_server(server)


def _fetcher(port: int):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    return lambda path: get(connection, path)


def _columns(work: Path) -> list[str]:
    with (work / "sample.csv").open(encoding="utf-8") as handle:
        return handle.readline().strip().split(",")


def _datasette_servers(bin_dir: Path, work: Path, plan, expected, systems) -> list:
    servers = []
    database = work / f"{datasette.DATABASE}.db"
    for name, tuned in ((rp.DATASETTE, False), (rp.TUNED, True)):
        port = free_port()
        command = datasette.serve_command(bin_dir, database, port, tuned=tuned)
        log = (work / f"datasette-{'tuned' if tuned else 'default'}.log").open("w")
        servers.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        paths = datasette.paths(plan, expected, tuned=tuned)
        systems[name] = HttpSystem(port, paths, datasette.answer)
        connection = systems[name].connection
        wait_for_path(connection, "/-/versions.json", what="Datasette")
    return servers


def _check_anchors(systems: dict, expected: dict) -> None:
    """Ask each anchor every question once: PostgreSQL must be right (it is our own SQL);
    Datasette's failures are printed here and recorded at each timed request."""
    for name, system in systems.items():
        for question in qs.QUESTIONS:
            _ms, wrong = system.ask(question, expected)
            if wrong and (name.startswith(rp.OURS) or name == rp.POSTGRES):
                raise SystemExit(f"{name}, {question}: {wrong}")
            if wrong:
                print(f"{name}, {question}: {wrong}", flush=True)


def _rounds(systems: dict, expected: dict, rounds: int) -> dict[str, dict[str, rp.Outcome]]:
    """One warm-up round, then `rounds` timed ones; in each, every question goes to every
    system in turn."""
    found = {q: {name: rp.Outcome() for name in systems} for q in qs.QUESTIONS}
    for number in range(rounds + 1):
        for question in qs.QUESTIONS:
            for name, system in systems.items():
                ms, wrong = system.ask(question, expected)
                if number == 0:
                    continue
                found[question][name].ms.append(ms)
                if wrong:
                    found[question][name].failures.append(wrong)
        print(f"query round {number}/{rounds} done", flush=True)
    return found


def print_engines(options, ingests: dict[str, list], queries: dict) -> None:
    """Our engines side by side (medians of this run), when more than one was measured."""
    if len(options.engines) < 2:
        return
    names = [system_name(e, options) for e in options.engines]
    print("\nour engines side by side (medians, ms; ingest: s to queryable, peak GB)")
    print("| question | " + " | ".join(options.engines) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")
    runs = [ingests.get(n, []) for n in names]
    cells = [
        f"{_median([r.queryable for r in rs]):.1f} s / {max(r.peak_bytes for r in rs) / 1e9:.2f} GB"
        for rs in runs
    ]
    print("| ingest | " + " | ".join(cells) + " |")
    for question in qs.QUESTIONS:
        outcomes = [queries.get(question, {}).get(n) for n in names]
        cells = [f"{o.median:.1f}" if o and o.answered else "—" for o in outcomes]
        print(f"| {question} | " + " | ".join(cells) + " |", flush=True)


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values) if values else float("nan")


# --- the round trip, the report's facts ----------------------------------------------------


def roundtrip(options, work: Path) -> dict | str | None:
    """The round trip at 1,000,000 rows (fewer when the whole run is smaller)."""
    if options.skip_roundtrip:
        return None
    try:
        module = importlib.import_module("bench.datastore.roundtrip")
        run_round_trip = module.run_round_trip
    except (ImportError, AttributeError):
        return "Not run: `bench/datastore/roundtrip.py` (run_round_trip) is not there yet."
    rows = min(options.roundtrip_rows, options.rows)
    print(f"round trip at {rows:,} rows …", flush=True)
    target = work / "roundtrip"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    try:
        return {"rows": rows, **run_round_trip(rows, target)}
    except Exception as exc:  # the measurements above are kept and written all the same
        (work / "roundtrip-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        where = os.path.relpath(work / "roundtrip-error.txt", ROOT)
        return f"Failed: {type(exc).__name__}: {str(exc)[:300]} (see `{where}`)."


def versions(options, bin_dir: Path | None) -> dict[str, str]:
    import duckdb
    import psycopg

    with psycopg.connect(options.pg_url) as con:
        server = con.execute("SHOW server_version").fetchone()[0]
    found = {"DuckDB": duckdb.__version__, "PostgreSQL": server.split()[0]}
    if bin_dir is not None:
        found["anchors"] = datasette.versions(bin_dir)
    return found


def command_line(options) -> str:
    """The command that reproduces this run (its options that differ from the defaults)."""
    command = ".venv/bin/python bench/datastore/run.py"
    defaults = parse_args([])
    for flag in ("rows", "repeat", "rounds", "roundtrip_rows"):
        value = getattr(options, flag)
        if value != getattr(defaults, flag):
            command += f" --{flag.replace('_', '-')} {value}"
    for flag in ("skip_sqlite", "skip_roundtrip", "skip_engines"):
        if getattr(options, flag):
            command += f" --{flag.replace('_', '-')}"
    if options.engines != defaults.engines:
        command += f" --engines {','.join(options.engines)}"
    return command


if __name__ == "__main__":
    sys.exit(main())
