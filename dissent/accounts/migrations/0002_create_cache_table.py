"""The shared cache (login throttling) lives in the database: create its table here so
every fresh database, test databases included, has it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_users_and_api_tokens")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
