"""Stage `write`: the table's immutable Parquet file.

Columns: `_row_id` (0-based, file order) then one typed column per field, named by its id;
zstd-compressed. DuckDB writes it straight from the staging database, in parallel and within
its memory limit. The file is written under a temporary name and renamed into place, so a
reader never sees half a file."""

from __future__ import annotations

import os
from pathlib import Path

from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.job import Job
from kaifang.datastore.ingest.types import Column, cast_sql

ROW_GROUP_SIZE = 122_880


def write_parquet(job: Job, relation: str, columns: list[Column], target: Path, rows: int) -> None:
    """Write `relation` (rowid order) to `target` with the columns typed."""
    job.report("write", 0, rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    casts = ", ".join(f"{cast_sql(c)} AS {ident(c.id)}" for c in columns)
    select = f"SELECT rowid AS _row_id{', ' if casts else ''}{casts} FROM {ident(relation)}"
    job.con.execute(
        f"COPY ({select}) TO {sql_string(partial)} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
    )
    os.replace(partial, target)
    job.report("write", rows, rows)
