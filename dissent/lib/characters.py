"""Characters no input may hold, whatever door it comes through: a NUL (PostgreSQL cannot
store it in text, and on SQLite it would cut the text short for some readers) and a lone
UTF-16 surrogate (JSON can carry "\\ud800", but it is not a character: UTF-8 has no
encoding for it). Refused with the field named, before any action sees the input."""

from __future__ import annotations

from dissent.lib.errors import InvalidInput


def check_text(value: object, field: str) -> str:
    """`value`, if it is text free of both; else InvalidInput naming `field`."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    problem = _problem(value)
    if problem:
        raise InvalidInput(f"{field} contains {problem}; remove it", field=field)
    return value


def check_parsed(data: object, field: str = "") -> None:
    """Every string in parsed input (JSON objects and arrays, a query string's values), each
    named by its place: `emails.3`, `q`."""
    if isinstance(data, str):
        check_text(data, field or "the input")
    elif isinstance(data, dict):
        for key, value in data.items():
            problem = _problem(key) if isinstance(key, str) else ""
            if problem:
                raise InvalidInput(f"a field name contains {problem}; remove it")
            name = f"{field}.{key}" if field else str(key)
            check_parsed(value, name)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_parsed(value, f"{field}.{i}" if field else str(i))


def _problem(value: str) -> str:
    if "\x00" in value:
        return "a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "an invalid character (a lone UTF-16 surrogate)"
    return ""
