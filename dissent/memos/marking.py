"""Portion marks of a message checked against this deployment's ceiling (BRIEF: Markings).
Drafts may have unmarked paragraphs (autosave must never lose text), but nothing above the
ceiling is ever stored, and only a fully marked text can be submitted."""

from __future__ import annotations

from django.conf import settings

from dissent.lib.errors import InvalidInput
from dissent.markings import MarkingError, banner, check_ceiling, parse, validate
from dissent.memos.content import MemoContent


def assess(content: MemoContent) -> tuple[str, bool]:
    """(banner, fully marked) for a text about to be saved; refuses text above the ceiling."""
    doc = parse(content.marked_text())
    try:
        check_ceiling(doc, settings.MARKING_CEILING)
    except MarkingError as exc:
        raise InvalidInput(str(exc), field="body") from None
    return banner(doc), not doc.unmarked


def require_complete_marking(content: MemoContent) -> None:
    try:
        validate(content.marked_text(), settings.MARKING_CEILING, require_marks=True)
    except MarkingError as exc:
        raise InvalidInput(str(exc), field="body") from None
