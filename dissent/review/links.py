"""Paths that notices link to. The review pages are mounted under /review/ (R2: keep these
paths, or switch these functions to reverse() once the URL names exist)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def message_path(memo_id: object) -> str:
    """The drafters' page of their message (dissent.memos)."""
    try:
        return reverse("memos:detail", args=[str(memo_id)])
    except NoReverseMatch:  # pragma: no cover - the memos pages are always mounted
        return f"/messages/{memo_id}/"


def case_path(memo_id: object) -> str:
    return f"/review/cases/{memo_id}/"


def reading_list_path() -> str:
    return "/review/reading-list/"


def report_path(report_id: object) -> str:
    return f"/review/reprisal-reports/{report_id}/"
