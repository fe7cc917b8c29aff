"""An action's parameters: read from the query string (GET), a JSON body, or a form (POST, with
files for uploads), and checked one by one with a Validation Error naming the parameter.

CKAN clients send the same parameter typed in a JSON body (`"rows": 10`, `"include_private":
true`, `"facet.field": ["tags"]`) and as text in a query string (`rows=10`,
`facet.field=["tags"]`), so each reader takes both.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from kaifang.interop.ckan.errors import BadRequest, invalid

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}


def request_data(request: HttpRequest) -> dict[str, Any]:
    """The parameters of the call: the query string of a GET, the form or the JSON body of a
    POST. A repeated query or form parameter becomes a list."""
    if request.method == "GET":
        return _plain(request.GET)
    content_type = request.content_type or ""
    try:
        if content_type in FORMS:
            return _form(request)
        return _json_body(request.body)
    except RequestDataTooBig:
        raise BadRequest(_("请求有误：请求体过大。")) from None


def _plain(query: QueryDict) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else values for key, values in query.lists()}


def _form(request: HttpRequest) -> dict[str, Any]:
    """A form; older CKAN clients post the JSON text as the only key of a form, which CKAN
    reads as the body, and so does this."""
    data = _plain(request.POST)
    if len(data) == 1 and not request.FILES:
        ((key, value),) = data.items()
        if value == "" and key.lstrip().startswith("{"):
            return _json_body(key.encode())
    data.update({key: request.FILES[key] for key in request.FILES})
    return data


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(
            _("请求有误：JSON 无法解析（%(reason)s）。") % {"reason": str(exc)[:100]}
        ) from None
    if not isinstance(body, dict):
        raise BadRequest(_("请求有误：请求体应为 JSON 对象。"))
    return body


def text(data: dict[str, Any], name: str, default: str | None = None) -> str | None:
    """A text parameter (a number is taken as its text); a list or object is refused."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(name, _("参数 %(name)s 应为文本。") % {"name": name})
    return str(value)


def required(data: dict[str, Any], name: str) -> str:
    value = (text(data, name) or "").strip()
    if not value:
        raise invalid(name, _("缺少参数 %(name)s。") % {"name": name})
    return value


def integer(
    data: dict[str, Any], name: str, default: int, low: int = 0, cap: int | None = None
) -> int:
    """A whole number not below `low`; above `cap` it is cut to `cap`, as CKAN caps `rows`."""
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = int(value if not isinstance(value, str) else value.strip())
    except (TypeError, ValueError):
        number = None
    if number is None or number < low:
        raise invalid(
            name,
            _("参数 %(name)s 应为不小于 %(low)s 的整数（收到“%(value)s”）。")
            % {"name": name, "low": low, "value": str(value)[:50]},
        )
    return min(number, cap) if cap is not None else number


def boolean(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise invalid(
        name,
        _("参数 %(name)s 应为 true 或 false（收到“%(value)s”）。")
        % {"name": name, "value": str(value)[:50]},
    )


def decoded(data: dict[str, Any], name: str) -> Any:
    """A parameter that may come as JSON text (a query string) or already decoded (a JSON
    body); None when absent."""
    value = data.get(name)
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if not stripped:
        return None
    if stripped[0] not in '[{"':
        return value
    try:
        return json.loads(stripped)
    except ValueError:
        raise invalid(name, _("参数 %(name)s 不是有效的 JSON。") % {"name": name}) from None


def text_list(data: dict[str, Any], name: str) -> list[str]:
    """A list of texts: a JSON array, a repeated parameter, or comma-separated text."""
    value = decoded(data, name)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    raise invalid(name, _("参数 %(name)s 应为文本列表。") % {"name": name})


def json_object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = decoded(data, name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(name, _("参数 %(name)s 应为 JSON 对象。") % {"name": name})
    return value
