"""Locked-down DuckDB connections over one table's data files.

Every read of a table goes through `connect()` (or the per-process cache `shared()` of such
connections): an in-memory DuckDB whose only relation is the view `data` over the table's
Parquet files (its base file and appended parts, read in that order, which is row order),
then locked down in this order — those files are the only paths DuckDB may open
(`allowed_paths`), all other file and network access is off (`enable_external_access=false`),
memory and threads are capped, and `lock_configuration=true` so no later statement can undo
any of it. Extensions never install or load themselves (offline machines; nothing downloads
at query time).

DuckDB has no statement timeout, so `Connection.run` arms a timer thread that interrupts the
query when the time limit passes.

Opening DuckDB costs ~20 ms (it loads its built-in extensions), more than a whole page of rows,
so the rows and aggregate queries — built entirely by our own code from the stored schema — run
on cursors of a connection kept per list of data files and process (files are immutable and a
change of a table's data changes its list, so a kept connection never goes stale). The SQL
endpoint, which runs text a client wrote, gets a fresh connection of its own each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY = "1GB"
DEFAULT_THREADS = 2
KEPT = 32


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
) -> Connection:
    """A new locked-down connection in which the file at `paths` (or the files, one after
    the other) is the relation `data`."""
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
        )
    except Exception:
        raw.close()
        raise
    return Connection(raw, timeout if timeout is not None else defaults["timeout"])


def _lock_down(raw: duckdb.DuckDBPyConnection, files: list[Path], *, memory_limit, threads) -> None:
    """The order matters: the view is made while the files may still be read, then they become
    the only ones allowed, then every other access goes, then the caps, then the lock."""
    locations = "[" + ", ".join(_sql_string(str(f)) for f in files) + "]"
    raw.execute(f"CREATE VIEW data AS SELECT * FROM read_parquet({locations})")  # noqa: S608
    raw.execute(f"SET allowed_paths = {locations}")
    raw.execute("SET enable_external_access = false")
    raw.execute(f"SET memory_limit = {_sql_string(_memory(memory_limit))}")
    raw.execute(f"SET threads = {int(threads)}")
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
        timer = threading.Timer(self.timeout, self.raw.interrupt)
        timer.daemon = True
        timer.start()
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
            timer.cancel()
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


_kept: OrderedDict[tuple[str, str], Connection] = OrderedDict()
_kept_lock = threading.Lock()


def shared(paths: Path | str | Sequence[Path | str]) -> Connection:
    """A cursor of this process's kept connection over `paths` (made on first use; the least
    recently used of more than KEPT lists of files is let go). Close the cursor after use."""
    files = _resolved(paths)
    key = ("\n".join(map(str, files)), repr(sorted(limits().items())))
    with _kept_lock:
        base = _kept.get(key)
        if base is None:
            base = connect(files)
            _kept[key] = base
            while len(_kept) > KEPT:
                # Not closed here: a cursor in use elsewhere keeps the database open until it
                # is done, then DuckDB frees it.
                _kept.popitem(last=False)
        _kept.move_to_end(key)
        return base.cursor()
