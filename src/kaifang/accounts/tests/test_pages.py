"""Sign-in, sign-out and the profile page's API tokens, through the pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kaifang.accounts.models import ApiToken
from kaifang.accounts.services import authenticate_token
from kaifang.catalog.tests import factories

PASSWORD = "Kaifang-test-2026"
SECRET = re.compile(r'value="(kf_[A-Za-z0-9_-]+)"')


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _make_token(client: Client, **data) -> tuple[object, str]:
    response = client.post(reverse("accounts:token-create"), {"name": "同步脚本", **data})
    found = SECRET.search(response.content.decode())
    return response, (found.group(1) if found else "")


def test_login_page_is_chinese_and_signs_in(publisher):
    client = Client()

    page = client.get(reverse("accounts:login"))
    wrong = client.post(reverse("accounts:login"), {"username": "publisher", "password": "x"})
    right = client.post(
        reverse("accounts:login"),
        {"username": "publisher", "password": PASSWORD, "next": reverse("accounts:profile")},
    )

    assert page.status_code == 200
    assert "用户名" in page.content.decode() and "密码" in page.content.decode()
    assert wrong.status_code == 200
    assert "请输入一个正确的" in wrong.content.decode()
    assert right.status_code == 302
    assert right.url == reverse("accounts:profile")


def test_logout_is_a_post(publisher):
    client = _client(publisher)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_profile_needs_sign_in():
    response = Client().get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_profile_shows_the_users_roles(publisher, department):
    page = _client(publisher).get(reverse("accounts:profile")).content.decode()

    assert department.title in page
    assert "数据发布员" in page


def test_token_secret_is_shown_once_and_authenticates(publisher):
    client = _client(publisher)

    response, secret = _make_token(client, expires_days="30")

    assert response.status_code == 201
    assert secret.startswith("kf_")
    token = ApiToken.objects.get(user=publisher)
    assert token.name == "同步脚本" and token.expires_at is not None
    assert secret not in client.get(reverse("accounts:profile")).content.decode()
    assert secret not in token.token_hash
    assert authenticate_token(secret) == token


def test_token_works_in_the_api_authorization_header(publisher, department):
    factories.make_dataset(department, is_private=True, title="部门内部数据")
    _response, secret = _make_token(_client(publisher))
    api = Client()

    anonymous = api.get("/api/v1/datasets", {"q": "部门内部数据"})
    with_token = api.get(
        "/api/v1/datasets", {"q": "部门内部数据"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )

    assert anonymous.json()["count"] == 0
    assert with_token.status_code == 200
    assert with_token.json()["count"] == 1


def test_revoked_token_no_longer_authenticates(publisher):
    client = _client(publisher)
    _response, secret = _make_token(client)
    token = ApiToken.objects.get(user=publisher)

    response = client.post(reverse("accounts:token-revoke", args=[token.pk]), follow=True)

    assert "已撤销" in response.content.decode()
    assert authenticate_token(secret) is None
    refused = Client().get("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 401


def test_someone_elses_token_cannot_be_revoked(publisher, citizen):
    _response, secret = _make_token(_client(publisher))
    token = ApiToken.objects.get(user=publisher)

    response = _client(citizen).post(reverse("accounts:token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert authenticate_token(secret) == token


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "请填写令牌名称。"),
        ({"expires_days": "0"}, "expires_days", "有效天数至少为 1 天。"),
        ({"expires_days": "abc"}, "expires_days", "有效天数应为整数。"),
    ],
)
def test_token_form_errors_are_chinese(publisher, data, field, message):
    response, secret = _make_token(_client(publisher), **data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert secret == ""
    assert not ApiToken.objects.exists()


def test_token_create_needs_the_csrf_token(publisher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher)

    response = client.post(reverse("accounts:token-create"), {"name": "脚本"})

    assert response.status_code == 403
    assert not ApiToken.objects.exists()
