"""Portion marks: what counts as a portion, which marks are valid, what is refused and how."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dissent.lib.errors import InvalidInput
from dissent.markings import (
    Level,
    MarkingError,
    MarkSyntaxError,
    check_ceiling,
    describe_category,
    describe_control,
    parse,
    parse_ceiling,
    parse_mark,
    validate,
)
from dissent.markings.marks import looks_like_mark

# --- single marks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical", "level", "categories", "controls"),
    [
        ("U", "(U)", Level.U, (), ()),
        ("SBU", "(SBU)", Level.SBU, (), ()),
        ("CUI", "(CUI)", Level.CUI, (), ()),
        ("CUI//SP-PRVCY", "(CUI//SP-PRVCY)", Level.CUI, ("SP-PRVCY",), ()),
        ("CUI//PRVCY", "(CUI//PRVCY)", Level.CUI, ("PRVCY",), ()),
        ("CUI//SP-PRVCY//NOFORN", "(CUI//SP-PRVCY//NF)", Level.CUI, ("SP-PRVCY",), ("NF",)),
        ("CUI//SP-PRVCY//NF", "(CUI//SP-PRVCY//NF)", Level.CUI, ("SP-PRVCY",), ("NF",)),
        ("CUI//LEI/PRVCY", "(CUI//LEI/PRVCY)", Level.CUI, ("LEI", "PRVCY"), ()),
        ("CUI//FEDCON", "(CUI//FEDCON)", Level.CUI, (), ("FEDCON",)),
        ("CUI//NOCON", "(CUI//NOCON)", Level.CUI, (), ("NOCON",)),
        ("CUI//REL TO USA, GBR", "(CUI//REL TO USA, GBR)", Level.CUI, (), ("REL TO USA, GBR",)),
        ("CUI//DL ONLY", "(CUI//DL ONLY)", Level.CUI, (), ("DL ONLY",)),
        ("CUI//FED ONLY", "(CUI//FED ONLY)", Level.CUI, (), ("FED ONLY",)),
        ("CUI//DISPLAY ONLY", "(CUI//DISPLAY ONLY)", Level.CUI, (), ("DISPLAY ONLY",)),
        ("CUI//PRIVILEGE//AC", "(CUI//PRIVILEGE//AC)", Level.CUI, ("PRIVILEGE",), ("AC",)),
        (
            "CUI//SP-PRIVILEGE//ATTORNEY-WP",
            "(CUI//SP-PRIVILEGE//AWP)",
            Level.CUI,
            ("SP-PRIVILEGE",),
            ("AWP",),
        ),
        # Not in the Registry table, but shaped like a category marking: accepted.
        ("CUI//NEWCAT", "(CUI//NEWCAT)", Level.CUI, ("NEWCAT",), ()),
    ],
)
def test_valid_marks(
    written: str,
    canonical: str,
    level: Level,
    categories: tuple[str, ...],
    controls: tuple[str, ...],
) -> None:
    mark = parse_mark(written)
    assert (mark.text, mark.level, mark.categories, mark.controls) == (
        canonical,
        level,
        categories,
        controls,
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        # Specified first, then alphabetical; controls in Registry order.
        ("CUI//PRVCY/SP-LEI/CTI", "(CUI//SP-LEI/CTI/PRVCY)"),
        ("CUI//SP-TAX/SP-EXPT/PROPIN/BUDG", "(CUI//SP-EXPT/SP-TAX/BUDG/PROPIN)"),
        ("CUI//DL ONLY/NOCON/FED ONLY", "(CUI//FED ONLY/NOCON/DL ONLY)"),
        # USA first, then trigraphs, then tetragraphs; USA added when left out.
        ("CUI//REL TO GBR, FVEY, USA, AUS", "(CUI//REL TO USA, AUS, GBR, FVEY)"),
        ("CUI//REL TO GBR", "(CUI//REL TO USA, GBR)"),
        ("CUI//REL TO USA,CAN,  GBR", "(CUI//REL TO USA, CAN, GBR)"),
        ("CUI//DISPLAY ONLY USA, IRQ, AFG", "(CUI//DISPLAY ONLY AFG, IRQ)"),
        ("CUI // SP-PRVCY / LEI", "(CUI//SP-PRVCY/LEI)"),
        ("  TOP   SECRET ", "(TOP SECRET)"),
    ],
)
def test_marks_are_put_in_canonical_order(written: str, canonical: str) -> None:
    assert parse_mark(written).text == canonical


def test_the_canonical_form_is_a_fixed_point() -> None:
    for written in ["CUI//PRVCY/SP-LEI//REL TO GBR/FEDCON", "CUI//DISPLAY ONLY FRA", "S//NF"]:
        canonical = parse_mark(written).text
        assert parse_mark(canonical[1:-1]).text == canonical


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("C", Level.CONFIDENTIAL),
        ("CONFIDENTIAL", Level.CONFIDENTIAL),
        ("S", Level.SECRET),
        ("SECRET", Level.SECRET),
        ("TS", Level.TOP_SECRET),
        ("TOP SECRET", Level.TOP_SECRET),
        ("S//NF", Level.SECRET),
        ("TS//SCI", Level.TOP_SECRET),
        ("TS/SCI", Level.TOP_SECRET),
        ("C//REL TO USA, GBR", Level.CONFIDENTIAL),
        ("SECRET//NOFORN", Level.SECRET),
        ("S//WHATEVER FOLLOWS!", Level.SECRET),
        ("//GBR S", Level.SECRET),
        ("//DEU TS", Level.TOP_SECRET),
        ("NS", Level.SECRET),
        ("CTS", Level.TOP_SECRET),
        ("s//nf", Level.SECRET),
        ("ts//sci", Level.TOP_SECRET),
    ],
)
def test_classified_marks_are_recognised_whatever_follows(written: str, level: Level) -> None:
    mark = parse_mark(written)
    assert mark.level == level
    assert mark.level.is_classified


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("CUI//XYZ!", "XYZ! is not a CUI category marking"),
        ("CUI//A", "A is not a CUI category marking"),
        ("CUI//ABCDEFGHIJKLM", "is not a CUI category marking"),
        ("CUI//SP-", "SP- is not a CUI category marking"),
        ("CUI//SP-SP-PRVCY", "is not a CUI category marking"),
        ("CUI/PRVCY", "put // between CUI and what follows"),
        ("U//FOUO", "FOUO is a legacy marking replaced by CUI"),
        ("FOUO", "FOUO is a legacy marking"),
        ("U//NF", "(U) takes no categories or controls"),
        ("SBU//NF", "(SBU) takes no categories or controls"),
        ("UNCLASSIFIED", "the portion mark for unclassified text is (U)"),
        ("CONTROLLED", "the portion mark for controlled text is (CUI)"),
        ("CUI//NF/PRVCY", "write categories first and dissemination controls after"),
        ("CUI//NF//PRVCY", "NF is a dissemination control: put it after a second //"),
        ("CUI//PRVCY//BOGUS", "BOGUS is not a limited dissemination control"),
        ("CUI//PRVCY//NF//FEDCON", "at most three parts"),
        ("CUI////NF", "a single / separates two markings"),
        ("CUI//PRVCY/", "a single / separates two markings"),
        ("CUI//PRVCY/PRVCY", "PRVCY appears twice"),
        ("CUI//NF/NOFORN", "NF appears twice"),
        ("CUI//REL TO USA, GBR/REL TO USA, FRA", "REL TO appears twice"),
        ("CUI//REL TO USA", "REL TO needs a country besides USA"),
        ("CUI//REL TO", "REL TO needs a country besides USA"),
        ("CUI//REL TOGBR", "is not a limited dissemination control"),
        ("CUI//REL TO USA, GB", "GB in REL TO is not a country code"),
        ("CUI//REL TO USA, GBR,", "an empty entry in REL TO is not a country code"),
        ("CUI//NF/REL TO USA, GBR", "NF (no foreign dissemination) contradicts REL TO"),
        ("CUI//NF/DISPLAY ONLY GBR", "contradicts REL TO and DISPLAY ONLY"),
        ("CUI//AC", "AC is only used with the Legal Privilege category"),
        ("CUI//PRVCY//DELIB", "DELIB is only used with the Legal Privilege category"),
        ("cui", "portion marks are written in capitals"),
        ("Cui//Prvcy", "portion marks are written in capitals"),
    ],
)
def test_invalid_marks_say_how_to_fix_them(written: str, reason: str) -> None:
    with pytest.raises(MarkSyntaxError) as caught:
        parse_mark(written)
    assert reason in str(caught.value)


def test_long_tokens_are_shortened_in_reasons() -> None:
    with pytest.raises(MarkSyntaxError) as caught:
        parse_mark("CUI//" + "Q" * 60)
    assert "Q" * 21 not in str(caught.value)


@pytest.mark.parametrize(
    "content", ["U", "SBU", "CUI", "cui", "u", "S", "TS/SCI", "X//Y", "FOUO", "s//nf", "Ts//Sci"]
)
def test_looks_like_a_mark(content: str) -> None:
    assert looks_like_mark(content)


@pytest.mark.parametrize(
    "content", ["a", "1", "A", "N/A", "see below", "USA", "c", "s", "ts", "ii", "and//or", ""]
)
def test_enumerators_and_asides_are_not_marks(content: str) -> None:
    assert not looks_like_mark(content)


# --- which parts of a Markdown body are portions --------------------------------------


def _marks(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.mark) for p in parse(text).portions]


def test_blank_lines_separate_portions_and_numbers_follow_the_text() -> None:
    doc = parse("(U) One.\nstill one.\n\n(CUI) Two.\n\n\nThree has none.\n")
    assert [(p.index, p.line, p.mark) for p in doc.portions] == [(1, 1, "(U)"), (2, 4, "(CUI)")]
    assert doc.unmarked == (3,)
    assert doc.lines == (1, 4, 7)
    assert doc.line_of(3) == 7
    assert doc.paragraph_count == 3


@pytest.mark.parametrize(
    "line",
    [
        "# (U) Heading",
        "###### (U) Deep heading",
        "- (U) bullet",
        "* (U) bullet",
        "+ (U) bullet",
        "1. (U) step",
        "12) (U) step",
        "> (U) quote",
        "> > (U) nested quote",
        "> - (U) quoted item",
        "- [ ] (U) task",
        "- [x] (U) done task",
        "| (U) cell | other |",
        "    (U) indented",
        "(U)No space after the mark",
    ],
)
def test_marks_follow_markdown_block_syntax(line: str) -> None:
    assert _marks(line) == [(1, "(U)")]


@pytest.mark.parametrize("line", ["#(U) not a heading", "-(U) not an item", "text (U) later"])
def test_a_mark_not_at_the_start_is_not_a_mark(line: str) -> None:
    assert parse(line).unmarked == (1,)


def test_every_line_starting_with_a_mark_starts_a_portion() -> None:
    text = "(U) Options:\n- (CUI//PRVCY) first\n- second, same portion\n(S) hard-wrapped\n"
    assert _marks(text) == [(1, "(U)"), (2, "(CUI//PRVCY)"), (4, "(S)")]


def test_a_list_group_without_a_mark_is_unmarked() -> None:
    doc = parse("(U) Lead paragraph.\n\n- item one\n- item two\n")
    assert doc.unmarked == (2,)


def test_paragraph_right_under_a_heading_needs_its_own_mark() -> None:
    doc = parse("# (U) Heading\nText under it.\n\n(U) Title\n=====\nMore text.\n")
    assert doc.unmarked == (2, 4)
    assert [p.index for p in doc.portions] == [1, 3]


def test_thematic_breaks_need_no_mark_and_end_the_block() -> None:
    doc = parse("(U) One.\n\n---\n\n***\n(U) Two.\n___\nThree.\n")
    assert [p.index for p in doc.portions] == [1, 2]
    assert doc.unmarked == (3,)


def test_fenced_code_belongs_to_the_portion_before_it() -> None:
    text = "(U) Config:\n\n```\nkey: value\n\nmore: value\n```\n\n~~~\nplain\n~~~\n\n(U) After.\n"
    doc = parse(text)
    assert [p.line for p in doc.portions] == [1, 13]
    assert doc.unmarked == ()


def test_marks_inside_fenced_code_still_count() -> None:
    doc = parse("(U) Look:\n```\n(S) hidden in code\n```\n")
    assert [p.mark for p in doc.portions] == ["(U)", "(S)"]


def test_fence_at_the_top_is_unmarked_and_closes_only_on_a_matching_fence() -> None:
    doc = parse("````\n```\n\nstill code\n````\nafter the fence\n\n(U) Next.\n")
    assert doc.unmarked == (1,)
    assert [p.line for p in doc.portions] == [8]


def test_unclosed_fence_runs_to_the_end() -> None:
    doc = parse("(U) Start\n```\n\nno more blocks\n\nhere\n")
    assert doc.paragraph_count == 1
    assert doc.unmarked == ()


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\u2028", "\x0c"])
def test_any_line_break_separates_lines(sep: str) -> None:
    assert [p.mark for p in parse(f"(U) one{sep}(S) two").portions] == ["(U)", "(S)"]


def test_empty_and_blank_text_has_no_paragraphs() -> None:
    for text in ["", "\n\n", "   \n\t\n"]:
        doc = parse(text)
        assert (doc.portions, doc.unmarked, doc.invalid) == ((), (), ())


def test_invalid_marks_are_kept_as_typed_and_shortened() -> None:
    doc = parse("(CUI//XYZ!) text\n\n(CUI//" + "A" * 70 + ") text\n")
    first = doc.invalid[0]
    assert (first.index, first.line, first.mark) == (1, 1, "(CUI//XYZ!)")
    assert doc.invalid[1].mark == "(CUI//" + "A" * 34 + "…)"
    assert doc.portions == ()


def test_written_mark_is_kept_when_it_differs_from_the_canonical_one() -> None:
    (portion,) = parse("(CUI//PRVCY/SP-LEI//NOFORN) text").portions
    assert portion.mark == "(CUI//SP-LEI/PRVCY//NF)"
    assert portion.written == "(CUI//PRVCY/SP-LEI//NOFORN)"
    (same,) = parse("(CUI) text").portions
    assert same.written == ""


# --- validation and the ceiling --------------------------------------------------------

GOOD = "# (U) Summary\n\n(CUI//SP-PRVCY) Names.\n\n- (U) one\n- two\n"


def test_validate_returns_the_document_when_all_is_well() -> None:
    doc = validate(GOOD, "CUI", require_marks=True)
    assert [p.mark for p in doc.portions] == ["(U)", "(CUI//SP-PRVCY)", "(U)"]


def test_unmarked_paragraphs_are_listed_by_number() -> None:
    text = "(U) One.\n\nTwo.\n\n(U) Three.\n\n(U) Four.\n\nFive.\n"
    with pytest.raises(MarkingError) as caught:
        validate(text, "CUI", require_marks=True)
    assert str(caught.value) == (
        "Paragraphs 2 and 5 have no portion mark: start each paragraph with (U), (SBU) or "
        "(CUI). Headings, list items and tables need one too, e.g. “# (U) Summary”."
    )
    (problem,) = caught.value.problems
    assert (problem.kind, problem.paragraphs, problem.lines) == ("unmarked", (2, 5), (3, 9))


def test_one_unmarked_paragraph_and_the_marks_offered_follow_the_ceiling() -> None:
    with pytest.raises(MarkingError) as caught:
        validate("(U) One.\n\nTwo.", "U", require_marks=True)
    assert str(caught.value).startswith("Paragraph 2 has no portion mark: start it with (U).")
    with pytest.raises(MarkingError) as caught:
        validate("Two.", "SBU", require_marks=True)
    assert "start it with (U) or (SBU)." in str(caught.value)


def test_runs_of_unmarked_paragraphs_are_shortened() -> None:
    text = "\n\n".join(["a", "b", "c", "d", "(U) e", "f", "(U) g", "h", "i"])
    with pytest.raises(MarkingError) as caught:
        validate(text, "CUI", require_marks=True)
    assert str(caught.value).startswith("Paragraphs 1 to 4, 6, 8 and 9 have no portion mark")


def test_unmarked_text_is_allowed_when_marks_are_not_required() -> None:
    doc = validate("Plain text.\n\n(CUI) Marked.", "CUI", require_marks=False)
    assert doc.unmarked == (1,)


def test_a_malformed_mark_is_refused_even_when_marks_are_not_required() -> None:
    text = "(U) a\n\n(U) b\n\n(U) c\n\n(CUI//XYZ!) d\n"
    with pytest.raises(MarkingError) as caught:
        validate(text, "CUI", require_marks=False)
    assert str(caught.value) == (
        "(CUI//XYZ!) in paragraph 4 is not a valid portion mark: XYZ! is not a CUI category "
        "marking; use the CUI Registry's marking, such as PRVCY (or SP-PRVCY for a Specified "
        "category)."
    )
    assert caught.value.problems[0].kind == "invalid_mark"


def test_a_lower_case_mark_is_not_repeated_back() -> None:
    with pytest.raises(MarkingError) as caught:
        validate("(cui//the plan names) x", "CUI")
    assert str(caught.value) == (
        "The portion mark of paragraph 1 is not valid: portion marks are written in capitals, "
        "e.g. (U) or (CUI)."
    )
    assert parse("(Cui) x").invalid[0].mark == ""


def test_classified_text_is_refused_and_pointed_to_the_classified_system() -> None:
    text = "(U) a\n\n(U) b\n\n(S) The secret part.\n"
    with pytest.raises(MarkingError) as caught:
        validate(text, "CUI", require_marks=True)
    assert str(caught.value) == (
        "Paragraph 3 is marked (S), above this system's ceiling of CUI. Classified dissent "
        "must go through the classified system; remove the text here."
    )
    (problem,) = caught.value.problems
    assert (problem.kind, problem.paragraphs, problem.lines) == ("above_ceiling", (3,), (5,))


def test_classified_marks_in_lower_case_are_refused_on_a_draft() -> None:
    doc = parse("(U) fine\n\n(ts//the plan) not fine")
    with pytest.raises(MarkingError) as caught:
        check_ceiling(doc, "CUI")
    assert str(caught.value).startswith("Paragraph 2 is marked (TS//…), above")
    assert "plan" not in str(caught.value)


def test_classified_text_is_refused_even_when_marks_are_not_required() -> None:
    with pytest.raises(MarkingError, match=r"marked \(TS//SCI\)"):
        validate("Plain.\n\n(TS//SCI) x", "CUI", require_marks=False)


@pytest.mark.parametrize(("mark", "ceiling"), [("CUI", "U"), ("CUI", "SBU"), ("SBU", "U")])
def test_unclassified_text_above_the_ceiling_names_the_level(mark: str, ceiling: str) -> None:
    with pytest.raises(MarkingError) as caught:
        validate(f"({mark}) x", ceiling, require_marks=True)
    assert str(caught.value) == (
        f"Paragraph 1 is marked ({mark}), above this system's ceiling of {ceiling}. This "
        f"system is not accredited for {mark} text; remove it here and send it through a "
        "system that is."
    )


def test_long_classified_marks_are_shortened_in_the_message() -> None:
    with pytest.raises(MarkingError) as caught:
        validate("(S//" + "X" * 70 + ") x", "CUI")
    assert "X" * 40 not in str(caught.value)
    assert "…)" in str(caught.value)


def test_all_problems_are_reported_most_serious_first() -> None:
    text = "Unmarked.\n\n(CUI//XYZ!) bad\n\n(S) secret\n\n(CUI) controlled\n"
    with pytest.raises(MarkingError) as caught:
        validate(text, "U", require_marks=True)
    problems = caught.value.problems
    assert [(p.kind, p.paragraphs) for p in problems] == [
        ("above_ceiling", (3,)),
        ("above_ceiling", (4,)),
        ("invalid_mark", (2,)),
        ("unmarked", (1,)),
    ]
    assert str(caught.value) == "\n".join(p.message for p in problems)


def test_marking_error_fits_the_error_envelope() -> None:
    with pytest.raises(MarkingError) as caught:
        validate("(S) x")
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInput)
    assert (error.code, error.status, error.field) == ("invalid_marking", 400, "body")
    assert error.message == str(error)


def test_check_ceiling_passes_at_and_below_and_refuses_above() -> None:
    doc = parse("(U) a\n\n(SBU) b\n\n(CUI) c")
    check_ceiling(doc, "CUI")
    check_ceiling(doc, Level.CUI)
    with pytest.raises(MarkingError, match="Paragraph 3 is marked"):
        check_ceiling(doc, "SBU")
    with pytest.raises(MarkingError, match=r"Paragraph 2 is marked.*\nParagraph 3 is marked"):
        check_ceiling(doc, "U")


def test_default_ceiling_is_cui() -> None:
    validate("(CUI) x")
    with pytest.raises(MarkingError):
        validate("(C) x")


@pytest.mark.parametrize(
    ("value", "level"), [("U", Level.U), ("sbu", Level.SBU), (" CUI ", Level.CUI)]
)
def test_parse_ceiling(value: str, level: Level) -> None:
    assert parse_ceiling(value) == level


@pytest.mark.parametrize("value", ["S", "SECRET", "TOP_SECRET", "", "cui//sp-prvcy", Level.SECRET])
def test_a_classified_or_unknown_ceiling_is_refused(value: str | Level) -> None:
    with pytest.raises(ValueError, match="must be one of U, SBU, CUI"):
        parse_ceiling(value)
    with pytest.raises(ValueError, match="must be one of U, SBU, CUI"):
        validate("(U) x", value)


def test_levels_are_ordered() -> None:
    order = [Level.U, Level.SBU, Level.CUI, Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET]
    assert sorted(order, reverse=True) == order[::-1]
    assert [level.mark for level in order] == ["U", "SBU", "CUI", "C", "S", "TS"]
    assert [level.is_classified for level in order] == [False] * 3 + [True] * 3


# --- registry and purity ---------------------------------------------------------------


def test_registry_names_for_display() -> None:
    assert describe_category("PRVCY") == "General Privacy"
    assert describe_category("SP-PRVCY") == "General Privacy (Specified)"
    assert describe_category("NEWCAT") is None
    assert describe_control("NF") == describe_control("NOFORN") == "No foreign dissemination"
    assert describe_control("REL TO USA, GBR") == "Authorized for release to certain nationals only"
    assert describe_control("BOGUS") is None


def test_markings_import_no_django() -> None:
    code = (
        "import sys, dissent.markings\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja'))\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
