"""The banner line for the top and bottom of a marked document, and a per-level summary.

The banner is the highest portion level plus every category and dissemination control
used (CUI Registry marking notes; 32 CFR 2002.20(b)):

* ``UNCLASSIFIED`` if every portion is (U) or nothing is marked;
* ``SENSITIVE BUT UNCLASSIFIED`` if the highest portion is (SBU);
* ``CUI``, ``CUI//SP-PRVCY/LEI``, ``CUI//NOFORN``, ``CUI//SP-PRVCY/LEI//NOFORN/FEDCON`` …:
  the categories of all CUI portions (Specified first, then alphabetical) and their
  controls in banner form (NOFORN, not NF), in Registry order. Basic categories are
  listed too: the Registry makes them optional in banners and listing them hides nothing.
* a classified level name (``SECRET``) if a classified portion is present. Such text is
  never accepted here, so no classified banner syntax beyond the level is produced.

Controls that limit foreign disclosure are combined, not listed side by side, because
the document as a whole may only go where every portion may go. The CUI handbook gives
no rule for mixed portions, so this follows the classified-marking convention (only
countries common to all portions; NOFORN when none remain):

* each portion may be *released* to a set R of foreign countries and *shown* to a set
  D ⊇ R: NF gives R = D = {}; ``REL TO USA, X`` gives R = X; ``DISPLAY ONLY Y`` adds Y
  to D; a portion without such a control is unlimited;
* the document gets R = ∩R and D = ∩D, written ``REL TO USA, R`` and
  ``DISPLAY ONLY D-R``; if both are empty, ``NOFORN`` (or a bare ``DISPLAY ONLY`` when
  a portion says DISPLAY ONLY without naming countries and none says NF).

Every other control (FED ONLY, FEDCON, NOCON, DL ONLY, attorney and deliberative
controls) is the union over portions, since each binds the portion it is on.
"""

from __future__ import annotations

from .document import MarkedDocument, Portion
from .levels import Level
from .marks import category_sort_key, control_countries, join_countries, render
from .registry import CONTROL_ORDER, CONTROL_SPELLINGS, DISPLAY_ONLY, NOFORN, REL_TO

_FOREIGN = {NOFORN.portion, REL_TO.portion, DISPLAY_ONLY.portion}


def banner(doc: MarkedDocument) -> str:
    level = doc.highest_level
    if level != Level.CUI:
        return level.banner_name
    cui = [p for p in doc.portions if p.level == Level.CUI]
    categories = sorted({c for p in cui for c in p.categories}, key=category_sort_key)
    return render(Level.CUI, tuple(categories), _banner_controls(cui))


def _banner_controls(portions: list[Portion]) -> tuple[str, ...]:
    plain = {
        _name(control) for p in portions for control in p.controls if _name(control) not in _FOREIGN
    }
    ordered = sorted(plain, key=CONTROL_ORDER.__getitem__)
    banner_forms = [CONTROL_SPELLINGS[c].banner for c in ordered]
    foreign = _foreign_disclosure(portions)
    # NOFORN leads the Registry order; REL TO and DISPLAY ONLY follow DL ONLY.
    if foreign[:1] == [NOFORN.banner]:
        return (NOFORN.banner, *banner_forms)
    before = [b for c, b in zip(ordered, banner_forms, strict=True) if CONTROL_ORDER[c] < 5]
    after = [b for c, b in zip(ordered, banner_forms, strict=True) if CONTROL_ORDER[c] >= 5]
    return (*before, *foreign, *after)


def _foreign_disclosure(portions: list[Portion]) -> list[str]:
    release: frozenset[str] | None = None  # None: no portion limits it
    display: frozenset[str] | None = None
    bare_display = forbidden = False
    for portion in portions:
        names = {_name(c): c for c in portion.controls if _name(c) in _FOREIGN}
        if not names:
            continue
        forbidden |= NOFORN.portion in names
        rel = control_countries(names.get(REL_TO.portion, ""))
        shown = rel | control_countries(names.get(DISPLAY_ONLY.portion, ""))
        bare_display |= names.get(DISPLAY_ONLY.portion) == DISPLAY_ONLY.portion
        release = rel if release is None else release & rel
        display = shown if display is None else display & shown
    if release is None or display is None:
        return []
    extra = display - release
    controls = []
    if release:
        controls.append(f"{REL_TO.banner} {join_countries(release, True)}")
    if extra:
        controls.append(f"{DISPLAY_ONLY.banner} {join_countries(extra, False)}")
    if not controls:
        controls.append(DISPLAY_ONLY.banner if bare_display and not forbidden else NOFORN.banner)
    return controls


def _name(control: str) -> str:
    """The control a portion-form string is an instance of: "REL TO USA, GBR" -> "REL TO"."""
    for prefix in (REL_TO.portion, DISPLAY_ONLY.portion):
        if control.startswith(prefix):
            return prefix
    return control


def portion_summary(doc: MarkedDocument) -> dict[Level, int]:
    """How many portions carry each level, lowest level first; absent levels omitted."""
    counts = {level: 0 for level in Level}
    for portion in doc.portions:
        counts[portion.level] += 1
    return {level: n for level, n in counts.items() if n}


def summary_text(doc: MarkedDocument) -> str:
    """E.g. "5 paragraphs: 3 (U), 2 (CUI)" or "2 paragraphs: 1 (U), 1 without a mark"."""
    n = doc.paragraph_count
    parts = [f"{count} ({level.mark})" for level, count in portion_summary(doc).items()]
    if doc.unmarked:
        parts.append(f"{len(doc.unmarked)} without a mark")
    if doc.invalid:
        parts.append(f"{len(doc.invalid)} with an invalid mark")
    noun = "paragraph" if n == 1 else "paragraphs"
    return f"{n} {noun}: {', '.join(parts)}" if parts else f"{n} {noun}"
