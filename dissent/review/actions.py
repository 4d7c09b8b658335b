"""Everything that happens to a message after submission. Each do_* action runs in one
transaction, moves the case with a conditional update (it must touch exactly one row, so two
officers acknowledging at once give one acknowledgment on SQLite and PostgreSQL alike),
records its event in the same transaction, and enqueues notices on commit.

Who may call what is decided before, by dissent.review.access (the API and pages pass the
case they reached through it); the actions check the state and the input. See
docs/review-design.md for the state diagram.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.record import record_event
from dissent.events.types import EventType
from dissent.lib.deadlines import Profile, deadlines_for
from dissent.lib.errors import Conflict, InvalidInput, TransitionError
from dissent.memos.models import Drafter, Memo
from dissent.memos.states import State
from dissent.notifications.notices import Notice
from dissent.notifications.tasks import notify_on_commit
from dissent.review import content as text
from dissent.review.calendar import closure_dates, local_date, today
from dissent.review.links import message_path, reading_list_path, report_path
from dissent.review.models import (
    Case,
    Closure,
    Comment,
    DistributionListEntry,
    InternalNote,
    Meeting,
    Recipient,
    Rejoinder,
    ReplyVersion,
    ReprisalReport,
)
from dissent.review.states import (
    MEETING_STATES,
    OPEN_STATES,
    WITH_PRINCIPALS,
    Channel,
    DueKind,
    ReportKind,
    Scope,
    due_kind,
)

OFFICE_ROLES = (Role.REVIEW_OFFICER, Role.OFFICE_HEAD)


# --------------------------------------------------------------------------- helpers


def _next_due_for(state: State, fields: dict[str, Any]) -> Any:
    """What Case.next_due becomes when the case enters `state`: the due date set by the same
    update if there is one (an UPDATE's F() reads the old value), else the stored one."""
    kind = due_kind(state)
    if kind is DueKind.ACKNOWLEDGMENT:
        return fields.get("ack_due", F("ack_due"))
    if kind is DueKind.REPLY:
        return fields.get("reply_due", F("reply_due"))
    return None


def _wrong_state(case: Case, doing: str) -> TransitionError:
    state = Case.objects.filter(memo_id=case.memo_id).values_list("state", flat=True).first()
    label = State(state).label if state else "gone"
    return TransitionError(f"cannot {doing} while the message is “{label}”")


def _move(
    case: Case,
    *,
    doing: str,
    allowed: Iterable[State],
    to: State | None = None,
    also: Q | None = None,
    refusal: str | None = None,
    **fields: Any,
) -> Case:
    """The conditional update at the heart of every action: change the case only if it is in
    one of the `allowed` states (and matches `also`), else TransitionError and no write.
    With `to`, the case and its message enter that state together."""
    now = timezone.now()
    rows = Case.objects.filter(memo_id=case.memo_id, state__in=list(allowed))
    if also is not None:
        rows = rows.filter(also)
    values: dict[str, Any] = {"updated_at": now, **fields}
    if to is not None:
        values.update(state=to, next_due=_next_due_for(to, fields))
    if rows.update(**values) != 1:
        raise TransitionError(refusal) if refusal else _wrong_state(case, doing)
    if to is not None:
        Memo.objects.filter(id=case.memo_id).update(state=to, updated_at=now)
    return Case.objects.select_related("memo", "officer").get(memo_id=case.memo_id)


def _drafter_ids(case: Case) -> list[object]:
    return list(Drafter.objects.filter(memo_id=case.memo_id).values_list("user_id", flat=True))


def _tell_drafters(case: Case) -> None:
    notify_on_commit(Notice.MESSAGE_UPDATE, _drafter_ids(case), message_path(case.memo_id))


def _event(type: EventType, case: Case, actor: User, **payload: Any) -> None:
    commitment = payload.pop("commitment", None)
    record_event(type, actor=actor, subject_id=case.memo_id, payload=payload, commitment=commitment)


def _stored(marked: text.MarkedBody) -> dict[str, Any]:
    """The columns a reply version and a rejoinder share for their marked text."""
    return {
        "content_hash": marked.content_hash,
        "content": marked.stored,
        "commitment_salt": marked.salt,
        "commitment": marked.commitment,
        "banner": marked.banner,
    }


# --------------------------------------------------------------------------- intake


def open_case(memo: Memo, *, received_at: datetime, signature_count: int) -> Case:
    """Open the review case of a message being submitted. Called by
    dissent.memos.actions.do_submit inside its transaction, so no submitted message is ever
    without its case and deadlines; the SUBMITTED event it records is the case's first."""
    profile = Profile(settings.DEADLINE_PROFILE)
    received_on = local_date(received_at)
    due = deadlines_for(profile, received_on, closure_dates())
    return Case.objects.create(
        memo=memo,
        state=State.SUBMITTED,
        profile=profile.value,
        received_at=received_at,
        received_on=received_on,
        ack_due=due.acknowledge_by,
        reply_due=due.reply_by,
        reply_due_max=due.reply_by_max,
        next_due=due.acknowledge_by,
        signature_count=signature_count,
        updated_at=received_at,
    )


@transaction.atomic
def do_acknowledge(case: Case, *, acting_user: User) -> Case:
    """Acknowledge receipt (to all drafters). Under the EU profile the feedback period now
    runs from today."""
    now = timezone.now()
    fields: dict[str, Any] = {"acknowledged_at": now, "acknowledged_by": acting_user}
    if case.profile == Profile.EU:
        due = deadlines_for(Profile.EU, case.received_on, acknowledged_on=local_date(now))
        fields.update(reply_due=due.reply_by, reply_due_max=due.reply_by_max)
    case = _move(
        case, doing="acknowledge", allowed=[State.SUBMITTED], to=State.ACKNOWLEDGED, **fields
    )
    _event(
        EventType.ACKNOWLEDGED,
        case,
        acting_user,
        due=case.ack_due.isoformat(),
        late=local_date(now) > case.ack_due,
    )
    _tell_drafters(case)
    return case


@transaction.atomic
def do_assign(case: Case, officer: User, *, acting_user: User) -> Case:
    """Assign (or reassign) the officer responsible; assigning the same one changes nothing."""
    if not (officer.is_active and officer.role in OFFICE_ROLES):
        raise InvalidInput(f"{officer.email} is not in the review office", field="officer")
    locked = Case.objects.select_for_update().get(memo_id=case.memo_id)
    if locked.state not in OPEN_STATES:
        raise _wrong_state(case, "assign an officer")
    if locked.officer_id == officer.id:
        return Case.objects.select_related("memo", "officer").get(memo_id=case.memo_id)
    previous = locked.officer_id
    case = _move(
        case,
        doing="assign an officer",
        allowed=OPEN_STATES,
        also=Q(officer_id=previous) if previous else Q(officer__isnull=True),
        officer=officer,
    )
    _event(
        EventType.OFFICER_ASSIGNED,
        case,
        acting_user,
        officer=str(officer.id),
        previous=str(previous) if previous else None,
    )
    return case


@transaction.atomic
def do_decide_scope(
    case: Case, decision: str, *, channel: str = "", note: str = "", acting_user: User
) -> Case:
    """In scope (after acknowledgment), or one of the intake exits (before or after it):
    REDIRECTED names the right channel (with a note when it is "other"), NOT_ELIGIBLE gives
    the reason in the note. Drafters are told of an exit."""
    try:
        scope = Scope(decision)
    except ValueError:
        scope = Scope.PENDING
    if scope is Scope.PENDING:
        raise InvalidInput(
            "decision must be in_scope, redirected or not_eligible", field="decision"
        )
    fields: dict[str, Any] = {
        "scope": scope,
        "scope_decided_at": timezone.now(),
        "scope_decided_by": acting_user,
    }
    if scope is Scope.REDIRECTED:
        try:
            fields["scope_channel"] = Channel(channel)
        except ValueError:
            raise InvalidInput(
                f"name the channel: one of {', '.join(Channel.values)}", field="channel"
            ) from None
        required = fields["scope_channel"] is Channel.OTHER
        note = text.clean_text(text.TextKind.SCOPE_NOTE, note, field="note", required=required)
    elif scope is Scope.NOT_ELIGIBLE:
        note = text.clean_text(text.TextKind.SCOPE_NOTE, note, field="note")
    else:
        note = text.clean_text(text.TextKind.SCOPE_NOTE, note, field="note", required=False)
    if channel and scope is not Scope.REDIRECTED:
        raise InvalidInput("a channel is named only when redirecting", field="channel")
    fields["scope_note"] = text.store_text(text.TextKind.SCOPE_NOTE, note)
    exits = {Scope.REDIRECTED: State.REDIRECTED, Scope.NOT_ELIGIBLE: State.NOT_ELIGIBLE}
    case = _move(
        case,
        doing="decide the scope",
        allowed=[State.ACKNOWLEDGED]
        if scope is Scope.IN_SCOPE
        else [State.SUBMITTED, State.ACKNOWLEDGED],
        to=exits.get(scope),
        also=Q(scope=Scope.PENDING),
        **fields,
    )
    _event(
        EventType.SCOPE_DECIDED,
        case,
        acting_user,
        decision=scope.value,
        channel=case.scope_channel or None,
    )
    if scope is not Scope.IN_SCOPE:
        _tell_drafters(case)
    return case


def do_redirect(case: Case, channel: str, note: str = "", *, acting_user: User) -> Case:
    """Out of scope: the message belongs in `channel` (grievance, inspector_general, eeo,
    other — then `note` names it)."""
    return do_decide_scope(
        case, Scope.REDIRECTED, channel=channel, note=note, acting_user=acting_user
    )


def do_mark_not_eligible(case: Case, reason: str, *, acting_user: User) -> Case:
    return do_decide_scope(case, Scope.NOT_ELIGIBLE, note=reason, acting_user=acting_user)


# --------------------------------------------------------------------------- distribution


@transaction.atomic
def do_distribute(case: Case, *, acting_user: User) -> list[Recipient]:
    """Send the message to every principal on the fixed distribution list."""
    entries = list(
        DistributionListEntry.objects.select_related("principal").filter(
            principal__is_active=True, principal__role=Role.PRINCIPAL
        )
    )
    current = Case.objects.filter(memo_id=case.memo_id).values_list("state", "scope").first()
    if current == (State.ACKNOWLEDGED, Scope.PENDING):
        raise TransitionError("decide whether the message is in scope before distributing it")
    case = _move(
        case,
        doing="distribute",
        allowed=[State.ACKNOWLEDGED],
        also=Q(scope=Scope.IN_SCOPE),
        to=State.DISTRIBUTED,
        distributed_at=timezone.now(),
    )
    if not entries:
        raise Conflict(
            "the distribution list is empty: an administrator adds the principals to it first"
        )
    recipients = Recipient.objects.bulk_create(
        Recipient(case=case, user=entry.principal, label=entry.label, added_by=acting_user)
        for entry in entries
    )
    for recipient in recipients:
        _event(
            EventType.RECIPIENT_ADDED, case, acting_user, user=str(recipient.user_id), extra=False
        )
    _event(EventType.DISTRIBUTED, case, acting_user, recipients=len(recipients))
    notify_on_commit(Notice.DISTRIBUTED, [r.user_id for r in recipients], reading_list_path())
    return recipients


@transaction.atomic
def do_add_recipient(case: Case, principal: User, reason: str, *, acting_user: User) -> Recipient:
    """An extra recipient, by the office head only (access checks the role), with a written
    reason that the drafters see."""
    reason = text.clean_text(text.TextKind.RECIPIENT_REASON, reason, field="reason")
    if not (principal.is_active and principal.role == Role.PRINCIPAL):
        raise InvalidInput(f"{principal.email} is not an active principal", field="principal")
    case = _move(case, doing="add a recipient", allowed=WITH_PRINCIPALS)
    if Recipient.objects.filter(case=case, user=principal).exists():
        raise Conflict(f"{principal.name} already receives this message", field="principal")
    recipient = Recipient.objects.create(
        case=case,
        user=principal,
        is_extra=True,
        reason=text.store_text(text.TextKind.RECIPIENT_REASON, reason),
        added_by=acting_user,
    )
    _event(EventType.RECIPIENT_ADDED, case, acting_user, user=str(principal.id), extra=True)
    notify_on_commit(Notice.DISTRIBUTED, [principal.id], reading_list_path())
    _tell_drafters(case)
    return recipient


@transaction.atomic
def do_comment(case: Case, body: str, *, acting_user: User) -> Comment:
    """A principal's comment to the review office (the drafters do not see it)."""
    body = text.clean_text(text.TextKind.COMMENT, body, field="text")
    case = _move(case, doing="comment", allowed=WITH_PRINCIPALS)
    comment = Comment.objects.create(
        case=case, author=acting_user, text=text.store_text(text.TextKind.COMMENT, body)
    )
    _event(EventType.COMMENT_ADDED, case, acting_user)
    return comment


# --------------------------------------------------------------------------- reply


@transaction.atomic
def do_start_review(case: Case, *, acting_user: User) -> Case:
    case = _move(
        case,
        doing="start the review",
        allowed=[State.DISTRIBUTED],
        to=State.UNDER_REVIEW,
        review_started_at=timezone.now(),
    )
    _event(EventType.REVIEW_STARTED, case, acting_user)
    return case


@transaction.atomic
def do_save_reply_draft(
    case: Case, body: str, *, base_version: int, acting_user: User
) -> ReplyVersion:
    """Save a reply draft on top of `base_version` (0 for the first). If another officer
    saved meanwhile, nothing is overwritten: Conflict says so. Unchanged text makes no new
    version."""
    marked = text.reply_body(body)
    locked = Case.objects.select_for_update().get(memo_id=case.memo_id)
    if locked.state != State.UNDER_REVIEW:
        raise _wrong_state(case, "draft the reply")
    if locked.reply_version_count != base_version:
        raise Conflict(
            f"reply version {locked.reply_version_count} was saved while you edited version "
            f"{base_version}; your text has not been saved — compare and save again on top "
            f"of version {locked.reply_version_count}",
            field="base_version",
        )
    if base_version:
        current = ReplyVersion.objects.get(case_id=case.memo_id, number=base_version)
        if current.content_hash == marked.content_hash:
            return current
    number = base_version + 1
    case = _move(
        case,
        doing="draft the reply",
        allowed=[State.UNDER_REVIEW],
        also=Q(reply_version_count=base_version),
        reply_version_count=number,
    )
    version = ReplyVersion.objects.create(
        case=case,
        number=number,
        author=acting_user,
        fully_marked=marked.fully_marked,
        **_stored(marked),
    )
    _event(
        EventType.REPLY_DRAFT_SAVED,
        case,
        acting_user,
        version=number,
        hash=version.content_hash,
        commitment=version.commitment,
    )
    return version


@transaction.atomic
def do_approve_and_send_reply(case: Case, *, version: int, acting_user: User) -> Case:
    """The office head approves reply draft `version` (the one they read) and sends it to
    the drafters. It must be the latest draft and fully marked; there is one reply."""
    current = Case.objects.filter(memo_id=case.memo_id).values_list("state", "reply_version_count")
    state, count = current.get()
    if state != State.UNDER_REVIEW:
        raise _wrong_state(case, "send a reply")
    if count == 0:
        raise TransitionError("there is no reply draft to send yet")
    if version != count:
        raise Conflict(
            f"reply version {count} is the latest; read it, then approve", field="version"
        )
    reply = ReplyVersion.objects.get(case_id=case.memo_id, number=version)
    try:
        text.require_complete_marking(text.read_reply(reply.content))
    except InvalidInput as exc:
        exc.field = "version"
        raise
    now = timezone.now()
    case = _move(
        case,
        doing="send a reply",
        allowed=[State.UNDER_REVIEW],
        also=Q(reply_version_count=version),
        to=State.REPLIED,
        sent_reply=reply,
        replied_at=now,
        replied_by=acting_user,
    )
    _event(
        EventType.REPLY_SENT,
        case,
        acting_user,
        version=version,
        hash=reply.content_hash,
        due=case.reply_due.isoformat(),
        late=local_date(now) > case.reply_due,
        commitment=reply.commitment,
    )
    _tell_drafters(case)
    return case


@transaction.atomic
def do_rejoinder(case: Case, body: str, *, acting_user: User) -> Rejoinder:
    """The drafters' one answer to the reply, before the case closes."""
    marked = text.rejoinder_body(body)
    if Case.objects.filter(memo_id=case.memo_id, rejoinder_at__isnull=False).exists():
        raise TransitionError("the drafters have already sent their rejoinder")
    now = timezone.now()
    case = _move(
        case,
        doing="send a rejoinder",
        allowed=[State.REPLIED],
        also=Q(rejoinder_at__isnull=True),
        rejoinder_at=now,
    )
    rejoinder = Rejoinder.objects.create(
        case=case,
        author=acting_user,
        created_at=now,
        **_stored(marked),
    )
    _event(
        EventType.REJOINDER_SUBMITTED,
        case,
        acting_user,
        hash=rejoinder.content_hash,
        commitment=rejoinder.commitment,
    )
    return rejoinder


# --------------------------------------------------------------------------- meetings


@transaction.atomic
def do_request_meeting(case: Case, note: str = "", *, acting_user: User) -> Meeting:
    """A drafter or the office asks for a meeting; one open request at a time."""
    note = text.clean_text(text.TextKind.MEETING_REQUEST, note, field="note", required=False)
    case = _move(case, doing="request a meeting", allowed=MEETING_STATES)
    if Meeting.objects.filter(case=case, held_on__isnull=True).exists():
        raise Conflict("a meeting has already been requested and is not yet recorded")
    meeting = Meeting.objects.create(
        case=case,
        requested_by=acting_user,
        request_note=text.store_text(text.TextKind.MEETING_REQUEST, note),
    )
    _event(EventType.MEETING_REQUESTED, case, acting_user, meeting=str(meeting.id))
    if acting_user.role in OFFICE_ROLES:
        _tell_drafters(case)
    return meeting


@transaction.atomic
def do_record_meeting(
    meeting: Meeting, *, held_on: date, outcome: str, acting_user: User
) -> Meeting:
    """The office records that the meeting was held, when, and its outcome."""
    outcome = text.clean_text(text.TextKind.MEETING_OUTCOME, outcome, field="outcome")
    if held_on > today():
        raise InvalidInput("a meeting is recorded once it has been held", field="held_on")
    recorded = Meeting.objects.filter(id=meeting.id, held_on__isnull=True).update(
        held_on=held_on,
        outcome=text.store_text(text.TextKind.MEETING_OUTCOME, outcome),
        recorded_by=acting_user,
        recorded_at=timezone.now(),
    )
    if recorded != 1:
        raise TransitionError("this meeting's outcome has already been recorded")
    case = Case.objects.get(memo_id=meeting.case_id)
    _event(
        EventType.MEETING_RECORDED,
        case,
        acting_user,
        meeting=str(meeting.id),
        held_on=held_on.isoformat(),
    )
    return Meeting.objects.get(id=meeting.id)


# --------------------------------------------------------------------------- closure


@transaction.atomic
def do_close(case: Case, *, acting_user: User) -> Case:
    case = _move(
        case,
        doing="close the case",
        allowed=[State.REPLIED],
        to=State.CLOSED,
        closed_at=timezone.now(),
        closed_by=acting_user,
    )
    _event(EventType.CASE_CLOSED, case, acting_user)
    _tell_drafters(case)
    return case


@transaction.atomic
def do_add_internal_note(case: Case, body: str, *, acting_user: User) -> InternalNote:
    """A note for the review office only, at any stage."""
    body = text.clean_text(text.TextKind.NOTE, body, field="text")
    note = InternalNote.objects.create(
        case=case, author=acting_user, text=text.store_text(text.TextKind.NOTE, body)
    )
    _event(EventType.NOTE_ADDED, case, acting_user)
    return note


# --------------------------------------------------------------------------- protection


@transaction.atomic
def do_report_reprisal(memo: Memo, kind: str, body: str, *, acting_user: User) -> ReprisalReport:
    """A drafter or co-signer reports reprisal or unauthorized disclosure linked to `memo`,
    at any time. It reaches the office head and the auditors (by a content-free notice) and
    nobody else; the event's subject is the report, so the message's own timeline does not
    show it to its other readers."""
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        raise InvalidInput(
            f"kind must be one of {', '.join(ReportKind.values)}", field="kind"
        ) from None
    body = text.clean_text(text.TextKind.REPORT, body, field="text")
    report = ReprisalReport.objects.create(
        memo=memo,
        reporter=acting_user,
        kind=report_kind,
        text=text.store_text(text.TextKind.REPORT, body),
    )
    record_event(
        EventType.REPRISAL_REPORTED,
        actor=acting_user,
        subject_id=report.id,
        payload={"kind": report_kind.value, "message": str(memo.id)},
    )
    readers = User.objects.filter(
        is_active=True, role__in=[Role.OFFICE_HEAD, Role.AUDITOR]
    ).values_list("id", flat=True)
    notify_on_commit(Notice.REPORT_FILED, readers, report_path(report.id))
    return report


@transaction.atomic
def do_record_opening(memo: Memo, *, acting_user: User) -> None:
    """Access transparency: every opening of a submitted message's text is recorded (who,
    with which role, when) for its drafters to see. Drafts are not recorded: only their
    drafters and invitees can open them."""
    if memo.state == State.DRAFT:
        return
    record_event(
        EventType.MESSAGE_OPENED,
        actor=acting_user,
        subject_id=memo.id,
        payload={"role": acting_user.role},
    )


# --------------------------------------------------------------------------- administration


def _recompute_deadlines(changed: date) -> int:
    """After the closure table changed on `changed`: the deadlines still running of every
    open case whose window contains that day. Deadlines already met stay as they were."""
    closures = closure_dates()
    cases = list(
        Case.objects.filter(
            profile=Profile.STATE,
            state__in=[State.SUBMITTED, State.ACKNOWLEDGED, State.DISTRIBUTED, State.UNDER_REVIEW],
            received_on__lt=changed,
            reply_due_max__gte=changed,
        )
    )
    changed_cases = []
    for case in cases:
        due = deadlines_for(case.profile, case.received_on, closures)
        new = {"reply_due": due.reply_by, "reply_due_max": due.reply_by_max}
        if case.state == State.SUBMITTED:
            new["ack_due"] = due.acknowledge_by
        kind = due_kind(case.state)
        new["next_due"] = due.acknowledge_by if kind is DueKind.ACKNOWLEDGMENT else due.reply_by
        if any(getattr(case, name) != value for name, value in new.items()):
            for name, value in new.items():
                setattr(case, name, value)
            changed_cases.append(case)
    Case.objects.bulk_update(
        changed_cases, ["ack_due", "reply_due", "reply_due_max", "next_due"], batch_size=500
    )
    return len(changed_cases)


def _clean_reason(reason: str) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput("give the reason for the closure", field="reason")
    if len(reason) > 200:
        raise InvalidInput("the reason is limited to 200 characters", field="reason")
    return reason


@transaction.atomic
def do_add_closure(day: date, reason: str, *, acting_user: User | None) -> Closure:
    """A day the office is closed; open cases' deadlines move accordingly."""
    reason = _clean_reason(reason)
    if Closure.objects.filter(date=day).exists():
        raise Conflict(f"{day:%Y-%m-%d} is already a closure", field="date")
    closure = Closure.objects.create(date=day, reason=reason, created_by=acting_user)
    moved = _recompute_deadlines(day)
    record_event(
        EventType.CLOSURE_ADDED,
        actor=acting_user,
        payload={"date": day.isoformat(), "cases": moved},
    )
    return closure


@transaction.atomic
def do_rename_closure(closure: Closure, reason: str, *, acting_user: User | None) -> Closure:
    """Only the reason changes (no deadline moves, so no event)."""
    Closure.objects.filter(id=closure.id).update(reason=_clean_reason(reason))
    return Closure.objects.get(id=closure.id)


@transaction.atomic
def do_remove_closure(closure: Closure, *, acting_user: User | None) -> None:
    day = closure.date
    if Closure.objects.filter(id=closure.id).delete()[0] != 1:
        raise TransitionError("this closure has already been removed")
    moved = _recompute_deadlines(day)
    record_event(
        EventType.CLOSURE_REMOVED,
        actor=acting_user,
        payload={"date": day.isoformat(), "cases": moved},
    )


def _list_event(entry: DistributionListEntry, change: str, actor: User | None) -> None:
    record_event(
        EventType.DISTRIBUTION_LIST_CHANGED,
        actor=actor,
        payload={"user": str(entry.principal_id), "change": change},
    )


@transaction.atomic
def do_add_distribution_entry(
    principal: User, label: str, *, position: int = 0, acting_user: User | None
) -> DistributionListEntry:
    if not (principal.is_active and principal.role == Role.PRINCIPAL):
        raise InvalidInput(f"{principal.email} is not an active principal", field="principal")
    label = label.strip()
    if not label:
        raise InvalidInput('give the office held, e.g. "Secretary"', field="label")
    if DistributionListEntry.objects.filter(principal=principal).exists():
        raise Conflict(f"{principal.email} is already on the list", field="principal")
    entry = DistributionListEntry.objects.create(
        principal=principal, label=label, position=position
    )
    _list_event(entry, "added", acting_user)
    return entry


@transaction.atomic
def do_change_distribution_entry(
    entry: DistributionListEntry, label: str, *, position: int, acting_user: User | None
) -> DistributionListEntry:
    label = label.strip()
    if not label:
        raise InvalidInput('give the office held, e.g. "Secretary"', field="label")
    DistributionListEntry.objects.filter(id=entry.id).update(label=label, position=position)
    _list_event(entry, "changed", acting_user)
    return DistributionListEntry.objects.get(id=entry.id)


@transaction.atomic
def do_remove_distribution_entry(entry: DistributionListEntry, *, acting_user: User | None) -> None:
    """Off the list for future distributions; earlier recipients keep their messages."""
    DistributionListEntry.objects.filter(id=entry.id).delete()
    _list_event(entry, "removed", acting_user)
