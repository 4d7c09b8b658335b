"""Banners and summaries, and properties that must hold for any text."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dissent.markings import (
    CATEGORY_NAMES,
    Level,
    MarkingError,
    banner,
    parse,
    parse_mark,
    portion_summary,
    summary_text,
    validate,
)


def _banner(*marks: str) -> str:
    return banner(parse("\n\n".join(f"({m}) text" for m in marks)))


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ((), "UNCLASSIFIED"),
        (("U",), "UNCLASSIFIED"),
        (("U", "U"), "UNCLASSIFIED"),
        (("U", "SBU"), "SENSITIVE BUT UNCLASSIFIED"),
        (("SBU", "CUI"), "CUI"),
        (("U", "CUI", "CUI"), "CUI"),
        (("CUI//LEI", "CUI//SP-PRVCY//NF"), "CUI//SP-PRVCY/LEI//NOFORN"),
        (("CUI//PRVCY", "CUI//LEI/PRVCY", "CUI//SP-TAX"), "CUI//SP-TAX/LEI/PRVCY"),
        (("CUI//SP-PRVCY", "CUI//PRVCY"), "CUI//SP-PRVCY/PRVCY"),
        (("CUI//FEDCON", "CUI//DL ONLY/FED ONLY", "CUI"), "CUI//FED ONLY/FEDCON/DL ONLY"),
        (("CUI//NOCON", "CUI//PRVCY"), "CUI//PRVCY//NOCON"),
        (
            ("CUI//PRIVILEGE//AC/DELIB", "CUI//PRIVILEGE//AWP"),
            "CUI//PRIVILEGE//ATTORNEY-CLIENT/ATTORNEY-WP/DELIBERATIVE",
        ),
        (("CUI//NF", "CUI//FEDCON"), "CUI//NOFORN/FEDCON"),
        (("U", "CUI", "S"), "SECRET"),
        (("TS//SCI", "C"), "TOP SECRET"),
    ],
)
def test_banner_is_highest_level_with_all_categories_and_controls(
    marks: tuple[str, ...], expected: str
) -> None:
    assert _banner(*marks) == expected


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        # Only countries every portion may go to remain; a portion without a foreign
        # disclosure control does not narrow the list.
        (("CUI//REL TO USA, GBR", "CUI"), "CUI//REL TO USA, GBR"),
        (("CUI//REL TO USA, AUS, GBR", "CUI//REL TO USA, GBR, FVEY"), "CUI//REL TO USA, GBR"),
        (("CUI//REL TO USA, AUS", "CUI//REL TO USA, GBR"), "CUI//NOFORN"),
        (("CUI//REL TO USA, GBR", "CUI//NF"), "CUI//NOFORN"),
        (("CUI//NF", "CUI//DISPLAY ONLY"), "CUI//NOFORN"),
        (("CUI//DISPLAY ONLY FRA, GBR", "CUI//DISPLAY ONLY GBR"), "CUI//DISPLAY ONLY GBR"),
        (("CUI//DISPLAY ONLY FRA", "CUI//DISPLAY ONLY GBR"), "CUI//NOFORN"),
        (("CUI//DISPLAY ONLY", "CUI//PRVCY"), "CUI//PRVCY//DISPLAY ONLY"),
        (("CUI//DISPLAY ONLY", "CUI//REL TO USA, GBR"), "CUI//DISPLAY ONLY"),
        # Releasable to a country implies it may be shown there too.
        (("CUI//REL TO USA, GBR", "CUI//DISPLAY ONLY GBR, FRA"), "CUI//DISPLAY ONLY GBR"),
        (
            ("CUI//REL TO USA, FRA, GBR", "CUI//REL TO USA, GBR/DISPLAY ONLY FRA"),
            "CUI//REL TO USA, GBR/DISPLAY ONLY FRA",
        ),
        # REL TO and DISPLAY ONLY sit between DL ONLY and the attorney controls.
        (
            ("CUI//PRIVILEGE//FEDCON/DL ONLY/REL TO USA, GBR/AC", "CUI//FED ONLY"),
            "CUI//PRIVILEGE//FED ONLY/FEDCON/DL ONLY/REL TO USA, GBR/ATTORNEY-CLIENT",
        ),
    ],
)
def test_foreign_disclosure_controls_are_combined(marks: tuple[str, ...], expected: str) -> None:
    assert _banner(*marks) == expected


def test_unmarked_and_invalid_paragraphs_do_not_change_the_banner() -> None:
    doc = parse("(U) a\n\nunmarked\n\n(CUI//XYZ!) bad\n\n(CUI//LEI) b")
    assert banner(doc) == "CUI//LEI"
    assert banner(parse("plain text only")) == "UNCLASSIFIED"


def test_portion_summary_counts_each_level_lowest_first() -> None:
    doc = parse("(CUI) a\n\n(U) b\n\n(U) c\n\n(CUI//PRVCY) d\n\nnone\n\n(CUI//XYZ!) e")
    summary = portion_summary(doc)
    assert summary == {Level.U: 2, Level.CUI: 2}
    assert list(summary) == [Level.U, Level.CUI]
    assert summary_text(doc) == (
        "6 paragraphs: 2 (U), 2 (CUI), 1 without a mark, 1 with an invalid mark"
    )
    assert summary_text(parse("(U) one")) == "1 paragraph: 1 (U)"
    assert summary_text(parse("")) == "0 paragraphs"


# --- properties ------------------------------------------------------------------------

COUNTRIES = ["AUS", "CAN", "FRA", "GBR", "NZL", "FVEY", "NATO"]
CATEGORIES = sorted(CATEGORY_NAMES)
PLAIN_CONTROLS = ["FED ONLY", "FEDCON", "NOCON", "DL ONLY"]
SENTINEL = "zebrafinchsentinel"


@st.composite
def cui_marks(draw: st.DrawFn) -> str:
    categories = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
    categories = [draw(st.sampled_from(["", "SP-"])) + c for c in categories]
    controls = draw(st.lists(st.sampled_from(PLAIN_CONTROLS), max_size=2, unique=True))
    foreign = draw(st.sampled_from(["", "NF", "REL", "DISPLAY", "BOTH"]))
    if foreign == "NF":
        controls.append(draw(st.sampled_from(["NF", "NOFORN"])))
    for kind in ("REL", "DISPLAY"):
        if foreign in (kind, "BOTH"):
            countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3))
            head = "REL TO USA, " if kind == "REL" else "DISPLAY ONLY "
            controls.append(head + ", ".join(countries))
    if draw(st.booleans()):
        categories.append("PRIVILEGE")
        controls.append(draw(st.sampled_from(["AC", "AWP", "DELIB"])))
    categories = list(dict.fromkeys(draw(st.permutations(categories))))
    controls = draw(st.permutations(controls))
    groups = ["CUI", "/".join(categories), "/".join(controls)]
    return "//".join(g for g in groups if g)


valid_marks = st.one_of(
    st.sampled_from(["U", "SBU", "CUI", "C", "S", "TS", "S//NF", "TS//SCI"]), cui_marks()
)
words = st.text(alphabet="abcdefghij klmnop.,", min_size=1, max_size=30).map(str.strip)


@st.composite
def documents(draw: st.DrawFn, marks: st.SearchStrategy[str] = valid_marks) -> list[str]:
    """Paragraphs of marked text, each "(MARK) words"."""
    paragraphs = draw(st.lists(st.tuples(marks, words), max_size=8))
    return [f"({mark}) {text}" for mark, text in paragraphs]


def _level_of_banner(line: str) -> Level:
    names = {level.banner_name: level for level in Level}
    return names.get(line, Level.CUI if line.startswith("CUI") else Level.U)


@given(documents())
@settings(max_examples=200, deadline=None)
def test_banner_is_never_lower_than_a_portion_and_lists_everything(paragraphs: list[str]) -> None:
    doc = parse("\n\n".join(paragraphs))
    assert len(doc.portions) == len(paragraphs)
    line = banner(doc)
    assert all(_level_of_banner(line) >= p.level for p in doc.portions)
    if doc.highest_level == Level.CUI:
        banner_groups = line.split("//")
        for portion in doc.portions:
            for category in portion.categories:
                assert category in banner_groups[1].split("/")
            if "NF" in portion.controls:
                assert banner_groups[-1].split("/")[0] == "NOFORN"
            for control in ("FED ONLY", "FEDCON", "NOCON", "DL ONLY"):
                if control in portion.controls:
                    assert control in banner_groups[-1].split("/")


@given(documents(), st.integers(min_value=0), words)
@settings(max_examples=200, deadline=None)
def test_adding_a_u_paragraph_never_changes_the_banner(
    paragraphs: list[str], where: int, text: str
) -> None:
    before = banner(parse("\n\n".join(paragraphs)))
    at = where % (len(paragraphs) + 1)
    after = banner(parse("\n\n".join([*paragraphs[:at], f"(U) {text}", *paragraphs[at:]])))
    assert after == before


@given(documents(cui_marks()), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_banner_does_not_depend_on_paragraph_order(
    paragraphs: list[str], rnd: random.Random
) -> None:
    shuffled = list(paragraphs)
    rnd.shuffle(shuffled)
    assert banner(parse("\n\n".join(shuffled))) == banner(parse("\n\n".join(paragraphs)))


@given(cui_marks())
@settings(max_examples=200, deadline=None)
def test_canonical_marks_are_fixed_points(written: str) -> None:
    mark = parse_mark(written)
    assert parse_mark(mark.text[1:-1]) == mark


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_parse_is_total_and_accounts_for_every_paragraph(text: str) -> None:
    doc = parse(text)
    numbered = sorted(
        [p.index for p in doc.portions] + list(doc.unmarked) + [i.index for i in doc.invalid]
    )
    assert numbered == list(range(1, doc.paragraph_count + 1))
    banner(doc)
    summary_text(doc)
    try:
        validate(text, "CUI", require_marks=True)
    except MarkingError:
        pass


markdownish = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "(U) ",
                "(S) ",
                "(CUI//",
                "(cui) ",
                "- ",
                "# ",
                "> ",
                "```",
                "~~~",
                "---",
                "\n",
                "\n\n",
                "(CUI//REL TO ",
                "GBR, ",
                ")",
                "//",
                "(",
                " ",
            ]
        ),
        st.text(max_size=10),
    ),
    max_size=40,
).map("".join)


@given(markdownish)
@settings(max_examples=300, deadline=None)
def test_parse_is_total_on_markdown_like_text(text: str) -> None:
    doc = parse(text)
    assert doc.paragraph_count == len(doc.portions) + len(doc.unmarked) + len(doc.invalid)
    banner(doc)


bad_or_missing_marks = st.one_of(
    valid_marks.map(lambda m: f"({m}) "),
    st.sampled_from(
        [
            "",
            "(CUI//XYZ!) ",
            "(CUI/PRVCY) ",
            "(cui) ",
            "(U//FOUO) ",
            "(CUI//NF/REL TO USA, GBR) ",
            "- ",
            "# ",
            "(a) ",
            "(TOP SECRET//NOFORN) ",
            "(cui//",  # a mark attempt running into the text: closed by the paragraph's ")"
        ]
    ),
)


@given(
    st.lists(
        st.tuples(bad_or_missing_marks, words, words, st.sampled_from(["", ")"])),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["U", "SBU", "CUI"]),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_error_messages_never_contain_paragraph_text(
    paragraphs: list[tuple[str, str, str, str]], ceiling: str, require_marks: bool
) -> None:
    text = "\n\n".join(f"{mark}{a} {SENTINEL} {b}{end}" for mark, a, b, end in paragraphs)
    try:
        validate(text, ceiling, require_marks=require_marks)
    except MarkingError as error:
        assert SENTINEL not in str(error)
        assert all(SENTINEL not in p.message for p in error.problems)
    else:
        assume(False)  # only failures say anything about error messages
