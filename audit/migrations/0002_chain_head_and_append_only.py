from django.db import migrations

PG_FORBID_CHANGE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(pk=1)


def forbid_change(apps, schema_editor):
    """Defence in depth on PostgreSQL: the database itself refuses UPDATE and DELETE of events.

    Not on SQLite (the development database): Django's test flush empties tables with DELETE there,
    which a trigger would refuse. The application-level guards in audit.models apply everywhere."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORBID_CHANGE)


def allow_change(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(forbid_change, allow_change),
    ]
