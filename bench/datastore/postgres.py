"""The PostgreSQL anchor: the file loaded as CKAN's xloader loads it, and the questions as the SQL
CKAN's datastore would run on that table.

xloader makes one table per resource: `_id serial PRIMARY KEY`, `_full_text tsvector` (left
empty until its later indexing pass, which is not timed here), and every column `text`, then
streams the file in with `COPY … FROM STDIN (FORMAT csv, HEADER true)`. The bench does the
same through psycopg and times CREATE TABLE + COPY + COMMIT. Afterwards (not timed) it runs
VACUUM ANALYZE, so the timed queries see a settled table with statistics.

The questions are what `datastore_search` runs for a page: the rows, and a `count(*)` for its
`total` (include_total is on by default). Columns stay text, so numbers are cast where a
question needs them (sorting by 数量, summing): `datastore_search` itself cannot cast, so
these are the statements a client would send through `datastore_search_sql`. Timings are
PostgreSQL's alone (over a kept psycopg connection), without CKAN's HTTP and JSON layers.
"""

# The statements are built from this module's constants (table and column names of the
# generated file); every value is bound. ruff cannot see that through the f-strings.
# ruff: noqa: S608

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.datastore import questions as qs

TABLE = "bench_xloader"
COPY_BLOCK = 1024 * 1024


def ensure_database(url: str) -> None:
    """Create the database `url` names when it is missing (on the same server)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        found = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().rstrip("\r\n").split(",")


def load(url: str, path: Path) -> float:
    """Load the file as xloader does; seconds from CREATE TABLE to COMMIT."""
    columns = _header(path)
    table = sql.Identifier(TABLE)
    fields = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with psycopg.connect(url) as con:
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        con.commit()
        started = time.perf_counter()
        con.execute(
            sql.SQL("CREATE TABLE {} (_id serial PRIMARY KEY, _full_text tsvector, {})").format(
                table, fields
            )
        )
        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true)").format(table, names)
        with con.cursor() as cursor, cursor.copy(copy) as stream, path.open("rb") as source:
            while block := source.read(COPY_BLOCK):
                stream.write(block)
        con.commit()
        seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
        # its dirty buffers written now, not by the checkpointer while the next system is timed
        con.execute("CHECKPOINT")
    return seconds


# --- the questions -------------------------------------------------------------------------


Statement = tuple[str, list]


def statements(plan: qs.Plan, columns: list[str], last: dict[str, tuple]) -> dict[str, list]:
    """Per question, the statements datastore_search(_sql) would run, with their values.
    `last` holds the keyset positions (the sort key and `_id` of the row before the page)."""
    t = f'"{TABLE}"'
    cols = ", ".join(["_id", *(f'"{c}"' for c in columns)])
    status, sort = f'"{qs.STATUS}"', f'"{qs.SORT}"'
    q1 = f"SELECT {cols} FROM {t} WHERE {status} = %s ORDER BY {sort}::integer DESC, _id"
    count_active = (f"SELECT count(*) FROM {t} WHERE {status} = %s", [qs.ACTIVE])
    count_all = (f"SELECT count(*) FROM {t}", [])
    value, after = last[qs.Q2_CURSOR]
    return {
        qs.Q1: [(f"{q1} LIMIT {qs.PAGE}", [qs.ACTIVE]), count_active],
        qs.Q2: [(f"{q1} LIMIT {qs.PAGE} OFFSET {plan.deep}", [qs.ACTIVE]), count_active],
        qs.Q2_CURSOR: [
            (
                f"SELECT {cols} FROM {t} WHERE {status} = %s AND ({sort}::integer < %s "
                f"OR ({sort}::integer = %s AND _id > %s)) "
                f"ORDER BY {sort}::integer DESC, _id LIMIT {qs.PAGE}",
                [qs.ACTIVE, value, value, after],
            ),
            count_active,
        ],
        qs.Q3: [
            (
                f'SELECT "{qs.CITY}", count(*), sum({sort}::integer), '
                f'avg("{qs.AVERAGED}"::numeric) FROM {t} GROUP BY 1 ORDER BY 1',
                [],
            )
        ],
        qs.Q4: [
            (
                f'SELECT {cols} FROM {t} WHERE "{qs.REMARK}" LIKE %s ORDER BY _id '
                f"LIMIT {qs.Q4_PAGE}",
                [f"%{qs.WORD}%"],
            ),
            (f'SELECT count(*) FROM {t} WHERE "{qs.REMARK}" LIKE %s', [f"%{qs.WORD}%"]),
        ],
        qs.Q5: [
            (
                f'SELECT count(*) FROM {t} WHERE "{qs.CITY}" = %s AND "{qs.CATEGORY}" = %s',
                [qs.HANGZHOU, qs.CATERING],
            )
        ],
        qs.FIRST_PAGE: [(f"SELECT {cols} FROM {t} ORDER BY _id LIMIT {qs.PAGE}", []), count_all],
        qs.DEEP_PAGE: [_page(cols, t, plan.deep), count_all],
        qs.DEEPEST_PAGE: [_page(cols, t, plan.deepest), count_all],
    }


def _page(cols: str, t: str, offset: int) -> Statement:
    """A page in row order as datastore_search pages: by offset."""
    return (f"SELECT {cols} FROM {t} ORDER BY _id LIMIT {qs.PAGE} OFFSET {offset}", [])


class Anchor:
    """A kept connection to the bench table, asking the questions."""

    def __init__(self, url: str, plan: qs.Plan, columns: list[str], expected: dict):
        self.con = psycopg.connect(url, autocommit=True)
        self.columns = columns
        self.id_position = columns.index(qs.ID) + 1
        self.statements = statements(plan, columns, self._keyset(expected))

    def _keyset(self, expected: dict) -> dict[str, tuple]:
        """The q1 order's sort key and `_id` of the row just before the deep page."""
        row_id = expected[qs.BEFORE_DEEP]["id"]
        found = self.con.execute(
            f'SELECT "{qs.SORT}"::integer, _id FROM "{TABLE}" WHERE "{qs.ID}" = %s',
            [str(row_id)],
        ).fetchone()
        return {qs.Q2_CURSOR: found}

    def ask(self, question: str) -> Callable[[], qs.Answer]:
        """A function asking `question` (every statement of it) and reducing the answer."""
        steps = self.statements[question]

        def run() -> qs.Answer:
            results = [self.con.execute(text, values).fetchall() for text, values in steps]
            return self._answer(question, results)

        return run

    def _answer(self, question: str, results: list[list[tuple]]) -> qs.Answer:
        if question == qs.Q3:
            groups = {r[0]: (int(r[1]), float(r[2]), float(r[3])) for r in results[0]}
            return qs.Answer(groups=groups)
        if question == qs.Q5:
            return qs.Answer(total=results[0][0][0])
        ids = [int(r[self.id_position]) for r in results[0]]
        return qs.Answer(ids=ids, total=results[1][0][0])

    def close(self) -> None:
        self.con.close()
