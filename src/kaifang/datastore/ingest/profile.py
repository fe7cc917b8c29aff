"""Stage `profile`: what each column holds — nulls, distinct values, min/max and the most
frequent values — computed from the written data file (the privacy stage's output), never
from the upload. Distinct counts are exact up to EXACT_ROWS rows and estimated (HyperLogLog)
beyond, where exact counting would need memory in proportion to the data. Top values are
listed only for columns whose values repeat (at most half as many distinct values as values):
in a column of identifiers every value is its own "top" value."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

from kaifang.datastore.ingest.duck import ident
from kaifang.datastore.ingest.job import Job
from kaifang.datastore.ingest.types import Column
from kaifang.datastore.relation import opened

TOP_VALUES = 10
EXACT_ROWS = 1_000_000
MAX_TEXT = 200


def profile_table(job: Job, path: Path, columns: list[Column], rows: int) -> dict[str, Any]:
    """{"rows": N, "columns": {id: {"type", "nulls", "distinct", "min", "max", "top"}}}."""
    job.report("profile", 0, rows)
    with opened(job.con, [path]) as select:
        source = f"({select})"
        stats = _stats(job, source, columns, rows)
        result = {}
        for column in columns:
            top = _top(job, source, column) if _repeats(stats[column.id], rows) else []
            result[column.id] = {"type": column.type, **stats[column.id], "top": top}
    job.report("profile", rows, rows)
    return {"rows": rows, "columns": result}


def _repeats(stats: dict, rows: int) -> bool:
    present = rows - stats["nulls"]
    return 0 < stats["distinct"] <= max(TOP_VALUES, present // 2)


def _stats(job: Job, source: str, columns: list[Column], rows: int) -> dict[str, dict]:
    if not columns:
        return {}
    distinct = "count(DISTINCT {c})" if rows <= EXACT_ROWS else "approx_count_distinct({c})"
    parts = []
    for i, column in enumerate(columns):
        c = ident(column.id)
        parts += [
            f"count(*) - count({c}) AS nulls{i}",
            f"{distinct.format(c=c)} AS distinct{i}",
            f"min({c}) AS min{i}",
            f"max({c}) AS max{i}",
        ]
    found = job.con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    return {
        column.id: {
            "nulls": int(found[4 * i]),
            "distinct": int(found[4 * i + 1]),
            "min": plain(found[4 * i + 2]),
            "max": plain(found[4 * i + 3]),
        }
        for i, column in enumerate(columns)
    }


def _top(job: Job, source: str, column: Column) -> list[list]:
    c = ident(column.id)
    found = job.con.execute(
        f"SELECT {c}, count(*) AS n FROM {source} WHERE {c} IS NOT NULL "
        f"GROUP BY {c} ORDER BY n DESC, {c} LIMIT {TOP_VALUES}"
    ).fetchall()
    return [[plain(value), int(n)] for value, n in found]


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates and times in ISO form, decimals as text (exact), long
    text cut to MAX_TEXT characters."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value
