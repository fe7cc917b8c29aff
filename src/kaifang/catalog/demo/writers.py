"""Turn a generated table into the bytes of a file, the way departments' files come: CSV (UTF-8,
sometimes with a byte-order mark, sometimes GB18030), Excel, JSON, XML, and PDF documents.

Every writer is deterministic — the same table gives the same bytes — so a rebuilt demo has the
same checksums. The PDF writer is a small one of our own: text pages in the standard Chinese
font every reader carries (STSong-Light), no embedded fonts, a correct cross-reference table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from kaifang.catalog.demo.fake import Column


def rows(columns: Sequence[Column]):
    """The table's rows as tuples of plain Python values."""
    return zip(*(c.values.tolist() for c in columns), strict=True)


def to_csv(columns: Sequence[Column], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    writer.writerows(rows(columns))
    return buffer.getvalue().encode(encoding)


def to_json(columns: Sequence[Column]) -> bytes:
    names = [c.name for c in columns]
    records = [dict(zip(names, row, strict=True)) for row in rows(columns)]
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def xml_name(name: str) -> str:
    """An element name from a column name: units in brackets dropped, other characters that
    XML does not allow in names replaced."""
    bare = re.sub(r"[（(].*?[)）]", "", name).strip() or name
    clean = re.sub(r"[^\w.\-]", "_", bare)
    return clean if re.match(r"[^\W\d]", clean) else f"_{clean}"


def to_xml(columns: Sequence[Column], title: str) -> bytes:
    names = [xml_name(c.name) for c in columns]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<数据集 名称="{escape(title, {chr(34): "&quot;"})}">',
    ]
    for row in rows(columns):
        cells = "".join(f"<{n}>{escape(str(v))}</{n}>" for n, v in zip(names, row, strict=True))
        out.append(f"  <记录>{cells}</记录>")
    out.append("</数据集>")
    return "\n".join(out).encode("utf-8")


def to_xlsx(columns: Sequence[Column], title: str, author: str, created: dt.date) -> bytes:
    """An Excel workbook written row by row (XlsxWriter's constant-memory mode) with fixed
    document properties, so the bytes do not depend on when it was written."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    moment = dt.datetime(created.year, created.month, created.day, 9, 0, 0)
    book.set_properties({"title": title, "author": author, "company": author, "created": moment})
    sheet = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Sheet1")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [c.name for c in columns], bold)
    for number, row in enumerate(rows(columns), start=1):
        sheet.write_row(number, 0, row)
    for index, column in enumerate(columns):
        sheet.set_column(index, index, min(40, max(8, (column.length or 10) * 0.9)))
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF

PAGE_WIDTH, PAGE_HEIGHT, MARGIN, LEADING = 595, 842, 56, 18
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING
CHARS_PER_LINE = 38


def wrap(text: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Break a paragraph into lines of about `width` full-width characters; an ASCII
    character counts as half."""
    lines, line, used = [], "", 0.0
    for char in text:
        cost = 0.5 if ord(char) < 128 else 1.0
        if used + cost > width:
            lines.append(line)
            line, used = "", 0.0
        line += char
        used += cost
    lines.append(line)
    return lines


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _page_stream(lines: list[tuple[str, int]]) -> bytes:
    parts = ["BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td", f"{LEADING} TL"]
    for text, size in lines:
        parts.append(f"/F1 {size} Tf {_hex(text)} Tj T*")
    parts.append("ET")
    return "\n".join(parts).encode("ascii")


def to_pdf(title: str, paragraphs: Sequence[str], created: dt.date) -> bytes:
    """A text-only PDF 1.4 document: the title, then paragraphs wrapped onto A4 pages."""
    body: list[tuple[str, int]] = [(line, 16) for line in wrap(title, 26)] + [("", 11)]
    for paragraph in paragraphs:
        body += [(line, 11) for line in wrap(paragraph)] if paragraph else [("", 11)]
    pages = [body[i : i + LINES_PER_PAGE] for i in range(0, len(body), LINES_PER_PAGE)]
    stamp = created.strftime("D:%Y%m%d090000+08'00'")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page numbers are known
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R "
        b"/DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        f"<< /Title {_hex(title)} /Producer (Kaifang) /CreationDate ({stamp}) >>".encode(),
    ]
    kids = []
    for lines in pages:
        stream = _page_stream(lines)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R "
            b">> >> /Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, content)
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
