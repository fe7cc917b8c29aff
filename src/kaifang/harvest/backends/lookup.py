"""Turning what a remote catalog calls things into ours, for the backends that read catalog
standards (DCAT, data.json, the catalog-guide layout): its publisher into a department through
the source's mapping table, its themes into a domain, a code written as a code, a Chinese or an
English label, or an authority-table entry (the EU frequency and access-right tables our own
outputs use) into our code, a format or media type into our format code, and a remote time into
an aware one. Kept apart from each backend so that every standard resolves names the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kaifang.core import codelists
from kaifang.harvest.backends.base import RecordFailed

if TYPE_CHECKING:
    from kaifang.harvest.models import HarvestSource


def mapped_department(source: HarvestSource, names: Iterable[str]) -> str:
    """The department the first of `names` (the remote publisher's address, name, code …) maps
    to; a department's own source writes into its department when none is mapped."""
    names = [str(n).strip() for n in names if n and str(n).strip()]
    mapping = source.department_map or {}
    for name in names:
        if mapping.get(name):
            return str(mapping[name])
    if source.department_id is not None:
        return source.department.name
    raise RecordFailed(
        _("远端发布者“%(org)s”在部门对照表中没有对应的部门。") % {"org": names[0] if names else "-"}
    )


def mapped_domain(source: HarvestSource, names: Iterable[str]) -> str:
    """The domain code the source's mapping table gives the first of `names` it knows."""
    mapping = source.domain_map or {}
    for name in names:
        code = mapping.get(str(name).strip())
        if code:
            return str(code)
    return ""


def with_defaults(source: HarvestSource, values: dict[str, Any]) -> dict[str, Any]:
    """`values` completed by the source's default metadata where the remote had nothing."""
    defaults = {k: v for k, v in (source.defaults or {}).items() if k not in values}
    return {**defaults, **values}


def code_from_text(name: str, text: Any) -> str | None:
    """The code of list `name` written as its code, its Chinese or its English label."""
    wanted = str(text or "").strip()
    if not wanted:
        return None
    codes = codelists.get(name)
    if wanted in codes:
        return wanted
    folded = wanted.casefold()
    for item in codes:
        if folded in {item.code.casefold(), item.zh.casefold(), (item.en or "").casefold()}:
            return item.code
    return None


def code_by_extra(name: str, key: str, value: str) -> str | None:
    """The code of list `name` whose `key` (an authority-table entry, a URL …) is `value`."""
    for item in codelists.get(name):
        if str(item.extra.get(key) or "") == value:
            return item.code
    return None


def format_code(text: Any = "", media_type: Any = "") -> str:
    """Our format code for a format's name (CSV, “Excel (XLSX)”, xlsx …) or else its media
    type; "" when neither is one we know (the resource keeps no format rather than a wrong one)."""
    found = code_from_text("format", str(text or "").strip().lstrip("."))
    if found:
        return found
    media = str(media_type or "").split(";")[0].strip().lower()
    if media:
        found = code_by_extra("format", "media_type", media)
        if found:
            return found
    return ""


def aware(value: Any) -> dt.datetime | None:
    """A remote time (a datetime, a date, or ISO 8601 text) as an aware datetime; a time without
    a zone is read in the site's zone, a date as its start. None when it is not a time."""
    if isinstance(value, str):
        value = _parsed(value.strip())
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))
    return None


def _parsed(text: str) -> dt.datetime | dt.date | None:
    try:
        return parse_datetime(text) or parse_date(text[:10])
    except ValueError:  # well formed, but no such day or hour
        return None


def changed_before(modified: Any, since: dt.datetime | None) -> bool:
    """True when an incremental run may skip the record: it says when it last changed, and
    that was before `since`. A record without a readable time is always taken."""
    if since is None:
        return False
    when = aware(modified)
    return when is not None and when < since


def untitled(n: int) -> str:
    return _("资源%(n)s") % {"n": n}
