"""Database triggers that keep the audit log append-only whatever code runs against it.

Only `actor_user_id` may change (to NULL, when a user row is removed). Deletes are refused on
PostgreSQL; SQLite keeps row deletes possible because Django's test flush empties tables with
DELETE, while PostgreSQL's uses TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

COLUMNS = "at, actor_type, actor_label, action, target_type, target_id, target_label, reason, detail"

SQLITE = [
    f"""CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE OF {COLUMNS} ON core_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditentry_no_update;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE OF {COLUMNS} ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();""",
    """CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_regions")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
