# The log's tables (dissent.ledger.models). Triggers come in 0003.

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("events", "0001_event_log"),
    ]

    operations = [
        migrations.CreateModel(
            name="VerificationRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("size", models.BigIntegerField()),
                ("root", models.BinaryField()),
                ("ok", models.BooleanField()),
                ("first_bad_index", models.BigIntegerField(blank=True, null=True)),
                ("by", models.CharField(max_length=100)),
                ("detail", models.TextField(blank=True)),
            ],
            options={
                "ordering": ["-at", "-id"],
                "get_latest_by": "at",
            },
        ),
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("size", models.BigIntegerField()),
                ("root", models.BinaryField()),
                ("note", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["size"],
                "get_latest_by": "size",
                "constraints": [
                    models.UniqueConstraint(fields=("size",), name="ledger_checkpoint_size_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("size__gte", 0)), name="ledger_checkpoint_size_gte_0"
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("root"), 32
                        ),
                        name="ledger_checkpoint_root_32_bytes",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="LogHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("size", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="ledger_head_singleton"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("size__gte", 0)), name="ledger_head_size_gte_0"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Subtree",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("hash", models.BinaryField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("level", "index"), name="ledger_subtree_level_index"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("level__gte", 1), ("level__lte", 62)),
                        name="ledger_subtree_level_1_62",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("index__gte", 0)), name="ledger_subtree_index_gte_0"
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("hash"), 32
                        ),
                        name="ledger_subtree_hash_32_bytes",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Cosignature",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("witness", models.CharField(max_length=100)),
                ("key_hash", models.BinaryField(max_length=4)),
                ("timestamp", models.BigIntegerField()),
                ("line", models.TextField()),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "checkpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cosignatures",
                        to="ledger.checkpoint",
                    ),
                ),
            ],
            options={
                "ordering": ["checkpoint", "witness"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("checkpoint", "witness"), name="ledger_cosignature_once_per_witness"
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("key_hash"), 4
                        ),
                        name="ledger_cosignature_key_hash_4_bytes",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="LogEntry",
            fields=[
                ("index", models.BigIntegerField(primary_key=True, serialize=False)),
                ("leaf", models.BinaryField()),
                ("leaf_hash", models.BinaryField()),
                (
                    "event",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="log_entry",
                        to="events.event",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "log entries",
                "ordering": ["index"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("index__gte", 0)), name="ledger_entry_index_gte_0"
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("leaf_hash"), 32
                        ),
                        name="ledger_entry_leaf_hash_32_bytes",
                    ),
                ],
            },
        ),
    ]
