"""API tokens: made (the secret shown once), revoked, and checked on each API call.

A secret is "kf_" followed by 32 random bytes in URL-safe base64; only its SHA-256 is stored, so
a leaked database does not leak working tokens. The first characters are kept as `prefix` so a
person can tell their tokens apart.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.accounts.models import ApiToken, User, hash_token
from kaifang.core import audit
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, NotAllowed
from kaifang.organizations import roles

SECRET_PREFIX = "kf_"  # noqa: S105  (a marker that tells a token apart, not a secret)
PREFIX_LENGTH = 11  # "kf_" and 8 characters
MAX_EXPIRES_DAYS = 3650
#: last_used_at is written at most this often, so a busy client does not write on every call
TOUCH_EVERY = dt.timedelta(minutes=1)


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, errors={field: [message]})


def create_token(user: User, *, name: str, expires_days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with its secret, which is never shown again."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(_("只有有效的注册用户可以创建 API 令牌。"))
    name = (name or "").strip()
    if not name:
        raise _invalid("name", _("请填写令牌名称。"))
    if len(name) > 100:
        raise _invalid("name", _("令牌名称不能超过 100 个字符。"))
    expires_at = None
    if expires_days is not None:
        if isinstance(expires_days, bool) or not isinstance(expires_days, int):
            raise _invalid("expires_days", _("有效天数应为整数。"))
        if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise _invalid(
                "expires_days",
                _("有效天数应在 1 到 %(max)s 之间。") % {"max": MAX_EXPIRES_DAYS},
            )
        expires_at = timezone.now() + dt.timedelta(days=expires_days)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    audit.record(
        Actor.for_user(user),
        "token.create",
        token,
        detail={"expires_at": expires_at.isoformat() if expires_at else None},
    )
    return token, secret


def revoke_token(user: User, token: ApiToken) -> ApiToken:
    """Revoke `token` now. Its owner or a platform admin may; revoking twice changes nothing."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise NotAllowed(_("请先登录。"))
    if token.user_id != user.pk and not roles.is_platform_admin(user):
        raise NotAllowed(_("只能撤销自己的 API 令牌。"))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(Actor.for_user(user), "token.revoke", token, detail={"owner": token.user_id})
    return token


def authenticate_token(secret: str) -> ApiToken | None:
    """The active token whose secret this is (its user active too), or None."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(token_hash=hash_token(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    _touch(token)
    return token


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
