"""On PostgreSQL, refuse UPDATE and DELETE of audit events from any client, not only the ORM."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION studio_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (%% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER studio_auditevent_append_only
    BEFORE UPDATE OR DELETE ON studio_auditevent
    FOR EACH ROW EXECUTE FUNCTION studio_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS studio_auditevent_append_only ON studio_auditevent;
DROP FUNCTION IF EXISTS studio_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
