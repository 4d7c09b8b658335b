"""Everything a drafter and a co-signer do before review. Each action changes state with a
conditional update and records its event in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from dissent.accounts.eligibility import filing_refusal
from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.backends.rows import Columns, database, fetch_one, param, quote
from dissent.events.record import record_event, record_events
from dissent.events.types import EventType
from dissent.lib.errors import (
    Conflict,
    InvalidInput,
    NotEligibleError,
    NotFound,
    TransitionError,
)
from dissent.memos import content as text
from dissent.memos.marking import assess, require_complete_marking
from dissent.memos.models import Drafter, Invitation, Memo, SubmittedSignature, Version
from dissent.memos.states import InvitationStatus, NamesVisibleTo, State
from dissent.review.actions import open_case

MAX_INVITES_PER_REQUEST = 2_000


def _lock_draft(memo: Memo) -> Memo:
    """Lock the message row (PostgreSQL; SQLite serialises writers) and insist it is a draft,
    so no signature or save slips in beside a concurrent submission."""
    locked = Memo.objects.select_for_update().get(id=memo.id)
    if locked.state != State.DRAFT:
        raise TransitionError("this message has been submitted; it can no longer change")
    return locked


def _hold_draft(memo: Memo) -> Memo:
    """For co-signers' answers: a shared lock on the message row (FOR SHARE on PostgreSQL),
    so signers do not queue behind one another, while a save or a submission (FOR UPDATE)
    still waits for them and they for it. SQLite runs one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return _lock_draft(memo)
    sql = f'SELECT * FROM "{Memo._meta.db_table}" WHERE "id" = %s FOR SHARE'  # noqa: S608
    held = list(Memo.objects.raw(sql, [memo.id]))
    if not held:
        raise Memo.DoesNotExist(f"message {memo.id} is gone")
    if held[0].state != State.DRAFT:
        raise TransitionError("this message has been submitted; it can no longer change")
    return held[0]


def _current_version(memo: Memo) -> Version:
    return Version.objects.get(memo=memo, number=memo.version_count)


def _write_version(memo: Memo, number: int, content: text.MemoContent, author: User) -> Version:
    banner, fully_marked = assess(content)
    salt = text.new_salt()
    version = Version.objects.create(
        memo=memo,
        number=number,
        author=author,
        content_hash=text.content_hash(content),
        content=text.stored_bytes(content),
        commitment_salt=salt,
        commitment=text.commitment(text.encode(content), salt),
        banner=banner,
        fully_marked=fully_marked,
    )
    record_event(
        EventType.VERSION_SAVED,
        actor=author,
        subject_id=memo.id,
        payload={"version": number, "hash": version.content_hash},
        commitment=version.commitment,
    )
    return version


@transaction.atomic
def do_create_memo(content: text.MemoContent, *, acting_user: User) -> Memo:
    refusal = filing_refusal(acting_user)
    if refusal:
        raise NotEligibleError(refusal)
    memo = Memo.objects.create(created_by=acting_user, version_count=1)
    Drafter.objects.create(memo=memo, user=acting_user, is_owner=True)
    record_event(EventType.MEMO_CREATED, actor=acting_user, subject_id=memo.id)
    _write_version(memo, 1, content, acting_user)
    return memo


@transaction.atomic
def do_save_version(
    memo: Memo, content: text.MemoContent, *, base_version: int, acting_user: User
) -> Version:
    """Save a new version on top of `base_version`, the one the editor started from. If a
    co-drafter saved meanwhile, nothing is overwritten: Conflict says so and the caller keeps
    the typed text. Saving unchanged text makes no new version."""
    memo = _lock_draft(memo)
    if memo.version_count != base_version:
        latest = _current_version(memo)
        raise Conflict(
            f"version {latest.number} was saved by {latest.author.name} while you edited "
            f"version {base_version}; your text has not been saved — compare and save again "
            f"on top of version {latest.number}",
            field="base_version",
        )
    current = _current_version(memo)
    if current.content_hash == text.content_hash(content):
        return current
    number = base_version + 1
    updated = Memo.objects.filter(id=memo.id, state=State.DRAFT, version_count=base_version)
    if updated.update(version_count=number, updated_at=timezone.now()) != 1:
        raise Conflict("another save happened at the same moment; save again", field="base_version")
    return _write_version(memo, number, content, acting_user)


