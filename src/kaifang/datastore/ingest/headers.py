"""Field ids from the headers as uploaded.

The id is the column's name in the data file and in the rows API: the header trimmed, never
empty (an empty header becomes "列N"), never starting with "_" (reserved for `_row_id`), and
unique within the table without regard to case, since SQL names are case-insensitive (a
repeated "名称" becomes "名称_2"), and never `rowid` in any case: a column of that name would
shadow DuckDB's row number in every table holding it, and the row ids would be its values
("rowid" becomes "rowid_2"). Each change is noted in Chinese for the publisher."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAX_LENGTH = 64
#: names DuckDB gives a meaning in every table (compared casefolded)
RESERVED = frozenset({"rowid"})


def clean_headers(headers: list[object], notices: list[str], *, where: str = "") -> list[str]:
    """The field ids for `headers` (in order); notes each renamed header in `notices`."""
    ids: list[str] = []
    taken: set[str] = set(RESERVED)
    for number, raw in enumerate(headers, 1):
        text = re.sub(r"\s+", " ", "" if raw is None else str(raw)).strip()
        base = text.lstrip("_").strip()[:MAX_LENGTH] or _("列%(n)d") % {"n": number}
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.casefold())
        ids.append(name)
        if name != text:
            notices.append(_note(where, number, text, name))
    return ids


def _note(where: str, number: int, text: str, name: str) -> str:
    if not text:
        message = _("%(where)s第 %(n)d 列表头为空，已命名为“%(name)s”。")
    elif text.casefold() in RESERVED:
        message = _("%(where)s第 %(n)d 列表头“%(text)s”是系统保留名，已改为“%(name)s”。")
    elif name.casefold().startswith(text.casefold()) and name != text and "_" in name[len(text) :]:
        message = _("%(where)s第 %(n)d 列表头“%(text)s”与前面的列重名，已改为“%(name)s”。")
    else:
        message = _("%(where)s第 %(n)d 列表头“%(text)s”已规范为“%(name)s”。")
    return message % {"where": where, "n": number, "text": text, "name": name}
