"""A table's data files as one relation of a DuckDB connection: the only code that knows how.

A table's data is its base file, then the parts appended since (kaifang.datastore.dynamic), in
row order. A file is either Parquet or a DuckDB database whose one table is `data`: the engine
in settings chooses the format new base files are written in, parts are always Parquet, and
what a file holds is read from the file itself — a DuckDB database says `DUCK` at byte 8, a
Parquet file starts with `PAR1` — so the tables written before a change of engine keep being
read as they are. Placed files are named with their format's suffix (`SUFFIXES`); the work
files of an ingest are named before their format is chosen, which is why the bytes decide.

A DuckDB database is ATTACHed READ_ONLY under an alias made from its path (attaching it twice
in one connection is attaching it once), which many processes may do at the same time; runs of
Parquet files are read by one `read_parquet([...])`. The pieces are joined with UNION ALL,
whose order DuckDB keeps (preserve_insertion_order, its default): the relation is in row order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path

import duckdb

PARQUET = "parquet"
DUCKDB = "duckdb"
SUFFIXES = {PARQUET: ".parquet", DUCKDB: ".duckdb"}
#: the one table of a DuckDB data file
TABLE = "data"
_DUCKDB_MAGIC = (8, b"DUCK")


def sql_string(text: str | Path) -> str:
    """A SQL string literal (DuckDB takes file paths in ATTACH and table functions as
    literals, never as bound parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


def file_format(path: Path | str) -> str:
    """DUCKDB or PARQUET, from the file's own first bytes (a file that cannot be read is
    taken for what its suffix says, and fails when DuckDB opens it)."""
    offset, magic = _DUCKDB_MAGIC
    try:
        with open(path, "rb") as handle:
            head = handle.read(offset + len(magic))
    except OSError:
        return DUCKDB if Path(path).suffix == SUFFIXES[DUCKDB] else PARQUET
    return DUCKDB if head[offset:] == magic else PARQUET


def alias(path: Path | str) -> str:
    """The catalog name a DuckDB data file is attached under: made from its path only, so
    the same file is one catalog, and no text of the path reaches an identifier."""
    return "kf_" + hashlib.sha256(str(path).encode()).hexdigest()[:20]


def source_sql(con: duckdb.DuckDBPyConnection, files: Sequence[Path | str]) -> str:
    """A SELECT of every row of `files` in row order, with the DuckDB files among them
    attached read-only to `con` (they stay attached: see `opened` for a scoped use)."""
    if not files:
        raise ValueError("a table has at least one data file")
    pieces = []
    for fmt, run in groupby(files, key=file_format):
        listed = list(run)
        if fmt == PARQUET:
            locations = ", ".join(sql_string(p) for p in listed)
            pieces.append(f"SELECT * FROM read_parquet([{locations}])")  # noqa: S608
        else:
            pieces += [f"SELECT * FROM {_attach(con, p)}.main.{TABLE}" for p in listed]  # noqa: S608
    return " UNION ALL ".join(pieces)


def _attach(con: duckdb.DuckDBPyConnection, path: Path | str) -> str:
    name = alias(path)
    con.execute(f"ATTACH IF NOT EXISTS {sql_string(path)} AS {name} (READ_ONLY)")
    return name


def expose(con: duckdb.DuckDBPyConnection, files: Sequence[Path | str]) -> None:
    """Make `files` the view `data` of `con` (a connection of its own, such as a query's or
    an export's)."""
    con.execute(f"CREATE VIEW {TABLE} AS {source_sql(con, files)}")


def release(con: duckdb.DuckDBPyConnection, files: Sequence[Path | str]) -> None:
    """Detach the DuckDB files among `files` from `con` (those that are attached)."""
    attached = {
        row[0] for row in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    for path in files:
        name = alias(path)
        if name in attached:
            con.execute(f"DETACH {name}")
            attached.discard(name)


@contextmanager
def opened(con: duckdb.DuckDBPyConnection, files: Sequence[Path | str]) -> Iterator[str]:
    """`source_sql` for the time of a `with` block, on a connection used for other work too
    (an ingest's staging database, kept for many files): the files are detached after it."""
    listed = list(files)
    try:
        yield source_sql(con, listed)
    finally:
        release(con, listed)
