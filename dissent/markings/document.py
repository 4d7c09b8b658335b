"""A marked Markdown body: its portions, their marks, and the paragraphs without one.

``parse`` never raises, whatever the text: it reports what it found, and ``validate``
(in checks.py) decides what is acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass

from .blocks import split_portions
from .levels import Level
from .marks import MarkSyntaxError, parse_mark

_SHOWN_MARK_LENGTH = 40


@dataclass(frozen=True)
class Portion:
    index: int  # 1-based paragraph number
    mark: str  # canonical, e.g. "(CUI//SP-PRVCY/LEI//NF)"
    level: Level
    categories: tuple[str, ...]  # CUI category markings, SP- first then alphabetical
    controls: tuple[str, ...]  # limited dissemination controls, portion forms
    line: int  # 1-based line where the portion starts
    written: str = ""  # the mark as typed, when it differs from the canonical one


@dataclass(frozen=True)
class InvalidMark:
    index: int
    line: int
    # As typed (shortened if long), with parentheses; "" when it has lower-case letters,
    # which makes it more likely prose than a mark, so it is not repeated back.
    mark: str
    reason: str  # how to write it; never quotes the paragraph


@dataclass(frozen=True)
class MarkedDocument:
    portions: tuple[Portion, ...]
    unmarked: tuple[int, ...]  # paragraph numbers without a portion mark
    invalid: tuple[InvalidMark, ...] = ()
    lines: tuple[int, ...] = ()  # lines[i - 1]: the line paragraph i starts on

    @property
    def paragraph_count(self) -> int:
        return len(self.lines)

    @property
    def highest_level(self) -> Level:
        """The highest level of any marked portion; U for a text with none."""
        return max((p.level for p in self.portions), default=Level.U)

    def line_of(self, index: int) -> int:
        return self.lines[index - 1]


def parse(text: str) -> MarkedDocument:
    portions: list[Portion] = []
    unmarked: list[int] = []
    invalid: list[InvalidMark] = []
    raw_portions = split_portions(text)
    for raw in raw_portions:
        if raw.mark is None:
            unmarked.append(raw.index)
            continue
        try:
            mark = parse_mark(raw.mark)
        except MarkSyntaxError as exc:
            shown = "" if raw.mark.upper() != raw.mark else _shown(raw.mark)
            invalid.append(InvalidMark(raw.index, raw.line, shown, str(exc)))
            continue
        written = f"({raw.mark})"
        portions.append(
            Portion(
                index=raw.index,
                mark=mark.text,
                level=mark.level,
                categories=mark.categories,
                controls=mark.controls,
                line=raw.line,
                written="" if written == mark.text else _shown(raw.mark),
            )
        )
    return MarkedDocument(
        portions=tuple(portions),
        unmarked=tuple(unmarked),
        invalid=tuple(invalid),
        lines=tuple(raw.line for raw in raw_portions),
    )


def _shown(content: str) -> str:
    if len(content) > _SHOWN_MARK_LENGTH:
        content = content[: _SHOWN_MARK_LENGTH - 1] + "…"
    return f"({content})"
