from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    """Where a message is in the process. "Circulating for signatures" is a draft with
    invitations out, not a state of its own: the text can still change."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class InvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class NamesVisibleTo(models.TextChoices):
    """The drafter's choice at submission: who may see co-signer names."""

    OFFICE = "office", "The review office only"
    PRINCIPALS = "principals", "The review office and the principals"
