"""The DuckDB database an ingest job stages its tables in.

In memory, spilling to the job's own folder: a table larger than the memory limit
spills to disk instead of growing the process: memory is capped by
settings.KAIFANG["DATASTORE_MEMORY"] and threads by the machine, whatever the file size.
Extensions never install or load themselves (nothing downloads at run time)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from django.conf import settings

DEFAULT_MEMORY = 512 * 1024 * 1024
MAX_THREADS = 4


def sql_string(text: str) -> str:
    """A SQL string literal (file paths and names are never bound parameters in DuckDB's
    table functions, so they are quoted here)."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def memory_limit() -> int:
    return int(settings.KAIFANG.get("DATASTORE_MEMORY") or DEFAULT_MEMORY)


def threads() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_THREADS))


_kept: dict[int, duckdb.DuckDBPyConnection] = {}


def kept_staging(workdir: Path) -> duckdb.DuckDBPyConnection:
    """This process's staging database, emptied, spilling to `workdir`: for a batch of many
    small files, where opening DuckDB (~25 ms, its built-in extensions load) would cost more
    than ingesting most of them."""
    con = _kept.get(os.getpid())
    if con is not None:
        try:
            _empty(con)
        except duckdb.Error:  # an internal error during the last file left it unusable
            con.close()
            con = None
    if con is None:
        con = _kept[os.getpid()] = open_staging(workdir)
    con.execute(f"SET temp_directory = {sql_string(workdir / 'spill')}")
    return con


def _empty(con: duckdb.DuckDBPyConnection) -> None:
    """Leave nothing of the previous file: databases a job attached (a typed table's, an output
    file left attached by a failure), then its views, then its tables."""
    main = con.execute("SELECT current_database()").fetchone()[0]
    for (database,) in con.execute(
        "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> ?",
        [main],
    ).fetchall():
        con.execute(f"DETACH {ident(database)}")
    for kind, function, column in (
        ("VIEW", "duckdb_views() WHERE NOT internal", "view_name"),
        ("TABLE", "duckdb_tables()", "table_name"),
    ):
        for database, schema, name in con.execute(
            f"SELECT database_name, schema_name, {column} FROM {function}"
        ).fetchall():
            con.execute(f"DROP {kind} {ident(database)}.{ident(schema)}.{ident(name)}")


def open_staging(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A new staging database with the job's memory and thread caps, spilling to `workdir`."""
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    megabytes = max(memory_limit() // (1024 * 1024), 64)
    con.execute(f"SET memory_limit = '{megabytes}MB'")
    con.execute(f"SET threads = {threads()}")
    con.execute(f"SET temp_directory = {sql_string(workdir / 'spill')}")
    con.execute("SET preserve_insertion_order = true")
    return con
