"""Who calls the CKAN API. CKAN clients send the raw API token in `Authorization` (no
"Bearer"), older ones in `X-CKAN-API-Key`; both are taken, as is the native API's
`Bearer <token>`. A signed-in session counts for GET only, as on the native API: the API makes
no CSRF checks, so nothing a browser can be tricked into posting may act for its user.

A credential that does not work is refused (Authorization Error) rather than ignored, so a
client with a revoked token learns it at once instead of silently seeing only public data.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaifang.accounts.models import ApiToken
from kaifang.accounts.services import authenticate_token
from kaifang.interop.ckan.errors import NotAuthorized

SCHEMES = frozenset({"bearer", "token"})


def _secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        header = request.headers.get("X-CKAN-API-Key", "").strip()
    if not header:
        return None
    scheme, _sep, rest = header.partition(" ")
    if rest.strip() and scheme.lower() in SCHEMES:
        return rest.strip()
    return header


def identify(request: HttpRequest) -> tuple[object, ApiToken | None]:
    """The user acting (maybe AnonymousUser) and the API token they came with."""
    secret = _secret(request)
    if secret is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.method == "GET":
            return user, None
        return AnonymousUser(), None
    token = authenticate_token(secret)
    if token is None:
        raise NotAuthorized(_("API 令牌无效、已撤销或已过期。"))
    return token.user, token
