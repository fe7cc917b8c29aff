import pytest

from kaifang.core import audit
from kaifang.core.models import AuditEntry


def test_audit_entries_name_the_actor_and_cannot_change(department, publisher):
    entry = audit.record(
        audit.Actor.for_user(publisher), "department.touch", department, reason="测试"
    )

    assert (entry.actor_type, entry.actor_label, entry.target_label) == (
        "user",
        "publisher",
        "省交通运输厅",
    )
    entry.reason = "改写"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "测试"


def test_bulk_changes_are_refused_by_the_manager_and_the_database(department):
    from django.db import DatabaseError, connection, transaction

    entry = audit.record(audit.Actor.system(), "department.touch", department)

    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])
