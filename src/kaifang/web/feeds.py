"""The Atom feed of newly published datasets. Feed readers do not sign in, so the feed is what
an anonymous visitor may see, through the visibility gate."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset
from kaifang.catalog.visibility import visible_datasets
from kaifang.core import codelists

FEED_SIZE = 50


class NewDatasetsFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("%(site)s：最新发布的数据集") % {"site": settings.KAIFANG["SITE"]["name"]}

    def subtitle(self) -> str:
        return _("新近发布的开放数据集，按发布时间倒序。")

    def link(self) -> str:
        return reverse("catalog:dataset-list") + "?sort=newest"

    def items(self):
        return (
            visible_datasets(AnonymousUser())
            .select_related("department")
            .order_by("-published_at", "name")[:FEED_SIZE]
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
