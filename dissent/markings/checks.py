"""Refuse text this system may not hold, and tell the drafter exactly what to change.

Threat handled: classified text (or CUI on a system not accredited for it) being saved,
encrypted, circulated and logged here. Spillage is refused before anything is stored,
and the refusal names paragraphs by number only: an error message may be logged or
shown in places the text itself must never reach, so it never quotes the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dissent.lib.errors import InvalidInput

from .document import InvalidMark, MarkedDocument, Portion, parse
from .levels import DEFAULT_CEILING, Level, parse_ceiling

_SHOWN_MARK_LENGTH = 40


@dataclass(frozen=True)
class Problem:
    kind: str  # "above_ceiling", "invalid_mark" or "unmarked"
    paragraphs: tuple[int, ...]
    lines: tuple[int, ...]
    message: str


class MarkingError(InvalidInput, ValueError):
    """The text's portion marks are missing, malformed or above the system's ceiling.

    ``problems`` lists each finding (paragraph numbers and lines) for a form to point at;
    the message joins their sentences. The API shows it as code ``invalid_marking``.
    """

    code = "invalid_marking"

    def __init__(self, problems: Sequence[Problem], *, field: str | None = "body") -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message for p in self.problems), field=field)


def check_ceiling(doc: MarkedDocument, ceiling: Level | str = DEFAULT_CEILING) -> None:
    """Raise MarkingError if any portion is marked above ``ceiling``."""
    problems = _above_ceiling(doc, parse_ceiling(ceiling))
    if problems:
        raise MarkingError(problems)


def validate(
    text: str, ceiling: Level | str = DEFAULT_CEILING, *, require_marks: bool = True
) -> MarkedDocument:
    """Parse ``text`` and return it if every mark is valid and within ``ceiling``.

    With ``require_marks`` every paragraph must carry a mark; without it, unmarked
    paragraphs are allowed (and count for nothing in the banner). Malformed marks and
    marks above the ceiling are refused either way. All findings are reported at once,
    the most serious first.
    """
    level = parse_ceiling(ceiling)
    doc = parse(text)
    problems = _above_ceiling(doc, level)
    problems += [
        Problem("invalid_mark", (bad.index,), (bad.line,), _invalid_message(bad))
        for bad in doc.invalid
    ]
    if require_marks and doc.unmarked:
        problems.append(_unmarked(doc, level))
    if problems:
        raise MarkingError(problems)
    return doc


def _invalid_message(bad: InvalidMark) -> str:
    if bad.mark:
        return f"{bad.mark} in paragraph {bad.index} is not a valid portion mark: {bad.reason}."
    return f"The portion mark of paragraph {bad.index} is not valid: {bad.reason}."


def _above_ceiling(doc: MarkedDocument, ceiling: Level) -> list[Problem]:
    return [
        Problem("above_ceiling", (p.index,), (p.line,), _above_message(p, ceiling))
        for p in doc.portions
        if p.level > ceiling
    ]


def _above_message(portion: Portion, ceiling: Level) -> str:
    mark = portion.mark
    if len(mark) > _SHOWN_MARK_LENGTH:
        mark = mark[: _SHOWN_MARK_LENGTH - 2] + "…)"
    said = (
        f"Paragraph {portion.index} is marked {mark}, "
        f"above this system's ceiling of {ceiling.mark}."
    )
    if portion.level.is_classified:
        return (
            f"{said} Classified dissent must go through the classified system; "
            "remove the text here."
        )
    return (
        f"{said} This system is not accredited for {portion.level.mark} text; remove it "
        "here and send it through a system that is."
    )


def _unmarked(doc: MarkedDocument, ceiling: Level) -> Problem:
    numbers = doc.unmarked
    allowed = _either([f"({level.mark})" for level in Level if level <= ceiling])
    if len(numbers) == 1:
        message = f"Paragraph {numbers[0]} has no portion mark: start it with {allowed}."
    else:
        message = (
            f"Paragraphs {_number_list(numbers)} have no portion mark: "
            f"start each paragraph with {allowed}."
        )
    message += " Headings, list items and tables need one too, e.g. “# (U) Summary”."
    return Problem("unmarked", numbers, tuple(doc.line_of(i) for i in numbers), message)


def _either(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _number_list(numbers: Sequence[int]) -> str:
    """2, 5 -> "2 and 5"; 1, 2, 3, 4, 7 -> "1 to 4 and 7"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]} to {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    text = ", ".join(parts)
    head, sep, last = text.rpartition(", ")
    return f"{head} and {last}" if sep else text
