from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Searches fold accents with PostgreSQL's unaccent (studio.search); a trusted extension, so
    the database's owner may create it. On SQLite nothing happens: each connection is given a
    function of the same name."""

    dependencies = [("studio", "0002_audit_append_only")]

    operations = [UnaccentExtension()]
