"""Language: Chinese first."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the visitor picked another language with the switch (kept in
    the language cookie). A browser's Accept-Language alone does not turn a Chinese government
    portal into an English one."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


#: room for the form fields sent beside a file
FORM_OVERHEAD_BYTES = 1024 * 1024


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than the upload limit allows, before any
    of it is read: a huge upload gets its 413 at once instead of after the whole transfer.
    (Bodies sent without a length are still cut off by the upload check as they stream in.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        limit = settings.KAIFANG["UPLOAD_MAX_BYTES"] + FORM_OVERHEAD_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return _too_large(request, settings.KAIFANG["UPLOAD_MAX_BYTES"])
        return self.get_response(request)


def _too_large(request: HttpRequest, limit: int):
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    message = _("上传内容超过大小上限 %(limit)s，请压缩或拆分后再上传。") % {
        "limit": filesizeformat(limit)
    }
    if request.path.startswith("/api/"):
        body = {"error": {"code": "upload_too_large", "message": message}}
        return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
    return render(request, "web/too_large.html", {"message": message}, status=413)
