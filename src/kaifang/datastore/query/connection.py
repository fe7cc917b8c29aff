"""Locked-down DuckDB connections over one table's data files.

Every read of a table goes through `connect()` (or the per-process cache `shared()` of such
connections): an in-memory DuckDB whose only relation is the view `data` over the table's
files (its base file and appended parts, in row order; a DuckDB database file is attached
READ_ONLY, Parquet is read in place — kaifang.datastore.relation), then locked down in this
order — those files are the only paths DuckDB may open
(`allowed_paths`), all other file and network access is off (`enable_external_access=false`),
memory and threads are capped, and `lock_configuration=true` so no later statement can undo
any of it. Extensions never install or load themselves (offline machines; nothing downloads
at query time).

DuckDB has no statement timeout, so `Connection.run` gives each query a deadline watched by one
thread per process (`_Watchdog`), which interrupts the query when the time limit passes. One
long-lived thread rather than a timer thread per query: starting a thread waits until it runs,
which on a busy machine cost a page of rows several milliseconds.

Opening DuckDB costs ~20 ms (it loads its built-in extensions), more than a whole page of rows,
so the rows and aggregate queries — built entirely by our own code from the stored schema — run
on cursors of a connection kept per list of data files and process (files are immutable and a
change of a table's data changes its list, so a kept connection never goes stale). The SQL
endpoint, which runs text a client wrote, gets a fresh connection of its own each time.

Each kept connection is a DuckDB database of its own, whose buffer pool keeps the blocks of the
files it read (an attached DuckDB file's, Parquet's through DuckDB's file cache) up to its
memory limit. So the process keeps only as many as its budget holds at that limit each
(settings.KAIFANG["QUERY_KEPT_MEMORY"] / ["QUERY_MEMORY"]: 4 GB / 1 GB, four, by default; at
most MAX_KEPT), letting go of the least recently used: the memory kept connections hold in one
process stays under the budget, plus the one query of the SQL endpoint.

Kept connections turn off DuckDB's own late materialization (`KEPT_DISABLED_OPTIMIZERS`): on a
plain `LIMIT` in row order it joins the page back to a scan of every row (a 100-row page of 5
million rows took 7 ms instead of 2), and the rows query does its own for sorted pages
(kaifang.datastore.query.rows). The SQL endpoint's connections keep it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError
from kaifang.datastore.relation import expose

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY = 1024**3
DEFAULT_KEPT_MEMORY = 4 * 1024**3
DEFAULT_THREADS = 2
#: the most connections a process keeps, however large its kept-memory budget
MAX_KEPT = 32
#: DuckDB optimizers off in kept connections (see the module's docstring)
KEPT_DISABLED_OPTIMIZERS = ("late_materialization",)


class QueryTimeout(KaifangError):
    """The query ran past the time limit and was stopped."""

    code = "query_timeout"
    status = 400


class DataFileMissing(KaifangError):
    code = "not_found"
    status = 404


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def limits() -> dict[str, Any]:
    """The deployment's limits (settings.KAIFANG["QUERY_*"]), with safe defaults."""
    conf = settings.KAIFANG
    return {
        "memory_limit": conf.get("QUERY_MEMORY", DEFAULT_MEMORY),
        "threads": conf.get("QUERY_THREADS", DEFAULT_THREADS),
        "timeout": conf.get("QUERY_TIMEOUT", DEFAULT_TIMEOUT),
    }


