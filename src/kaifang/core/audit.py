"""Who acts, and the one function that writes the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kaifang.core.models import AuditEntry

if TYPE_CHECKING:
    from kaifang.accounts.models import ApiToken, User


@dataclass(frozen=True)
class Actor:
    """The one who makes a change: a user (maybe through an API token), a harvest source or the
    system. Services take an Actor so the audit log can always name who did what."""

    type: str
    label: str
    user: User | None = None
    token: ApiToken | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(AuditEntry.ActorType.USER, user.get_username(), user=user)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        label = f"{token.user.get_username()} (令牌 {token.prefix})"
        return cls(AuditEntry.ActorType.TOKEN, label, user=token.user, token=token)

    @classmethod
    def for_harvest(cls, source_label: str) -> Actor:
        return cls(AuditEntry.ActorType.HARVEST, source_label)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(AuditEntry.ActorType.SYSTEM, label)


def record(
    actor: Actor,
    action: str,
    target: Any,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log for `action` done by `actor` on `target`."""
    info = dict(detail or {})
    if actor.token is not None:
        info.setdefault("token_id", str(actor.token.pk))
    return AuditEntry.objects.create(
        actor_type=actor.type,
        actor_user=actor.user,
        actor_label=actor.label[:200],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        reason=reason,
        detail=info,
    )
