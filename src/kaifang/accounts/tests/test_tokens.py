"""API tokens: made with the secret shown once, kept hashed, revocable, expiring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kaifang.accounts import services
from kaifang.accounts.models import ApiToken, hash_token
from kaifang.core.errors import Invalid, NotAllowed
from kaifang.core.models import AuditEntry


def test_a_token_is_kept_only_as_a_hash(citizen):
    token, secret = services.create_token(citizen, name="数据脚本")

    assert secret.startswith("kf_") and len(secret) > 40
    assert token.prefix == secret[:11]
    assert token.token_hash == hash_token(secret) != secret
    assert not ApiToken.objects.filter(token_hash=secret).exists()
    assert (token.user, token.name, token.expires_at) == (citizen, "数据脚本", None)


def test_each_token_has_its_own_secret(citizen):
    secrets = {services.create_token(citizen, name=f"t{i}")[1] for i in range(5)}

    assert len(secrets) == 5
    assert citizen.api_tokens.count() == 5


def test_the_secret_authenticates_its_token(citizen):
    token, secret = services.create_token(citizen, name="t")

    assert services.authenticate_token(secret) == token
    assert services.authenticate_token(secret + "x") is None
    assert services.authenticate_token("not-a-token") is None
    assert services.authenticate_token("") is None


def test_expiry(citizen, monkeypatch):
    token, secret = services.create_token(citizen, name="t", expires_days=30)
    assert token.expires_at - timezone.now() > dt.timedelta(days=29, hours=23)

    later = timezone.now() + dt.timedelta(days=31)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)

    assert services.authenticate_token(secret) is None


def test_a_revoked_token_stops_working(citizen):
    token, secret = services.create_token(citizen, name="t")

    services.revoke_token(citizen, token)
    services.revoke_token(citizen, token)

    assert services.authenticate_token(secret) is None
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_a_deactivated_users_tokens_stop_working(citizen):
    _token, secret = services.create_token(citizen, name="t")
    citizen.is_active = False
    citizen.save()

    assert services.authenticate_token(secret) is None


def test_only_the_owner_or_a_platform_admin_revokes(citizen, publisher, platform_admin):
    token, _secret = services.create_token(citizen, name="t")

    with pytest.raises(NotAllowed):
        services.revoke_token(publisher, token)
    services.revoke_token(platform_admin, token)

    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="token.revoke")
    assert entry.actor_user == platform_admin


def test_last_use_is_written_at_most_once_a_minute(citizen, monkeypatch):
    token, secret = services.create_token(citizen, name="t")
    start = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start)
    services.authenticate_token(secret)
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + dt.timedelta(seconds=30))
    services.authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start

    monkeypatch.setattr("django.utils.timezone.now", lambda: start + dt.timedelta(seconds=61))
    services.authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "t", "expires_days": 0}, "expires_days"),
        ({"name": "t", "expires_days": 3651}, "expires_days"),
        ({"name": "t", "expires_days": "7"}, "expires_days"),
    ],
)
def test_bad_values_are_named(citizen, kwargs, field):
    with pytest.raises(Invalid) as refused:
        services.create_token(citizen, **kwargs)

    assert list(refused.value.errors) == [field]
    assert not ApiToken.objects.exists()


def test_making_a_token_is_audited_without_its_secret(citizen):
    token, secret = services.create_token(citizen, name="t")

    entry = AuditEntry.objects.get(action="token.create")
    assert (entry.actor_user, entry.target_id) == (citizen, str(token.pk))
    assert secret not in str(entry.detail) and secret not in entry.target_label


def test_an_inactive_user_gets_no_token(citizen):
    citizen.is_active = False

    with pytest.raises(NotAllowed):
        services.create_token(citizen, name="t")
