"""The one NinjaAPI of the native read API (/api/v1).

Every answer that is not data is an error of one shape, `{"error": {"code", "message"}}`, with
a fitting status: the handlers below turn the project's errors (kaifang.core.errors), ninja's
own (parameter validation, HTTP errors) and Django's (Http404, PermissionDenied) into it, and
a last route answers unknown /api/v1/ paths with the JSON 404 instead of an HTML page.
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from kaifang.accounts.auth import ApiAuth
from kaifang.catalog.api.router import router as catalog_router
from kaifang.catalog.api.schemas import Renderer, metadata_openapi
from kaifang.core.errors import KaifangError, NotFound
from kaifang.datastore.api.exports import router as datastore_exports_router
from kaifang.datastore.api.router import router as datastore_router
from kaifang.organizations.api.router import router as organizations_router
from kaifang.search.api.router import router as search_router

logger = logging.getLogger("kaifang.api")


class KaifangAPI(NinjaAPI):
    """A NinjaAPI whose spec also documents the metadata schema's fields, read when the spec
    is made, so the documentation follows a swapped schema file like the answers do, and says
    that a token is optional."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        spec = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        metadata_openapi(spec)
        _token_optional(spec)
        return spec

    @property
    def urls(self):
        """ninja answers a method a path does not take with a bare-text 405, before any
        handler runs; each view is wrapped so that answer has the API's error shape too."""
        patterns, app_name, namespace = super().urls
        return [_json_405(p) for p in patterns], app_name, namespace


def _json_405(pattern: URLPattern) -> URLPattern:
    callback = pattern.callback

    @wraps(callback)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = callback(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        message = _("此接口不支持 %(method)s 请求，可用：%(allowed)s。") % {
            "method": request.method,
            "allowed": response["Allow"],
        }
        answer = error_response(request, 405, "method_not_allowed", message)
        answer["Allow"] = response["Allow"]
        return answer

    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


def _token_optional(spec: dict[str, Any]) -> None:
    """Every operation answers anonymous callers too: an empty requirement says so."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security")
            if security and {} not in security:
                security.append({})


api = KaifangAPI(
    title="Kaifang API",
    version="1.0.0",
    description=(
        "开放数据平台原生接口 / the native API：目录、数据行、统计与 SQL 查询可匿名读取；"
        "追加或替换数据行需数据发布员的 API 令牌。错误统一为 "
        '`{"error": {"code": "…", "message": "…"}}`；API 令牌放在 `Authorization` 请求头。'
    ),
    urls_namespace="api",
    auth=ApiAuth(),
    renderer=Renderer(),
    # The bundled Swagger UI, served from our own static files; no online validator badge.
    docs=Swagger(settings={"validatorUrl": None}),
)

# Routers in order; the catch-all for unknown paths must stay last.
api.add_router("", catalog_router)
api.add_router("", organizations_router)
api.add_router("", datastore_router)
api.add_router("", datastore_exports_router)
api.add_router("", search_router)


@api.get("/", include_in_schema=False, url_name="index")
def index(request: HttpRequest) -> dict[str, str]:
    """The entry points, for someone who opens /api/v1/ in a browser."""
    links = {
        "datasets": "api:dataset-list",
        "departments": "api:department-list",
        "domains": "api:domain-list",
        "docs": "api:openapi-view",
        "openapi": "api:openapi-json",
    }
    return {key: request.build_absolute_uri(reverse(name)) for key, name in links.items()}


unknown = Router()


@unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise NotFound(
        _("没有这个接口：%(path)s。接口说明见 %(docs)s。")
        % {"path": request.path, "docs": reverse("api:openapi-view")}
    )


api.add_router("", unknown)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The one error shape of the API."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = api.create_response(request, {"error": body}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(KaifangError)
def on_kaifang_error(request: HttpRequest, exc: KaifangError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.errors)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


_PROBLEMS = {
    "int_parsing": "参数 %(name)s 应为整数（收到“%(value)s”）。",
    "uuid_parsing": "参数 %(name)s 应为 UUID（收到“%(value)s”）。",
    "missing": "缺少参数 %(name)s。",
}


def _received(request: HttpRequest, place: str, name: str) -> str:
    """The value the client sent (ninja's errors leave it out)."""
    if place == "path":
        match = request.resolver_match
        return str(match.kwargs.get(name, "")) if match else ""
    return request.GET.get(name, "")


def _problem(request: HttpRequest, error: dict[str, Any]) -> tuple[str, str]:
    loc = [str(part) for part in error.get("loc") or ["query", "?"]]
    name = loc[-1]
    template = _PROBLEMS.get(error.get("type", ""), "参数 %(name)s 的值无效（收到“%(value)s”）。")
    value = _received(request, loc[0], name)[:50]
    return name, _(template) % {"name": name, "value": value}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        name, message = _problem(request, error)
        fields.setdefault(name, []).append(message)
    message = "；".join(m for messages in fields.values() for m in messages)
    return error_response(request, 422, "validation_error", message, fields)


_HTTP_ERRORS = {
    400: ("bad_request", "请求有误。"),
    401: ("unauthorized", "需要有效的 API 令牌。"),
    403: ("permission_denied", "无权访问。"),
    404: ("not_found", "未找到。"),
    405: ("method_not_allowed", "不支持此请求方法。"),
    429: ("throttled", "请求过于频繁，请稍后再试。"),
}


#: how ninja words a body its parser refused (the parser's own exception is hidden from us)
UNPARSABLE_BODY = "Cannot parse request body"


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors carry English words; they are answered in Chinese."""
    code, default = _HTTP_ERRORS.get(exc.status_code, ("error", "请求失败。"))
    ninja_default = type(exc) in (AuthenticationError, AuthorizationError, Throttled)
    message = _(default) if ninja_default or not exc.message else exc.message
    if str(exc.message).startswith(UNPARSABLE_BODY):
        message = _("请求体无法解析：应为 UTF-8 编码的 JSON 对象。")
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("未找到。"))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "permission_denied", str(exc) or _("无权访问。"))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug still answers in the API's shape; the traceback goes to the log (and, in debug,
    up to Django's debug page)."""
    if settings.DEBUG:
        raise exc
    logger.exception("API error on %s", request.path)
    return error_response(request, 500, "server_error", _("服务器内部错误，请稍后再试。"))
