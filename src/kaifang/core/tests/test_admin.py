"""The Django admin opens to platform admins only; the audit log and catalog are read-only
there, and the changes it allows go through audited paths."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaifang.catalog.tests import factories
from kaifang.core.audit import Actor, record
from kaifang.core.models import AuditEntry
from kaifang.organizations.models import Membership


@pytest.mark.parametrize("role", ["publisher", "dept_admin", "platform_reviewer", "citizen"])
def test_only_platform_admins_enter(request, db, client, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_platform_admin_without_staff_flag_signs_in(client, platform_admin):
    assert not platform_admin.is_staff

    response = client.post(
        reverse("admin:login"),
        {"username": "padmin", "password": "Kaifang-test-2026", "next": reverse("admin:index")},
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_staff_user_who_is_not_platform_admin_cannot_sign_in(client, citizen):
    citizen.is_staff = True
    citizen.save()

    response = client.post(
        reverse("admin:login"), {"username": "citizen", "password": "Kaifang-test-2026"}
    )

    assert response.status_code == 200
    assert "只有平台管理员可以登录管理后台" in response.content.decode()


def test_the_audit_log_is_read_only(client, platform_admin, department):
    entry = record(Actor.for_user(platform_admin), "dataset.create", department)
    client.force_login(platform_admin)

    listing = client.get(reverse("admin:core_auditentry_changelist"))
    detail = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    add = client.get(reverse("admin:core_auditentry_add"))
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    change = client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"reason": "改写"}
    )

    assert listing.status_code == 200 and "dataset.create" in listing.content.decode()
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403 and change.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.parametrize(
    "page",
    [
        "catalog_dataset",
        "catalog_resource",
        "catalog_resourceversion",
        "catalog_datasetrevision",
        "catalog_accessgrant",
        "catalog_tag",
        "core_region",
        "accounts_apitoken",
    ],
)
def test_catalog_pages_are_read_only(client, platform_admin, department, page):
    factories.make_dataset(department)
    client.force_login(platform_admin)

    assert client.get(reverse(f"admin:{page}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{page}_add")).status_code == 403


def test_memberships_added_in_the_admin_are_audited(client, platform_admin, department, citizen):
    client.force_login(platform_admin)

    response = client.post(
        reverse("admin:organizations_membership_add"),
        {"user": citizen.pk, "department": department.pk, "role": "publisher"},
    )

    assert response.status_code == 302
    assert Membership.objects.filter(user=citizen, role="publisher").exists()
    assert AuditEntry.objects.get(action="membership.add").actor_user == platform_admin


def test_user_changes_are_audited(client, platform_admin, citizen):
    client.force_login(platform_admin)
    page = reverse("admin:accounts_user_change", args=[citizen.pk])

    response = client.post(
        page,
        {
            "username": "citizen",
            "display_name": "市民",
            "is_active": "on",
            "is_platform_reviewer": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    citizen.refresh_from_db()
    assert citizen.is_platform_reviewer
    entry = AuditEntry.objects.get(action="user.change")
    assert "is_platform_reviewer" in entry.detail["fields"]
