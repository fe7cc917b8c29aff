"""Template helpers shared by every page: code labels, format badges, schema field values,
query-string links and the navigation section.

Values are rendered here rather than in templates so that a field type added to the metadata
schema is displayed the same way on every page that shows it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django import template
from django.http import HttpRequest, QueryDict
from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaifang.catalog.selectors import dataset_formats
from kaifang.core import codelists
from kaifang.organizations import roles
from kaifang.web import querystring

register = template.Library()

EMPTY = "—"


@register.filter
def codelabel(value: Any, name: str) -> str:
    """`{{ dataset.domain|codelabel:"domain" }}`: the label of a code in the active language.
    Lists are joined with 、; an unknown code shows as itself."""
    if value in (None, "", []):
        return ""
    try:
        codes = codelists.get(name)
    except KeyError:
        return str(value)
    values = value if isinstance(value, list | tuple) else [value]
    return "、".join(codes.label(str(v)) for v in values)


@register.simple_tag
def format_badge(code: str | None) -> SafeString:
    """A badge for a resource format; machine-readable formats get their own colour so the
    difference is visible at a glance (and named for screen readers in the title)."""
    if not code:
        return mark_safe("")
    return _badge(str(code), get_language() or "")


@cache
def _badge(code: str, language: str) -> SafeString:
    """One badge per format and language, built once: a list page shows dozens."""
    item = codelists.get("format").get(code)
    readable = bool(item and item.extra.get("machine_readable"))
    css = "badge badge-fmt" + (" badge-fmt-mr" if readable else "")
    hint = _("机器可读格式") if readable else _("非机器可读格式")
    return format_html('<span class="{}" title="{}">{}</span>', css, hint, code)


@register.filter
def percent(share: float | None) -> str:
    """A share between 0 and 1 as a whole percentage: 0.873 → 87%."""
    try:
        return f"{round(float(share or 0) * 100)}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def formats(dataset) -> list[str]:
    """The distinct formats of a dataset's public resources, in resource order, from what the
    search attached or prefetched, so a list page makes no query per dataset."""
    return dataset_formats(dataset)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@register.filter
def isodate(value: Any) -> str:
    """A date or datetime as YYYY-MM-DD in the site's time zone (Asia/Shanghai)."""
    day = _as_date(value) if value not in (None, "") else None
    return day.isoformat() if day else ""


def _code_value(field, value: Any) -> SafeString:
    values = value if isinstance(value, list) else [value]
    parts = []
    for code in values:
        item = field.codes.get(str(code))
        label = item.label if item else str(code)
        url = item.extra.get("url") if item else ""
        parts.append(
            format_html('<a href="{}" rel="license noopener">{}</a>', url, label)
            if url
            else format_html("{}", label)
        )
    return format_html_join("、", "{}", ((part,) for part in parts))


def _fields_table(rows: list[dict]) -> SafeString:
    types = codelists.get("field_data_type")
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row.get("name", ""),
                types.label(str(row.get("type", ""))),
                row.get("length", ""),
                row.get("description", ""),
            )
            for row in rows
            if isinstance(row, dict)
        ),
    )
    return format_html(
        '<div class="table-wrap"><table class="fields-table"><caption class="sr-only">{}'
        "</caption><thead><tr><th scope=col>{}</th><th scope=col>{}</th><th scope=col>{}</th>"
        "<th scope=col>{}</th></tr></thead><tbody>{}</tbody></table></div>",
        _("信息项"),
        _("名称"),
        _("数据类型"),
        _("长度"),
        _("说明"),
        body,
    )


def _reference(field, value: Any, dataset) -> SafeString:
    """Departments and regions, given as instances (as services.dataset_values gives them) or
    as id/name/code; the dataset's own are taken from the dataset already loaded, so the page
    does not query once per field."""
    from kaifang.core.models import Region
    from kaifang.organizations.models import Department

    if field.type == "department":
        dept = value if isinstance(value, Department) else getattr(dataset, "department", None)
        if dept is not None and (dept is value or str(value) in {str(dept.pk), dept.name}):
            url = _url("organizations:department-detail", dept.name)
            return format_html('<a href="{}">{}</a>', url, dept.title)
        return format_html("{}", value)
    region = value if isinstance(value, Region) else getattr(dataset, "region", None)
    if region is None or not (region is value or str(value) == str(region.pk)):
        region = Region.objects.filter(pk=str(value)).first()
    return format_html("{}", region.full_name if region else value)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return "#"


