"""Cut a Markdown body into portions, each with the mark it starts with (if any).

The rule, chosen to be easy to state to a drafter and hard to slip classified text past:

1. Blank lines separate blocks. Every block (paragraph, heading, list, block quote,
   table) is a portion and must start with a portion mark. Leading Markdown syntax comes
   first: ``# (U) Heading``, ``- (U) item``, ``1. (U) step``, ``> (U) quote``,
   ``| (U) cell |``.
2. Any line that starts with a portion mark (after that syntax) starts a new portion,
   even inside a block, so each item of a list can carry its own mark and a hard line
   break cannot hide ``(S)`` inside a ``(U)`` paragraph. Unmarked lines continue the
   portion above them.
3. A fenced code block (```` ``` ```` or ``~~~``), blank lines inside it included,
   belongs to the portion before it. Marks at the start of its lines still count (rule
   2), for the same reason. A fence at the very top of the text has no mark.
4. Thematic breaks (``---``, ``***``, ``___``) carry no text and need no mark. A heading
   line, a break or a setext underline ends its block, so the paragraph right under a
   heading needs its own mark even without a blank line between them.

Lines are split as ``str.splitlines`` does (also on U+2028 and form feeds), which is
stricter than Markdown, so no exotic line break can join a marked line to another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .marks import looks_like_mark

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?: *\1){2,} *")
_SETEXT_EQUALS = re.compile(r" {0,3}=+ *")
_ATX_HEADING = re.compile(r"\s*(?:>\s*)*#{1,6}(?:\s|$)")
# One layer of block syntax: quote, heading, bullet or ordered item, task box, table pipe.
_PREFIX = re.compile(r"\s*(?:>|#{1,6}(?=\s|$)|[-*+](?=\s)|\d{1,9}[.)](?=\s)|\[[ xX]\](?=\s)|\|)")
_MARK = re.compile(r"\((?P<content>[^()\r\n]{1,300})\)")


@dataclass(frozen=True)
class RawPortion:
    index: int  # 1-based paragraph number, as the drafter is told
    line: int  # 1-based line the portion starts on
    mark: str | None  # what is inside the leading parentheses, as written; None if unmarked


def leading_mark(line: str) -> str | None:
    """The content of the portion mark this line starts with, if it starts with one."""
    rest = line
    while True:
        prefix = _PREFIX.match(rest)
        if prefix is None or not prefix.group():
            break
        rest = rest[prefix.end() :]
    found = _MARK.match(rest.lstrip())
    if found and looks_like_mark(found.group("content")):
        return found.group("content")
    return None


def split_portions(text: str) -> list[RawPortion]:
    portions: list[RawPortion] = []
    fence: str | None = None  # the opening fence while inside a fenced code block
    at_block_start = True

    def start(line_no: int, mark: str | None) -> None:
        portions.append(RawPortion(len(portions) + 1, line_no, mark))

    for line_no, line in enumerate(text.splitlines(), start=1):
        mark = leading_mark(line)
        if fence is not None:
            if _closes(line, fence):
                fence = None
            elif mark is not None:
                start(line_no, mark)
            continue
        if not line.strip():
            at_block_start = True
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            if not portions:
                start(line_no, None)
            at_block_start = False
            continue
        rule = _THEMATIC_BREAK.fullmatch(line) or _SETEXT_EQUALS.fullmatch(line)
        if mark is not None:
            start(line_no, mark)
        elif at_block_start and not rule:
            start(line_no, None)
        # A heading or a rule ends its block even without a blank line after it.
        at_block_start = bool(rule or _ATX_HEADING.match(line))
    return portions


def _closes(line: str, fence: str) -> bool:
    found = _FENCE.match(line)
    return (
        found is not None
        and found.group(1)[0] == fence[0]
        and len(found.group(1)) >= len(fence)
        and not line[found.end() :].strip()
    )
