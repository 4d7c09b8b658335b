"""Display helpers for the review pages, and the review panel of the drafters' message page
(dissent/templates/review/drafter_panel.html, included by memos/detail.html)."""

from __future__ import annotations

from django import template

from dissent.memos.access import MemoAccess
from dissent.review import pages
from dissent.review.queries import Due
from dissent.review.states import ReportKind

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


@register.filter
def due_phrase(due: Due | None) -> str:
    return pages.due_phrase(due)


@register.filter
def due_class(due: Due | None) -> str:
    return pages.due_class(due)


@register.filter
def state_class(state: str) -> str:
    return pages.state_class(state)


@register.filter
def role_label(role: str) -> str:
    return _ROLE_LABELS.get(role, role.replace("_", " "))


@register.filter
def report_kind(kind: str) -> str:
    try:
        return str(ReportKind(kind).label)
    except ValueError:
        return kind
