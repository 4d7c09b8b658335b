from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    """Where a message is in the process. "Circulating for signatures" is a draft with
    invitations out, not a state of its own: the text can still change."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    # After submission the review office moves the message on (dissent.review.actions).
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISTRIBUTED = "distributed", "Distributed"
    UNDER_REVIEW = "under_review", "Under review"
    REPLIED = "replied", "Replied"
    CLOSED = "closed", "Closed"
    # Exits at intake: out of scope (the right channel is named) or not eligible.
    REDIRECTED = "redirected", "Redirected"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


# Every state of a message that has been submitted: compare with this, not with SUBMITTED,
# to ask "has it been submitted?".
SUBMITTED_STATES: frozenset[State] = frozenset(State) - {State.DRAFT}


class InvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class NamesVisibleTo(models.TextChoices):
    """The drafter's choice at submission: who may see co-signer names."""

    OFFICE = "office", "The review office only"
    PRINCIPALS = "principals", "The review office and the principals"
