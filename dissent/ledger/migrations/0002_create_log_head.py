# The log head singleton, and every event recorded before the log existed appended in id
# order (so `dissent ledger verify` finds no event outside the log on an upgraded database).

from django.db import migrations

BATCH = 2000


def create_head_and_log_past_events(apps, schema_editor):
    from dissent.ledger import leaf, merkle

    LogHead = apps.get_model("ledger", "LogHead")
    LogEntry = apps.get_model("ledger", "LogEntry")
    Subtree = apps.get_model("ledger", "Subtree")
    Event = apps.get_model("events", "Event")
    db = schema_editor.connection.alias
    events = Event.objects.using(db).order_by("id")
    if not events.exists():
        LogHead.objects.using(db).get_or_create(id=1, defaults={"size": 0})
        return
    encoder = leaf.Encoder()
    compact = merkle.CompactRange()
    entries, subtrees = [], []

    def flush():
        LogEntry.objects.using(db).bulk_create(entries)
        Subtree.objects.using(db).bulk_create(subtrees)
        entries.clear()
        subtrees.clear()

    for event in events.iterator(chunk_size=BATCH):
        data = encoder.encode_fields(
            event_id=event.id,
            type=event.type,
            subject_id=event.subject_id,
            at=event.at,
            actor_id=event.actor_id,
            commitment=event.commitment,
            payload=event.payload,
        )
        leaf_hash = merkle.leaf_hash(data)
        entries.append(
            LogEntry(index=compact.size, event_id=event.id, leaf=data, leaf_hash=leaf_hash)
        )
        subtrees += [Subtree(level=lv, index=i, hash=h) for lv, i, h in compact.append(leaf_hash)]
        if len(entries) >= BATCH:
            flush()
    flush()
    LogHead.objects.using(db).update_or_create(id=1, defaults={"size": compact.size})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_log_tables")]

    operations = [
        migrations.RunPython(create_head_and_log_past_events, migrations.RunPython.noop),
    ]
