"""Every kind of event, numbered by area and never renumbered: the numbers go into the
tamper-evident log, so a number means one thing forever. Areas: 100s memos, 200s review,
800s accounts and platform; the 300s are kept for the ledger and keys."""

from __future__ import annotations

from django.db import models


class EventType(models.IntegerChoices):
    # 100s: drafting, co-signing, submission
    MEMO_CREATED = 101, "message created"
    VERSION_SAVED = 102, "version saved"
    CODRAFTER_ADDED = 103, "co-drafter added"
    INVITED = 104, "invited to co-sign"
    SIGNED = 105, "signed"
    DECLINED = 106, "declined to sign"
    SIGNATURE_WITHDRAWN = 107, "signature withdrawn"
    SUBMITTED = 108, "submitted"
    # 200s: the review office (subject: the message, unless said otherwise)
    ACKNOWLEDGED = 201, "acknowledged"
    OFFICER_ASSIGNED = 202, "review officer assigned"
    SCOPE_DECIDED = 203, "scope decided"
    DISTRIBUTED = 204, "distributed"
    RECIPIENT_ADDED = 205, "recipient added"
    COMMENT_ADDED = 206, "principal's comment added"
    REVIEW_STARTED = 207, "review started"
    REPLY_DRAFT_SAVED = 208, "reply draft saved"
    REPLY_SENT = 209, "reply approved and sent"
    REJOINDER_SUBMITTED = 210, "rejoinder submitted"
    MEETING_REQUESTED = 211, "meeting requested"
    MEETING_RECORDED = 212, "meeting held"
    CASE_CLOSED = 213, "case closed"
    REPRISAL_REPORTED = 214, "reprisal or disclosure reported"  # subject: the report
    MESSAGE_OPENED = 215, "message text opened"
    NOTE_ADDED = 216, "internal note added"
    CLOSURE_ADDED = 217, "office closure added"  # no subject
    CLOSURE_REMOVED = 218, "office closure removed"  # no subject
    DISTRIBUTION_LIST_CHANGED = 219, "distribution list changed"  # no subject
    # 800s: accounts and platform
    USER_CREATED = 801, "user created"
    LOGIN = 802, "signed in"
    LOGIN_FAILED = 803, "sign-in failed"
    LOGOUT = 804, "signed out"
    PASSWORD_CHANGED = 805, "password changed"
    MFA_ADDED = 806, "MFA method added"
    MFA_REMOVED = 807, "MFA method removed"
    RECOVERY_CODES_RESET = 808, "recovery codes regenerated"
    ROLE_CHANGED = 809, "role changed"
    TOKEN_CREATED = 810, "API token created"
    TOKEN_REVOKED = 811, "API token revoked"
    USER_DEACTIVATED = 812, "user deactivated"
    SSO_LINKED = 813, "single sign-on account linked"
    ELIGIBILITY_CHANGED = 814, "employment category changed"


# The payload keys each type may carry. A payload is metadata only — never message text,
# titles or names — and record_event refuses any key not listed here.
PAYLOAD_KEYS: dict[EventType, frozenset[str]] = {
    EventType.MEMO_CREATED: frozenset(),
    EventType.VERSION_SAVED: frozenset({"version", "hash"}),
    EventType.CODRAFTER_ADDED: frozenset({"user"}),
    EventType.INVITED: frozenset({"user"}),
    EventType.SIGNED: frozenset({"version", "hash"}),
    EventType.DECLINED: frozenset(),
    EventType.SIGNATURE_WITHDRAWN: frozenset({"version"}),
    EventType.SUBMITTED: frozenset({"version", "hash", "signatures", "names"}),
    EventType.ACKNOWLEDGED: frozenset({"due", "late"}),
    EventType.OFFICER_ASSIGNED: frozenset({"officer", "previous"}),
    EventType.SCOPE_DECIDED: frozenset({"decision", "channel"}),
    EventType.DISTRIBUTED: frozenset({"recipients"}),
    EventType.RECIPIENT_ADDED: frozenset({"user", "extra"}),
    EventType.COMMENT_ADDED: frozenset(),
    EventType.REVIEW_STARTED: frozenset(),
    EventType.REPLY_DRAFT_SAVED: frozenset({"version", "hash"}),
    EventType.REPLY_SENT: frozenset({"version", "hash", "due", "late"}),
    EventType.REJOINDER_SUBMITTED: frozenset({"hash"}),
    EventType.MEETING_REQUESTED: frozenset({"meeting"}),
    EventType.MEETING_RECORDED: frozenset({"meeting", "held_on"}),
    EventType.CASE_CLOSED: frozenset(),
    EventType.REPRISAL_REPORTED: frozenset({"kind", "message"}),
    EventType.MESSAGE_OPENED: frozenset({"role"}),
    EventType.NOTE_ADDED: frozenset(),
    EventType.CLOSURE_ADDED: frozenset({"date", "cases"}),
    EventType.CLOSURE_REMOVED: frozenset({"date", "cases"}),
    EventType.DISTRIBUTION_LIST_CHANGED: frozenset({"user", "change"}),
    EventType.USER_CREATED: frozenset({"role", "via"}),
    EventType.LOGIN: frozenset({"method"}),
    EventType.LOGIN_FAILED: frozenset({"method"}),
    EventType.LOGOUT: frozenset(),
    EventType.PASSWORD_CHANGED: frozenset(),
    EventType.MFA_ADDED: frozenset({"kind"}),
    EventType.MFA_REMOVED: frozenset({"kind"}),
    EventType.RECOVERY_CODES_RESET: frozenset(),
    EventType.ROLE_CHANGED: frozenset({"old", "new", "via"}),
    EventType.TOKEN_CREATED: frozenset({"token", "expires"}),
    EventType.TOKEN_REVOKED: frozenset({"token"}),
    EventType.USER_DEACTIVATED: frozenset({"via"}),
    EventType.SSO_LINKED: frozenset({"provider"}),
    EventType.ELIGIBILITY_CHANGED: frozenset({"old", "new", "via"}),
}
