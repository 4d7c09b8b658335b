"""One portion mark, e.g. ``(CUI//SP-PRVCY/LEI//NF)``: recognise, check, normalise.

Syntax (CUI Marking Handbook, 32 CFR 2002.20; CUI Registry marking notes):

* ``U``, ``SBU`` or ``CUI`` alone;
* ``CUI//CATEGORIES``, ``CUI//CONTROLS`` or ``CUI//CATEGORIES//CONTROLS``, where
  categories are separated by ``/``, Specified ones (``SP-``) first, then alphabetical,
  and limited dissemination controls are separated by ``/`` in Registry order;
* ``REL TO USA, GBR``: USA first, then trigraphs, then tetragraphs, each alphabetical;
  ``DISPLAY ONLY GBR`` lists the foreign countries it may be shown to (USA is implied).

Categories or controls written in another order are accepted and put in order in the
canonical form, so ``Mark.text`` may differ from what was typed.

Anything headed ``C``, ``S``, ``TS`` (or spelled out), NATO ``NC``/``NS``/``CTS``, or a
foreign-government ``//GBR S`` portion is classified, whatever follows: it is recognised
only so that it can be refused, so its tail is kept as written and never validated. The
same goes for ``(s//nf)`` or ``(ts//sci)`` in lower case (a bare ``(s)`` or ``(c)`` in lower
case is an enumerator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .levels import Level
from .registry import (
    CONTROL_ORDER,
    CONTROL_SPELLINGS,
    CONTROLS,
    DISPLAY_ONLY,
    NOFORN,
    REL_TO,
    SPECIFIED_PREFIX,
)

CLASSIFIED_HEADS: dict[str, Level] = {
    "C": Level.CONFIDENTIAL,
    "CONFIDENTIAL": Level.CONFIDENTIAL,
    "S": Level.SECRET,
    "SECRET": Level.SECRET,
    "TS": Level.TOP_SECRET,
    "TOP SECRET": Level.TOP_SECRET,
    "NC": Level.CONFIDENTIAL,  # NATO CONFIDENTIAL
    "NS": Level.SECRET,  # NATO SECRET
    "CTS": Level.TOP_SECRET,  # COSMIC TOP SECRET
}
_PLAIN_HEADS = {"U": Level.U, "SBU": Level.SBU, "CUI": Level.CUI}
# Heads that are not marks here but show the writer meant one, so they get a hint.
_WRONG_HEADS = {"UNCLASSIFIED", "CONTROLLED", "FOUO", "SBU-NF"}
KNOWN_HEADS = frozenset(_PLAIN_HEADS) | frozenset(CLASSIFIED_HEADS) | _WRONG_HEADS

_FGI = re.compile(r"//(?:[A-Z]{3,4} )+(C|S|TS)(?://.*)?")
_CATEGORY = re.compile(r"[A-Z]+(?:-[A-Z]+)*")
_COUNTRY = re.compile(r"[A-Z]{3,4}")
_SPACES = re.compile(r"\s+")
_SPACED_SLASH = re.compile(r" ?/ ?")
_CONTROL_LIST = "NF, FED ONLY, FEDCON, NOCON, DL ONLY, REL TO USA, …, DISPLAY ONLY …"


class MarkSyntaxError(ValueError):
    """A portion mark that cannot be used; the message says how to write it."""


@dataclass(frozen=True)
class Mark:
    level: Level
    categories: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()  # portion forms, e.g. "NF", "REL TO USA, GBR"
    text: str = ""  # canonical, with parentheses

    def __post_init__(self) -> None:
        if not self.text:
            text = render(self.level, self.categories, self.controls)
            object.__setattr__(self, "text", f"({text})")


def render(level: Level, categories: tuple[str, ...], controls: tuple[str, ...]) -> str:
    """``CUI//SP-PRVCY/LEI//NF``: a level mark or banner followed by its groups."""
    groups = [level.mark, "/".join(categories), "/".join(controls)]
    return "//".join(g for g in groups if g)


def normalise(content: str) -> str:
    """Collapse runs of white space and drop spaces around slashes."""
    return _SPACED_SLASH.sub("/", _SPACES.sub(" ", content.strip()))


