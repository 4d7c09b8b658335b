"""Paths that notices link to: the drafters' message page and the review pages (mounted
under /review/ by dissent.urls, see dissent.review.urls)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def message_path(memo_id: object) -> str:
    """The drafters' page of their message (dissent.memos)."""
    try:
        return reverse("memos:detail", args=[str(memo_id)])
    except NoReverseMatch:  # pragma: no cover - the memos pages are always mounted
        return f"/messages/{memo_id}/"


def reading_list_path() -> str:
    return reverse("review:reading_list")


def report_path(report_id: object) -> str:
    return reverse("review:report", args=[str(report_id)])
