"""Links that change one parameter of the current query string.

Filter, sort and page links are plain links (the pages work without JavaScript), each the
current query with one thing changed. A filter or sort change always drops the page number,
so the new list starts on its first page.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from kaifang.core.errors import Invalid

PAGING = ("page", "offset")
#: the deepest page a list or a preview goes to
MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """The `page` parameter of a list or a preview: an integer from 1 to MAX_PAGE, 1 when
    absent. Raises Invalid naming `page` in Chinese otherwise."""
    if raw in (None, ""):
        return 1
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        raise Invalid(
            _("参数 page 应为 1–%(max)d 的整数（收到“%(value)s”）。")
            % {"max": MAX_PAGE, "value": str(raw)[:50]},
            errors={"page": ["invalid"]},
        )
    return page


def replace(query: QueryDict, *, keep_page: bool = False, **changes: Any) -> str:
    """`?…` with `changes` applied; a value of None or "" removes the parameter."""
    params = query.copy()
    if not keep_page:
        for key in PAGING:
            params.pop(key, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    text = params.urlencode()
    return f"?{text}" if text else "?"


def with_values(query: QueryDict, key: str, values: list[str]) -> str:
    """`?…` with `key` given each of `values` (a multi-select facet; none removes it), without
    the page number, as a filter change starts the list again."""
    params = query.copy()
    for paging in PAGING:
        params.pop(paging, None)
    params.setlist(key, list(values))
    if not values:
        params.pop(key, None)
    text = params.urlencode()
    return f"?{text}" if text else "?"