def _eligible_colleague(user: User) -> bool:
    return user.is_active and user.role == Role.STAFF


@transaction.atomic
def do_add_codrafter(memo: Memo, email: str, *, acting_user: User) -> Drafter:
    memo = _lock_draft(memo)
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not _eligible_colleague(user):
        raise InvalidInput(f"no staff member with e-mail {email.strip()!r}", field="email")
    if Drafter.objects.filter(memo=memo, user=user).exists():
        raise Conflict(f"{user.email} is already a drafter", field="email")
    if Invitation.objects.filter(memo=memo, user=user).exists():
        raise Conflict(
            f"{user.email} is invited to co-sign; a co-signer cannot also be a drafter",
            field="email",
        )
    drafter = Drafter.objects.create(memo=memo, user=user)
    record_event(
        EventType.CODRAFTER_ADDED,
        actor=acting_user,
        subject_id=memo.id,
        payload={"user": str(user.id)},
    )
    return drafter


@dataclass
class InviteReport:
    invited: list[str] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    not_allowed: list[str] = field(default_factory=list)


@transaction.atomic
def do_invite(memo: Memo, emails: list[str], *, acting_user: User) -> InviteReport:
    """Invite colleagues by e-mail. Reports which were not found or could not be invited;
    nobody is invited twice, whether listed twice or already invited."""
    wanted: dict[str, str] = {}
    for raw in emails:
        email = raw.strip()
        if email:
            wanted.setdefault(email.lower(), email)
    if not wanted:
        raise InvalidInput("give at least one e-mail address", field="emails")
    if len(wanted) > MAX_INVITES_PER_REQUEST:
        raise InvalidInput(
            f"{len(wanted)} addresses in one request; the limit is {MAX_INVITES_PER_REQUEST}",
            field="emails",
        )
    memo = _lock_draft(memo)
    report = InviteReport()
    users = {u.email.lower(): u for u in User.objects.filter(email__in=list(wanted))}
    drafters = set(Drafter.objects.filter(memo=memo).values_list("user_id", flat=True))
    invited = set(Invitation.objects.filter(memo=memo).values_list("user_id", flat=True))
    new: list[Invitation] = []
    for key, original in wanted.items():
        user = users.get(key)
        if user is None:
            report.not_found.append(original)
        elif not _eligible_colleague(user) or user.id in drafters:
            report.not_allowed.append(original)
        elif user.id in invited:
            report.already_invited.append(original)
        else:
            new.append(Invitation(memo=memo, user=user, invited_by=acting_user))
            report.invited.append(user.email)
    Invitation.objects.bulk_create(new)
    record_events(
        EventType.INVITED,
        actor=acting_user,
        subject_id=memo.id,
        payloads=[{"user": str(invitation.user_id)} for invitation in new],
    )
    return report


def do_sign(memo: Memo, *, version: int, acting_user: User) -> Invitation:
    """Sign the version the signer read. If the text changed since, nothing is signed."""
    # The statements are written out (dissent/backends/rows.py, docs/performance.md): a
    # thousand people may sign within minutes, and the ORM's query building was half of
    # each signature's time. A version never changes once written, so the one the signer
    # read (without its text, up to 200 KB) is fetched before the write transaction, whose
    # time is everyone's on SQLite (one writer at a time).
    db = database()
    read = _signable_version(db, memo, version)
    with transaction.atomic():
        now = timezone.now()
        row = None
        if read is not None:
            # One conditional update is the whole transition: the invitation turns signed
            # only while the message is a draft still at the version read (held with a
            # shared lock on PostgreSQL, so a save or submission waits for it, and it for
            # them), and only if it was not already signed on that very version.
            row = fetch_one(
                db,
                _SIGN_SQL[db.vendor == "postgresql"],
                _sign_params(db, memo, read, acting_user, now),
            )
        if read is None or row is None:
            raise _why_not_signed(memo, read, version, acting_user)
        record_event(
            EventType.SIGNED,
            actor=acting_user,
            subject_id=memo.id,
            payload={"version": read.number, "hash": read.content_hash},
            commitment=read.commitment,
        )
    invitation = _INVITATION_COLUMNS.build(row, db)  # after the commit: out of the writers' way
    memo.version_count = read.number  # as the update found it
    invitation.memo = memo
    invitation.signed_version = read
    return invitation


