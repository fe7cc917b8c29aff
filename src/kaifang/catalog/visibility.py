"""The one visibility gate. Every surface that shows datasets — pages, APIs, feeds, sitemap,
search, counts and statistics — asks these functions, so the rule is written once:

* only published datasets are public, and never a 不予开放 (closed) one;
* a private dataset is visible to its department's members only;
* unpublished datasets (draft, in review, returned, withdrawn, taken down) are seen only by their
  department's members and the platform's admins and reviewers, and only where a surface asks for
  them (`include_unpublished`) — the publisher's workspace and the dataset page, never lists;
* a conditional (有条件开放) dataset shows its metadata, but its files and rows need an access
  grant (`can_access_data`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from kaifang.catalog.models import AccessGrant, Dataset, State
from kaifang.organizations import roles

PUBLIC = Q(state=State.PUBLISHED, is_private=False) & ~Q(open_type="closed")


def visible_datasets(user, *, include_unpublished: bool = False) -> QuerySet[Dataset]:
    """The datasets `user` may see; AnonymousUser sees the public ones."""
    qs = Dataset.objects.all()
    staff = roles.is_platform_admin(user) or roles.is_platform_reviewer(user)
    member_of = roles.department_ids(user)
    if include_unpublished:
        if staff:
            return qs
        return (
            qs.filter(PUBLIC | Q(department_id__in=member_of)) if member_of else qs.filter(PUBLIC)
        )
    published = Q(state=State.PUBLISHED)
    if staff:
        return qs.filter(published)
    if member_of:
        return qs.filter(PUBLIC | (published & Q(department_id__in=member_of)))
    return qs.filter(PUBLIC)


def is_visible(user, dataset: Dataset, *, include_unpublished: bool = False) -> bool:
    return (
        visible_datasets(user, include_unpublished=include_unpublished)
        .filter(pk=dataset.pk)
        .exists()
    )


def can_access_data(user, dataset: Dataset) -> bool:
    """Whether `user` may download files, read rows, preview and export `dataset`'s data.
    Callers must already know the dataset is visible to the user."""
    if dataset.open_type != "conditional":
        return True
    if roles.is_platform_admin(user) or roles.has_role(user, dataset.department):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    now = timezone.now()
    return (
        AccessGrant.objects.filter(dataset=dataset, user=user, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exists()
    )
