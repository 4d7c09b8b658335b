# The log append as a PostgreSQL function (dissent.ledger.append_pg, version 1); nothing on
# SQLite, where the append runs in Python. RunPython, as in 0003, to branch on the vendor.

from django.db import migrations


def install(apps, schema_editor):
    from dissent.ledger import append_pg

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_pg.CREATE_V1, params=None)


def remove(apps, schema_editor):
    from dissent.ledger import append_pg

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_pg.DROP_V1, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_append_only_triggers")]

    operations = [migrations.RunPython(install, remove)]
