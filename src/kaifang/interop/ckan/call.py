"""One call of an action: what a handler is given. It holds the request's facts only — who
calls, with what parameters — and nothing a handler could change for the next one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from kaifang.accounts.models import ApiToken
from kaifang.core.audit import Actor
from kaifang.interop.ckan.errors import NotAuthorized
from kaifang.interop.links import Links


@dataclass(frozen=True)
class Call:
    request: HttpRequest
    action: str
    data: dict[str, Any]
    user: Any
    token: ApiToken | None = None

    @cached_property
    def links(self) -> Links:
        return Links.for_request(self.request)

    @property
    def actor(self) -> Actor:
        """Who acts in a write: the token, so the audit log names it (the registry makes
        every write action require one)."""
        if self.token is None:
            raise NotAuthorized(_("该操作需要 API 令牌。"))
        return Actor.for_token(self.token)

    def action_url(self, name: str) -> str:
        """The path of another action, under the same prefix this call came by."""
        view = self.request.resolver_match.view_name if self.request.resolver_match else ""
        return reverse(view or "interop:ckan-action", args=[name])
