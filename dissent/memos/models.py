from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from dissent.memos.states import InvitationStatus, NamesVisibleTo, State

USER = settings.AUTH_USER_MODEL


class Memo(models.Model):
    """A dissent message. Its text lives only in its versions, read and written through
    dissent.memos.content."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Number of the latest version; saves are conditional on it (no lost updates).
    version_count = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_version = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    names_visible_to = models.CharField(
        max_length=20, choices=NamesVisibleTo.choices, default=NamesVisibleTo.OFFICE
    )

    class Meta:
        indexes = [models.Index(fields=["state", "updated_at"], name="memo_state_updated_idx")]

    def __str__(self) -> str:
        return f"message {self.id}"


class Version(models.Model):
    """One saved text. Never changed after it is written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memo = models.ForeignKey(Memo, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    content = models.BinaryField()
    # The tamper-evident log holds only a salted commitment to the text (content.commitment);
    # the salt goes to the drafters in their receipt so they alone can prove what they sent.
    commitment_salt = models.BinaryField(max_length=32)
    commitment = models.CharField(max_length=64)
    banner = models.CharField(max_length=300, blank=True)
    fully_marked = models.BooleanField(default=False)

    class Meta:
        ordering = ["memo", "number"]
        constraints = [
            models.UniqueConstraint(fields=["memo", "number"], name="version_memo_number_uniq")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.memo_id}"


class Drafter(models.Model):
    memo = models.ForeignKey(Memo, on_delete=models.PROTECT, related_name="drafters")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="drafted")
    is_owner = models.BooleanField(default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memo", "user"], name="drafter_uniq")]

    def __str__(self) -> str:
        return f"drafter of {self.memo_id}"


class Invitation(models.Model):
    """An invitation to co-sign, and the invitee's answer. A signature is bound to the exact
    version it was given on (signed_version)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memo = models.ForeignKey(Memo, on_delete=models.PROTECT, related_name="invitations")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=12, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    signed_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memo", "user"], name="invitation_uniq"),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_version__isnull=False),
                name="invitation_signed_has_version",
            ),
        ]
        indexes = [
            models.Index(fields=["memo", "status"], name="invitation_memo_status_idx"),
            models.Index(fields=["user", "status"], name="invitation_user_status_idx"),
        ]

    def __str__(self) -> str:
        return f"invitation to {self.memo_id} ({self.status})"


class SubmittedSignature(models.Model):
    """Who had signed the exact submitted version, frozen at submission."""

    memo = models.ForeignKey(Memo, on_delete=models.PROTECT, related_name="submitted_signatures")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memo", "user"], name="submitted_signature_uniq")
        ]

    def __str__(self) -> str:
        return f"signature on {self.memo_id}"