def _keywords(value: list) -> SafeString:
    base = _url("catalog:dataset-list")
    return format_html_join(
        " ",
        '<a class="tag" href="{}?{}">{}</a>',
        ((base, QueryDict.fromkeys(["q"], value=str(v)).urlencode(), v) for v in value),
    )


def render_value(field, value: Any, dataset=None) -> SafeString:
    """A schema field's value as HTML by its type; empty values show a dash."""
    if value in (None, "", []) and field.type != "boolean":
        return format_html('<span class="muted">{}</span>', EMPTY)
    kind = field.type
    if kind == "boolean":
        return format_html("{}", _("是") if value else _("否"))
    if field.codes is not None:
        return _code_value(field, value)
    if kind in {"department", "region"}:
        return _reference(field, value, dataset)
    if kind == "date":
        return format_html("{}", isodate(value) or value)
    if kind == "url":
        return format_html('<a href="{}" rel="nofollow noopener">{}</a>', value, value)
    if kind == "email":
        return format_html('<a href="mailto:{}">{}</a>', value, value)
    if kind == "tags":
        return _keywords(value)
    if kind == "fields":
        return _fields_table(value)
    if kind == "identifiers" or isinstance(value, list):
        return format_html("{}", "、".join(str(v) for v in value))
    if kind == "textarea":
        return linebreaksbr(str(value), autoescape=True)
    return format_html("{}", value)


@register.simple_tag
def field_value(field, values: dict, dataset=None) -> SafeString:
    """`{% field_value field values dataset %}`: the value of `field` out of `values`."""
    return render_value(field, values.get(field.key), dataset)


@register.simple_tag(takes_context=True)
def query(context, **changes: Any) -> str:
    """`{% query sort="newest" %}` or `{% query domain=None %}`: the current query string with
    some parameters changed or removed (see kaifang.web.querystring)."""
    request: HttpRequest = context["request"]
    return querystring.replace(request.GET, keep_page="page" in changes, **changes)


SECTIONS = {
    "web:home": "home",
    "catalog:dataset-list": "datasets",
    "catalog:dataset-detail": "datasets",
    "organizations:department-list": "departments",
    "organizations:department-detail": "departments",
    "web:domain-list": "domains",
    "web:domain-detail": "domains",
}


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    """Which item of the main navigation the current page belongs to (for aria-current)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for prefix, section in (("/workspace/", "workspace"), ("/review/", "review")):
        if request.path_info.startswith(prefix):
            return section
    return SECTIONS.get(match.view_name, "")


@register.simple_tag
def user_roles(user) -> dict[str, bool]:
    """Which of the signed-in user's links to show: the workspace to those who publish, the
    review queue to those who review. Roles are cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return {"workspace": False, "review": False}
    admin = roles.is_platform_admin(user)
    Role = roles.Role
    return {
        "workspace": admin or bool(roles.department_ids(user, Role.ADMIN, Role.PUBLISHER)),
        "review": admin
        or roles.is_platform_reviewer(user)
        or bool(roles.department_ids(user, Role.REVIEWER)),
    }


@register.simple_tag
def facet_items(items, remove_title: str = "", add_title: str = "") -> str:
    """The <li> of one facet's values: a checkbox (named and valued as the filter, so the
    facet form applies every ticked value at once) and a link that adds the value to the
    facet's choice or takes it out. A list page shows a few hundred of them; built here they
    cost a tenth of what the template language takes per item."""
    current = format_html(' aria-current="true" title="{}"', remove_title)
    other = format_html(' title="{}"', add_title) if add_title else ""
    return mark_safe(  # noqa: S308 — every value below is escaped
        "".join(
            format_html(
                '<li><input type="checkbox" id="f-{}-{}" name="{}" value="{}"{}>'
                '<label for="f-{}-{}" class="sr-only">{}</label>'
                '<a href="{}" class="level-{}"{}><span>{}</span>'
                '<span class="count">{}</span></a></li>',
                item["key"],
                item["value"],
                item["key"],
                item["value"],
                " checked" if item["active"] else "",
                item["key"],
                item["value"],
                item["label"],
                item["href"],
                item["level"],
                current if item["active"] else other,
                item["label"],
                item["count"],
            )
            for item in items
        )
    )
