"""The engine question, measured on the ingested data with DuckDB alone (no HTTP, no Django):
the file as our ingest wrote it (DuckDB's own database file or Parquet, as the engine chose),
Parquet with the ingest's row groups and with smaller ones, and the DuckDB database file opened
read-only (as every worker opens it).

Each layout answers the questions with the statements our query layer sends for them
(kaifang/datastore/query: rows.py and aggregate.py — the page with its sort keys and one row
more than asked, then the count), over one kept connection with the query layer's caps (2
threads, 1 GB). The layouts other than the ingested file are made from it here; their making
time is a conversion's, indicative only (the pipeline would write them from its staging
database instead).
"""

# The statements are built from the generated file's column names (constants here); every
# value is bound. ruff cannot see that through the f-strings.
# ruff: noqa: S608

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bench.datastore import questions as qs

SMALL_ROW_GROUP = 16_384
CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass
class Layout:
    """One way of storing the table: its file, size, making time and query timings (ms)."""

    name: str
    path: Path
    seconds: float | None = None
    ms: dict[str, list[float]] = field(default_factory=dict)
    size: int = 0

    def __post_init__(self) -> None:
        if not self.size and self.path.exists():
            self.size = self.path.stat().st_size

    def median(self, question: str) -> float:
        return statistics.median(self.ms[question])


def ingested_file(home: Path, resource_id: str) -> Path:
    """The resource's data file (the newest version's largest data file, either format)."""
    folder = home / "datastore" / resource_id
    found = [
        p
        for pattern in ("*/*.parquet", "*/*.duckdb")
        for p in folder.glob(pattern)
        if ".export" not in p.name
    ]
    return max(found, key=lambda p: p.stat().st_size)


def make_layouts(source: Path, folder: Path) -> list[Layout]:
    """The ingested file, and the same table made from it in the layouts it is not in:
    Parquet with the ingest's row groups, with smaller ones, and a DuckDB database file."""
    folder.mkdir(parents=True, exist_ok=True)
    ingested = source.suffix == ".duckdb"
    layouts = [Layout(f"{'DuckDB file' if ingested else 'Parquet'} as ingested", source)]
    groups = [SMALL_ROW_GROUP] if not ingested else [122_880, SMALL_ROW_GROUP]
    for size in groups:
        target = folder / f"row-groups-{size}.parquet"
        seconds = _made(
            source,
            f"COPY (SELECT * FROM {{read}}) TO '{target}' "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {size})",
        )
        layouts.append(Layout(f"Parquet, row groups {size:,} (zstd)", target, seconds))
    if not ingested:
        native = folder / "table.duckdb"
        native.unlink(missing_ok=True)
        seconds = _made(
            source,
            f"ATTACH '{native}' AS made; CREATE TABLE made.data AS SELECT * FROM {{read}}; "
            "CHECKPOINT made; DETACH made",
        )
        layouts.append(Layout("DuckDB file, read-only", native, seconds))
    return layouts


def _made(source: Path, statement: str) -> float:
    """Seconds to run `statement` with `{read}` the ingested file's rows."""
    started = time.perf_counter()
    with duckdb.connect(config=CONFIG) as con:
        if source.suffix == ".duckdb":
            con.execute(f"ATTACH '{source}' AS ingested (READ_ONLY)")
            read = "ingested.main.data"
        else:
            read = f"read_parquet('{source}')"
        con.execute(statement.format(read=read))
    return time.perf_counter() - started


def _open(layout: Layout) -> duckdb.DuckDBPyConnection:
    if layout.path.suffix == ".duckdb":
        con = duckdb.connect(str(layout.path), read_only=True, config=CONFIG)
    else:
        con = duckdb.connect(config=CONFIG)
        con.execute(f"CREATE VIEW data AS SELECT * FROM read_parquet('{layout.path}')")
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = '1GB'")
    return con


