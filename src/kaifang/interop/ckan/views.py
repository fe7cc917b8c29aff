"""The one view of the CKAN Action API: it finds the action in the registry, reads the call,
checks the permission, runs the handler (a write in one transaction) and answers in CKAN's
envelope, `{"help", "success", "result"}` or `{"help", "success": false, "error"}`.

CSRF does not apply (csrf_exempt): a write needs an API token in a header, which a browser
never adds on its own, and a signed-in session counts for GET reads only (ckan.auth).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kaifang.core.errors import KaifangError
from kaifang.interop.ckan import auth
from kaifang.interop.ckan.actions import ACTIONS, Action
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import BadRequest, CkanError, from_kaifang
from kaifang.interop.ckan.params import request_data

logger = logging.getLogger("kaifang.ckan")


def _help_url(request: HttpRequest, name: str) -> str:
    path = reverse("interop:ckan-action", args=["help_show"])
    return request.build_absolute_uri(f"{path}?name={name}")


def _answer(request: HttpRequest, name: str, status: int, body: dict[str, Any]) -> HttpResponse:
    content = json.dumps(
        {"help": _help_url(request, name), **body}, cls=DjangoJSONEncoder, ensure_ascii=False
    )
    return HttpResponse(content, status=status, content_type="application/json;charset=utf-8")


def _failure(request: HttpRequest, name: str, error: CkanError) -> HttpResponse:
    response = _answer(request, name, error.status, {"success": False, "error": error.body()})
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _find(request: HttpRequest, name: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        raise BadRequest(_("请求有误：没有名为“%(name)s”的操作。") % {"name": name[:100]})
    if request.method == "GET" and request.method not in action.methods:
        raise BadRequest(_("请求有误：操作 %(name)s 须用 POST 请求。") % {"name": name})
    if request.method not in action.methods:
        error = BadRequest(_("请求有误：不支持 %(method)s 请求。") % {"method": request.method})
        error.status = 405
        raise error
    return action


def _run(request: HttpRequest, name: str, action: Action) -> Any:
    user, token = auth.identify(request)
    request.auth = user  # the datastore's gate and throttle read the caller here
    call = Call(request, name, request_data(request), user, token)
    action.permission.check(call)
    if not action.writes:
        return action.handler(call)
    with transaction.atomic():
        return action.handler(call)


@csrf_exempt
def action(request: HttpRequest, name: str) -> HttpResponse:
    try:
        found = _find(request, name)
        result = _run(request, name, found)
    except CkanError as error:
        return _failure(request, name, error)
    except KaifangError as exc:
        return _failure(request, name, from_kaifang(exc))
    except Exception:
        if settings.DEBUG:
            raise
        logger.exception("CKAN action %s failed", name)
        error = CkanError(_("服务器内部错误，请稍后再试。"))
        error.status, error.type = 500, "Internal Server Error"
        return _failure(request, name, error)
    return _answer(request, name, 200, {"success": True, "result": result})
