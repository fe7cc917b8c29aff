"""Stage `write`: the table's immutable data file, in the format of the deployment's engine
(`DatastoreEngine.file_format`): Parquet (zstd) or DuckDB's own database file.

Columns: `_row_id` (0-based, file order) then one typed column per field, named by its id.
DuckDB writes it straight from the staging database, in parallel, within its memory limit and
in row order — so each row group's zonemap (min/max) on `_row_id` is a narrow range, and a
cursor page (`_row_id > ?`) skips every row group before it. The file is written under a
temporary name and renamed into place, so a reader never sees half a file.

When the engine writes DuckDB files, a staged view (a CSV's) whose rows the privacy stage
leaves as they are is not read into the staging database first: `write_typed` reads the file
once, typing and checking each value (`types.typed_select`), straight into the data file — one
pass over the file instead of a read into a table and a copy of it (on 5 million rows, a
quarter less CPU time and a third less memory). The rows go in by one parallel CREATE TABLE …
AS (file order kept: preserve_insertion_order), their `_row_id` set after from the rowid the
table gave each: numbering them as they stream (a window function) would parse the file on
one thread. That is why Parquet, which cannot be changed once written, keeps the two passes:
numbered as it streamed, the one pass took twice the CPU time and more memory (`one_pass`).
A value that misfits its planned type (Misfit) leaves nothing behind: the caller reads the
file the other way.

`write_file` is also how the API's replaces and the merges of appended parts write a table's
new base file (kaifang.datastore.dynamic): one writer per format.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kaifang.datastore.engines.base import get_engine
from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.types import Column, cast_sql, typed_select
from kaifang.datastore.relation import DUCKDB, PARQUET, TABLE

ROW_GROUP_SIZE = 122_880


def write_parquet(job: Job, relation: str, columns: list[Column], target: Path, rows: int) -> None:
    """Write `relation` (rowid order) to `target` with the columns typed, in the engine's
    format (the name is the stage's historical one: Parquet was its only format)."""
    job.report("write", 0, rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    casts = ", ".join(f"{cast_sql(c)} AS {ident(c.id)}" for c in columns)
    select = f"SELECT rowid AS _row_id{', ' if casts else ''}{casts} FROM {ident(relation)}"
    write_file(job.con, select, partial, get_engine().file_format)
    os.replace(partial, target)
    job.report("write", rows, rows)


def one_pass() -> bool:
    """Whether the engine's files are written straight from the staged view (`write_typed`)."""
    return get_engine().file_format == DUCKDB


def write_typed(job: Job, staged: Staged, columns: list[Column], target: Path) -> int:
    """Read the staged view (`staged.scan`) once into a DuckDB file at `target`, each value
    typed as `columns` plan it; return the row count. Raises Misfit (and IngestError for a
    file that cannot be parsed) with nothing written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    rows = _typed_database(job, staged, typed_select(staged, columns), partial)
    os.replace(partial, target)
    job.report("write", rows, rows)
    return rows


def _typed_database(job: Job, staged: Staged, select: str, target: Path) -> int:
    """The DuckDB database at `target` of the typed rows: written in parallel without their
    row ids (a window function would read the file on one thread), then each `_row_id` set
    from the rowid the table gave the row — its position in the file."""
    with _attached(job.con, target) as name:
        table = f"{name}.main.{TABLE}"
        staged.scan(f"CREATE TABLE {table} AS SELECT NULL::BIGINT AS _row_id, * FROM ({select})")
        rows = job.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        job.report("write", 0, rows)
        job.con.execute(f"UPDATE {table} SET _row_id = rowid")
        job.con.execute(f"CHECKPOINT {name}")
    return rows


def write_file(con: duckdb.DuckDBPyConnection, select: str, target: Path, fmt: str) -> None:
    """Write the rows of `select` (in its order) to a new file at `target` in format `fmt`."""
    if fmt == PARQUET:
        con.execute(
            f"COPY ({select}) TO {sql_string(target)} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
    elif fmt == DUCKDB:
        _write_database(con, select, target)
    else:
        raise ValueError(f"unknown data file format {fmt!r}")


def _write_database(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> None:
    """A DuckDB database at `target` whose one table `data` holds the rows of `select`."""
    with _attached(con, target) as name:
        con.execute(f"CREATE TABLE {name}.main.{TABLE} AS {select}")
        con.execute(f"CHECKPOINT {name}")


@contextmanager
def _attached(con: duckdb.DuckDBPyConnection, target: Path) -> Iterator[str]:
    """A new DuckDB database at `target`, attached to `con` under the name given for the
    `with` block; checkpointed by the block (no write-ahead log is kept beside it) and
    detached after it — and removed when the block fails."""
    for leftover in (target, _wal(target)):
        leftover.unlink(missing_ok=True)
    name = f"kf_out_{uuid.uuid4().hex}"
    con.execute(f"ATTACH {sql_string(target)} AS {name}")
    try:
        yield name
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a connection an internal error left unusable
            con.execute(f"DETACH {name}")
        for leftover in (target, _wal(target)):
            leftover.unlink(missing_ok=True)
        raise
    con.execute(f"DETACH {name}")
    _wal(target).unlink(missing_ok=True)


def _wal(target: Path) -> Path:
    return target.with_name(target.name + ".wal")
