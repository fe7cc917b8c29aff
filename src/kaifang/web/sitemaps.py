"""sitemap.xml: the public pages a search engine should find. Datasets come through the
visibility gate as an anonymous visitor sees them, so nothing private, unpublished or closed is
ever listed."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.organizations.models import Department


class StaticSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return [
            "web:home",
            "catalog:dataset-list",
            "organizations:department-list",
            "web:domain-list",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class DatasetSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 10_000

    def items(self):
        return visible_datasets(AnonymousUser()).order_by("name").only("name", "updated_at")

    def location(self, item) -> str:
        return reverse("catalog:dataset-detail", args=[item.name])

    def lastmod(self, item):
        return item.updated_at


class DepartmentSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Department.objects.order_by("name").only("name", "updated_at")

    def location(self, item) -> str:
        return reverse("organizations:department-detail", args=[item.name])

    def lastmod(self, item):
        return item.updated_at


class DomainSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self) -> list[str]:
        return [item.code for item in codelists.get("domain")]

    def location(self, item: str) -> str:
        return reverse("web:domain-detail", args=[item])


SITEMAPS = {
    "pages": StaticSitemap,
    "datasets": DatasetSitemap,
    "departments": DepartmentSitemap,
    "domains": DomainSitemap,
}
