"""What the stages of one ingest share: the version, its local file, the job's folder and
staging database, notices for the publisher, and where progress goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from kaifang.catalog.models import ResourceVersion

#: report(stage, rows done, rows total or None)
Report = Callable[[str, int, "int | None"], None]
#: load(table, select) → rows: see Staged.load
Load = Callable[[str, str], int]
#: scan(statement): see Staged.scan
Scan = Callable[[str], None]
#: the text of the error a query raises (DuckDB's error()) where a value misfits the type
#: it was being read as; `Load` lets it through as `Misfit`
MISFIT = "kaifang-misfit"


class Misfit(Exception):
    """A value did not fit the type a column was being read as (not an error in the file:
    the caller reads the column another way)."""


@dataclass
class Job:
    version: ResourceVersion
    fmt: str
    source: Path
    workdir: Path
    con: duckdb.DuckDBPyConnection
    report: Report
    notices: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """One table read into the staging database: every column text, rows in file order (the
    staging table's rowid is the row's position). `labels` are the headers as uploaded."""

    sheet: str
    relation: str
    ids: list[str]
    labels: list[str]
    rows: int
    #: the file line of the first data row, for messages about a row (0: rows are records)
    first_line: int = 0
    #: set when `relation` is a view reading the file itself rather than a table: it has no
    #: rowid, each scan parses the file again, and `rows` is not known yet (0). load(table,
    #: select) runs `select` (a query over the view) once into the new table `table` (its
    #: SQL name), rows in file order, refuses the file if a row could not be parsed, and
    #: returns the row count; it raises Misfit when the query raised MISFIT.
    load: Load | None = None
    #: set with `load`: scan(statement) runs one statement reading the view (a CREATE TABLE
    #: … AS or a COPY of a query over it) with the same checks and errors as `load`
    scan: Scan | None = None
