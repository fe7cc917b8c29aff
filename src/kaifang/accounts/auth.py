"""Who is calling the API: an API token in the `Authorization` header, else the signed-in
session (for reads only), else an anonymous visitor.

The API is public, so having no credentials is not an error; a credential that does not work
is (401), so a client with a revoked or expired token learns it at once instead of silently
seeing only public data.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security.base import AuthBase

from kaifang.accounts.services import authenticate_token
from kaifang.core.errors import KaifangError

SCHEMES = frozenset({"bearer", "token"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class InvalidToken(KaifangError):
    """The Authorization header names no active API token."""

    code = "invalid_token"
    status = 401


class ApiAuth(AuthBase):
    """django-ninja auth for every /api/v1 operation. It always answers with a user (maybe
    AnonymousUser) or raises InvalidToken; the user lands in `request.auth` and, for a token,
    in `request.user` too, with the token itself in `request.api_token`."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = (
        "可选。API 令牌：`Authorization: Bearer <令牌>`（也接受 `Token <令牌>`）。"
        "不带令牌时按匿名访问或当前登录会话（仅限读取）处理。"
    )

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return self._without_token(request)
        scheme, _sep, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() not in SCHEMES or not secret:
            raise InvalidToken(_("Authorization 请求头应为“Bearer <令牌>”或“Token <令牌>”。"))
        token = authenticate_token(secret)
        if token is None:
            raise InvalidToken(_("API 令牌无效、已撤销或已过期。"))
        request.user = token.user
        request.api_token = token
        return token.user

    @staticmethod
    def _without_token(request: HttpRequest):
        """A session counts for reads only: writes through a session would need CSRF checks
        the API does not make."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.method in SAFE_METHODS:
            return user
        return AnonymousUser()
