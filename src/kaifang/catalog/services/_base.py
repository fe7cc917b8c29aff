"""Small pieces every catalog service uses: who the acting user is, the permission and reason
checks, row locks, and the audit entry written for each move."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset
from kaifang.core import audit
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, NotAllowed


def acting_user(actor: Actor):
    """The user behind `actor`. Catalog moves are made by people (maybe through an API token);
    harvest sources and the system have their own, narrower entry points."""
    user = actor.user
    if user is None or not user.is_active:
        raise NotAllowed(_("该操作需要由已登录的有效用户执行。"))
    return user


def require(allowed: bool, message: str) -> None:
    """Raise NotAllowed with `message` unless `allowed`."""
    if not allowed:
        raise NotAllowed(message)


def require_reason(reason: str, message: str) -> str:
    """Return the stripped reason, or raise Invalid naming the `reason` field."""
    text = (reason or "").strip()
    if not text:
        raise Invalid(message, errors={"reason": [message]})
    if len(text) > 2000:
        too_long = _("理由不能超过 2000 个字符。")
        raise Invalid(too_long, errors={"reason": [too_long]})
    return text


def lock(instance: models.Model) -> None:
    """Lock `instance`'s row for the rest of the transaction and reload it, so two moves on the
    same object (two reviewers approving at once) run one after the other on fresh state."""
    manager = type(instance)._default_manager
    list(manager.select_for_update().filter(pk=instance.pk).values_list("pk", flat=True))
    instance.refresh_from_db()


def log(
    actor: Actor,
    action: str,
    dataset: Dataset,
    *,
    reason: str = "",
    **detail: Any,
) -> None:
    """Write the audit entry of one move. Every move inside a dataset (its revisions, resources,
    versions and grants) is logged against the dataset, so its whole history is one query."""
    audit.record(actor, action, dataset, reason=reason, detail=detail)
