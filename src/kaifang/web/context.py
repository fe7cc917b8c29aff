"""Template context shared by every page: the site's identity from settings."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict:
    """`site` is the identity as configured; `site_title` is its name in the page's language
    (the English name on English pages when one is set)."""
    identity = settings.KAIFANG["SITE"]
    english = (get_language() or "").startswith("en") and identity.get("name_en")
    return {"site": identity, "site_title": identity["name_en"] if english else identity["name"]}
