# Triggers that refuse UPDATE and DELETE on the log tables and events_event, per database
# vendor (dissent.ledger.triggers, version 1). RunSQL cannot branch on the vendor, hence
# RunPython executing the vendor's statements.

from django.db import migrations


def install(apps, schema_editor):
    from dissent.ledger import triggers

    create, _ = triggers.statements_v1(schema_editor.connection.vendor)
    for sql in create:
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    from dissent.ledger import triggers

    _, drop = triggers.statements_v1(schema_editor.connection.vendor)
    for sql in drop:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_create_log_head"), ("events", "0001_event_log")]

    operations = [migrations.RunPython(install, remove)]
