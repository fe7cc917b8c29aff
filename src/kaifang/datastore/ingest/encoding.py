"""Stage `decode`: which encoding a text file is in, and the same text as UTF-8.

DuckDB reads only UTF-8 offline, and Chinese government files are often GBK/GB18030 or
UTF-16 (Excel's "Unicode text"). The encoding is settled on a sample (byte-order marks first,
then strict UTF-8, then charset-normalizer, where GB2312 and GBK become GB18030, their
superset); the whole file is then decoded in chunks, so memory stays bounded, and written as
UTF-8 to the job's folder. Plain UTF-8 is neither copied nor read a second time: DuckDB's read
refuses an invalid sequence, and `check_utf8` then names it (readers.staging). The first
undecodable byte stops the job with its byte offset and line."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import charset_normalizer
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.errors import IngestError

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1024 * 1024
LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（带 BOM）",
    "utf-16": "UTF-16",
    "gb18030": "GB18030/GBK",
}

Progress = Callable[[int], None]


def detect_encoding(path: Path) -> str:
    """The Python codec name of the file's encoding, from its first SAMPLE_BYTES."""
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _refuse_binary(head)
    whole = len(head) < SAMPLE_BYTES
    try:  # a sample may end inside a character: only a whole file must end cleanly
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if not _mostly_utf8(head) and _looks_gb18030(head, whole):
        return "gb18030"
    raise _decode_error(head, utf8_error.start, 0, 0, "utf-8")


def _refuse_binary(head: bytes) -> None:
    """NUL bytes do not occur in 8-bit or UTF-8 text: the file is binary data, whatever it
    is named."""
    nul = head.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            _("文件不是文本表格：第 %(byte)d 字节是二进制数据（NUL），请上传真正的 CSV 文件。")
            % {"byte": nul + 1},
            byte=nul + 1,
        )


def _mostly_utf8(head: bytes) -> bool:
    """UTF-8 text with a few broken bytes (a bad export, a truncated copy) is reported as
    such, rather than read as GB18030 into nonsense."""
    text = head.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    wide = sum(1 for ch in text if ord(ch) > 127) - broken
    return broken <= 3 and wide >= 10 * broken


def _looks_gb18030(head: bytes, whole: bool) -> bool:
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    best = charset_normalizer.from_bytes(head[:65536]).best()
    return best is None or best.encoding.lower() not in {"utf_8", "utf-8"}


def to_utf8(path: Path, encoding: str, workdir: Path, progress: Progress | None = None) -> Path:
    """A UTF-8 copy of the file in `workdir` (or the file itself when it is plain UTF-8,
    after checking every byte), read and written CHUNK_BYTES at a time."""
    target = None if encoding == "utf-8" else workdir / "utf8.txt"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = lines = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8") if target else _Null() as dst:
        while chunk := src.read(CHUNK_BYTES):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(chunk, exc.start, done, lines, encoding) from None
            dst.write(text)
            done += len(chunk)
            lines += text.count("\n")
            if progress:
                progress(lines)
        try:
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise _decode_error(b"", exc.start, done, lines, encoding) from None
    return target or path


def check_utf8(path: Path) -> None:
    """Raise the decode error of the first byte of the file at `path` that is not UTF-8.
    Lines are counted only when a byte is bad (counting them costs as much as the check)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    done = 0
    with path.open("rb") as src:
        while chunk := src.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(chunk, exc.start, done, _lines(path, done), "utf-8") from None
            done += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _decode_error(b"", exc.start, done, _lines(path, done), "utf-8") from None


def _lines(path: Path, end: int) -> int:
    """How many line feeds the file holds before byte `end` (0-based)."""
    count = 0
    with path.open("rb") as src:
        while end > 0 and (chunk := src.read(min(CHUNK_BYTES, end))):
            count += chunk.count(b"\n")
            end -= len(chunk)
    return count


def _decode_error(chunk: bytes, start: int, before: int, lines: int, encoding: str) -> IngestError:
    """Name the byte (1-based, from the file's start) and the line of the first bad sequence."""
    byte = before + start + 1
    line = lines + chunk[:start].count(b"\n") + 1
    bad = chunk[start : start + 4].hex(" ").upper()
    return IngestError(
        _(
            "第 %(line)d 行（第 %(byte)d 字节）有无法按 %(encoding)s 解码的字节 %(bad)s，"
            "请将文件另存为 UTF-8 或 GB18030 编码后再上传。"
        )
        % {"line": line, "byte": byte, "encoding": LABELS.get(encoding, encoding), "bad": bad},
        row=line,
        byte=byte,
    )


class _Null:
    """A file that discards what is written (plain UTF-8 is checked, not copied)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def write(self, text: str) -> int:
        return len(text)
