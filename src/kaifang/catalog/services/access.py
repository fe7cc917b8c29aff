"""Access grants to the files and rows of conditional (有条件开放) datasets. The application flow
comes later; these are the moves a department admin makes once an application is accepted."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import AccessGrant, Dataset
from kaifang.catalog.services._base import acting_user, lock, log, require
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, errors={field: [message]})


@transaction.atomic
def grant_access(
    actor: Actor,
    dataset: Dataset,
    user,
    *,
    purpose: str = "",
    expires_at: dt.datetime | None = None,
) -> AccessGrant:
    """Let `user` download and read the data of conditional `dataset` (until `expires_at`)."""
    granter = acting_user(actor)
    lock(dataset)
    require(
        permissions.may_manage(granter, dataset.department),
        _("只有该部门的管理员或平台管理员可以授权访问。"),
    )
    if dataset.open_type != "conditional":
        raise _invalid("dataset", _("只有有条件开放的数据集需要授权访问。"))
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise _invalid("user", _("只能授权给有效的注册用户。"))
    if expires_at is not None and (timezone.is_naive(expires_at) or expires_at <= timezone.now()):
        raise _invalid("expires_at", _("有效期应为将来的时间（含时区）。"))
    grant = AccessGrant.objects.create(
        dataset=dataset,
        user=user,
        granted_by=granter,
        purpose=(purpose or "").strip(),
        expires_at=expires_at,
    )
    log(
        actor,
        "access.grant",
        dataset,
        reason=grant.purpose,
        grant=str(grant.pk),
        user=user.get_username(),
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return grant


@transaction.atomic
def revoke_access(actor: Actor, grant: AccessGrant) -> AccessGrant:
    """End a grant now; revoking one already revoked changes nothing."""
    granter = acting_user(actor)
    dataset = grant.dataset
    lock(dataset)
    grant.refresh_from_db()
    require(
        permissions.may_manage(granter, dataset.department),
        _("只有该部门的管理员或平台管理员可以撤销授权。"),
    )
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    log(actor, "access.revoke", dataset, grant=str(grant.pk), user=grant.user.get_username())
    return grant