def looks_like_mark(content: str) -> bool:
    """Would a reader take ``(content)`` at the start of a paragraph for a portion mark?

    Enumerators such as ``(a)``, ``(1)`` or ``(A)`` and asides such as ``(N/A)`` are not
    marks; ``(cui)`` is (a mark in the wrong case), and so is anything with ``//``.
    """
    text = normalise(content)
    if not text:
        return False
    upper = text.upper()
    if upper != text:
        return upper in _PLAIN_HEADS or upper.startswith("CUI/") or _lower_classified(text)
    return "//" in text or text.split("/")[0] in KNOWN_HEADS


def _lower_classified(text: str) -> bool:
    """``(s//nf)``, ``(ts//sci)``: classified in the wrong case, still unmistakable. A bare
    ``(s)`` or ``(c)`` in lower case is an enumerator, not a mark."""
    head, sep, _ = text.upper().partition("//")
    return bool(sep) and head in CLASSIFIED_HEADS


def parse_mark(content: str) -> Mark:
    """The mark inside the parentheses, or MarkSyntaxError saying how to fix it."""
    text = normalise(content)
    if text.upper() != text:
        if _lower_classified(text):
            # Shown by its head only: a lower-case tail may be prose, never repeated back.
            head = text.upper().partition("//")[0]
            return Mark(CLASSIFIED_HEADS[head], text=f"({head}//…)")
        raise MarkSyntaxError("portion marks are written in capitals, e.g. (U) or (CUI)")
    groups = text.split("//")
    head = groups[0].split("/")[0]
    if head in CLASSIFIED_HEADS:
        return Mark(CLASSIFIED_HEADS[head], text=f"({text})")
    fgi = _FGI.fullmatch(text)
    if fgi:
        return Mark(CLASSIFIED_HEADS[fgi.group(1)], text=f"({text})")
    if groups[0] == "CUI":
        return _parse_cui(groups)
    if text in _PLAIN_HEADS:
        return Mark(_PLAIN_HEADS[text])
    raise MarkSyntaxError(_hint(text, head))


def _hint(text: str, head: str) -> str:
    if "FOUO" in text:
        return "FOUO is a legacy marking replaced by CUI: use (CUI)"
    if head in ("U", "SBU"):
        return f"({head}) takes no categories or controls; mark controlled text (CUI//…)"
    if head == "CUI":
        return "put // between CUI and what follows, e.g. (CUI//SP-PRVCY)"
    if head == "UNCLASSIFIED":
        return "the portion mark for unclassified text is (U)"
    if head == "CONTROLLED":
        return "the portion mark for controlled text is (CUI)"
    return "a portion mark is (U), (SBU), (CUI) or CUI with categories, e.g. (CUI//SP-PRVCY)"


def _show(token: str) -> str:
    return token if len(token) <= 20 else token[:19] + "…"


def _is_control(item: str) -> bool:
    return item in CONTROL_SPELLINGS or item.startswith((REL_TO.portion, DISPLAY_ONLY.portion))


def _parse_cui(groups: list[str]) -> Mark:
    if len(groups) == 1:
        return Mark(Level.CUI)
    if len(groups) > 3:
        raise MarkSyntaxError("a CUI mark has at most three parts: CUI//CATEGORIES//CONTROLS")
    parts = [group.split("/") for group in groups[1:]]
    if any(not item for items in parts for item in items):
        raise MarkSyntaxError("a single / separates two markings and // separates the parts")
    if len(parts) == 2:
        category_items, control_items = parts
    elif all(_is_control(item) for item in parts[0]):
        category_items, control_items = [], parts[0]
    elif not any(_is_control(item) for item in parts[0]):
        category_items, control_items = parts[0], []
    else:
        raise MarkSyntaxError(
            "write categories first and dissemination controls after a second //, "
            "e.g. (CUI//SP-PRVCY//NF)"
        )
    categories = _categories(category_items)
    return Mark(Level.CUI, categories, _controls(control_items, categories))


