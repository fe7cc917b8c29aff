"""JSON and XML downloads, written a row at a time.

JSON is one array of objects keyed by field id: numbers stay numbers (decimals exactly as
stored), dates are ISO 8601 strings, nulls are null; a float that JSON cannot carry (NaN,
infinity) is null.

XML is `<rows>` holding one `<row>` per row and one element per field. A field id that is not a
valid XML name (a digit first, spaces, brackets …) is made one — other characters become `_`,
a `_` goes in front when needed — and the original id is kept in a `name` attribute. Nulls are
empty elements with `xsi:nil="true"`, so they differ from empty text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import math
import unicodedata
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from kaifang.datastore.exporters.base import Exporter, iso, plain_decimal, xml_safe_text


def json_value(value: Any) -> str:
    """One value as JSON text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, decimal.Decimal):
        return plain_decimal(value) if value.is_finite() else "null"
    if isinstance(value, dt.date):
        return '"' + iso(value) + '"'
    return json.dumps(str(value), ensure_ascii=False)


def _json_float(value: float) -> str:
    return repr(value) if math.isfinite(value) else "null"


def _json_decimal(value: decimal.Decimal) -> str:
    return plain_decimal(value) if value.is_finite() else "null"


def _json_date(value: dt.date) -> str:
    return '"' + iso(value) + '"'


#: what `json_value` does for a value of each of these exact types, without asking which
_BY_TYPE = {
    str: encode_basestring,  # what json.dumps(…, ensure_ascii=False) writes for a str
    int: int.__repr__,
    float: _json_float,
    decimal.Decimal: _json_decimal,
    dt.date: _json_date,
    dt.datetime: _json_date,
    bool: json_value,
}


def json_texts(values: list[Any]) -> list[str]:
    """The values of one column as JSON texts, each exactly as `json_value` writes it: a
    column's values share a type, so the writer is chosen once for them all rather than per
    value (a page of rows is written several times faster)."""
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    write = _BY_TYPE.get(kinds.pop(), json_value) if len(kinds) == 1 else json_value
    return ["null" if v is None else write(v) for v in values]


class JsonExporter(Exporter):
    key = "json"
    format = "json"
    suffix = ".json"
    content_type = "application/json"

    def write(self, batches: Iterator[list[tuple]], handle: IO[bytes]) -> None:
        keys = [json.dumps(c, ensure_ascii=False) + ": " for c in self.columns]
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
        text.write("[")
        separator = "\n"
        for batch in batches:
            for row in batch:
                pairs = ", ".join(k + json_value(v) for k, v in zip(keys, row, strict=True))
                text.write(separator + "{" + pairs + "}")
                separator = ",\n"
        text.write("\n]\n")
        text.flush()
        text.detach()


_NAME_START = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"}
_NAME_MORE = _NAME_START | {"Nd", "Mn", "Mc"}


def _name_char(char: str, start: bool) -> bool:
    """Letters (Chinese included) start a name; digits, marks, `-` and `.` may follow. Only
    the Basic Multilingual Plane, which every XML parser accepts in names."""
    if char == "_":
        return True
    if ord(char) > 0xFFFF:
        return False
    if not start and char in "-.":
        return True
    return unicodedata.category(char) in (_NAME_START if start else _NAME_MORE)


def xml_name(name: str) -> str:
    """A valid XML element name made from a field id."""
    chars = [c if _name_char(c, start=False) else "_" for c in name]
    made = "".join(chars)
    if not made or not _name_char(made[0], start=True) or made.lower().startswith("xml"):
        made = "_" + made
    return made


def xml_names(columns: list[str]) -> list[str]:
    """Element names for the columns, unique within the row."""
    names: list[str] = []
    for column in columns:
        name, n = xml_name(column), 1
        while name in names:
            n += 1
            name = f"{xml_name(column)}_{n}"
        names.append(name)
    return names


def xml_text(value: Any) -> str:
    """One value as the escaped text of an element. A CR is kept as `&#13;`: a parser would
    turn a literal one into a line feed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, decimal.Decimal):
        return plain_decimal(value)
    text = escape(xml_safe_text(str(value)))
    return text.replace("\r", "&#13;")


XSI = "http://www.w3.org/2001/XMLSchema-instance"


class XmlExporter(Exporter):
    key = "xml"
    format = "xml"
    suffix = ".xml"
    content_type = "application/xml; charset=utf-8"

    def tags(self) -> list[tuple[str, str, str]]:
        """(opening tag, closing tag, nil element) per column."""
        made = []
        for column, name in zip(self.columns, xml_names(self.columns), strict=True):
            attr = "" if name == column else f" name={quoteattr(xml_safe_text(column))}"
            made.append((f"<{name}{attr}>", f"</{name}>", f'<{name}{attr} xsi:nil="true"/>'))
        return made

    def write(self, batches: Iterator[list[tuple]], handle: IO[bytes]) -> None:
        tags = self.tags()
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
        text.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<rows xmlns:xsi="{XSI}">\n')
        for batch in batches:
            for row in batch:
                cells = (
                    nil if v is None else opening + xml_text(v) + closing
                    for (opening, closing, nil), v in zip(tags, row, strict=True)
                )
                text.write("<row>" + "".join(cells) + "</row>\n")
        text.write("</rows>\n")
        text.flush()
        text.detach()
