"""The review office's records about a submitted message. Free text written here (reply,
rejoinder, comments, notes, reasons, meeting outcomes, reports) is stored only as bytes
written and read by dissent.review.content, like message text in dissent.memos.content."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from dissent.memos.models import Memo
from dissent.memos.states import State
from dissent.review.states import Channel, ReportKind, Scope

USER = settings.AUTH_USER_MODEL


class Case(models.Model):
    """A submitted message as the review office handles it, opened in the transaction that
    submits the message. `state` mirrors Memo.state (both change in one transaction) so the
    queue filters state, officer and due date on one table with indexes, at any size."""

    memo = models.OneToOneField(
        Memo, primary_key=True, on_delete=models.PROTECT, related_name="case"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    profile = models.CharField(max_length=8)  # the deadline profile at receipt
    received_at = models.DateTimeField()
    received_on = models.DateField()  # day 0: the date of receipt in settings.TIME_ZONE
    ack_due = models.DateField()
    reply_due = models.DateField()
    reply_due_max = models.DateField()
    # What is due next (ack_due or reply_due by state; null when nothing is): the queue's key.
    next_due = models.DateField(null=True, blank=True)
    # Frozen at submission, shown in lists without counting rows.
    signature_count = models.PositiveIntegerField(default=0)
    officer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.PENDING)
    scope_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    scope_note = models.BinaryField(default=b"", blank=True)  # review.content
    scope_decided_at = models.DateTimeField(null=True, blank=True)
    scope_decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    distributed_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    # Number of the latest reply draft; saves are conditional on it (no lost updates).
    reply_version_count = models.PositiveIntegerField(default=0)
    sent_reply = models.ForeignKey(
        "ReplyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejoinder_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The queue's two orders (due soonest first; then newest first where nothing is due)
        # read these indexes in order, and the state filter and the counts are answered from
        # them without touching the table: a page costs the same at any archive size.
        indexes = [
            models.Index(
                fields=["next_due", "received_at", "memo", "state"], name="case_queue_idx"
            ),
            models.Index(
                fields=["officer", "next_due", "received_at", "memo", "state"],
                name="case_officer_queue_idx",
            ),
            models.Index(fields=["state", "received_at", "memo"], name="case_state_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state=State.DRAFT), name="case_never_draft"),
        ]

    def __str__(self) -> str:
        return f"case {self.memo_id}"


class ReplyVersion(models.Model):
    """One saved draft of the office's reply. Never changed after it is written; the office
    head approves and sends exactly one of them (Case.sent_reply)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reply_versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    content = models.BinaryField()
    commitment_salt = models.BinaryField(max_length=32)
    commitment = models.CharField(max_length=64)
    banner = models.CharField(max_length=300, blank=True)
    fully_marked = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="reply_case_number_uniq")
        ]

    def __str__(self) -> str:
        return f"reply version {self.number} of {self.case_id}"


class Rejoinder(models.Model):
    """The drafters' one answer to the reply."""

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.PROTECT, related_name="rejoinder"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    content = models.BinaryField()
    commitment_salt = models.BinaryField(max_length=32)
    commitment = models.CharField(max_length=64)
    banner = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"rejoinder to {self.case_id}"


class DistributionListEntry(models.Model):
    """The fixed distribution list, managed by administrators: who receives every message
    on distribution (State profile: the Secretary, the Deputy, the Under Secretary for
    Political Affairs, the Executive Secretary, the Open Forum chair)."""

    principal = models.OneToOneField(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": "principal", "is_active": True},
    )
    label = models.CharField(max_length=120, help_text='The office held, e.g. "Secretary".')
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the list.")

    class Meta:
        ordering = ["position", "label"]
        verbose_name = "distribution list entry"
        verbose_name_plural = "distribution list"

    def __str__(self) -> str:
        return self.label


class Recipient(models.Model):
    """A principal a message was distributed to: the only way a principal may read it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recipients")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=120, blank=True)
    is_extra = models.BooleanField(default=False)  # added by the office head, with a reason
    reason = models.BinaryField(default=b"", blank=True)  # review.content
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="recipient_case_user_uniq")
        ]
        indexes = [models.Index(fields=["user", "added_at"], name="recipient_user_added_idx")]

    def __str__(self) -> str:
        return f"recipient of {self.case_id}"


class Comment(models.Model):
    """A principal's comment to the review office (not shown to drafters)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.BinaryField()  # review.content

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="comment_case_idx")]

    def __str__(self) -> str:
        return f"comment on {self.case_id}"


class InternalNote(models.Model):
    """A note the review office keeps for itself."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.BinaryField()  # review.content

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_idx")]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class Meeting(models.Model):
    """A meeting between the office and the drafters: requested, then held with an outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    request_note = models.BinaryField(default=b"", blank=True)  # review.content
    held_on = models.DateField(null=True, blank=True)
    outcome = models.BinaryField(default=b"", blank=True)  # review.content
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"meeting {self.id}"


class ReprisalReport(models.Model):
    """A report of reprisal or unauthorized disclosure linked to a message, by one of its
    drafters or invited co-signers, at any time (drafts included). It reaches the office
    head and the auditor role only. There is no chain-of-command role in this system, so
    nothing here can reach a supervisor, a rater or an HR system."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memo = models.ForeignKey(Memo, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    text = models.BinaryField()  # review.content

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="reprisal_created_idx")]

    def __str__(self) -> str:
        return f"report {self.id}"


class Closure(models.Model):
    """A day the office is closed that the federal calendar lacks (Inauguration Day in the
    D.C. area, a snow day, a local holiday). Administrators manage these in the admin;
    deadlines of open cases are recomputed when the table changes."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date"]
        verbose_name = "office closure"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}: {self.reason}"
