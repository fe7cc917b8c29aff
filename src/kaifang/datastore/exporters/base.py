"""The base of every exporter: read a table's data files (kaifang.datastore.relation) in
batches through DuckDB and hand the rows, as Python tuples in row order, to the format's writer.

Memory stays bounded whatever the table's size: DuckDB streams the scan (no ORDER BY — each
data file is written in `_row_id` order, the files are listed in row order (the base, then the
parts appended to it) and DuckDB keeps insertion order across them), capped by the datastore's
memory setting, and the writers keep at most one batch in memory.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

import duckdb
from django.conf import settings

from kaifang.datastore.relation import expose

if TYPE_CHECKING:
    from kaifang.datastore.models import DatastoreTable

DEFAULT_MEMORY = "512MB"
THREADS = 2

#: text cells starting with these become formulas in spreadsheet programs (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def quote_identifier(name: str) -> str:
    """A column name from the stored schema as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A path as a DuckDB string literal (COPY takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def memory_limit() -> str:
    """DuckDB's memory cap for one export: the datastore's memory setting."""
    value = settings.KAIFANG.get("DATASTORE_MEMORY", DEFAULT_MEMORY)
    if isinstance(value, int):
        return f"{max(value // (1024 * 1024), 64)}MB"
    return str(value)


def open_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never installs or loads an extension by itself (offline
    machines), with memory and threads capped."""
    return duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": memory_limit(),
            "threads": THREADS,
        },
    )


def open_sources(sources: Sequence[Path]) -> duckdb.DuckDBPyConnection:
    """An `open_duckdb` connection whose view `data` is the table's files, in row order."""
    con = open_duckdb()
    try:
        expose(con, sources)
    except BaseException:
        con.close()
        raise
    return con


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading single quote (OWASP's
    advice for CSV); other text is returned as it is."""
    return "'" + text if text.startswith(FORMULA_START) else text


def iso(value: dt.date | dt.datetime) -> str:
    """Dates and times as ISO 8601 (`2024-05-01`, `2024-05-01T08:30:00`)."""
    return value.isoformat()


def plain_decimal(value: decimal.Decimal) -> str:
    """A decimal without exponent notation (`Decimal('1E+3')` is `1000`)."""
    return format(value, "f")


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe_text(text: str) -> str:
    """XML 1.0 cannot carry most control characters at all; each becomes U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


class Exporter:
    """One download format. Subclasses set the class attributes and write the rows; the base
    reads them. `key` names the export in `DatastoreTable.exports` and in the registry."""

    key: ClassVar[str]
    format: ClassVar[str]  # the format a user asks for: csv, json, xml, xlsx, parquet
    suffix: ClassVar[str]  # appended to the table id to name the file
    content_type: ClassVar[str]
    batch_rows: ClassVar[int] = 10_000

    def __init__(self, table: DatastoreTable):
        self.table = table
        self.fields: list[dict[str, Any]] = list(table.fields)
        self.columns = [f["id"] for f in self.fields]

    def export(self, sources: Sequence[Path], target: Path) -> None:
        """Write the whole export of the data files `sources` to `target` (a temporary path)."""
        with open(target, "wb") as handle:
            self.write(self.batches(sources), handle)

    def write(self, batches: Iterator[list[tuple]], handle: IO[bytes]) -> None:
        raise NotImplementedError  # pragma: no cover - every text format defines it

    def select_sql(self) -> str:
        """The fields in schema order, without `_row_id`, in row order (file after file), from
        the view `data` over the table's files (`open_sources`)."""
        columns = ", ".join(quote_identifier(c) for c in self.columns) or "NULL"
        return f"SELECT {columns} FROM data"  # noqa: S608

    def batches(self, sources: Sequence[Path]) -> Iterator[list[tuple]]:
        """The rows of `sources` in batches of `batch_rows`, streamed from DuckDB."""
        con = open_sources(sources)
        try:
            cursor = con.execute(self.select_sql())
            while batch := cursor.fetchmany(self.batch_rows):
                yield batch
        finally:
            con.close()