def statements(columns: list[str], plan: qs.Plan, expected: dict) -> dict[str, list]:
    """What our query layer sends for each question (page first, then the count)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    row_key = '"_row_id" AS __k0'
    by_sort = f'SELECT {cols}, "{qs.SORT}" AS __k0, "_row_id" AS __k1 FROM data WHERE '
    order = f'ORDER BY "{qs.SORT}" DESC NULLS FIRST, "_row_id" ASC NULLS LAST'
    active = (f'("{qs.STATUS}" = ?)', [qs.ACTIVE])
    before = expected[qs.BEFORE_DEEP]
    after = (
        f'(("{qs.SORT}" < ?)) OR (("{qs.SORT}" = ?) AND (("_row_id" > ? OR "_row_id" IS NULL)))',
        [before["value"], before["value"], before["id"] - 1],
    )
    remark = (f'(contains("{qs.REMARK}", ?))', [qs.WORD])
    pair = (f'("{qs.CITY}" = ?) AND ("{qs.CATEGORY}" = ?)', [qs.HANGZHOU, qs.CATERING])

    def count(where):
        return (f"SELECT count(*) FROM data WHERE {where[0]}", where[1])

    def row_order(where, limit):
        return (f"SELECT {cols}, {row_key} FROM data WHERE {where[0]} LIMIT {limit + 1}", where[1])

    def deep(depth):
        return row_order(('(("_row_id" > ? OR "_row_id" IS NULL))', [depth - 1]), qs.PAGE)

    page = qs.PAGE + 1
    groups = (
        f'SELECT "{qs.CITY}" AS "{qs.CITY}", count(*) AS "count", sum("{qs.SORT}") AS '
        f'"sum_{qs.SORT}", avg("{qs.AVERAGED}") AS "avg_{qs.AVERAGED}" FROM data WHERE TRUE '
        f'GROUP BY 1 ORDER BY "{qs.CITY}" ASC NULLS LAST LIMIT 1000 OFFSET 0'
    )
    return {
        qs.Q1: [(f"{by_sort}{active[0]} {order} LIMIT {page}", active[1]), count(active)],
        qs.Q2: [
            (f"{by_sort}{active[0]} {order} LIMIT {page} OFFSET {plan.deep}", active[1]),
            count(active),
        ],
        qs.Q2_CURSOR: [
            (f"{by_sort}({active[0]}) AND ({after[0]}) {order} LIMIT {page}", active[1] + after[1]),
            count(active),
        ],
        qs.Q3: [
            (groups, []),
            (f'SELECT count(*) FROM (SELECT "{qs.CITY}" FROM data GROUP BY ALL)', []),
        ],
        qs.Q4: [row_order(remark, qs.Q4_PAGE), count(remark)],
        qs.Q5: [row_order(pair, 0), count(pair)],
        qs.FIRST_PAGE: [row_order(("TRUE", []), qs.PAGE)],
        qs.DEEP_PAGE: [deep(plan.deep)],
        qs.DEEPEST_PAGE: [deep(plan.deepest)],
    }


def _answer(question: str, results: list[list[tuple]], limit: int) -> qs.Answer:
    if question == qs.Q3:
        groups = {r[0]: (int(r[1]), float(r[2]), float(r[3])) for r in results[0]}
        return qs.Answer(groups=groups)
    ids = [int(r[0]) for r in results[0][:limit]]
    total = results[1][0][0] if len(results) > 1 else None
    return qs.Answer(ids=ids, total=total)


LIMITS = {qs.Q4: qs.Q4_PAGE, qs.Q5: 0}


def measure(layouts: list[Layout], columns: list[str], plan, expected, rounds: int) -> None:
    """Check each layout's answers, then time `rounds` interleaved rounds (after a warm-up)."""
    asked = statements(columns, plan, expected)
    connections = [_open(layout) for layout in layouts]
    try:
        for number in range(rounds + 1):
            for question, steps in asked.items():
                for layout, con in zip(layouts, connections, strict=True):
                    started = time.perf_counter()
                    results = [con.execute(sql, values).fetchall() for sql, values in steps]
                    elapsed = (time.perf_counter() - started) * 1000
                    answer = _answer(question, results, LIMITS.get(question, qs.PAGE))
                    wrong = qs.problem(question, answer, expected)
                    if wrong:
                        raise SystemExit(f"{layout.name}, {question}: {wrong}")
                    if number:
                        layout.ms.setdefault(question, []).append(elapsed)
    finally:
        for con in connections:
            con.close()


def section(layouts: list[Layout]) -> list[str]:
    """The report's table: size, making time and each question's median per layout."""
    lines = [
        "| question | " + " | ".join(layout.name for layout in layouts) + " |",
        "| --- | " + " | ".join("---:" for _ in layouts) + " |",
        "| file size | " + " | ".join(f"{layout.size / 1e6:,.0f} MB" for layout in layouts) + " |",
        "| made from the ingested file in | "
        + " | ".join("—" if lo.seconds is None else f"{lo.seconds:.1f} s" for lo in layouts)
        + " |",
    ]
    for question in qs.QUESTIONS:
        cells = [f"{layout.median(question):,.1f} ms" for layout in layouts]
        lines.append(f"| {question} | " + " | ".join(cells) + " |")
    return lines
