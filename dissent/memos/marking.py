"""Portion marks of a message checked against this deployment's ceiling (BRIEF: Markings).
Drafts may have unmarked paragraphs (autosave must never lose text), but nothing above the
ceiling is ever stored, and only a fully marked text can be submitted. MarkingError is an
InvalidInput: the API answers 400 with code invalid_marking."""

from __future__ import annotations

from django.conf import settings

from dissent.markings import banner, check_ceiling, parse, validate
from dissent.memos.content import MemoContent


def assess(content: MemoContent) -> tuple[str, bool]:
    """(banner, fully marked) for a text about to be saved; refuses text above the ceiling."""
    doc = parse(content.marked_text())
    check_ceiling(doc, settings.MARKING_CEILING)
    return banner(doc), not doc.unmarked and not doc.invalid


def require_complete_marking(content: MemoContent) -> None:
    validate(content.marked_text(), settings.MARKING_CEILING, require_marks=True)
