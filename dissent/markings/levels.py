"""Marking levels, lowest to highest, and the ceiling a deployment is accredited for."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """U < SBU < CUI < CONFIDENTIAL < SECRET < TOP SECRET.

    SBU ("Sensitive But Unclassified") is the State Department's legacy label; CUI
    (32 CFR 2002) replaced it, so a document holding both is banner-marked CUI.
    """

    U = 0
    SBU = 1
    CUI = 2
    CONFIDENTIAL = 3
    SECRET = 4
    TOP_SECRET = 5

    @property
    def mark(self) -> str:
        """The portion mark without parentheses: U, SBU, CUI, C, S, TS."""
        return _MARKS[self]

    @property
    def banner_name(self) -> str:
        return _BANNERS[self]

    @property
    def is_classified(self) -> bool:
        return self >= Level.CONFIDENTIAL


_MARKS = {
    Level.U: "U",
    Level.SBU: "SBU",
    Level.CUI: "CUI",
    Level.CONFIDENTIAL: "C",
    Level.SECRET: "S",
    Level.TOP_SECRET: "TS",
}
_BANNERS = {
    Level.U: "UNCLASSIFIED",
    Level.SBU: "SENSITIVE BUT UNCLASSIFIED",
    Level.CUI: "CUI",
    Level.CONFIDENTIAL: "CONFIDENTIAL",
    Level.SECRET: "SECRET",
    Level.TOP_SECRET: "TOP SECRET",
}

# A system built on this code is never accredited for classified text.
CEILINGS: tuple[str, ...] = ("U", "SBU", "CUI")
DEFAULT_CEILING = Level.CUI


def parse_ceiling(value: Level | str) -> Level:
    """``"U"``, ``"SBU"`` or ``"CUI"`` (any case) as a Level; anything else is a ValueError."""
    if isinstance(value, Level):
        level = value
    else:
        name = value.strip().upper()
        if name not in CEILINGS:
            raise ValueError(
                f"a marking ceiling must be one of {', '.join(CEILINGS)}, not {value!r}: "
                "this system never holds classified text"
            )
        level = Level[name]
    if level.is_classified:
        raise ValueError(f"a marking ceiling must be one of {', '.join(CEILINGS)}")
    return level
