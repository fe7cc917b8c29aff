"""The reads behind the CKAN actions, each starting from the visibility gate.

Lists follow CKAN: `package_list`, `package_search` and the tag list show what anyone may see,
and `package_search` adds the private datasets of the caller's departments only when asked
(`include_private`). A single dataset or resource is shown to whoever may see it, so members of
its department (and the platform's staff) also reach drafts and datasets under review, as
CKAN's authorized users do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, QuerySet
from django.utils.translation import gettext as _

from kaifang.catalog import permissions, selectors
from kaifang.catalog.models import Dataset, Resource, Tag
from kaifang.catalog.visibility import visible_datasets
from kaifang.core.errors import NotFound
from kaifang.datastore.selectors import ready_current_table

ANONYMOUS = AnonymousUser()


def listed(user, *, include_private: bool = False) -> QuerySet[Dataset]:
    """The datasets a list shows: the public ones, and with `include_private` also those the
    user may see as a member (private, or closed, datasets of their departments)."""
    return visible_datasets(user if include_private else ANONYMOUS)


def _resources() -> QuerySet[Resource]:
    active = ExpressionWrapper(ready_current_table(), output_field=BooleanField())
    return (
        selectors.public_resources()
        .select_related("current_version")
        .annotate(datastore_active=active)
    )


def loaded(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Datasets with what a package dict needs, in a fixed number of queries: department,
    region, tags and public resources (each knowing whether the datastore serves it)."""
    return qs.select_related("department", "region", "harvest_record__source").prefetch_related(
        "tags", Prefetch("resources", queryset=_resources())
    )


def in_order(ids: Iterable[uuid.UUID]) -> list[Dataset]:
    """The datasets with these ids, loaded, in the order given."""
    ids = list(ids)
    found = {d.pk: d for d in loaded(Dataset.objects.filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


def dataset(ref: str, user) -> Dataset:
    """A dataset by id, name or former name, as `user` may see it (drafts for its insiders)."""
    found = selectors.get_dataset(ref, user, include_unpublished=True)
    return loaded(Dataset.objects.filter(pk=found.pk)).get()


def resource(ref: str, user) -> Resource:
    """A resource `user` may see: a public one of a visible dataset, or for the dataset's
    insiders any of its resources (a draft's, or one waiting in a revision)."""
    try:
        found = selectors.get_resource(ref, user)
    except NotFound:
        found = _insider_resource(ref, user)
        if found is None:
            raise
    found.datastore_active = Resource.objects.filter(ready_current_table(), pk=found.pk).exists()
    return found


def _insider_resource(ref: str, user) -> Resource | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        pk = uuid.UUID(str(ref))
    except ValueError:
        return None
    found = (
        Resource.objects.select_related("dataset", "dataset__department", "current_version")
        .filter(pk=pk, dataset__in=visible_datasets(user, include_unpublished=True).values("pk"))
        .first()
    )
    if found is None or not permissions.is_insider(user, found.dataset):
        return None
    return found


def tag_counts(query: str = "") -> list[tuple[str, int]]:
    """The tags of the public datasets with how many each carries, most used first; `query`
    keeps the tags containing it."""
    tags = Tag.objects.filter(datasets__in=listed(ANONYMOUS).values("pk"))
    if query:
        tags = tags.filter(name__icontains=query)
    rows = tags.values("name").annotate(n=Count("datasets")).order_by("-n", "name")
    return [(row["name"], row["n"]) for row in rows]


def not_found(kind: str, ref: str) -> NotFound:
    return NotFound(_("未找到%(kind)s“%(ref)s”。") % {"kind": kind, "ref": str(ref)[:100]})