def kept_limit() -> int:
    """How many connections this process keeps: its kept-memory budget over one query's
    memory, at least one and at most MAX_KEPT."""
    conf = settings.KAIFANG
    budget = _bytes(conf.get("QUERY_KEPT_MEMORY") or DEFAULT_KEPT_MEMORY)
    each = _bytes(conf.get("QUERY_MEMORY") or DEFAULT_MEMORY)
    return max(1, min(MAX_KEPT, budget // each))


def _bytes(value: int | str) -> int:
    """A byte count from an int or a text such as `1GB` (as the environment gives them)."""
    if isinstance(value, int):
        return value
    from kaifang.config import env

    return env._size(str(value))  # the environment's own reading of sizes


def _memory(value: int | str) -> str:
    """DuckDB's memory setting from a byte count or a text such as `1GB`."""
    if isinstance(value, int):
        return f"{max(value // (1024 * 1024), 16)}MB"
    return str(value)


def _resolved(paths: Path | str | Sequence[Path | str]) -> list[Path]:
    """One path or a list of them, absolute, in the order given."""
    listed = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return [Path(p).resolve() for p in listed]


def connect(
    paths: Path | str | Sequence[Path | str],
    *,
    memory_limit: int | str | None = None,
    threads: int | None = None,
    timeout: float | None = None,
    disabled_optimizers: Sequence[str] = (),
) -> Connection:
    """A new locked-down connection in which the file at `paths` (or the files, one after
    the other) is the relation `data`, without the DuckDB optimizers named in
    `disabled_optimizers`."""
    files = _resolved(paths)
    if not files or not all(f.is_file() for f in files):
        raise DataFileMissing(_("数据文件不存在，请稍后再试或联系数据提供部门。"))
    defaults = limits()
    raw = duckdb.connect(
        ":memory:",
        # No spilling to a temporary folder: a query needing more memory than allowed fails.
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": "",
        },
    )
    try:
        _lock_down(
            raw,
            files,
            memory_limit=memory_limit or defaults["memory_limit"],
            threads=threads or defaults["threads"],
            disabled_optimizers=disabled_optimizers,
        )
    except Exception:
        raw.close()
        raise
    return Connection(raw, timeout if timeout is not None else defaults["timeout"])


def _lock_down(
    raw: duckdb.DuckDBPyConnection,
    files: list[Path],
    *,
    memory_limit,
    threads,
    disabled_optimizers: Sequence[str] = (),
) -> None:
    """The order matters: the view is made (and database files attached) while the files may
    still be opened, then they become the only ones allowed, then every other access goes,
    then the caps and the optimizer choices, then the lock."""
    expose(raw, files)
    locations = "[" + ", ".join(_sql_string(str(f)) for f in files) + "]"
    raw.execute(f"SET allowed_paths = {locations}")
    raw.execute("SET enable_external_access = false")
    raw.execute(f"SET memory_limit = {_sql_string(_memory(memory_limit))}")
    raw.execute(f"SET threads = {int(threads)}")
    if disabled_optimizers:
        # Names of our own constants, never request text.
        raw.execute(f"SET disabled_optimizers = {_sql_string(','.join(disabled_optimizers))}")
    raw.execute("SET lock_configuration = true")


@dataclass
class Result:
    """Column names, DuckDB type names and rows of one query."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]


class Connection:
    """A locked-down DuckDB connection; `run` is the timed way to query it. Other attributes
    are the DuckDB connection's own (for streaming exports, which have no time limit)."""

    def __init__(self, raw: duckdb.DuckDBPyConnection, timeout: float):
        self.raw = raw
        self.timeout = timeout

    def run(self, sql: str, params: Sequence[Any] = (), *, max_rows: int | None = None) -> Result:
        """Execute `sql` with bound `params` and fetch up to `max_rows` rows (all when None),
        interrupting it past the time limit."""
        armed = _watchdog.arm(self.raw, self.timeout)
        try:
            cursor = self.raw.execute(sql, list(params))
            rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
            description = cursor.description or []
        except duckdb.InterruptException:
            raise QueryTimeout(
                _("查询超过 %(seconds)s 秒的时间限制，已终止。请缩小查询范围。")
                % {"seconds": _seconds(self.timeout)}
            ) from None
        finally:
            _watchdog.disarm(armed)
        return Result(
            columns=[d[0] for d in description],
            types=[str(d[1]) for d in description],
            rows=rows,
        )

    def cursor(self) -> Connection:
        """Another connection to the same locked-down database, for one thread's queries."""
        return Connection(self.raw.cursor(), self.timeout)

    def close(self) -> None:
        self.raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _seconds(value: float) -> str:
    return f"{value:g}"


class _Watchdog:
    """Interrupts each armed query whose deadline has passed: one daemon thread per process
    (started on first use, and again in a process forked after it), asleep until the earliest
    deadline."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, raw: duckdb.DuckDBPyConnection, seconds: float) -> int:
        """Watch the query about to run on `raw`; the number returned disarms it."""
        deadline = time.monotonic() + seconds
        with self._changed:
            self._next += 1
            earliest = min((d for d, _raw in self._due.values()), default=None)
            self._due[self._next] = (deadline, raw)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="kaifang-query-watchdog")
                self._thread.daemon = True
                self._thread.start()
            elif earliest is None or deadline < earliest:
                self._changed.notify()
            return self._next

    def disarm(self, armed: int) -> None:
        with self._changed:
            self._due.pop(armed, None)

    def _watch(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for armed in [a for a, (d, _raw) in self._due.items() if d <= now]:
                    self._due.pop(armed)[1].interrupt()
                earliest = min((d for d, _raw in self._due.values()), default=None)
                self._changed.wait(None if earliest is None else earliest - now)


_watchdog = _Watchdog()


_kept: OrderedDict[tuple[str, str], Connection] = OrderedDict()
_kept_lock = threading.Lock()


def shared(paths: Path | str | Sequence[Path | str]) -> Connection:
    """A cursor of this process's kept connection over `paths` (made on first use; the least
    recently used past `kept_limit()` lists of files is let go). Close the cursor after use."""
    files = _resolved(paths)
    key = ("\n".join(map(str, files)), repr(sorted(limits().items())))
    with _kept_lock:
        base = _kept.get(key)
        if base is None:
            base = connect(files, disabled_optimizers=KEPT_DISABLED_OPTIMIZERS)
            _kept[key] = base
            while len(_kept) > kept_limit():
                # Not closed here: a cursor in use elsewhere keeps the database open until it
                # is done, then DuckDB frees it.
                _kept.popitem(last=False)
        _kept.move_to_end(key)
        return base.cursor()


def kept_count() -> int:
    """How many connections this process keeps now."""
    with _kept_lock:
        return len(_kept)


def forget_kept() -> None:
    """Let go of every kept connection (their cursors in use finish first)."""
    with _kept_lock:
        _kept.clear()
