"""The review side of a message's life: which states allow which step, and the choices
the office makes at intake. The states themselves are dissent.memos.states.State."""

from __future__ import annotations

from django.db import models

from dissent.memos.states import State


class Scope(models.TextChoices):
    PENDING = "pending", "Not yet decided"
    IN_SCOPE = "in_scope", "In scope"
    REDIRECTED = "redirected", "Out of scope: redirected"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class Channel(models.TextChoices):
    """Where an out-of-scope message belongs (management or personnel matters)."""

    GRIEVANCE = "grievance", "Grievance procedure"
    INSPECTOR_GENERAL = "inspector_general", "Office of Inspector General"
    EEO = "eeo", "Equal Employment Opportunity office"
    OTHER = "other", "Another channel (named in the note)"


class ReportKind(models.TextChoices):
    REPRISAL = "reprisal", "Reprisal"
    UNAUTHORIZED_DISCLOSURE = "unauthorized_disclosure", "Unauthorized disclosure"


class DueKind(models.TextChoices):
    ACKNOWLEDGMENT = "acknowledgment", "Acknowledgment"
    REPLY = "reply", "Reply"


# Cases still being worked on (assignable, in the default queue).
OPEN_STATES = (
    State.SUBMITTED,
    State.ACKNOWLEDGED,
    State.DISTRIBUTED,
    State.UNDER_REVIEW,
    State.REPLIED,
)
FINAL_STATES = (State.CLOSED, State.REDIRECTED, State.NOT_ELIGIBLE)
# Distributed to principals and not yet closed: principals may comment, the head may add
# recipients.
WITH_PRINCIPALS = (State.DISTRIBUTED, State.UNDER_REVIEW, State.REPLIED)
# Acknowledged and not yet closed: a meeting may be requested.
MEETING_STATES = (State.ACKNOWLEDGED, *WITH_PRINCIPALS)


def due_kind(state: str) -> DueKind | None:
    """What the office owes next in `state`: the acknowledgment, the reply, or nothing."""
    if state == State.SUBMITTED:
        return DueKind.ACKNOWLEDGMENT
    if state in (State.ACKNOWLEDGED, State.DISTRIBUTED, State.UNDER_REVIEW):
        return DueKind.REPLY
    return None
