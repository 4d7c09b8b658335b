"""Whole numbers typed into forms and query strings (the API's come through its schemas)."""

from __future__ import annotations

from dissent.lib.errors import InvalidInput

# Any number of at most 18 digits fits a database integer (and int() never meets its own
# limit of 4,300 digits).
MAX_DIGITS = 18
MAX_PAGE = 100_000  # pages and the API alike


def whole_number(
    raw: str | None, name: str, *, default: int | None = None, low: int = 1, high: int | None = None
) -> int:
    """`raw` as a number from `low` to `high`, or `default` when it is empty. ASCII digits
    only ("²" is a digit to str.isdigit, not to int); anything else is refused, naming the
    field and what it takes."""
    if not raw:
        if default is not None:
            return default
        raise InvalidInput(f"{name} is missing: give a whole number", field=name)
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS:
        value = int(raw)
        if value >= low and (high is None or value <= high):
            return value
    span = (
        f"from {low} to {high}"
        if high is not None
        else f"of {low} or more, {MAX_DIGITS} digits at most"
    )
    raise InvalidInput(f"{name} must be a whole number {span}, not {raw[:20]!r}", field=name)


def page_number(raw: str | None) -> int:
    """A list's `page` parameter: 1 when absent."""
    return whole_number(raw, "page", default=1, high=MAX_PAGE)
