"""Who may file a dissent message. At State: U.S. citizen employees, not contractors.
The rule is settings, not code: DISSENT_FILING_ROLES and DISSENT_FILING_CATEGORIES."""

from __future__ import annotations

from django.conf import settings

from dissent.accounts.models import User


def filing_refusal(user: User) -> str | None:
    """None if the user may file; otherwise the reason, in words the user can act on."""
    if not user.is_active:
        return "This account is deactivated."
    if user.role not in settings.FILING_ROLES:
        return (
            f"Accounts with the role '{user.get_role_display()}' cannot file dissent "
            "messages; file from your staff account."
        )
    if user.employment not in settings.FILING_CATEGORIES:
        return (
            f"{user.get_employment_display()} accounts cannot file dissent messages under "
            "this organization's rules. Ask the review office about other channels."
        )
    return None


def may_file(user: User) -> bool:
    return filing_refusal(user) is None