def _categories(items: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    for item in items:
        if _is_control(item):
            raise MarkSyntaxError(
                f"{_show(item)} is a dissemination control: put it after a second //"
            )
        base = item.removeprefix(SPECIFIED_PREFIX)
        valid = _CATEGORY.fullmatch(base) and 2 <= len(base) <= 12
        if not valid or base.startswith(SPECIFIED_PREFIX):
            raise MarkSyntaxError(
                f"{_show(item)} is not a CUI category marking; use the CUI Registry's "
                "marking, such as PRVCY (or SP-PRVCY for a Specified category)"
            )
        if item in seen:
            raise MarkSyntaxError(f"{item} appears twice")
        seen.add(item)
    return tuple(sorted(seen, key=category_sort_key))


def category_sort_key(marking: str) -> tuple[bool, str]:
    """Specified categories (SP-) first, then alphabetical, as the Registry requires."""
    return (not marking.startswith(SPECIFIED_PREFIX), marking.removeprefix(SPECIFIED_PREFIX))


def _controls(items: list[str], categories: tuple[str, ...]) -> tuple[str, ...]:
    found: dict[str, str] = {}  # portion form of the control -> as rendered
    for item in items:
        if item.startswith(REL_TO.portion):
            countries = _countries(item, REL_TO.portion)
            if not countries:
                raise MarkSyntaxError(
                    "REL TO needs a country besides USA, e.g. REL TO USA, GBR; for none, use NF"
                )
            key, rendered = REL_TO.portion, f"{REL_TO.portion} {join_countries(countries, True)}"
        elif item.startswith(DISPLAY_ONLY.portion):
            countries = _countries(item, DISPLAY_ONLY.portion)
            key = DISPLAY_ONLY.portion
            rendered = " ".join([key, join_countries(countries, False)]).strip()
        elif item in CONTROL_SPELLINGS:
            key = rendered = CONTROL_SPELLINGS[item].portion
        else:
            raise MarkSyntaxError(
                f"{_show(item)} is not a limited dissemination control; use {_CONTROL_LIST}"
            )
        if key in found:
            raise MarkSyntaxError(f"{key} appears twice")
        found[key] = rendered
    if NOFORN.portion in found and (REL_TO.portion in found or DISPLAY_ONLY.portion in found):
        raise MarkSyntaxError("NF (no foreign dissemination) contradicts REL TO and DISPLAY ONLY")
    privileged = {"PRIVILEGE", SPECIFIED_PREFIX + "PRIVILEGE"} & set(categories)
    for control in CONTROLS:
        if control.needs_privilege and control.portion in found and not privileged:
            raise MarkSyntaxError(
                f"{control.portion} is only used with the Legal Privilege category, "
                f"e.g. (CUI//PRIVILEGE//{control.portion})"
            )
    return tuple(found[key] for key in sorted(found, key=CONTROL_ORDER.__getitem__))


def _countries(item: str, prefix: str) -> frozenset[str]:
    rest = item[len(prefix) :]
    if rest and not rest.startswith(" "):
        raise MarkSyntaxError(f"{_show(item)} is not a limited dissemination control")
    codes = [code.strip() for code in rest.split(",")] if rest.strip() else []
    for code in codes:
        if not _COUNTRY.fullmatch(code):
            raise MarkSyntaxError(
                f"{_show(code) or 'an empty entry'} in {prefix} is not a country code: "
                "use trigraphs such as GBR or tetragraphs such as FVEY, separated by commas"
            )
    return frozenset(codes) - {"USA"}


def join_countries(countries: frozenset[str], with_usa: bool) -> str:
    """USA first (for REL TO), then trigraphs, then tetragraphs, each alphabetical."""
    ordered = sorted(countries, key=lambda code: (len(code), code))
    return ", ".join(["USA", *ordered] if with_usa else ordered)


def control_countries(control: str) -> frozenset[str]:
    """The foreign countries named by a REL TO or DISPLAY ONLY control (USA excluded)."""
    for prefix in (REL_TO.portion, DISPLAY_ONLY.portion):
        if control.startswith(prefix):
            rest = control[len(prefix) :]
            return frozenset(c.strip() for c in rest.split(",") if c.strip()) - {"USA"}
    return frozenset()
