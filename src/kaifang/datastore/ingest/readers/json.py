"""JSON: an array of objects, JSON Lines (one object per line), or one object holding the row
array under a key (`{"total": 2, "data": [...]}`); each object is a row, its keys the columns.

The file is first scanned once in chunks, outside any JSON parser, for its nesting depth
(refused past MAX_DEPTH, naming the byte) and its shape; DuckDB then reads the rows in bounded
memory — except the one-object shape, whose object DuckDB reads whole (so its memory is bounded
by the upload limit). Values nested in a row (objects, arrays) are kept as their JSON text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.datastore.ingest import encoding
from kaifang.datastore.ingest.duck import ident, sql_string
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.headers import clean_headers
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.readers import register

MAX_DEPTH = 32
CHUNK = 1024 * 1024
SPECIAL = re.compile(rb'[\[\]{}"\\]')


@dataclass
class Shape:
    kind: str  # "array", "lines" or "object"
    key: str = ""


@register("JSON")
def read_json(job: Job) -> list[Staged]:
    """One staged table from the rows of a JSON file."""
    codec = encoding.detect_encoding(job.source)
    path = encoding.to_utf8(job.source, codec, job.workdir)
    shape = scan(path)
    return [stage_json(job, path, shape, "raw_0")]


def scan(path: Path) -> Shape:
    """The file's shape, after checking no value nests deeper than MAX_DEPTH."""
    state = _Scan()
    with path.open("rb") as f:
        offset = 0
        while chunk := f.read(CHUNK):
            if offset == 0:
                state.first = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            state.feed(chunk, offset)
            offset += len(chunk)
    if state.first == b"[":
        return Shape("array")
    if state.first != b"{":
        raise IngestError(_("JSON 文件应以“[”或“{”开头，第 1 个字符不是。"), byte=1)
    if state.top_values > 1:
        return Shape("lines")
    if not state.key:
        raise IngestError(_('JSON 对象中没有找到数据行数组（形如 {"data": [{…}, …]}）。'))
    return Shape("object", state.key)


class _Scan:
    """Depth and shape from the brackets and strings of the text, chunk by chunk."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.skip = -1  # absolute position of a character escaped by a backslash
        self.string_start = -1
        self.last_key = ""
        self.key = ""
        self.top_values = 0
        self.first = b""

    def feed(self, chunk: bytes, offset: int) -> None:
        for match in SPECIAL.finditer(chunk):
            at = offset + match.start()
            if at == self.skip:
                continue
            char = match.group()
            if self.in_string:
                self._in_string(char, chunk, offset, at)
            elif char == b'"':
                self.in_string, self.string_start = True, at
            elif char in b"[{":
                self._open(char, at)
            elif char in b"]}":
                self.depth -= 1
                if self.depth == 0:
                    self.top_values += 1

    def _in_string(self, char: bytes, chunk: bytes, offset: int, at: int) -> None:
        if char == b"\\":
            self.skip = at + 1
        elif char == b'"':
            self.in_string = False
            if self.depth == 1 and self.string_start >= offset:
                raw = chunk[self.string_start - offset + 1 : at - offset]
                self.last_key = raw.decode("utf-8", "replace")

    def _open(self, char: bytes, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise IngestError(
                _("JSON 嵌套过深：第 %(byte)d 字节处已达第 %(depth)d 层（上限 %(max)d 层）。")
                % {"byte": at + 1, "depth": self.depth, "max": MAX_DEPTH},
                byte=at + 1,
            )
        if char == b"[" and self.depth == 2 and not self.key and self.first == b"{":
            self.key = self.last_key


def stage_json(job: Job, path: Path, shape: Shape, relation: str, *, where: str = "") -> Staged:
    """Create the staging table from the rows DuckDB reads; every value as text."""
    source = _source_sql(path, shape)
    try:
        columns = [row[0] for row in job.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        if columns == ["json"] or not columns:
            raise IngestError(
                _("%(where)sJSON 数据行应为对象（{…}），没有找到对象形式的行。") % {"where": where}
            )
        ids = clean_headers(columns, job.notices, where=where)
        picks = ", ".join(
            f"{ident(c)}->>'$' AS {ident(i)}" for c, i in zip(columns, ids, strict=True)
        )
        job.con.execute(f"CREATE TABLE {ident(relation)} AS SELECT {picks} FROM {source}")
    except duckdb.Error as exc:
        raise _json_error(exc, where) from None
    rows = job.con.execute(f"SELECT count(*) FROM {ident(relation)}").fetchone()[0]
    return Staged("", relation, ids, columns, rows)


def _source_sql(path: Path, shape: Shape) -> str:
    location = sql_string(path)
    if shape.kind == "object":
        # the one top-level object is read whole: allowed up to the upload limit
        largest = int(settings.KAIFANG["UPLOAD_MAX_BYTES"])
        return (
            f"(SELECT unnest({ident(shape.key)}, recursive := true) FROM read_json({location}, "
            "format = 'auto', records = true, maximum_depth = 3, sample_size = -1, "
            f"maximum_object_size = {largest}))"
        )
    fmt = "array" if shape.kind == "array" else "newline_delimited"
    return (
        f"(SELECT * FROM read_json({location}, format = '{fmt}', records = true, "
        "maximum_depth = 1, sample_size = -1))"
    )


def _json_error(exc: duckdb.Error, where: str) -> IngestError:
    text = str(exc)
    if "non-record" in text or "expected records" in text:
        return IngestError(
            _("%(where)sJSON 数据行应为对象（{…}），发现了其他类型的值。") % {"where": where}
        )
    byte = re.search(r"at byte (\d+)", text)
    line = re.search(r"(?:record/value|line) (\d+)", text)
    return IngestError(
        _("%(where)sJSON 格式错误%(at)s：%(detail)s")
        % {
            "where": where,
            "at": _("（第 %(n)s 条记录）") % {"n": line.group(1)} if line else "",
            "detail": text.splitlines()[0],
        },
        row=int(line.group(1)) if line else None,
        byte=int(byte.group(1)) + 1 if byte else None,
    )
