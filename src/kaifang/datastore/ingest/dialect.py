"""Stage `dialect`: the delimiter of a delimited text file, from a sample of its lines.

A delimiter is right when the first lines all split into the same number (at least two) of
fields by it; tab, comma, semicolon and the vertical bar are tried in that order (a TSV file
is tried with tab first). A file where none fits is one column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

SAMPLE_CHARS = 256 * 1024
SAMPLE_LINES = 200
CANDIDATES = ("\t", ",", ";", "|")


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quote: str = '"'


def read_sample(path: Path) -> str:
    """The first SAMPLE_CHARS characters of a UTF-8 text file, cut at a line end."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(SAMPLE_CHARS)
    if len(text) == SAMPLE_CHARS and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text.lstrip("\ufeff")


def sniff(sample: str, fmt: str = "CSV") -> Dialect:
    """The delimiter whose field count is the same on (nearly) every sampled line."""
    lines = [line for line in sample.splitlines() if line.strip()][:SAMPLE_LINES]
    order = CANDIDATES if fmt == "TSV" else (",", "\t", ";", "|")
    best, best_width = ",", 1
    for delimiter in order:
        counts = [
            len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        ]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common >= 2 and counts.count(common) >= 0.9 * len(counts) and common > best_width:
            best, best_width = delimiter, common
            if counts.count(common) == len(counts):
                break
    return Dialect(delimiter=best)


def first_record(sample: str, dialect: Dialect) -> list[str] | None:
    """The header record (the first non-blank record), or None for a file with no text."""
    for row in csv.reader(io.StringIO(sample), delimiter=dialect.delimiter):
        if any(cell.strip() for cell in row):
            return row
    return None
