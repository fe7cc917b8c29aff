"""Atom and RSS feeds of new and updated datasets: the whole site, one domain (领域) or one
department. Feed readers do not sign in, so a feed is what an anonymous visitor may see, through
the visibility gate; entries come newest change first, so an edit to a published dataset brings
it back to the top."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists
from kaifang.organizations.models import Department, DepartmentNameRedirect

FEED_SIZE = 50


class NewDatasetsFeed(Feed):
    """The site's feed (Atom)."""

    feed_type = Atom1Feed

    def scope(self, obj) -> str:
        """What the feed covers, for its title."""
        return ""

    def title(self, obj=None) -> str:
        site = settings.KAIFANG["SITE"]["name"]
        scope = self.scope(obj)
        if scope:
            return _("%(site)s：%(scope)s最新发布和更新的数据集") % {"site": site, "scope": scope}
        return _("%(site)s：最新发布和更新的数据集") % {"site": site}

    def subtitle(self, obj=None) -> str:
        return _("新近发布或更新的开放数据集，按更新时间倒序。")

    description = subtitle  # RSS calls it the description

    def link(self, obj=None) -> str:
        return reverse("catalog:dataset-list") + "?sort=updated"

    def datasets(self, obj) -> QuerySet[Dataset]:
        return visible_datasets(AnonymousUser())

    def items(self, obj=None):
        return (
            self.datasets(obj)
            .select_related("department")
            .order_by("-updated_at", "name")[:FEED_SIZE]
        )

    def item_title(self, item: Dataset) -> str:
        return item.title

    def item_description(self, item: Dataset) -> str:
        return item.summary

    def item_link(self, item: Dataset) -> str:
        return reverse("catalog:dataset-detail", args=[item.name])

    def item_guid(self, item: Dataset) -> str:
        return f"urn:uuid:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Dataset):
        return item.published_at

    def item_updateddate(self, item: Dataset):
        return item.updated_at

    def item_author_name(self, item: Dataset) -> str:
        return item.department.title

    def item_categories(self, item: Dataset) -> list[str]:
        return [codelists.get("domain").label(item.domain)]


class NewDatasetsRssFeed(NewDatasetsFeed):
    feed_type = Rss201rev2Feed


class DomainFeed(NewDatasetsFeed):
    """One domain's datasets; an unknown domain is 404."""

    def get_object(self, request: HttpRequest, code: str) -> codelists.Item:
        item = codelists.get("domain").get(code)
        if item is None:
            raise Http404(_("没有这个领域。"))
        return item

    def scope(self, obj: codelists.Item) -> str:
        return _("%(domain)s领域") % {"domain": obj.label}

    def link(self, obj: codelists.Item) -> str:
        return reverse("web:domain-detail", args=[obj.code])

    def datasets(self, obj: codelists.Item) -> QuerySet[Dataset]:
        return visible_datasets(AnonymousUser()).filter(domain=obj.code)


class DomainRssFeed(DomainFeed):
    feed_type = Rss201rev2Feed


class DepartmentFeed(NewDatasetsFeed):
    """One department's datasets, found by its name or a name it had before; 404 otherwise."""

    def get_object(self, request: HttpRequest, name: str) -> Department:
        department = Department.objects.filter(name=name).first()
        if department is None:
            moved = DepartmentNameRedirect.objects.filter(old_name=name).first()
            department = moved.department if moved else None
        if department is None:
            raise Http404(_("没有这个部门。"))
        return department

    def scope(self, obj: Department) -> str:
        return obj.title

    def link(self, obj: Department) -> str:
        return reverse("organizations:department-detail", args=[obj.name])

    def datasets(self, obj: Department) -> QuerySet[Dataset]:
        return visible_datasets(AnonymousUser()).filter(department=obj)


class DepartmentRssFeed(DepartmentFeed):
    feed_type = Rss201rev2Feed
