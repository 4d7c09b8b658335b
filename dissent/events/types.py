"""Every kind of event, numbered by area and never renumbered: the numbers go into the
tamper-evident log, so a number means one thing forever. Later areas: 100s memos,
200s review, 300s ledger and keys; 800s accounts and platform."""

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