def _signable_version(db: BaseDatabaseWrapper, memo: Memo, number: int) -> Version | None:
    """The version `number` of the message, without its text, or None."""
    low, high = db.ops.integer_field_range(_VERSION_NUMBER.get_internal_type())
    if not low <= number <= high:  # as the ORM's lookups: a number no row can hold matches none
        return None
    row = fetch_one(db, _VERSION_SQL, [param(Version, "memo", memo.pk, db), number])
    return None if row is None else _VERSION_COLUMNS.build(row, db)


def _sign_params(
    db: BaseDatabaseWrapper, memo: Memo, read: Version, user: User, now: object
) -> dict[str, Any]:
    return {
        "signed": InvitationStatus.SIGNED,
        "version_id": param(Invitation, "signed_version", read.pk, db),
        "now": param(Invitation, "signed_at", now, db),
        "memo_id": param(Memo, "id", memo.pk, db),
        "user_id": param(Invitation, "user", user.pk, db),
        "draft": State.DRAFT,
        "number": read.number,
    }


def _why_not_signed(memo: Memo, read: Version | None, number: int, user: User) -> Exception:
    """The reason the conditional update changed nothing, read after it: every condition it
    tested, whoever asks first (someone not invited learns nothing of the message), then in
    the order a signer can act on them."""
    if not Invitation.objects.filter(memo=memo, user=user).exists():
        return NotFound("no such message")
    current = _hold_draft(memo)  # raises if the message was submitted meanwhile
    if read is None or number != current.version_count:
        return Conflict(
            f"the text changed: version {current.version_count} is current; read it, then sign",
            field="version",
        )
    return TransitionError(f"you have already signed version {number}")


_VERSION_COLUMNS = Columns(Version, "v", ["id", "memo", "number", "content_hash", "commitment"])
_VERSION_NUMBER = Version._meta.get_field("number")
_VERSION_SQL = (
    f"SELECT {_VERSION_COLUMNS.sql()} FROM {quote(Version._meta.db_table)} v"  # noqa: S608
    f" WHERE v.{quote('memo_id')} = %s AND v.{quote('number')} = %s"
)
_INVITATION_COLUMNS = Columns(Invitation, Invitation._meta.db_table)


def _sign_sql(share_lock: bool) -> str:
    table, memos = quote(Invitation._meta.db_table), quote(Memo._meta.db_table)
    lock = " FOR SHARE" if share_lock else ""
    status, version = quote("status"), quote("signed_version_id")
    return (
        f"UPDATE {table} SET {status} = %(signed)s, {version} = %(version_id)s,"  # noqa: S608
        f" {quote('signed_at')} = %(now)s, {quote('responded_at')} = %(now)s"
        f" WHERE {quote('memo_id')} = %(memo_id)s AND {quote('user_id')} = %(user_id)s"
        f" AND NOT ({status} = %(signed)s AND {version} IS NOT NULL"
        f" AND {version} = %(version_id)s)"
        f" AND EXISTS (SELECT 1 FROM {memos} m WHERE m.{quote('id')} = %(memo_id)s"
        f" AND m.{quote('state')} = %(draft)s AND m.{quote('version_count')} = %(number)s{lock})"
        f" RETURNING {_INVITATION_COLUMNS.sql()}"
    )


