"""The Merkle log in the database (RFC 9162 hashing; see merkle.py).

LogEntry, Subtree, Checkpoint and Cosignature are append-only: triggers installed by
migration 0003 refuse UPDATE and DELETE at the database (TRUNCATE too on PostgreSQL), so a
bug, an admin page or an injected statement cannot quietly rewrite history. Someone who owns
the database can still drop the triggers: that is what `dissent ledger verify` and signed,
witnessed checkpoints are for.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

HASH_BYTES = 32


def _hash_length(field: str, name: str, size: int = HASH_BYTES) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Exact(Length(field), size), name=name)


class LogEntry(models.Model):
    """Leaf `index` (0-based) of the log: the canonical leaf bytes (leaf.py) and their hash."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(
        "events.Event", on_delete=models.PROTECT, null=True, related_name="log_entry"
    )
    leaf = models.BinaryField()
    leaf_hash = models.BinaryField()  # merkle.leaf_hash(leaf)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "log entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(index__gte=0), name="ledger_entry_index_gte_0"
            ),
            _hash_length("leaf_hash", "ledger_entry_leaf_hash_32_bytes"),
        ]

    def __str__(self) -> str:
        return f"log entry {self.index}"


class Subtree(models.Model):
    """The hash of the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level).

    Stored once complete (level >= 1; level 0 is LogEntry.leaf_hash), so any proof or root
    needs O(log n) reads instead of rehashing the log."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_subtree_level_index"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=62), name="ledger_subtree_level_1_62"
            ),
            models.CheckConstraint(
                condition=models.Q(index__gte=0), name="ledger_subtree_index_gte_0"
            ),
            _hash_length("hash", "ledger_subtree_hash_32_bytes"),
        ]

    def __str__(self) -> str:
        return f"subtree level {self.level} #{self.index}"


class LogHead(models.Model):
    """The one row saying how many entries the log has. Appends lock it (select_for_update),
    so appends are serialised and indexes have no gap and no duplicate."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_singleton"),
            models.CheckConstraint(condition=models.Q(size__gte=0), name="ledger_head_size_gte_0"),
        ]

    def __str__(self) -> str:
        return f"log of {self.size} entries"


class Checkpoint(models.Model):
    """A signed tree head: the C2SP checkpoint note over (origin, size, root)."""

    size = models.BigIntegerField()
    root = models.BinaryField()
    note = models.TextField()  # the full signed note, signature lines included
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["size"]
        get_latest_by = "size"
        constraints = [
            models.UniqueConstraint(fields=["size"], name="ledger_checkpoint_size_unique"),
            models.CheckConstraint(
                condition=models.Q(size__gte=0), name="ledger_checkpoint_size_gte_0"
            ),
            _hash_length("root", "ledger_checkpoint_root_32_bytes"),
        ]

    def __str__(self) -> str:
        return f"checkpoint at size {self.size}"


class Cosignature(models.Model):
    """A witness's C2SP cosignature/v1 on a checkpoint."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(max_length=100)  # the witness key name
    key_hash = models.BinaryField(max_length=4)
    timestamp = models.BigIntegerField()  # cosignature/v1 time, seconds since the epoch
    line = models.TextField()  # the signature line as it appears in the note
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checkpoint", "witness"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness"], name="ledger_cosignature_once_per_witness"
            ),
            _hash_length("key_hash", "ledger_cosignature_key_hash_4_bytes", 4),
        ]

    def __str__(self) -> str:
        return f"cosignature by {self.witness}"


class VerificationRun(models.Model):
    """One run of `dissent ledger verify`. Not append-only-protected: it is a report about
    the log, not part of it, and a later run can always be repeated."""

    at = models.DateTimeField(default=timezone.now)
    size = models.BigIntegerField()
    root = models.BinaryField()
    ok = models.BooleanField()
    first_bad_index = models.BigIntegerField(null=True, blank=True)
    by = models.CharField(max_length=100)
    # What was wrong, in one line (empty when ok).
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"verification at {self.at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'FAILED'}"
