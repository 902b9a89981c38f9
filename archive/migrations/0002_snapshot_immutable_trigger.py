from django.db import migrations

PG_FORBID_CHANGE = """
CREATE OR REPLACE FUNCTION archive_snapshot_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'archive_archivesnapshot is immutable: a frozen archive is never changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER archive_snapshot_immutable
    BEFORE UPDATE OR DELETE ON archive_archivesnapshot
    FOR EACH ROW EXECUTE FUNCTION archive_snapshot_immutable();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS archive_snapshot_immutable ON archive_archivesnapshot;
DROP FUNCTION IF EXISTS archive_snapshot_immutable();
"""


def forbid_change(apps, schema_editor):
    """Defence in depth on PostgreSQL: the database itself refuses UPDATE and DELETE of snapshots.

    Not on SQLite (the development database): Django's test flush empties tables with DELETE there,
    which a trigger would refuse. The application-level guards in archive.models apply everywhere.
    (PostgreSQL's test flush uses TRUNCATE, which row triggers do not see.)"""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORBID_CHANGE)


def allow_change(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(forbid_change, allow_change)]
