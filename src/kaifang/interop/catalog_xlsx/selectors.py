"""Which datasets a catalog export holds, for the workspace, the CLI and tests alike."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset
from kaifang.catalog.visibility import visible_datasets
from kaifang.organizations import roles
from kaifang.organizations.models import Department


def public_catalog() -> QuerySet[Dataset]:
    """The catalog as anyone sees it: the visibility gate's public datasets."""
    return visible_datasets(AnonymousUser())


def workspace_catalog(user, department: Department | None = None) -> QuerySet[Dataset]:
    """Every dataset `user` writes (in every state), or those of one of their departments."""
    qs = permissions.workspace_datasets(user)
    return qs.filter(department=department) if department is not None else qs


def export_departments(user) -> QuerySet[Department]:
    """The departments whose catalog `user` may export and import: those where they are
    publisher or admin, every department for a platform admin."""
    if roles.is_platform_admin(user):
        return Department.objects.order_by("title")
    mine = roles.department_ids(user, roles.Role.ADMIN, roles.Role.PUBLISHER)
    return Department.objects.filter(pk__in=mine).order_by("title")
