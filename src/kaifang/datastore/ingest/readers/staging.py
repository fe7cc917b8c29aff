"""Staging a UTF-8 delimited file: a view reading it (every column text), loaded into a table
in file order by one query — a copy of its text, or its typed values straight away.

DuckDB parses the file (in parallel, spilling to disk past the memory limit) in strict mode,
setting aside the rows it cannot parse instead of failing on the first; the first of those is
then reported in Chinese with its line, column and byte."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.dialect import Dialect
from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.encoding import check_utf8
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.job import MISFIT, Job, Load, Misfit, Scan


def load_delimited(
    job: Job,
    path: Path,
    relation: str,
    ids: list[str],
    dialect: Dialect,
    *,
    where: str = "",
    same_bytes: bool = True,
) -> int:
    """Create `relation` from the file at `path` (header line skipped; the columns are `ids`);
    return its row count. `same_bytes` says byte offsets in `path` are those of the upload."""
    scan = view_delimited(
        job, path, f"{relation}_file", ids, dialect, where=where, same_bytes=same_bytes
    )
    return loader(job, scan)(ident(relation), f"SELECT * FROM {ident(relation + '_file')}")


def view_delimited(
    job: Job,
    path: Path,
    relation: str,
    ids: list[str],
    dialect: Dialect,
    *,
    where: str = "",
    same_bytes: bool = True,
    unchecked: Path | None = None,
) -> Scan:
    """Create `relation` as a view reading the file at `path` (header line skipped; the
    columns are `ids`, all text) and return the function running one statement over it
    (`job.Staged.scan`; `loader` makes `job.Staged.load` of it). Parsing the file costs far
    less than keeping its text in a table: a query over the view reads the file again rather
    than a copy of it.

    `unchecked` is the file whose bytes nobody checked: when a statement fails, its first
    invalid UTF-8 sequence (if any) is the error reported — it explains more than what the
    parser made of the rows after it. DuckDB refuses such a sequence in every value it reads
    (with an internal error that leaves the connection unusable: the caller's connection is
    then thrown away, see duck.kept_staging), so a file that reads without error is valid."""
    suffix = relation.removeprefix("raw_")
    job.con.execute(
        f"CREATE OR REPLACE VIEW {ident(relation)} AS "
        f"SELECT * FROM read_csv({sql_string(path)}, {_options(ids, dialect, suffix)})"
    )

    def scan(statement: str) -> None:
        try:
            _scan(statement)
        except IngestError:
            if unchecked is not None:
                check_utf8(unchecked)
            raise

    def _scan(statement: str) -> None:
        for kept in (f"rejects_{suffix}", f"scans_{suffix}"):  # each scan adds to them
            job.con.execute(f"DROP TABLE IF EXISTS {ident(kept)}")
        try:
            job.con.execute(statement)
        except duckdb.Error as exc:
            if MISFIT in str(exc):
                raise Misfit(str(exc)) from None
            raise IngestError(
                _("%(where)s文件无法按表格解析：%(detail)s")
                % {"where": where, "detail": str(exc).splitlines()[0]}
            ) from None
        _refuse_rejected(job, suffix, ids, where, same_bytes)

    return scan


def loader(job: Job, scan: Scan) -> Load:
    """`job.Staged.load` for a view `scan` reads: each query into a new table."""

    def load(table: str, select: str) -> int:
        scan(f"CREATE TABLE {table} AS {select}")
        return job.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    return load


def _options(ids: list[str], dialect: Dialect, suffix: str) -> str:
    """read_csv's options: the dialect given, every column text, strict parsing with the
    rows it cannot parse set aside in rejects_<suffix>."""
    columns = "{" + ", ".join(f"{sql_string(i)}: 'VARCHAR'" for i in ids) + "}"
    return ", ".join(
        [
            "header = true",
            "auto_detect = false",
            f"delim = {sql_string(dialect.delimiter)}",
            f"quote = {sql_string(dialect.quote)}",
            f"escape = {sql_string(dialect.quote)}",
            f"columns = {columns}",
            "strict_mode = true",
            "store_rejects = true",
            f"rejects_table = 'rejects_{suffix}'",
            f"rejects_scan = 'scans_{suffix}'",
            "max_line_size = 8388608",
        ]
    )


REJECT_QUERY = (
    "SELECT line, line_byte_position, column_idx, column_name, error_type, error_message "
    "FROM rejects_{s} ORDER BY line, byte_position LIMIT 1"
)


def _refuse_rejected(job: Job, suffix: str, ids: list[str], where: str, same_bytes: bool) -> None:
    found = job.con.execute(REJECT_QUERY.format(s=suffix)).fetchone()
    if found is None:
        return
    line, byte, column_idx, _column, kind, detail = found
    byte = int(byte) if same_bytes and byte is not None else None  # DuckDB counts from 1
    raise IngestError(
        _reject_message(kind, detail, where, int(line), byte, len(ids)),
        row=int(line),
        column=ids[column_idx - 1] if column_idx and column_idx <= len(ids) else None,
        byte=byte,
    )


def _reject_message(kind: str, detail: str, where: str, line: int, byte, width: int) -> str:
    found = re.search(r"Found: (\d+)", detail or "")
    values = {
        "where": where,
        "line": line,
        "width": width,
        "found": int(found.group(1)) if found else 0,
        "at": _("（第 %(byte)d 字节）") % {"byte": byte} if byte else "",
    }
    if kind == "MISSING COLUMNS":
        text = _(
            "%(where)s第 %(line)d 行%(at)s只有 %(found)d 列，表头有 %(width)d 列，"
            "请补齐或删除该行。"
        )
    elif kind == "TOO MANY COLUMNS":
        text = _(
            "%(where)s第 %(line)d 行%(at)s有 %(found)d 列，多于表头的 %(width)d 列，"
            "请检查分隔符或引号。"
        )
    elif kind == "UNQUOTED VALUE":
        text = _("%(where)s第 %(line)d 行%(at)s引号不成对，请检查该行的双引号。")
    elif kind == "LINE SIZE OVER MAXIMUM":
        text = _("%(where)s第 %(line)d 行%(at)s过长（超过 8 MB），可能缺少换行或引号不成对。")
    elif kind == "INVALID ENCODING":
        text = _("%(where)s第 %(line)d 行%(at)s有无法解码的字节。")
    else:
        text = _("%(where)s第 %(line)d 行%(at)s无法解析，请检查该行。")
    return text % values
