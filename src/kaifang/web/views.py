"""The site shell's pages: home, the domains (领域) and robots.txt.

Every count and list here goes through catalog.selectors and the visibility gate, so the home
page never shows or counts what its visitor may not see.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaifang.catalog import selectors
from kaifang.catalog.views_public import search_context
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.search.querylog import hot_searches

HOME_TTL = 60  # seconds the headline figures and domain counts are kept
HOME_LIST_SIZE = 8


def _audience(user) -> str:
    """Whose figures these are: all anonymous visitors share one entry; a signed-in user may
    see private or unpublished-department counts, so each gets their own."""
    return f"user:{user.pk}" if getattr(user, "is_authenticated", False) else "anon"


def home_numbers(user) -> dict[str, Any]:
    """Headline figures and per-domain counts, cached briefly per audience."""
    key = f"kaifang:home:{_audience(user)}:{selectors.catalog_stamp()}"
    numbers = cache.get(key)
    if numbers is None:
        numbers = {
            "figures": selectors.home_figures(user),
            "domains": selectors.domain_counts(user),
        }
        cache.set(key, numbers, HOME_TTL)
    return numbers


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """首页: search with 热门搜索, headline figures, the 21 domains, newest and most-downloaded
    datasets."""
    visible = visible_datasets(request.user).select_related("department")
    context = {
        **home_numbers(request.user),
        "newest": visible.order_by("-published_at", "name")[:HOME_LIST_SIZE],
        "popular": visible.order_by("-download_count", "-published_at")[:HOME_LIST_SIZE],
        "hot_searches": hot_searches(),
    }
    return render(request, "web/home.html", context)


@require_GET
def domain_list(request: HttpRequest) -> HttpResponse:
    """领域: every domain with its number of datasets."""
    return render(request, "web/domain_list.html", home_numbers(request.user))


@require_GET
def domain_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One domain's datasets: the dataset list with the domain filter fixed."""
    item = codelists.get("domain").get(code)
    if item is None:
        raise Http404(_("没有这个领域。"))
    context = search_context(request, fixed={"domain": code})
    context["domain"] = item
    status = 400 if context.get("error") else 200
    return render(request, "web/domain_detail.html", context, status=status)


ROBOTS_DISALLOW = ("/admin/", "/accounts/", "/workspace/", "/review/", "/resources/")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the catalog but not sign-in, workspace or review pages, nor fetch
    files (a crawler's fetches would inflate the download counts)."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('web:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
