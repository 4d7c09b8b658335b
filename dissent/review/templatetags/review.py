"""Display helpers for the review pages, and the review panel of the drafters' message page
(dissent/templates/review/drafter_panel.html, included by memos/detail.html)."""

from __future__ import annotations

from django import template

from dissent.memos.access import MemoAccess
from dissent.review import pages
from dissent.review.queries import Due
from dissent.review.states import DueKind, ReportKind

register = template.Library()

_ROLE_LABELS = {
    "staff": "staff member",
    "review_officer": "review officer",
    "office_head": "review office head",
    "principal": "principal",
    "auditor": "auditor",
    "admin": "administrator",
}


@register.simple_tag
def drafter_panel_for(access: MemoAccess) -> pages.DrafterPanel:
    return pages.drafter_panel(access)


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


@register.filter
def due_phrase(due: Due | None) -> str:
    """"Reply due 2026-12-20 (12 working days left)", "Acknowledgment overdue: ..."."""
    if due is None:
        return "Nothing due"
    what = "Acknowledgment" if due.what == DueKind.ACKNOWLEDGMENT else "Reply"
    on = due.on.isoformat()
    if due.overdue:
        ago = f", {_days(-due.working_days_left)} ago" if due.working_days_left < 0 else ""
        return f"{what} overdue: was due {on}{ago}"
    if due.working_days_left <= 0:
        return f"{what} due today, {on}"
    return f"{what} due {on} ({_days(due.working_days_left)} left)"


@register.filter
def due_class(due: Due | None) -> str:
    """The tag colour for a due date (the words always say it too)."""
    if due is None:
        return "bg-base-dark"
    if due.overdue:
        return "bg-secondary-dark"
    if due.working_days_left <= 1:
        return "bg-gold text-ink"
    return "bg-primary"


@register.filter
def state_class(state: str) -> str:
    if state in ("closed",):
        return "bg-base-dark"
    if state in ("redirected", "not_eligible"):
        return "bg-accent-cool-darker"
    if state == "replied":
        return "bg-primary-dark"
    return "bg-primary"


@register.filter
def role_label(role: str) -> str:
    return _ROLE_LABELS.get(role, role.replace("_", " "))


@register.filter
def report_kind(kind: str) -> str:
    try:
        return str(ReportKind(kind).label)
    except ValueError:
        return kind