_SIGN_SQL = {share_lock: _sign_sql(share_lock) for share_lock in (False, True)}


@transaction.atomic
def do_decline(memo: Memo, *, acting_user: User) -> None:
    memo = _hold_draft(memo)
    declined = Invitation.objects.filter(
        memo=memo,
        user=acting_user,
        status__in=[InvitationStatus.INVITED, InvitationStatus.WITHDRAWN],
    ).update(status=InvitationStatus.DECLINED, responded_at=timezone.now())
    if declined != 1:
        raise TransitionError(
            "only an open invitation can be declined; to take back a signature, withdraw it"
        )
    record_event(EventType.DECLINED, actor=acting_user, subject_id=memo.id)


@transaction.atomic
def do_withdraw(memo: Memo, *, acting_user: User) -> None:
    memo = _hold_draft(memo)
    nothing = "there is no signature of yours to withdraw"
    signed = (
        Invitation.objects.filter(memo=memo, user=acting_user, status=InvitationStatus.SIGNED)
        .values_list("id", "signed_version_id", "signed_version__number")
        .first()
    )
    if signed is None:
        raise TransitionError(nothing)
    invitation_id, version_id, number = signed
    # Conditional on the signature just read: of two concurrent withdrawals (or a withdrawal
    # and a re-signing) one wins, and the event names the version that was withdrawn.
    withdrawn = Invitation.objects.filter(
        id=invitation_id, status=InvitationStatus.SIGNED, signed_version_id=version_id
    ).update(
        status=InvitationStatus.WITHDRAWN,
        signed_version=None,
        signed_at=None,
        responded_at=timezone.now(),
    )
    if withdrawn != 1:
        raise TransitionError(nothing)
    record_event(
        EventType.SIGNATURE_WITHDRAWN,
        actor=acting_user,
        subject_id=memo.id,
        payload={"version": number},
    )


@transaction.atomic
def do_submit(memo: Memo, *, version: int, names_visible_to: str, acting_user: User) -> Memo:
    """Freeze `version` (the one the drafter reviewed), record who signed exactly it, and hand
    the message to the review office."""
    refusal = filing_refusal(acting_user)
    if refusal:
        raise NotEligibleError(refusal)
    try:
        names = NamesVisibleTo(names_visible_to)
    except ValueError:
        raise InvalidInput(
            f"names_visible_to must be one of {', '.join(NamesVisibleTo.values)}",
            field="names_visible_to",
        ) from None
    memo = _lock_draft(memo)
    if version != memo.version_count:
        raise Conflict(
            f"version {memo.version_count} is current; review it, then submit", field="version"
        )
    current = _current_version(memo)
    require_complete_marking(text.read(current))
    now = timezone.now()
    moved = Memo.objects.filter(id=memo.id, state=State.DRAFT, version_count=version).update(
        state=State.SUBMITTED,
        submitted_at=now,
        submitted_version=current,
        names_visible_to=names,
        updated_at=now,
    )
    if moved != 1:
        raise TransitionError("this message has already been submitted")
    signers = list(
        Invitation.objects.filter(
            memo=memo, status=InvitationStatus.SIGNED, signed_version=current
        ).values_list("user_id", "signed_at")
    )
    SubmittedSignature.objects.bulk_create(
        SubmittedSignature(memo=memo, user_id=user_id, version=current, signed_at=signed_at)
        for user_id, signed_at in signers
        if signed_at is not None  # a signed invitation always has its time (set together)
    )
    # The review office's case opens in this same transaction: no submitted message is ever
    # without its case and deadlines (dissent.review owns what happens from here on).
    open_case(memo, received_at=now, signature_count=len(signers))
    record_event(
        EventType.SUBMITTED,
        actor=acting_user,
        subject_id=memo.id,
        payload={
            "version": current.number,
            "hash": current.content_hash,
            "signatures": len(signers),
            "names": names.value,
        },
        commitment=current.commitment,
    )
    memo.refresh_from_db()
    return memo
