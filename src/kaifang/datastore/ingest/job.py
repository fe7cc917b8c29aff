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
