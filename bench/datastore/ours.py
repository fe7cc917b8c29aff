"""Our side of the datastore benchmark: the bench's own data folder, the ingest timed until the
rows API answers, and the questions as requests to our rows and aggregate API.

Each timed ingest is a new version of a published dataset's resource (`catalog.py`): it goes
into a revision that a reviewer standing by approves while the ingest runs, so the version is
current the moment its ingest completes and the rows API answers anonymously from then on.

The data folder (KAIFANG_HOME) is the bench's own, with SQLite metadata. The server runs
without its task worker (`kaifang serve --no-worker`): the worker would otherwise start the
downloads of every ingested version in the background (all formats of millions of rows) while
other systems are being timed. Its cache is a Redis database the bench owns, so that the bench
can drop the counts the rows API keeps (`kaifang:rows-total:…`) before each timed request:
every answer below is counted afresh, as for a question nobody asked before.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import KAIFANG, ROOT
from bench.datastore import questions as qs
from bench.datastore.measure import PeakMemory

Fetch = Callable[[str], tuple[int, bytes]]
#: our datastore engines by the name `run.py --engines` takes (the first named is "ours")
ENGINES = {
    "duckfile": "kaifang.datastore.engines.duckdb.DuckFileEngine",
    "parquet": "kaifang.datastore.engines.duckdb.DuckDBEngine",
}
ADMIN = "bench-admin"
POLL_EVERY = 0.1
COUNT_KEYS = "*kaifang:rows-total:*"


def environment(home: Path, cache_url: str, engine: str = "duckfile") -> dict[str, str]:
    """The environment of every command run in the bench's data folder, ingesting with the
    datastore engine named `engine` (reads follow each file's own format, whatever it is)."""
    env = {
        **os.environ,
        "KAIFANG_HOME": str(home),
        "KAIFANG_ADMIN_USER": ADMIN,
        "KAIFANG_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        # A 5-million-row file is about 800 MB; the default upload limit is 200 MB.
        "KAIFANG_UPLOAD_MAX_BYTES": "16GB",
        # The aggregate endpoint allows 60 calls a minute per client by default.
        "KAIFANG_QUERY_RATE": "100000/min",
        "KAIFANG_CACHE_URL": cache_url,
        "KAIFANG_QUEUE": "sqlite",
        "KAIFANG_DATASTORE_ENGINE": ENGINES[engine],
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    return env


def prepare_home(env: dict[str, str]) -> None:
    """Migrate the bench's database and make its platform admin."""
    Path(env["KAIFANG_HOME"]).mkdir(parents=True, exist_ok=True)
    _run([str(KAIFANG), "init", "--no-input", "-v", "0"], env)


def catalog(env: dict[str, str], *args: str, immediate: bool = False) -> dict[str, str]:
    """Run one bench/datastore/catalog.py action in the data folder; its JSON answer."""
    env = {**env, "KAIFANG_QUEUE": "immediate"} if immediate else env
    output = _run([sys.executable, "-m", "bench.datastore.catalog", *args], env)
    return json.loads(output.strip().splitlines()[-1])


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def new_resource(env: dict[str, str], sample: Path) -> dict[str, str]:
    """A published dataset whose resource holds `sample` as version 1 (ingested at once)."""
    return catalog(env, "resource", str(sample), immediate=True)


class Reviewer:
    """The reviewer standing by (catalog.py approve-next), started and loaded before the
    timing begins: it approves the revision of the next version as soon as it is stored, and
    says "settled" when the version's ingest has ended (its progress record, read every 0.1
    s). Its output is read by a thread of its own."""

    def __init__(self, env: dict[str, str], resource_id: str):
        command = [sys.executable, "-m", "bench.datastore.catalog", "approve-next", resource_id]
        self.child = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.started, self.settled = threading.Event(), threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self.started.wait(120)
        if not self.started.is_set():
            raise SystemExit(f"catalog.py approve-next did not start: {self.finish()[-1000:]}")

    def _read(self) -> None:
        for line in self.child.stdout:
            self.lines.append(line)
            cue = {"ready": self.started, "settled": self.settled}.get(line.strip())
            if cue is not None:
                cue.set()
        self.started.set()  # it ended: nobody waits for a cue any longer
        self.settled.set()

    def finish(self) -> str:
        """Its output (its JSON last); it is stopped if it is still waiting."""
        try:
            self.child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        self.settled.wait(10)
        return "".join(self.lines)


def drop_counts(cache_url: str) -> Callable[[], None]:
    """A function removing the server's kept counts from its Redis cache."""
    import redis

    client = redis.Redis.from_url(cache_url)

    def drop() -> None:
        keys = list(client.scan_iter(match=COUNT_KEYS, count=1000))
        if keys:
            client.delete(*keys)

    return drop


# --- the questions as our requests ---------------------------------------------------------


def rows_path(resource_id: str, **params: object) -> str:
    return f"/api/v1/resources/{resource_id}/rows?{_query(params)}"


def _query(params: dict[str, object]) -> str:
    encoded = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
        for k, v in params.items()
    }
    return urlencode(encoded)


Q1_PARAMS = {"filters": {qs.STATUS: qs.ACTIVE}, "sort": f"{qs.SORT} desc", "limit": qs.PAGE}


def question_paths(resource_id: str, plan: qs.Plan) -> dict[str, str]:
    """The paths of the questions that need no cursor."""
    aggregate = {"group_by": qs.CITY, "metrics": f"count,sum:{qs.SORT},avg:{qs.AVERAGED}"}
    return {
        qs.Q1: rows_path(resource_id, **Q1_PARAMS),
        qs.Q2: rows_path(resource_id, **Q1_PARAMS, offset=plan.deep),
        qs.Q3: f"/api/v1/resources/{resource_id}/aggregate?{_query(aggregate)}",
        qs.Q4: rows_path(resource_id, filters={qs.REMARK: {"contains": qs.WORD}}, limit=qs.Q4_PAGE),
        qs.Q5: rows_path(
            resource_id, filters={qs.CITY: qs.HANGZHOU, qs.CATEGORY: qs.CATERING}, limit=0
        ),
        qs.FIRST_PAGE: rows_path(resource_id, limit=qs.PAGE),
    }


def cursor_at(fetch: Fetch, resource_id: str, params: dict, depth: int) -> str:
    """The cursor whose page starts at position `depth` of the order `params` asks for: the
    `next` of the page just before it (fetched once, outside any timing)."""
    path = rows_path(resource_id, **{**params, "limit": qs.PAGE, "offset": depth - qs.PAGE})
    status, body = fetch(path)
    cursor = json.loads(body).get("next") if status == 200 else None
    if not cursor:
        raise SystemExit(f"{path}: {status}, no cursor in the answer")
    return cursor


def targets(fetch: Fetch, resource_id: str, plan: qs.Plan) -> dict[str, str]:
    """Every question's path, the cursor ones positioned with `fetch`."""
    paths = question_paths(resource_id, plan)
    q1_cursor = cursor_at(fetch, resource_id, Q1_PARAMS, plan.deep)
    paths[qs.Q2_CURSOR] = rows_path(resource_id, **Q1_PARAMS, cursor=q1_cursor)
    for label, depth in ((qs.DEEP_PAGE, plan.deep), (qs.DEEPEST_PAGE, plan.deepest)):
        cursor = cursor_at(fetch, resource_id, {}, depth)
        paths[label] = rows_path(resource_id, limit=qs.PAGE, cursor=cursor)
    return {label: paths[label] for label in qs.QUESTIONS}


def answer(question: str, body: bytes) -> qs.Answer:
    """Our JSON answer reduced to what the check compares."""
    data = json.loads(body)
    records = data["records"]
    if question == qs.Q3:
        sums, averages = f"sum_{qs.SORT}", f"avg_{qs.AVERAGED}"
        groups = {
            r[qs.CITY]: (int(r["count"]), float(r[sums]), float(r[averages])) for r in records
        }
        return qs.Answer(groups=groups, total=data["total"])
    return qs.Answer(ids=[int(r[qs.ID]) for r in records], total=data["total"])


def verify(fetch: Fetch, paths: dict[str, str], expected: dict) -> None:
    """Ask every question once and check the answer; stop naming the first wrong one."""
    for question, path in paths.items():
        status, body = fetch(path)
        if status != 200:
            raise SystemExit(f"{question} ({path}): {status} {body[:300]!r}")
        wrong = qs.problem(question, answer(question, body), expected)
        if wrong:
            raise SystemExit(f"{question} ({path}): {wrong}")


# --- the ingest, timed ---------------------------------------------------------------------


@dataclass
class IngestRun:
    """One timed `kaifang ingest`: seconds until the rows API answered the probe and until the
    command ended, the peak memory, and each stage as [name, seconds from the start] in the
    order the ingest went through them (from its progress record)."""

    queryable: float
    finished: float
    peak_bytes: int
    stages: list[list] = field(default_factory=list)


def time_ingest(
    env: dict[str, str],
    source: Path,
    resource_id: str,
    probe: Callable[[], bool],
    *,
    move: bool = True,
) -> IngestRun:
    """Run `kaifang ingest` on `source` as a new version of the resource; time it until
    `probe()` (a filtered, sorted rows request checked against the new data) succeeds.
    With `move` the file is first copied (untimed) into the data folder's `upload` folder and
    written to disk, then moved into storage by `kaifang ingest --move`, as a web upload's
    temporary file is; without it the command copies `source` into storage itself."""
    if move:
        source = _spooled(source, Path(env["KAIFANG_HOME"]) / "upload")
    reviewer = Reviewer(env, resource_id)
    command = [str(KAIFANG), "ingest", str(source), "--resource", resource_id]
    if move:
        command.append("--move")
    log_path = Path(env["KAIFANG_HOME"]) / "bench-ingest.log"
    with log_path.open("wb") as log:
        epoch, started = time.time(), time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=log, stderr=log)  # noqa: S603
        sampler = PeakMemory(child.pid).start()
        queryable = _wait_queryable(child, probe, started, reviewer.settled)
        child.wait()
        finished = time.perf_counter() - started
        sampler.stop()
    review = reviewer.finish()
    if child.returncode != 0 or queryable is None:
        detail = log_path.read_bytes()[-3000:].decode(errors="replace")
        raise SystemExit(
            f"kaifang ingest ({child.returncode}) never answered right:\n{detail}\n"
            f"reviewer: {review[-1000:]}"
        )
    return IngestRun(queryable, finished, sampler.peak, _stages(review, epoch))


def _spooled(source: Path, folder: Path) -> Path:
    """A copy of `source` in `folder`, on disk (no dirty pages left to write back while the
    next command is timed)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    os.sync()
    return target


def _stages(review: str, epoch: float) -> list[list]:
    """The reviewer's record of the stages, as seconds from the start of the command."""
    lines = [line for line in review.splitlines() if line.startswith("{")]
    if not lines:
        return []
    return [[name, at - epoch] for name, at in json.loads(lines[-1]).get("stages", [])]


def _wait_queryable(
    child: subprocess.Popen, probe: Callable[[], bool], started: float, settled: threading.Event
):
    """Seconds until `probe()` first succeeds (None if it never does). The rows API is asked
    only once the reviewer saw the ingest end: asked every 0.1 s all along, the requests
    took a share of the two processors from the ingest being timed."""
    while not settled.wait(POLL_EVERY / 2) and child.poll() is None:
        pass
    while True:
        if probe():
            return time.perf_counter() - started
        if child.poll() is not None:
            return time.perf_counter() - started if probe() else None
        time.sleep(POLL_EVERY)
