"""Template context shared by every page: the site's identity from settings."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {"site": settings.KAIFANG["SITE"]}
