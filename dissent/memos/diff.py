"""Line diff between two versions, field by field, as data a template or the API renders."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from dissent.memos.content import FIELDS, MemoContent


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    changed: bool
    lines: list[DiffLine]


def diff_contents(old: MemoContent, new: MemoContent) -> list[FieldDiff]:
    result = []
    for name in FIELDS:
        a = getattr(old, name).splitlines()
        b = getattr(new, name).splitlines()
        lines: list[DiffLine] = []
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [DiffLine("same", line) for line in a[i1:i2]]
                continue
            lines += [DiffLine("removed", line) for line in a[i1:i2]]
            lines += [DiffLine("added", line) for line in b[j1:j2]]
        result.append(FieldDiff(field=name, changed=a != b, lines=lines))
    return result
