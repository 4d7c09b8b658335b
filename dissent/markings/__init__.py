"""Portion marks and banners for marked Markdown (pure: standard library only, no Django).

Each paragraph of a message starts with a portion mark such as ``(U)``, ``(SBU)`` or
``(CUI//SP-PRVCY//NF)``; the banner is the highest level plus every category and control
used; a deployment refuses text marked above its ceiling. ``blocks`` states which parts
of a Markdown body count as portions.

    doc = validate(body, "CUI", require_marks=True)   # MarkingError if unacceptable
    banner(doc)                                        # "CUI//SP-PRVCY//NOFORN"
"""

from __future__ import annotations

from .banner import banner, portion_summary, summary_text
from .checks import MarkingError, Problem, check_ceiling, validate
from .document import InvalidMark, MarkedDocument, Portion, parse
from .levels import CEILINGS, DEFAULT_CEILING, Level, parse_ceiling
from .marks import Mark, MarkSyntaxError, parse_mark
from .registry import CATEGORY_NAMES, CONTROLS, describe_category, describe_control

__all__ = [
    "CATEGORY_NAMES",
    "CEILINGS",
    "CONTROLS",
    "DEFAULT_CEILING",
    "InvalidMark",
    "Level",
    "Mark",
    "MarkSyntaxError",
    "MarkedDocument",
    "MarkingError",
    "Portion",
    "Problem",
    "banner",
    "check_ceiling",
    "describe_category",
    "describe_control",
    "parse",
    "parse_ceiling",
    "parse_mark",
    "portion_summary",
    "summary_text",
    "validate",
]
